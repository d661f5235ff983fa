"""Subject access over HTTP: everything held about a contact, for an admin (the
data-protection officer's request), as JSON or as a zip archive."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.domain import subject_access
from app.http.deps import AuditedReadSessionDep, CurrentUser, IdPath
from app.http.presenters.subject_access import archive_name, dossier_archive, dossier_read
from app.schemas.subject_access import SubjectAccessRead

router = APIRouter(prefix="/v1", tags=["contacts"])
# Personal data of every visibility: no copy in a proxy or the browser's cache.
NO_STORE = "no-store"


@router.get(
    "/contacts/{contact_id}/subject-access",
    response_model=SubjectAccessRead,
    responses={
        200: {
            "content": {"application/zip": {}},
            "description": "The dossier as JSON, or with `format=zip` as a zip archive "
            "(README.txt, subject-access.json, notes/note-<id>.md).",
        },
        403: {"description": "Admins only."},
        404: {"description": "No such contact."},
    },
)
def subject_access_request(
    contact_id: IdPath,
    session: AuditedReadSessionDep,
    user: CurrentUser,
    response: Response,
    format: Annotated[
        Literal["json", "zip"], Query(description="`zip` for a downloadable archive.")
    ] = "json",
) -> SubjectAccessRead | Response:
    """Everything Tacit holds about the contact, whoever wrote it and whoever may read it
    (admins): the record, every note linked to them or naming them (private and deleted ones
    too) with its source, author and dates, role decisions, who read those notes and when,
    searches and e-mail naming them. Audited as `contact.subject_access`."""
    dossier = subject_access.subject_access(session, user, contact_id, format=format, via="api")
    read = dossier_read(dossier)
    if format == "json":
        response.headers["Cache-Control"] = NO_STORE
        return read
    return Response(
        dossier_archive(read),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{archive_name(read)}"',
            "Cache-Control": NO_STORE,
        },
    )

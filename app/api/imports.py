"""Imports over HTTP: a CSV file of notes, or the data set's JSON Lines files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from app.domain.transfer import dispatch
from app.domain.transfer.report import MAX_LISTED, ImportFile, ImportReport, in_order
from app.errors import Invalid, UnsupportedMediaType
from app.http.deps import CurrentUser, SessionDep, SettingsDep
from app.http.presenters.notes import note_warning
from app.schemas.imports import (
    ImportProblemRead,
    ImportReportRead,
    ImportSkippedRead,
    ImportWarningRead,
)

router = APIRouter(prefix="/v1/imports", tags=["imports"])

# The body limit of this path is TACIT_MAX_IMPORT_BYTES, not the API's (see app.main).
IMPORTS_PATH = "/v1/imports"
_MAX_PARTS = 10  # a data set is four files; a few more get a clear 422, not a parser's 400
_MULTIPART_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "additionalProperties": False,
                    "properties": {
                        "files": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": _MAX_PARTS,
                            "items": {"type": "string", "format": "binary"},
                            "description": "One .csv file of notes, or any of users.jsonl, "
                            "accounts.jsonl, contacts.jsonl and notes.jsonl (a data set).",
                        }
                    },
                }
            }
        },
    }
}


async def uploaded_files(request: Request, _: CurrentUser) -> list[ImportFile]:
    """The ``files`` parts, read only once the caller is known (they may be tens of MB)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType(
            f"send the files as multipart/form-data parts named files, not {media_type or '?'}"
        )
    files: list[ImportFile] = []
    try:
        form = await request.form(max_files=_MAX_PARTS, max_fields=_MAX_PARTS)
    except HTTPException as exc:  # the parser's 400: too many parts, a malformed body
        raise Invalid(f"the multipart body cannot be read: {exc.detail}") from exc
    try:
        for part in form.getlist("files"):
            if not isinstance(part, UploadFile) or not part.filename:
                raise Invalid("each files part must be a file, with its file name")
            files.append(ImportFile(dispatch.file_name(part.filename), await part.read()))
    finally:
        await form.close()
    if not files:
        raise Invalid("no files: send the file(s) to import as multipart parts named files")
    return files


UploadedFiles = Annotated[list[ImportFile], Depends(uploaded_files)]


def report_read(report: ImportReport) -> ImportReportRead:
    return ImportReportRead(
        format=report.format,
        dry_run=report.dry_run,
        created=report.counts(report.created),
        updated=report.counts(report.updated),
        unchanged=report.counts(report.unchanged),
        skipped=[
            ImportSkippedRead(file=s.file, line=s.line, reason=s.reason)
            for s in report.skipped[:MAX_LISTED]
        ],
        warnings=[
            ImportWarningRead(file=w.file, line=w.line, **note_warning(w.warning).model_dump())
            for w in report.warnings[:MAX_LISTED]
        ],
        problems=[
            ImportProblemRead(file=p.file, line=p.line, column=p.column, problem=p.problem)
            for p in in_order(report.problems)[:MAX_LISTED]
        ],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportReportRead,
    response_model_exclude_none=True,
    openapi_extra=_MULTIPART_BODY,
    responses={
        200: {"model": ImportReportRead, "description": "A dry run, or nothing changed."},
        403: {"description": "A data set, and you are not an admin."},
        413: {"description": "Larger than TACIT_MAX_IMPORT_BYTES."},
        415: {"description": "Not multipart/form-data."},
        422: {
            "description": "Problems (listed in `problems`, each with file, line, column and "
            "problem); nothing was written."
        },
    },
)
def create_import(
    files: UploadedFiles,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    response: Response,
    dry_run: Annotated[
        bool, Query(description="Check everything and report, but write nothing.")
    ] = False,
) -> ImportReportRead:
    """Import one CSV file of notes (anyone: your own rows; a manager: also your team's; an
    admin: anyone's; never over a note that is not yours to change), or a data set's .jsonl
    files (admins). All or nothing; a second run changes nothing."""
    report = dispatch.import_files(
        session,
        files,
        caller=user,
        dry_run=dry_run,
        sensitive_categories=settings.sensitive_categories,
    )
    if not report.wrote:
        response.status_code = status.HTTP_200_OK
    return report_read(report)

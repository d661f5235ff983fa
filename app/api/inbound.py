"""E-mail capture over HTTP: raw messages in, notes (or inbox items) out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse

from app.db.models import InboundMessage, Note
from app.domain import inbound
from app.errors import Invalid, UnsupportedMediaType
from app.http.deps import CurrentUser, IdPath, PagingDep, SessionDep, SettingsDep, page_of
from app.http.presenters.notes import saved_fields
from app.schemas.common import Page
from app.schemas.inbound import (
    AttachmentRead,
    CapturedNote,
    InboundFile,
    InboundRead,
    InboundReplayed,
)

router = APIRouter(prefix="/v1/inbound", tags=["inbound"])

# The body limit of this path is TACIT_MAX_EMAIL_BYTES, not the API's (see app.main).
EMAIL_PATH = "/v1/inbound/email"
_MAIL_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")
_RAW_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The raw RFC 822 message, exactly as received (an .eml file).",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _MAIL_TYPES},
    }
}


async def raw_message(request: Request, _: CurrentUser) -> bytes:
    """The request body, read only once the caller is known (it may be tens of megabytes)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type and media_type not in _MAIL_TYPES:
        raise UnsupportedMediaType(
            f"send the raw message as {', '.join(_MAIL_TYPES)}, not {media_type}"
        )
    body = await request.body()
    if not body.strip():
        raise Invalid("the body is empty: send the raw message (an .eml file)")
    return body


RawMessage = Annotated[bytes, Depends(raw_message)]


def captured_note(note: Note, item: InboundMessage) -> CapturedNote:
    return CapturedNote(
        **saved_fields(note),
        message_id=item.message_id,
        inbound_id=item.id,
        attachments=[AttachmentRead.model_validate(a) for a in item.attachments],
    )


@router.post(
    "/email",
    status_code=status.HTTP_201_CREATED,
    response_model=None,
    openapi_extra=_RAW_BODY,
    responses={
        201: {"model": CapturedNote, "description": "Captured as a note."},
        202: {"model": InboundRead, "description": "No account recognised: in your inbox."},
        200: {
            "description": "Delivered before (`Idempotent-Replayed: true`): to its sender, the "
            "note as they may read it now (or their inbox item); to anyone else (the mail "
            "gateway), only `message_id` and `replayed`.",
        },
        403: {"description": "The message is not from you, and you are not an admin."},
        410: {"description": "Delivered before, and its note has since been deleted."},
        413: {"description": "Larger than TACIT_MAX_EMAIL_BYTES."},
        422: {"description": "No sender, or a sender who is not a Tacit user."},
    },
)
def capture_email(
    raw: RawMessage, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> JSONResponse:
    """Capture an e-mail as a note by its sender, on the account its participants point to.

    Send your own mail, or anyone's with an admin token (the mail gateway). The same
    Message-ID from the same sender is captured once, whatever the number of deliveries; a
    repeat shows the note only to its sender. The note is the team's, or private when it
    states a sensitive fact."""
    captured = inbound.capture_email(
        session, raw, caller=user, sensitive_categories=settings.sensitive_categories
    )
    headers: dict[str, str] = {}
    if captured.outcome == "replayed":
        code = status.HTTP_200_OK
        headers["Idempotent-Replayed"] = "true"
    elif captured.note is not None:
        code = status.HTTP_201_CREATED
    else:
        code = status.HTTP_202_ACCEPTED
    if not captured.shown:
        replayed = InboundReplayed(message_id=captured.item.message_id)
        return JSONResponse(replayed.model_dump(mode="json"), status_code=code, headers=headers)
    if captured.note is not None:
        body: CapturedNote | InboundRead = captured_note(captured.note, captured.item)
        headers["Location"] = f"/v1/notes/{captured.note.id}"
    else:
        body = InboundRead.model_validate(captured.item)
        headers["Location"] = f"/v1/inbound/{captured.item.id}"
    return JSONResponse(body.model_dump(mode="json"), status_code=code, headers=headers)


@router.get("")
def list_inbound(session: SessionDep, user: CurrentUser, paging: PagingDep) -> Page[InboundRead]:
    """Your captured messages whose account was not recognised, newest first."""
    page = inbound.list_unresolved(session, user, limit=paging.limit, cursor=paging.cursor)
    return page_of(InboundRead, page)


@router.get("/{item_id}", responses={404: {"description": "Missing, or not yours."}})
def get_inbound(item_id: IdPath, session: SessionDep, user: CurrentUser) -> InboundRead:
    """One of your captured e-mails that is not filed yet, with the accounts it could
    belong to."""
    return InboundRead.model_validate(inbound.get_message(session, user, item_id))


@router.post(
    "/{item_id}/file",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "Missing, or not yours."},
        409: {"description": "Already filed."},
    },
)
def file_inbound(
    item_id: IdPath,
    data: InboundFile,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    response: Response,
) -> CapturedNote:
    """File a message from your inbox as a note on the account you name."""
    item, note = inbound.file_message(
        session, user, item_id, data, sensitive_categories=settings.sensitive_categories
    )
    response.headers["Location"] = f"/v1/notes/{note.id}"
    return captured_note(note, item)

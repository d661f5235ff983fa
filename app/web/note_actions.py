"""A note's page and what its readers do with it: mark it helpful, verify it, flag it, and, as
its author or a curator, edit, delete, supersede or archive it.

Each action calls the domain function the API's route calls, so the access rule is the API's
(``app.domain.access``): a note the viewer may not read is the 404 page, one they may read but
not change is the 403 page, and the page shows only the buttons the rule allows.

An edit carries the ETag of the version the writer started from, as the API's ``If-Match``.
When someone saved another version meanwhile, nothing is saved and the form comes back with
the writer's text as typed and the current text beside it, so no one's words are lost; a
second save replaces the current version knowingly. A delete carries the ETag too: a note that
changed since it was shown is not deleted unseen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.db.models import Note, Visibility
from app.domain import access, flags, freshness, notes, reuse, sensitivity
from app.errors import Conflict, Invalid, PreconditionFailed
from app.http.deps import (
    ConnectionDep,
    IdPath,
    SessionDep,
    SettingsDep,
    etag,
    parse_if_match,
)
from app.web.auth import CsrfChecked, SignedIn, Viewer, safe_next
from app.web.forms import EditForm, parse_id
from app.web.pages import FormText, WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)
# Where a form asks to go back to after its action (a path of this site only: ``safe_next``).
NextUrl = Annotated[str, Form(alias="next")]

SUPERSEDE_CHOICES = 20  # the viewer's latest notes on the account, to pick the newer one from
AUDIENCES = {
    Visibility.private.value: "Only the author",
    Visibility.team.value: "The author's team",
    Visibility.company.value: "Everyone",
}
# What the note page says after an action (its address says which, so a reload repeats it).
DONE = {
    "saved": "Saved. It can be found by its words now, and by its meaning within seconds.",
    "verified": "Verified. The note counts as current again.",
    "flagged": "Flagged for review. Its author and the curators see it in their queue.",
    "superseded": "Marked as superseded: it stays, and ranks below the newer note.",
}


def _note_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    note: Note,
    *,
    done: str = "",
    alert: str | None = None,
    status: int = 200,
) -> Response:
    own = note.author_id == viewer.user.id
    may_curate = access.can_curate(viewer.user, note)
    newer: list[Note] = []
    if may_curate and note.superseded_by_id is None:
        mine = notes.NoteFilters(account_id=note.account_id, author_id=viewer.user.id)
        page = notes.list_notes(session, viewer.user, mine, limit=SUPERSEDE_CHOICES, cursor=None)
        newer = [n for n in page.items if n.id != note.id]
    return render(
        request,
        "note.html",
        {
            "note": note,
            "etag": etag(note.version),
            "notice": DONE.get(done),
            "alert": alert,
            "verifier": note.verified_by,
            "own": own,
            # Only its author can act on a warning; readers see the note's categories.
            "warnings": sensitivity.note_warnings(note) if own else [],
            "may_edit": access.can_edit(viewer.user, note),
            "may_curate": may_curate,
            "newer": newer,
            "marked_helpful": reuse.marked_helpful(session, viewer.user, note),
        },
        status=status,
    )


@router.get("/notes/{note_id}")
def note_page(
    request: Request,
    note_id: IdPath,
    session: SessionDep,
    viewer: SignedIn,
    conn: ConnectionDep,
    saved: str = "",
    verified: str = "",
    done: str = "",
) -> Response:
    note = notes.get_note(session, viewer.user, note_id)
    reuse.record_views(conn, viewer.user, [note], kind="opened", source="web")
    shown = "saved" if saved == "1" else "verified" if verified == "1" else done
    return _note_page(request, session, viewer, note, done=shown)


@router.post("/notes/{note_id}/helpful")
def mark_helpful(
    note_id: IdPath, session: SessionDep, viewer: CsrfChecked, undo: Annotated[str, Form()] = ""
) -> Response:
    """The reader says the note helped (or takes it back); it counts toward the author's reuse."""
    if undo:
        reuse.unmark_helpful(session, viewer.user, note_id)
    else:
        reuse.mark_helpful(session, viewer.user, note_id)
    return RedirectResponse(f"/notes/{note_id}", status_code=303)


@router.post("/notes/{note_id}/verify")
def verify_note(
    note_id: IdPath, session: SessionDep, viewer: CsrfChecked, next_url: NextUrl = ""
) -> Response:
    """The reader confirms the note still holds; back to the note, which says so (or to the
    page the form came from: the curation queue)."""
    freshness.verify_note(session, viewer.user, note_id)
    target = safe_next(next_url) if next_url else f"/notes/{note_id}?verified=1"
    return RedirectResponse(target, status_code=303)


@router.post("/notes/{note_id}/flag")
def flag_note(
    request: Request,
    note_id: IdPath,
    session: SessionDep,
    viewer: CsrfChecked,
    reason: FormText = "",
) -> Response:
    """Any reader asks for a review, with a reason (``POST /v1/notes/{id}/flags``)."""
    note = notes.get_note(session, viewer.user, note_id)
    text = " ".join(reason.split())
    if not text or len(text) > 500:
        alert = "Say in at most 500 characters what seems wrong or out of date."
        return _note_page(request, session, viewer, note, alert=alert, status=422)
    try:
        flags.flag_note(session, viewer.user, note_id, text)
    except Conflict:
        alert = "You already flagged this note, and that flag is still open."
        return _note_page(request, session, viewer, note, alert=alert, status=409)
    return RedirectResponse(f"/notes/{note_id}?done=flagged", status_code=303)


@router.post("/notes/{note_id}/supersede")
def supersede_note(
    request: Request,
    note_id: IdPath,
    session: SessionDep,
    viewer: CsrfChecked,
    by: FormText = "",
) -> Response:
    """Mark the note as replaced by a newer one (``POST /v1/notes/{id}/supersede``)."""
    note = notes.get_note(session, viewer.user, note_id)
    newer_id = parse_id(by)
    if newer_id is None:
        alert = "Choose the newer note that replaces this one."
        return _note_page(request, session, viewer, note, alert=alert, status=422)
    try:
        freshness.supersede_by(session, viewer.user, note_id=note_id, by_id=newer_id)
    except Invalid as exc:
        alert = f"Not marked: {exc.detail}."
        return _note_page(request, session, viewer, note, alert=alert, status=422)
    return RedirectResponse(f"/notes/{note_id}?done=superseded", status_code=303)


@router.post("/notes/{note_id}/archive")
def archive_note(
    note_id: IdPath, session: SessionDep, viewer: CsrfChecked, next_url: NextUrl = ""
) -> Response:
    """A curator takes the note out of every read path; its flags close. Back to the account,
    or to the page the form came from."""
    account_id = notes.get_note(session, viewer.user, note_id).account_id
    notes.archive_note(session, viewer.user, note_id)
    target = safe_next(next_url) if next_url else f"/accounts/{account_id}?removed=archived"
    return RedirectResponse(target, status_code=303)


@router.post("/notes/{note_id}/delete")
def delete_note(
    request: Request,
    note_id: IdPath,
    session: SessionDep,
    viewer: CsrfChecked,
    if_match: FormText = "",
) -> Response:
    """The author (or an admin) deletes the note, as it was shown (``If-Match``)."""
    note = notes.get_note(session, viewer.user, note_id)
    expected = parse_if_match(if_match or None, required=True)
    try:
        notes.delete_note(session, viewer.user, note_id, expected_version=expected)
    except PreconditionFailed:
        alert = "Not deleted: someone changed this note since you opened it. Here it is now."
        return _note_page(request, session, viewer, note, alert=alert, status=412)
    return RedirectResponse(f"/accounts/{note.account_id}?removed=deleted", status_code=303)


def _edit_page(
    request: Request,
    note: Note,
    form: EditForm,
    *,
    current: Note | None = None,
    status: int = 200,
) -> Response:
    context = {"note": note, "form": form, "current": current, "audiences": AUDIENCES}
    return render(request, "note_edit.html", context, status=status)


@router.get("/notes/{note_id}/edit")
def edit_page(request: Request, note_id: IdPath, session: SessionDep, viewer: SignedIn) -> Response:
    note = notes.get_note(session, viewer.user, note_id)
    access.ensure_can_edit(viewer.user, note)
    form = EditForm(body=note.body, visibility=note.visibility.value, if_match=etag(note.version))
    return _edit_page(request, note, form)


@router.post("/notes/{note_id}/edit")
def edit_note(
    request: Request,
    note_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    viewer: CsrfChecked,
    body: FormText = "",
    visibility: FormText = "",
    if_match: FormText = "",
) -> Response:
    note = notes.get_note(session, viewer.user, note_id)
    access.ensure_can_edit(viewer.user, note)
    form = EditForm(body=body, visibility=visibility, if_match=if_match)
    expected = parse_if_match(if_match or None, required=True)
    assert expected is not None
    data = form.to_update()
    if data is None:
        return _edit_page(request, note, form, status=422)
    try:
        notes.update_note(
            session,
            viewer.user,
            note_id,
            data,
            expected_version=expected,
            sensitive_categories=settings.sensitive_categories,
        )
    except PreconditionFailed:
        # Saving again now replaces the version the writer has just been shown.
        form.if_match = etag(note.version)
        return _edit_page(request, note, form, current=note, status=412)
    return RedirectResponse(f"/notes/{note_id}?saved=1", status_code=303)

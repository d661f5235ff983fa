"""CSV export of notes, in the columns the CSV import (``csv_import``) reads back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.engine import Database
from app.db.models import Note, User
from app.domain import audit
from app.domain.access import Principal, visible_notes
from app.domain.transfer import csv_format
from app.domain.transfer.report import Progress, no_progress


def _export_row(note: Note) -> dict[str, str]:
    author, account = note.author, note.account
    return {
        "external_id": note.external_id or f"tacit-note-{note.id}",
        "activity_date": csv_format.format_date(note.observed_at),
        "owner_email": author.email or author.external_id or author.name,
        "company": account.name,
        "company_domain": account.domains[0] if account.domains else "",
        "contact_email": "; ".join(c.email for c in note.contacts if c.email),
        "visibility": note.visibility.value,
        "body": note.body,
    }


def export_notes_csv(
    session: Session, *, viewer: Principal, batch: int = 500
) -> Iterator[tuple[str, int]]:
    """The notes ``viewer`` may read (the system: every live note), oldest id first, as CSV text in
    the import's columns: (text, notes in it) pieces, the header first (UTF-8 with a byte-order
    mark, so that spreadsheets read it as UTF-8)."""
    yield "\ufeff" + csv_format.write_rows([], header=True), 0
    last = 0
    while True:
        stmt = (
            select(Note).where(visible_notes(viewer), Note.id > last).order_by(Note.id).limit(batch)
        )
        page = list(session.scalars(stmt))
        if not page:
            return
        yield csv_format.write_rows((_export_row(n) for n in page), header=False), len(page)
        last = page[-1].id


def stream_notes_csv(db: Database, *, viewer: User) -> Iterator[bytes]:
    """``export_notes_csv`` for an HTTP response, read in one read-only transaction of its
    own: the request's connection is back in the pool before the body is sent."""
    with db.session(write=False) as session:
        for text, _ in export_notes_csv(session, viewer=viewer):
            yield text.encode("utf-8")


def export_notes_csv_file(
    session: Session, path: Path, *, viewer: Principal, progress: Progress = no_progress
) -> int:
    """``export_notes_csv`` into a file (written aside, then put in place); the notes written."""
    total = session.scalar(select(func.count()).select_from(Note).where(visible_notes(viewer))) or 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    written = 0
    with tmp.open("w", encoding="utf-8", newline="") as out:
        for text, count in export_notes_csv(session, viewer=viewer):
            out.write(text)
            written += count
            progress("exporting notes", written, total)
    tmp.replace(path)  # a reader never sees half a file
    audit.record(session, viewer, "export", target_type="notes.csv", path=str(path), notes=written)
    return written

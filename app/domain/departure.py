"""What becomes of a leaver's private notes when they are deactivated
(``TACIT_PRIVATE_NOTES_ON_DEPARTURE``), applied in the deactivation's own unit of work:

- ``keep`` (the default): they stay private. Their author can no longer read them, so nobody
  can; this is what authors were promised when they chose ``private``.
- ``team``: each becomes a team note of the author's team (their team at deactivation), as an
  edit by the admin who deactivated them, audited per note and as ``user.departure_share``.
  An author in no team has no team to hand them to: they stay private.

Authors are told which rule holds where they choose ``private`` (the note schema's description
and the web form), so nobody is surprised."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Note, User, Visibility
from app.domain import audit, notes
from app.domain.access import Principal

DepartureRule = Literal["keep", "team"]


def apply_departure_rule(
    session: Session, actor: Principal, leaver: User, *, rule: DepartureRule
) -> int:
    """Returns how many private notes became team notes (0 under ``keep``)."""
    # A note's version names a person: deactivated from the command line (no person), the
    # leaver's own; the audit trail below names the system.
    editor = actor if isinstance(actor, User) else leaver
    team_id = leaver.team.id if leaver.team is not None else None
    if rule == "keep" or team_id is None:
        return 0
    moved = 0
    for note in session.scalars(
        select(Note)
        .where(
            Note.author_id == leaver.id,
            Note.visibility == Visibility.private,
            Note.deleted_at.is_(None),
        )
        .order_by(Note.id)
    ):
        note.team_id = team_id
        notes.change_visibility(session, editor, note, Visibility.team)
        moved += 1
    audit.record(
        session,
        actor,
        "user.departure_share",
        target_type="user",
        target_id=leaver.id,
        rule=rule,
        notes=moved,
    )
    return moved

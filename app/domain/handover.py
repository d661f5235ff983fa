"""What Tacit would lose when someone leaves, and the bulk share that keeps it.

The report (``handover_report``) is for an admin or the leaver's manager: per account the
leaver wrote on, how many of their notes are private, team and company (counts, never text),
whether they are its only source, the contacts only they documented and the stale facts only
they can verify.

Whose knowledge counts beside the leaver's: active colleagues' shared notes the viewer may
read (``counted_in_coverage``), as in the coverage analytics, so that a count never reveals a
note the viewer may not read; a deactivated colleague is nobody to ask. The leaver's own notes
count at every visibility: a private note is knowledge in their head alone, which is the point.

- **Only source**: the account's bus factor (``analytics.bus_factor``) over those counts is 1
  and the leaver wrote the most.
- **Contacts only they documented**: linked to or mentioned by a live note of theirs and by
  no counted note of a colleague.
- **Stale facts only they can verify**: their live, stale, not superseded notes that either
  nobody else may read (private: nobody else can verify them), or on whose account no counted
  colleague's note was observed since the fact was last known to hold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, CompoundSelect, and_, func, select, union
from sqlalchemy.orm import Session

from app.db.models import Account, Contact, Mention, Note, User, Visibility, note_contacts
from app.domain import audit, notes
from app.domain.access import counted_in_coverage, ensure_can_see_handover
from app.domain.analytics import bus_factor
from app.domain.freshness import last_known
from app.domain.users import get_user
from app.errors import Invalid


@dataclass
class AccountHandover:
    account: Account
    notes: Counter[str] = field(default_factory=Counter)  # by visibility
    only_source: bool = False
    stale_only_they_can_verify: int = 0


@dataclass(frozen=True)
class HandoverReport:
    user: User
    accounts: list[AccountHandover]
    contacts_only_they_documented: list[Contact]


def ensure_can_see(session: Session, viewer: User, user_id: int) -> User:
    """The user whose handover ``viewer`` asks for: 404 if none, 403 if not theirs to see."""
    subject = get_user(session, user_id)
    ensure_can_see_handover(viewer, subject)
    return subject


def handover_report(
    session: Session, viewer: User, user_id: int, *, now: datetime
) -> HandoverReport:
    subject = ensure_can_see(session, viewer, user_id)
    theirs = and_(Note.author_id == subject.id, Note.deleted_at.is_(None))
    colleagues = and_(
        counted_in_coverage(viewer),
        Note.author_id != subject.id,
        Note.author_id.in_(select(User.id).where(User.is_active.is_(True))),
    )
    rows: dict[int, AccountHandover] = {}
    for account_id, visibility, count in session.execute(
        select(Note.account_id, Note.visibility, func.count())
        .where(theirs)
        .group_by(Note.account_id, Note.visibility)
    ):
        if account_id not in rows:
            rows[account_id] = AccountHandover(session.get_one(Account, account_id))
        rows[account_id].notes[visibility.value] = count
    _mark_only_sources(session, rows, subject, colleagues)
    _count_stale(session, rows, theirs, colleagues, now=now)
    ordered = sorted(rows.values(), key=lambda r: (not r.only_source, r.account.name.lower()))
    return HandoverReport(subject, ordered, _lone_contacts(session, theirs, colleagues))


def _mark_only_sources(
    session: Session,
    rows: dict[int, AccountHandover],
    subject: User,
    colleagues: ColumnElement[bool],
) -> None:
    others: defaultdict[int, list[int]] = defaultdict(list)
    for account_id, count in session.execute(
        select(Note.account_id, func.count())
        .where(colleagues, Note.account_id.in_(list(rows)))
        .group_by(Note.account_id, Note.author_id)
    ):
        others[account_id].append(count)
    for account_id, row in rows.items():
        own = sum(row.notes.values())
        counts = [own, *others[account_id]]
        row.only_source = bus_factor(counts) == 1 and own >= max(counts)


def _count_stale(
    session: Session,
    rows: dict[int, AccountHandover],
    theirs: ColumnElement[bool],
    colleagues: ColumnElement[bool],
    *,
    now: datetime,
) -> None:
    latest = dict(
        session.execute(
            select(Note.account_id, func.max(Note.observed_at))
            .where(colleagues, Note.account_id.in_(list(rows)))
            .group_by(Note.account_id)
        ).all()
    )
    for note in session.scalars(
        select(Note).where(
            theirs,
            Note.stale_after <= now,
            Note.superseded_by_id.is_(None),
        )
    ):
        since = latest.get(note.account_id)
        if note.visibility == Visibility.private or since is None or since < last_known(note):
            rows[note.account_id].stale_only_they_can_verify += 1


def _lone_contacts(
    session: Session, theirs: ColumnElement[bool], colleagues: ColumnElement[bool]
) -> list[Contact]:
    def documented(where: ColumnElement[bool]) -> CompoundSelect[tuple[int]]:
        linked = select(note_contacts.c.contact_id).join(Note, Note.id == note_contacts.c.note_id)
        linked = linked.where(where)
        mentioned = select(Mention.contact_id).join(Note, Note.id == Mention.note_id)
        return union(linked, mentioned.where(where))

    return list(
        session.scalars(
            select(Contact)
            .where(
                Contact.id.in_(documented(theirs)),
                Contact.id.not_in(documented(colleagues)),
            )
            .order_by(Contact.account_id, Contact.name, Contact.id)
        )
    )


def private_notes_by_account(session: Session, user: User) -> list[tuple[Account, int]]:
    """How many live private notes ``user`` has per account: what they may share before they
    leave (their own figures, shown to them alone)."""
    rows = session.execute(
        select(Note.account_id, func.count())
        .where(
            Note.author_id == user.id,
            Note.visibility == Visibility.private,
            Note.deleted_at.is_(None),
        )
        .group_by(Note.account_id)
    ).all()
    found = [(session.get_one(Account, account_id), count) for account_id, count in rows]
    return sorted(found, key=lambda pair: pair[0].name.lower())


SHAREABLE = (Visibility.team, Visibility.company)


def share_private_notes(
    session: Session, user: User, *, account_id: int, visibility: Visibility
) -> int:
    """The leaver's one action per account: every live private note of theirs on it becomes
    ``visibility``, each as an edit of their own (a new version, audited as a visibility
    change, re-indexed, ``note.updated``), and the whole audited as ``handover.share``.
    Only the caller's own notes: nobody else's private note is theirs to open. Returns how
    many notes moved."""
    if visibility not in SHAREABLE:
        raise Invalid("share with your team or the company", field="visibility")
    if visibility == Visibility.team and user.team_id is None:
        raise Invalid("you are in no team: share with the company", field="visibility")
    account = session.get(Account, account_id)
    if account is None:
        raise Invalid(f"no account with id {account_id}", field="account_id")
    moved = 0
    for note in session.scalars(
        select(Note)
        .where(
            Note.author_id == user.id,
            Note.account_id == account_id,
            Note.visibility == Visibility.private,
            Note.deleted_at.is_(None),
        )
        .order_by(Note.id)
    ):
        note.team_id = user.team_id  # the team that reads it now: the author's today
        notes.change_visibility(session, user, note, visibility)
        moved += 1
    audit.record(
        session,
        user,
        "handover.share",
        target_type="account",
        target_id=account_id,
        visibility=visibility.value,
        notes=moved,
    )
    return moved

"""Contribution, reuse and coverage: what managers see of knowledge sharing.

The rules, shown to everyone measured (``RULES``, served at ``GET /v1/analytics/rules``):

- A period is ``[since, until)``; a note belongs to the period it was written in at its
  source (``Note.written_at``: an imported row or e-mail at its own date, never the import's),
  an event (impression, open, mark, verification, edit, role decision) to the period it
  happened in.
- ``notes`` counts every live note written; ``credited_notes`` leaves out near-duplicates and
  trivial notes (``app.domain.credit``). Accounts, contacts and personal context count from
  credited notes only, so twenty copies of a note count once.
- Reuse counts what *other* people did with a person's notes, duplicates and trivial notes
  excepted: shown in search results or briefs (impressions), opened in full, marked helpful;
  ``colleagues_helped`` is how many distinct colleagues opened or marked one.
- Private notes count toward their author's figures; being figures, they carry no content,
  title or account. Coverage counts shared notes only (team and company; no duplicates or
  trivial notes): knowledge in private notes is, by definition, in one person's head; and of
  those only the ones the viewer may read, since a count must not reveal notes they cannot.

Whose figures a viewer sees, and what private notes count toward, are access rules:
``app.domain.access`` (``analytics_scope``, ``shared_notes``, ``counted_in_coverage``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.db.models import (
    Account,
    BuyingRole,
    Contact,
    Mention,
    Note,
    NoteRevision,
    NoteVerification,
    RoleDecision,
    Team,
    User,
)
from app.db.request import SideWrites
from app.domain import rollup
from app.domain.access import (
    FiguresScope,
    analytics_scope,
    counted_in_coverage,
    ensure_can_see_coverage,
    shared_notes,
)
from app.domain.rollup import DEFAULT_PERIOD as DEFAULT_PERIOD
from app.domain.rollup import Period as Period
from app.taxonomy import TOPIC_BY_NAME

RECENT = timedelta(days=90)
PERSONAL_TOPICS = sorted(t.name for t in TOPIC_BY_NAME.values() if t.section == "personal")
ROLES = (BuyingRole.economic, BuyingRole.technical, BuyingRole.user, BuyingRole.coach)

RULES = {
    "period": (
        "A note counts in the period it was written at its source: an imported note or an "
        "e-mail at its own date, not the day it was imported. An event counts in the period "
        "it happened."
    ),
    "notes": "Every live note you wrote in the period.",
    "credited_notes": (
        "Notes that add knowledge. Not credited: trivial notes (under 6 words, or a short log "
        "of an attempt to reach someone: 'left a voicemail') and near-duplicates (every "
        "passage restates an earlier note on the account you could read: similarity 0.70 to "
        "your own, 0.85 to a colleague's, and no order or ticket number the earlier one lacks)."
    ),
    "accounts": "Accounts your credited notes in the period are about.",
    "contacts": "Contacts named in your credited notes in the period.",
    "roles_documented": "Contacts whose buying role you confirmed in the period.",
    "personal_context": (
        "Contacts about whom you wrote the first personal context (personality, values, "
        "background, hot buttons) in a credited note in the period."
    ),
    "verifications": "Notes you verified in the period.",
    "updates": "Edits you made to notes in the period.",
    "impressions_by_others": (
        "Times your notes were shown to colleagues in search results or briefs in the period. "
        "Duplicates and trivial notes are not counted."
    ),
    "opens_by_others": "Times colleagues opened one of your notes in full in the period.",
    "helpful_by_others": "Helpful marks colleagues gave your notes in the period.",
    "colleagues_helped": "Distinct colleagues who opened or marked one of your notes.",
    "privacy": (
        "Private notes count toward their author's figures only. No figure carries a note's "
        "content, title or account. Managers see their team, admins everyone, reps themselves."
    ),
    "coverage": (
        "Counts shared notes (team and company) that you may read, duplicates and trivial "
        "notes excepted. "
        "bus_factor is the fewest colleagues who together wrote more than half of an "
        "account's shared notes; 1 means the account lives in one person's head."
    ),
}


@dataclass
class Contribution:
    user: User
    notes: int = 0
    credited_notes: int = 0
    duplicates: int = 0
    trivial: int = 0
    pending: int = 0  # not judged yet: written moments ago, still being embedded
    accounts: int = 0
    contacts: int = 0
    roles_documented: int = 0
    personal_context: int = 0
    verifications: int = 0
    updates: int = 0
    impressions_by_others: int = 0
    opens_by_others: int = 0
    helpful_by_others: int = 0
    colleagues_helped: int = 0


def _people(session: Session, viewer: User, scope: FiguresScope) -> list[User]:
    if scope.user_id is not None:  # the viewer alone: the object in hand, not a reloaded copy
        return [viewer]
    return list(session.scalars(select(User).where(scope.people()).order_by(User.name, User.id)))


def contributions(
    session: Session,
    viewer: User,
    period: Period,
    *,
    team: Team | None = None,
    writes: SideWrites | None = None,
) -> list[Contribution]:
    """A row per person whose figures ``viewer`` may see (``team``: that team's members), by
    name. With ``writes``, the days that ended since the last roll-up are rolled up after
    the read (``roll_up``)."""
    scope = analytics_scope(viewer, team_id=team.id if team is not None else None)
    rows = {user.id: Contribution(user) for user in _people(session, viewer, scope)}
    ids = list(rows)
    written = and_(
        Note.author_id.in_(ids), Note.deleted_at.is_(None), period.holds(Note.written_at)
    )
    credited = and_(written, Note.credit == "credited")

    def fill(attribute: str, query: Any) -> None:
        for user_id, value in session.execute(query):
            setattr(rows[user_id], attribute, int(value or 0))

    for user_id, total, good, duplicate, trivial, pending in session.execute(
        select(
            Note.author_id,
            func.count(),
            func.count().filter(Note.credit == "credited"),
            func.count().filter(Note.credit == "duplicate"),
            func.count().filter(Note.credit == "trivial"),
            func.count().filter(Note.credit.is_(None)),
        )
        .where(written)
        .group_by(Note.author_id)
    ):
        row = rows[user_id]
        row.notes, row.credited_notes = total, good
        row.duplicates, row.trivial, row.pending = duplicate, trivial, pending
    fill(
        "accounts",
        select(Note.author_id, func.count(Note.account_id.distinct()))
        .where(credited)
        .group_by(Note.author_id),
    )
    fill(
        "contacts",
        select(Note.author_id, func.count(Mention.contact_id.distinct()))
        .join(Mention, Mention.note_id == Note.id)
        .where(credited)
        .group_by(Note.author_id),
    )
    fill(
        "roles_documented",
        select(RoleDecision.user_id, func.count(RoleDecision.contact_id.distinct()))
        .where(
            RoleDecision.user_id.in_(ids),
            RoleDecision.decision == "confirmed",
            period.holds(RoleDecision.at),
        )
        .group_by(RoleDecision.user_id),
    )
    fill("personal_context", _first_personal_context(ids, period))
    fill(
        "verifications",
        select(NoteVerification.user_id, func.count())
        .where(NoteVerification.user_id.in_(ids), period.holds(NoteVerification.at))
        .group_by(NoteVerification.user_id),
    )
    fill(
        "updates",
        select(NoteRevision.edited_by_id, func.count())
        .where(
            NoteRevision.edited_by_id.in_(ids),
            NoteRevision.version > 1,
            period.holds(NoteRevision.created_at),
        )
        .group_by(NoteRevision.edited_by_id),
    )
    authors = None if scope.everyone else ids
    for author_id, shown, opened, marked in rollup.reuse(session, period, authors):
        if author_id in rows:  # else not a user any more
            row = rows[author_id]
            row.impressions_by_others, row.opens_by_others = shown, opened
            row.helpful_by_others = marked
    for author_id, helpers in rollup.colleagues_helped(session, period, authors).items():
        if author_id in rows:
            rows[author_id].colleagues_helped = helpers
    if writes is not None and rollup.roll_up_due(session):
        writes.defer(rollup.roll_up)
    return list(rows.values())


def _first_personal_context(ids: list[int], period: Period) -> Select[Any]:
    """Per author, the contacts whose earliest personal-context sentence in a credited note
    is theirs and was written in the period."""
    ranked = (
        select(
            Mention.contact_id,
            Note.author_id,
            Note.written_at,
            func.row_number()
            .over(partition_by=Mention.contact_id, order_by=(Note.written_at, Note.id))
            .label("nth"),
        )
        .join(Note, Note.id == Mention.note_id)
        .where(
            Mention.topic.in_(PERSONAL_TOPICS),
            Note.deleted_at.is_(None),
            Note.credit == "credited",
            shared_notes(),
        )
        .subquery()
    )
    return (
        select(ranked.c.author_id, func.count(ranked.c.contact_id.distinct()))
        .where(
            ranked.c.nth == 1,
            ranked.c.author_id.in_(ids),
            period.holds(ranked.c.written_at),
        )
        .group_by(ranked.c.author_id)
    )


@dataclass
class Coverage:
    account: Account
    notes: int = 0
    contributors: int = 0
    bus_factor: int = 0
    last_observed_at: datetime | None = None
    missing_roles: list[BuyingRole] = field(default_factory=list)
    without_personal_context: list[Contact] = field(default_factory=list)
    top_share: float = 0.0  # the largest share of the shared notes one colleague wrote

    def gaps(self, now: datetime) -> list[str]:
        found = []
        if self.last_observed_at is None or self.last_observed_at < now - RECENT:
            found.append("no_recent_notes")
        if self.missing_roles:
            found.append("missing_role")
        if self.bus_factor <= 1:
            found.append("single_source")
        if self.without_personal_context:
            found.append("no_personal_context")
        return found


def bus_factor(counts: Iterable[int]) -> int:
    """The fewest authors who together wrote more than half of the notes (0 with none)."""
    ordered = sorted(counts, reverse=True)
    total, running = sum(ordered), 0
    for k, count in enumerate(ordered, start=1):
        running += count
        if running * 2 > total:
            return k
    return 0


def coverage(session: Session, viewer: User) -> list[Coverage]:
    ensure_can_see_coverage(viewer)
    shared = and_(
        counted_in_coverage(viewer), or_(Note.credit.is_(None), Note.credit == "credited")
    )
    rows = {a.id: Coverage(a) for a in session.scalars(select(Account).order_by(Account.name))}
    per_author: defaultdict[int, Counter[int]] = defaultdict(Counter)
    for account_id, author_id, count, last in session.execute(
        select(Note.account_id, Note.author_id, func.count(), func.max(Note.observed_at))
        .where(shared)
        .group_by(Note.account_id, Note.author_id)
    ):
        row = rows[account_id]
        per_author[account_id][author_id] = count
        row.last_observed_at = max(filter(None, (row.last_observed_at, last)))
    for account_id, counts in per_author.items():
        row = rows[account_id]
        row.notes, row.contributors = sum(counts.values()), len(counts)
        row.bus_factor = bus_factor(counts.values())
        row.top_share = max(counts.values()) / row.notes
    held: defaultdict[int, set[BuyingRole]] = defaultdict(set)
    for account_id, role in session.execute(
        select(Contact.account_id, Contact.buying_role).distinct()
    ):
        held[account_id].add(role)
    described = (
        select(Mention.contact_id)
        .join(Note, Note.id == Mention.note_id)
        .where(shared, Mention.topic.in_(PERSONAL_TOPICS))
    )
    for contact in session.scalars(
        select(Contact)
        .where(
            Contact.id.not_in(described),
            # "Former CFO": someone who left; no one will meet them.
            or_(Contact.title.is_(None), ~Contact.title.ilike("former %")),
        )
        .order_by(Contact.name, Contact.id)
    ):
        rows[contact.account_id].without_personal_context.append(contact)
    for account_id, row in rows.items():
        row.missing_roles = [r for r in ROLES if r not in held[account_id]]
    return list(rows.values())

"""The account brief: what to know before walking in, on one page.

Built for one reader from the notes that reader may see, and nothing else: a note hidden from
them contributes no evidence, no count, no expert and no gap. The parts:

- buying influences: contacts by role (recorded, or suggested by the notes) with evidence,
  each with their influence record, and the map's red flags (``app.domain.influence``);
- the chart: who reports to whom (``app.domain.org_chart``);
- gaps: a missing role, an economic buyer nobody has mentioned for a year, a buyer with no
  personal context;
- topics: the best few notes per section, current ones first;
- changes: what was learned recently; stale: what is superseded, contradicted or past its
  shelf life; experts: whom to ask, by contribution and recency.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from app.db.base import utcnow
from app.db.models import Account, BuyingRole, Contact, Mention, Note, NoteFlag, Passage, User
from app.domain.access import visible_notes
from app.domain.accounts import get_account
from app.domain.freshness import last_known
from app.domain.influence.red_flags import DEFAULT_COVERAGE_DAYS, MapView, account_view
from app.domain.org_chart import ChartNode, reports_chart
from app.domain.roles import ROLES, suggest_roles, tally_roles
from app.taxonomy import SECTION_BY_NAME, SECTIONS, TOPIC_BY_NAME

PER_SECTION = 3
MAX_EVIDENCE = 5
MAX_CHANGES = 10
MAX_STALE = 20
MAX_EXPERTS = 5
RECENT = timedelta(days=90)
QUIET = timedelta(days=365)  # an economic buyer unmentioned this long is a gap
EXPERT_HALF_LIFE_DAYS = 365.0
ROLE_NAMES = {
    BuyingRole.economic: "economic buyer",
    BuyingRole.technical: "technical buyer",
    BuyingRole.user: "user buyer",
    BuyingRole.coach: "coach",
}


@dataclass
class NoteItem:
    """A note as the brief quotes it: the passage that earned its place, and its freshness."""

    note: Note
    text: str
    stale: bool
    superseded: bool
    flagged: bool
    reason: str | None = None
    topic: str | None = None


@dataclass
class Influence:
    role: BuyingRole
    contact: Contact
    evidence: list[int]
    confirmed: bool
    last_mentioned_at: datetime | None


@dataclass
class Gap:
    kind: str
    message: str
    role: BuyingRole | None = None
    contact_id: int | None = None


@dataclass
class Expert:
    user: User
    notes: int
    last_observed_at: datetime
    score: float


@dataclass
class Brief:
    account: Account
    generated_at: datetime
    notes: int
    contacts: list[Contact]
    chart: list[ChartNode]
    buying_influences: list[Influence]
    gaps: list[Gap]
    topics: dict[str, list[NoteItem]]
    changes: list[NoteItem]
    stale: list[NoteItem]
    stale_count: int
    experts: list[Expert]
    suggested_roles: dict[int, BuyingRole] = field(default_factory=dict)
    known: _Knowledge | None = field(default=None, repr=False)
    influence: MapView | None = None

    def quoted(self) -> list[Note]:
        """The notes the brief puts before its reader (evidence is only linked)."""
        items = [*(i for part in self.topics.values() for i in part), *self.changes, *self.stale]
        return [item.note for item in items]

    def mentions_of(self, contact_id: int) -> list[NoteItem]:
        """The sentences that name the contact, newest note first."""
        if self.known is None:
            return []
        return [
            _item(self.known, self.known.notes[m.note_id], self.generated_at, m.text, topic=m.topic)
            for m in self.known.mentions.get(contact_id, [])
        ]


@dataclass
class _Knowledge:
    """The visible notes of one account, with their passages, mentions and open flags."""

    notes: dict[int, Note]
    passages: dict[int, list[tuple[str, str | None]]]  # note id -> [(text, topic)]
    mentions: dict[int, list[Mention]]  # contact id -> mentions, newest note first
    flags: dict[int, NoteFlag]


def _load(session: Session, viewer: User, account_id: int) -> _Knowledge:
    visible = (Note.account_id == account_id, visible_notes(viewer))
    notes = {
        n.id: n
        for n in session.scalars(
            select(Note)
            .where(*visible)
            .order_by(Note.observed_at.desc(), Note.id.desc())
            .options(lazyload(Note.contacts), lazyload(Note.account))
        )
    }
    passages: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for note_id, text, topic in session.execute(
        select(Passage.note_id, Passage.text, Passage.topic)
        .join(Note, Note.id == Passage.note_id)
        .where(*visible)
        .order_by(Passage.note_id, Passage.ordinal)
    ):
        passages[note_id].append((text, topic))
    mentions: dict[int, list[Mention]] = defaultdict(list)
    for mention in session.scalars(
        select(Mention)
        .join(Note, Note.id == Mention.note_id)
        .where(*visible)
        .order_by(Note.observed_at.desc(), Mention.note_id.desc(), Mention.ordinal)
    ):
        mentions[mention.contact_id].append(mention)
    flags = {
        flag.note_id: flag
        for flag in session.scalars(
            select(NoteFlag)
            .join(Note, Note.id == NoteFlag.note_id)
            .where(*visible, NoteFlag.resolved_at.is_(None))
        )
    }
    return _Knowledge(notes, passages, mentions, flags)


def account_brief(
    session: Session,
    viewer: User,
    account_id: int,
    *,
    now: datetime | None = None,
    coverage_days: int = DEFAULT_COVERAGE_DAYS,
) -> Brief:
    now = now or utcnow()
    account = get_account(session, account_id)
    view = account_view(session, viewer, account_id, coverage_days=coverage_days, now=now)
    roles = {i.contact.id: [BuyingRole(r) for r in i.roles] for i in view.map.influences}
    known = _load(session, viewer, account_id)
    contacts = list(
        session.scalars(
            select(Contact)
            .where(Contact.account_id == account_id)
            .order_by(Contact.id)
            .options(lazyload(Contact.account))
        )
    )
    influences = _influences(session, viewer, account_id, contacts, known, roles)
    return Brief(
        account=account,
        generated_at=now,
        notes=len(known.notes),
        contacts=contacts,
        chart=reports_chart(contacts),
        buying_influences=influences,
        gaps=_gaps(contacts, influences, known, now),
        topics=_topics(known, now),
        changes=_changes(known, now),
        stale=(stale := _stale(known, now))[:MAX_STALE],
        stale_count=len(stale),
        experts=_experts(known, now),
        suggested_roles={i.contact.id: i.role for i in influences if not i.confirmed},
        known=known,
        influence=view,
    )


def _item(
    known: _Knowledge,
    note: Note,
    now: datetime,
    text: str | None = None,
    *,
    topic: str | None = None,
) -> NoteItem:
    flag = known.flags.get(note.id)
    superseded = note.superseded_by_id is not None
    reason = None
    if superseded and note.superseded_by_id in known.notes:
        reason = f"superseded by note #{note.superseded_by_id}"
    elif superseded:
        reason = "superseded by a newer note"
    elif flag is not None:
        reason = flag.reason
    elif note.is_stale(now):
        months = max(1, round((now - last_known(note)).days / 30))
        reason = f"last observed or verified {months} month{'s' * (months != 1)} ago"
    first = known.passages.get(note.id, [(note.body, None)])[0][0]
    return NoteItem(
        note=note,
        text=text or first,
        stale=note.is_stale(now),
        superseded=superseded,
        flagged=flag is not None,
        reason=reason,
        topic=topic,
    )


def _influences(
    session: Session,
    viewer: User,
    account_id: int,
    contacts: list[Contact],
    known: _Knowledge,
    recorded: dict[int, list[BuyingRole]],
) -> list[Influence]:
    """Each confirmed role of each contact's influence record (the contact's own role when
    it has no record), then the roles the notes suggest for contacts with none."""
    evidence = tally_roles(
        (m.contact_id, m.note_id, m.topic, m.score)
        for mentions in known.mentions.values()
        for m in mentions
        if m.named == 1 and known.notes[m.note_id].superseded_by_id is None
    )
    influences = []
    for contact in contacts:
        for role in recorded.get(contact.id) or [contact.buying_role]:
            if role not in ROLES:
                continue
            said = evidence.get(contact.id)
            notes = list(said.votes.get(role, [])) if said else []
            # Without a sentence that reads as the role, the notes naming the person still help.
            notes += [
                m.note_id for m in known.mentions.get(contact.id, []) if m.note_id not in notes
            ]
            influences.append(_influence(contact, role, notes, True, known))
    for suggestion in suggest_roles(session, viewer, account_id, contacts):
        if suggestion.contact.buying_role == BuyingRole.unknown:
            influences.append(
                _influence(suggestion.contact, suggestion.role, suggestion.evidence, False, known)
            )
    order = {role: i for i, role in enumerate(ROLES)}
    influences.sort(key=lambda i: (order[i.role], not i.confirmed, i.contact.id))
    return influences


def _influence(
    contact: Contact, role: BuyingRole, notes: list[int], confirmed: bool, known: _Knowledge
) -> Influence:
    mentioned = known.mentions.get(contact.id, [])
    last = max((known.notes[m.note_id].observed_at for m in mentioned), default=None)
    return Influence(role, contact, list(dict.fromkeys(notes))[:MAX_EVIDENCE], confirmed, last)


def _gaps(
    contacts: list[Contact], influences: list[Influence], known: _Knowledge, now: datetime
) -> list[Gap]:
    gaps = []
    by_role: dict[BuyingRole, list[Influence]] = defaultdict(list)
    for influence in influences:
        by_role[influence.role].append(influence)
    for role in ROLES:
        name = ROLE_NAMES[role]
        holders = by_role[role]
        if not holders:
            gaps.append(Gap("missing_role", f"no {name} known", role))
        elif not any(h.confirmed for h in holders):
            names = ", ".join(h.contact.name for h in holders)
            gaps.append(Gap("unconfirmed_role", f"{name} suggested, not confirmed: {names}", role))
    for influence in influences:
        if not influence.confirmed:
            continue
        contact, name = influence.contact, ROLE_NAMES[influence.role]
        last = influence.last_mentioned_at
        if influence.role == BuyingRole.economic and (last is None or now - last > QUIET):
            when = "in any note you can read" if last is None else "in 12 months"
            message = f"{name} {contact.name} not mentioned {when}"
            gaps.append(Gap("not_mentioned", message, influence.role, contact.id))
        personal = any(
            TOPIC_BY_NAME[m.topic].section == "personal"
            for m in known.mentions.get(contact.id, [])
            if m.topic in TOPIC_BY_NAME
        )
        if not personal:
            gaps.append(
                Gap(
                    "no_personal_context",
                    f"no personal context on the {name} {contact.name}",
                    influence.role,
                    contact.id,
                )
            )
    latest = max((n.observed_at for n in known.notes.values()), default=None)
    if latest is None:
        gaps.append(Gap("no_notes", "no notes you can read about this account"))
    elif now - latest > timedelta(days=180):
        gaps.append(Gap("no_recent_notes", f"no notes in the last {(now - latest).days} days"))
    return gaps


def _rank(item: NoteItem) -> tuple[bool, bool, float]:
    """Current knowledge first, then the freshest."""
    return (item.superseded, item.stale or item.flagged, -last_known(item.note).timestamp())


def _topics(known: _Knowledge, now: datetime) -> dict[str, list[NoteItem]]:
    candidates: dict[str, dict[int, NoteItem]] = {s.name: {} for s in SECTIONS}
    for note in known.notes.values():
        for text, topic in known.passages.get(note.id, []):
            found = TOPIC_BY_NAME.get(topic or "")
            sections = note.topics or ([found.section] if found else [])
            for section in sections:
                if section in SECTION_BY_NAME and note.id not in candidates[section]:
                    candidates[section][note.id] = _item(known, note, now, text)
    return {
        name: sorted(items.values(), key=_rank)[:PER_SECTION] for name, items in candidates.items()
    }


def _changes(known: _Knowledge, now: datetime) -> list[NoteItem]:
    recent = [n for n in known.notes.values() if now - n.observed_at <= RECENT]
    changed = []
    people_changes = {
        m.note_id
        for mentions in known.mentions.values()
        for m in mentions
        if m.topic == "people_change"
    }
    supersedes = {n.superseded_by_id for n in known.notes.values() if n.superseded_by_id}
    for note in recent[:MAX_CHANGES]:
        item = _item(known, note, now)
        if note.id in supersedes:
            item.reason = "replaces an older note"
        elif note.id in people_changes:
            item.reason = "a person changed role or left"
        changed.append(item)
    return changed


def _stale(known: _Knowledge, now: datetime) -> list[NoteItem]:
    items = [
        _item(known, note, now)
        for note in known.notes.values()
        if note.superseded_by_id is not None or note.id in known.flags or note.is_stale(now)
    ]
    return sorted(
        items, key=lambda i: (not i.superseded, not i.flagged, last_known(i.note).timestamp())
    )


def _experts(known: _Knowledge, now: datetime) -> list[Expert]:
    counts: Counter[int] = Counter()
    score: dict[int, float] = defaultdict(float)
    last: dict[int, datetime] = {}
    authors: dict[int, User] = {}
    for note in known.notes.values():
        counts[note.author_id] += 1
        age = max(0.0, (now - note.observed_at).total_seconds() / 86400)
        score[note.author_id] += math.exp(-age * math.log(2) / EXPERT_HALF_LIFE_DAYS)
        last[note.author_id] = max(last.get(note.author_id, note.observed_at), note.observed_at)
        authors[note.author_id] = note.author
    ranked = sorted(counts, key=lambda a: (-score[a], -counts[a], a))[:MAX_EXPERTS]
    return [Expert(authors[a], counts[a], last[a], round(score[a], 3)) for a in ranked]

"""Which notes count toward their author's contribution.

Contribution analytics reward knowledge, not keystrokes, so a note earns credit only if it adds
something. The rules, decided when a note is embedded and shown to everyone measured
(``GET /v1/analytics/rules``):

- *trivial*: fewer than ``MIN_WORDS`` words, or a short note that only logs an attempt to
  reach someone ("left a voicemail", "sent the follow-up email");
- *duplicate*: every passage restates a passage of an earlier note on the same account that the
  author could read: a cosine similarity of at least ``SAME_AUTHOR`` to one of their own notes,
  or ``COLLEAGUE`` to a colleague's, and no code (order, ticket, RFP number) that the earlier
  passage lacks. A colleague's corroboration in other words is credited; one's own
  rephrasing is not. Calibrated on crm-dev and on hand-written paraphrases;
- *credited*: every other note.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Note, Passage
from app.domain.access import can_read
from app.search.base import keyword_query

MIN_WORDS = 6
SAME_AUTHOR = 0.70
COLLEAGUE = 0.85
_LOGGED_ATTEMPT = re.compile(
    r"\b(left (?:a |another )?(?:voice ?mail|vm|message)|no answer|did(?:n't| not) pick up|"
    r"sent (?:the |a |an )?(?:follow[- ]?up|e-?mail|recap|deck|invite)|"
    r"(?:call|meeting|demo) (?:re)?scheduled)\b",
    re.I,
)
_LOGGED_ATTEMPT_WORDS = 15


@dataclass(frozen=True)
class Verdict:
    credit: str  # "credited", "duplicate" or "trivial"
    duplicate_of: int | None = None


def is_trivial(body: str) -> bool:
    words = len(body.split())
    return words < MIN_WORDS or (
        words < _LOGGED_ATTEMPT_WORDS and _LOGGED_ATTEMPT.search(body) is not None
    )


@dataclass(frozen=True)
class PassageVector:
    note: Note
    vector: np.ndarray
    codes: frozenset[str]


def judge(note: Note, own: Sequence[PassageVector], earlier: Sequence[PassageVector]) -> Verdict:
    """The verdict on ``note`` (passages ``own``) against the ``earlier`` passages it may
    restate, which are on its account and readable by its author."""
    if is_trivial(note.body):
        return Verdict("trivial")
    if not own or not earlier:
        return Verdict("credited")
    matrix = np.stack([p.vector for p in own]) @ np.stack([p.vector for p in earlier]).T
    restated: defaultdict[int, int] = defaultdict(int)
    for row, passage in zip(matrix, own, strict=True):
        sources = {
            other.note.id
            for similarity, other in zip(row, earlier, strict=True)
            if similarity >= (SAME_AUTHOR if other.note.author_id == note.author_id else COLLEAGUE)
            and passage.codes <= other.codes
        }
        if not sources:
            return Verdict("credited")
        for source in sources:
            restated[source] += 1
    # The earlier note this one restates most; the oldest of equals.
    source = max(restated, key=lambda note_id: (restated[note_id], -note_id))
    return Verdict("duplicate", source)


def codes(text: str) -> frozenset[str]:
    """Order, ticket and RFP numbers: a restated sentence with a new one is a new fact. (Not
    acronyms: "FYI" or "CFO" adds nothing.)"""
    return frozenset(
        code for code in keyword_query(text).identifiers if any(c.isdigit() for c in code)
    )


def assign_credit(session: Session, note_ids: Iterable[int]) -> None:
    """Decide and store the credit of ``note_ids`` (their passages embedded and flushed)."""
    notes = session.scalars(
        select(Note).where(Note.id.in_(set(note_ids)), Note.deleted_at.is_(None))
    ).all()
    if not notes:
        return
    by_account: defaultdict[int, list[PassageVector]] = defaultdict(list)
    rows = session.execute(
        select(Note, Passage.embedding, Passage.text)
        .join(Passage, Passage.note_id == Note.id)
        .where(
            Note.account_id.in_({n.account_id for n in notes}),
            Note.deleted_at.is_(None),
            Passage.embedding.is_not(None),
        )
    ).all()
    for other, vector, text in rows:
        by_account[other.account_id].append(
            PassageVector(other, np.asarray(vector, np.float32), codes(text))
        )
    for note in notes:
        order = (note.created_at, note.id)
        passages = by_account[note.account_id]
        own = [p for p in passages if p.note.id == note.id]
        earlier = [
            p
            for p in passages
            if (p.note.created_at, p.note.id) < order and can_read(note.author, p.note)
        ]
        verdict = judge(note, own, earlier)
        note.credit, note.duplicate_of_id = verdict.credit, verdict.duplicate_of

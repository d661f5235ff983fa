"""The credit rules on their own: what counts as trivial, and when a note restates another."""

from __future__ import annotations

import numpy as np
import pytest

from app.db.models import Note
from app.domain.credit import (
    COLLEAGUE,
    SAME_AUTHOR,
    PassageVector,
    Verdict,
    codes,
    is_trivial,
    judge,
)


@pytest.mark.parametrize(
    ("body", "trivial"),
    [
        ("Left a voicemail for Jill.", True),
        ("Called Jill, no answer, will try again Monday.", True),
        ("Sent the follow-up email with the pricing deck to Jill.", True),
        ("Jill has final say on anything over $25k.", False),
        # A logged attempt inside a note that says more is knowledge.
        ("Left a voicemail for Jill; her assistant says the budget freeze ends in March and "
         "Reggie will run the security review himself.", False),
    ],
)  # fmt: skip
def test_trivial_notes(body: str, trivial: bool) -> None:
    assert is_trivial(body) is trivial


def vector(angle: float) -> np.ndarray:
    """A unit vector whose cosine with ``vector(0)`` is cos(angle)."""
    return np.array([np.cos(angle), np.sin(angle), 0.0], np.float32)


def at(similarity: float) -> np.ndarray:
    return vector(float(np.arccos(similarity)))


def note(
    note_id: int, author: int, body: str = "Jill has final say on anything over $25k."
) -> Note:
    return Note(id=note_id, author_id=author, body=body)


def passage(n: Note, v: np.ndarray, text: str = "") -> PassageVector:
    return PassageVector(n, v, codes(text))


def test_restating_ones_own_note_earns_nothing_a_colleagues_corroboration_does() -> None:
    new = note(3, author=1)
    own = [passage(new, vector(0))]
    mine, theirs = note(1, author=1), note(2, author=2)
    between = (SAME_AUTHOR + COLLEAGUE) / 2
    assert judge(new, own, [passage(mine, at(between))]) == Verdict("duplicate", 1)
    assert judge(new, own, [passage(theirs, at(between))]) == Verdict("credited")
    assert judge(new, own, [passage(theirs, at(COLLEAGUE + 0.01))]) == Verdict("duplicate", 2)
    assert judge(new, own, [passage(mine, at(SAME_AUTHOR - 0.02))]) == Verdict("credited")
    assert judge(new, own, []) == Verdict("credited")


def test_every_passage_must_be_restated() -> None:
    new = note(5, author=1)
    own = [passage(new, vector(0)), passage(new, vector(np.pi / 2))]
    earlier = [passage(note(1, author=1), vector(0))]
    assert judge(new, own, earlier) == Verdict("credited")
    earlier.append(passage(note(2, author=1), vector(np.pi / 2)))
    earlier.append(passage(note(4, author=1), vector(np.pi / 2)))
    # Both passages restated; the source is the note restated most, the oldest of equals.
    assert judge(new, own, earlier) == Verdict("duplicate", 1)


def test_a_new_order_or_ticket_number_is_a_new_fact() -> None:
    new = note(3, author=1)
    text = "Expansion closed: TSL-ANLY-PRO added via ORD-2026-28189, +$24k ACV."
    own = [passage(new, vector(0), text)]
    older = note(1, author=1)
    other_order = "Expansion closed: TSL-ANLY-PRO added via ORD-2025-31844, +$36k ACV."
    assert judge(new, own, [passage(older, vector(0), other_order)]) == Verdict("credited")
    assert judge(new, own, [passage(older, vector(0), text)]) == Verdict("duplicate", 1)
    # Acronyms are not codes: "FYI" restates nothing new.
    assert codes("FYI the CFO signs") == frozenset()

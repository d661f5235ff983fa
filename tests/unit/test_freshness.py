"""Shelf lives and who a mark may reach: the pure rules of keeping knowledge current."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.db.models import Note, Team, User, Visibility
from app.domain.freshness import audience_covers, last_known, main_section

EAST, WEST = Team(id=1, name="east"), Team(id=2, name="west")


def user(user_id: int, team: Team) -> User:
    return User(id=user_id, name=f"u{user_id}", team_id=team.id, team=team, is_active=True)


ANN, BEN, CAT = user(1, EAST), user(2, EAST), user(3, WEST)


def note(author: User, visibility: Visibility) -> Note:
    return Note(
        author=author, author_id=author.id, team_id=author.team_id, visibility=visibility,
        deleted_at=None,
    )  # fmt: skip


def test_the_main_section_sets_the_shelf_life() -> None:
    assert main_section(["economic_buyer", "coach", "personal"], None).name == "decision_process"
    # A tie goes to the section that ages faster: better an early review than a stale fact.
    assert main_section(["personal", "contract"], None).name == "deal_status"
    assert main_section(["personal"], ["logistics"]).name == "logistics"
    assert main_section([None], None).name == "company"
    assert main_section(["personal"], None).shelf_life > main_section(["contract"], None).shelf_life


def test_verification_restarts_freshness() -> None:
    seen = datetime(2025, 1, 1, tzinfo=UTC)
    n = Note(observed_at=seen, verified_at=None)
    assert last_known(n) == seen
    n.verified_at = seen + timedelta(days=300)
    assert last_known(n) == seen + timedelta(days=300)


@pytest.mark.parametrize(
    ("new", "old", "covers"),
    [
        (note(CAT, Visibility.company), note(ANN, Visibility.company), True),
        (note(ANN, Visibility.team), note(ANN, Visibility.company), False),
        (note(BEN, Visibility.team), note(ANN, Visibility.team), True),  # same team
        (note(CAT, Visibility.team), note(ANN, Visibility.team), False),  # west can't read east
        (note(ANN, Visibility.private), note(ANN, Visibility.private), True),
        (note(BEN, Visibility.private), note(ANN, Visibility.private), False),
        (note(BEN, Visibility.team), note(ANN, Visibility.private), True),  # Ann reads east
        (note(ANN, Visibility.private), note(ANN, Visibility.team), False),
    ],
)
def test_a_note_marks_another_only_for_readers_who_can_read_it(
    new: Note, old: Note, covers: bool
) -> None:
    assert audience_covers(new, old) is covers

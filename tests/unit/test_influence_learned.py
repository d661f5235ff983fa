"""The learned role reader beside the cues: what it adds to ``suggest``, what it never adds,
and that its weights are rebuilt the same from the same data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from app.search.influence import Citation, Person, Sentence, suggest
from app.search.influence_learned import (
    ROLES,
    WEIGHTS,
    RoleModel,
    as_mapping,
    fit,
    load,
    neutral,
)

MEG, KOFI = Person(1, "Meg Alvarez", "VP Operations"), Person(2, "Kofi Mensah", None)
PEOPLE = [MEG, KOFI]
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SURE = {"economic": 0.99, "technical": 0.02, "user": 0.01, "coach": 0.01}


def said(text: str, *, note: int = 1, contact: int = 1, named: int = 1, days: int = 0,
         roles: dict[str, float] | None = SURE) -> Sentence:  # fmt: skip
    return Sentence(contact, note, text, NOW - timedelta(days=days), named=named, roles=roles)


def roles_of(
    sentences: list[Sentence], threshold: float = 0.9
) -> dict[tuple[int, str], tuple[Citation, ...]]:
    return {
        (s.contact_id, str(s.value)): s.evidence
        for s in suggest(PEOPLE, sentences, learned_threshold=threshold)
        if s.field == "roles"
    }


def test_a_learned_reading_cites_its_sentence() -> None:
    text = "Meg keeps the spreadsheet every project has to fit inside."
    assert roles_of([said(text, roles=None)]) == {}  # no cue reads it
    found = roles_of([said(text, note=7)])
    assert found == {(1, "economic"): (Citation(7, text),)}


def test_below_the_threshold_nothing_is_read() -> None:
    text = "Meg keeps the spreadsheet every project has to fit inside."
    assert roles_of([said(text)], threshold=0.995) == {}


def test_a_sentence_naming_two_people_gives_nothing() -> None:
    text = "Meg and Kofi keep the spreadsheet every project has to fit inside."
    sentences = [said(text, named=2), said(text, contact=2, named=2)]
    assert roles_of(sentences) == {}


@pytest.mark.parametrize(
    "text",
    [
        "Meg does not hold the budget for this.",  # a cue denies it
        "Meg never touches the spreadsheet the projects fit inside.",  # a negation
        "Maybe Meg keeps the spreadsheet every project has to fit inside?",  # doubt
        "Meg might be the one with the money, to be confirmed.",  # doubt
    ],
)
def test_negated_or_doubtful_sentences_are_not_rescued(text: str) -> None:
    """The classifiers read what a sentence is about, not whether it says yes: a confident
    score on a sentence the cues reject, or that denies or doubts, reads no role."""
    assert (1, "economic") not in roles_of([said(text)])


def test_the_cues_word_on_a_role_keeps_priority() -> None:
    """A newer cue that says Meg no longer holds the budget is not outvoted by an older
    sentence only the classifiers read."""
    sentences = [
        said("Meg is no longer the economic buyer since the reorg.", note=2, roles=None),
        said("Meg keeps the spreadsheet every project has to fit inside.", note=1, days=30),
    ]
    assert (1, "economic") not in roles_of(sentences)


def test_a_cue_and_a_learned_reading_of_other_roles_both_count() -> None:
    cue = said("Meg owns the budget.", note=2, roles=None)
    learned = said(
        "Meg is in the scheduling screens all day long.",
        note=1,
        roles={"economic": 0.1, "technical": 0.1, "user": 0.97, "coach": 0.1},
    )
    found = roles_of([cue, learned])
    assert set(found) == {(1, "economic"), (1, "user")}
    assert found[(1, "user")] == (Citation(1, learned.text),)


def test_a_person_who_left_keeps_no_learned_role() -> None:
    people = [Person(1, "Meg Alvarez", "Former VP Operations"), KOFI]
    found = suggest(
        people,
        [said("Meg keeps the spreadsheet every project has to fit inside.")],
        learned_threshold=0.9,
    )
    assert [s for s in found if s.field == "roles"] == []


def test_the_name_is_replaced_and_the_title_kept() -> None:
    assert neutral("Meg Alvarez (CFO) signs; ask Meg first.", "Meg Alvarez") == (
        "the person (CFO) signs; ask the person first."
    )
    assert neutral("Tanaka-san decides. Ms Whitcombe agreed.", "Yui Tanaka") == (
        "the person decides. Ms Whitcombe agreed."
    )
    assert neutral("the Colm is with the budget", "Colm Byrne") == "the person is with the budget"


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(80, 16))
    targets = (vectors[:, :4] > 0.8).astype(np.float64)
    return vectors, targets


def test_training_is_deterministic() -> None:
    vectors, targets = _data()
    first = fit(vectors, targets, model="m", threshold=0.9).to_json()
    second = fit(vectors.copy(), targets.copy(), model="m", threshold=0.9).to_json()
    assert first == second


def test_weights_survive_their_file() -> None:
    vectors, targets = _data()
    model = fit(vectors, targets, model="m", threshold=0.9)
    again = RoleModel.from_json(model.to_json())
    assert np.allclose(again.scores(vectors), model.scores(vectors), atol=1e-3)
    # the classifiers learned something: each role's positives score above its negatives
    scores = model.scores(vectors)
    for i in range(len(ROLES)):
        assert scores[targets[:, i] == 1, i].mean() > scores[targets[:, i] == 0, i].mean()
    assert set(as_mapping(scores[0])) == set(ROLES)


def test_the_shipped_weights_read_the_configured_model() -> None:
    model = load(WEIGHTS)
    assert model is not None
    assert model.fits("sentence-transformers/all-MiniLM-L6-v2", 384)
    assert model.fits("sentence-transformers/all-MiniLM-L6-v2#int8", 384)
    assert not model.fits("fake:384", 384)
    assert 0.0 < model.threshold <= 1.0

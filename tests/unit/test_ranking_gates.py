"""The ranking's gates: how much a question is about a sale (which decides the topic pull and
the priors that hold only for notes about accounts), what counts as an identifier, and the
fusion that adds whole-note evidence only for questions about no topic of a sale.

Pure logic, with the hashing embedder; ``tests/integration/test_search_priors.py`` checks the
same decisions through the API with the real model."""

from __future__ import annotations

import numpy as np
import pytest

from app.embedding.fake import HashingEmbedder
from app.search.base import NoteSimilarity, PassageHit, keyword_query, similarity_of
from app.search.fusion import Weights, candidates, fuse, standardised
from app.search.query import Understanding, about_a_sale
from app.search.topics import TOPICAL_FROM, TOPICAL_FULL, TopicModel
from app.taxonomy import TOPICS

# Wide enough that unrelated words rarely share a bucket.
topic_model = TopicModel(HashingEmbedder(dims=4096))


def vector_of(text: str) -> np.ndarray:
    return HashingEmbedder(dims=4096).embed([text])[0]


# How much a question is about a topic of a sale


def test_a_question_worded_as_a_topic_is_wholly_topical() -> None:
    for topic in TOPICS[:5]:
        assert topic_model.topicality(vector_of(topic.exemplars[0])) == 1.0


def test_a_question_about_nothing_of_a_sale_is_not_topical() -> None:
    for text in ("zzzqqq xylophone", "crystalline lens vertebrates humans"):
        assert topic_model.topicality(vector_of(text)) == 0.0


def test_topicality_ramps_between_its_two_bounds() -> None:
    prototype = topic_model.prototypes[0]
    other = np.zeros_like(prototype)
    other[int(np.argmin(np.abs(topic_model.prototypes).sum(axis=0)))] = 1.0
    values = []
    for cosine in (TOPICAL_FROM - 0.05, TOPICAL_FROM + 0.02, TOPICAL_FULL - 0.02, 0.9):
        # A unit vector at the wanted cosine from the first prototype.
        orthogonal = other - (other @ prototype) * prototype
        orthogonal /= np.linalg.norm(orthogonal)
        vector = cosine * prototype + np.sqrt(1 - cosine**2) * orthogonal
        values.append(topic_model.topicality(vector.astype(np.float32)))
    assert values[0] == 0.0 and values[-1] == 1.0
    assert 0.0 < values[1] < values[2] < 1.0


def test_no_pull_leaves_the_question_where_it_is() -> None:
    vector = vector_of("who signs off on spend")
    assert topic_model.expand(vector, pull=0.0) is vector
    assert not np.allclose(topic_model.expand(vector, pull=0.3), vector)


@pytest.mark.parametrize(
    ("understood", "scoped", "topicality", "sale"),
    [
        (Understanding(text="x", account_ids=[3]), False, 0.0, 1.0),
        (Understanding(text="x", contact_ids=[7]), False, 0.0, 1.0),
        (Understanding(text="x"), True, 0.0, 1.0),
        (Understanding(text="x"), False, 0.0, 0.0),
        (Understanding(text="x"), False, 0.4, 0.4),
        (Understanding(text="x"), False, 1.0, 1.0),
    ],
    ids=[
        "names-an-account",
        "names-a-person",
        "asked-within-an-account",
        "general",
        "half",
        "topic",
    ],
)
def test_the_priors_of_a_sale_apply_as_far_as_the_question_is_about_one(
    understood: Understanding, scoped: bool, topicality: float, sale: float
) -> None:
    assert about_a_sale(understood, scoped=scoped, topicality=topicality) == sale


# Identifiers


@pytest.mark.parametrize("text", ["1960s", "the 1960's", "1972-1979", "1972-79", "2024/25", "2025"])
def test_years_decades_and_spans_of_years_are_not_identifiers(text: str) -> None:
    assert keyword_query(text).identifiers == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ORD-2024-18861", "ord 2024 18861"),
        ("PO 7700-755208", "7700 755208"),
        ("the X-15 aircraft", "x 15"),
        ("RFP #24-344", "24 344"),
    ],
)
def test_codes_that_hold_a_year_or_digits_still_are(text: str, code: str) -> None:
    assert code in keyword_query(text).identifiers


def test_acronyms_are_identifiers_in_a_question_written_in_lower_case() -> None:
    assert keyword_query("VPAT and BAA for Northwind").identifiers == ["vpat", "baa"]
    assert keyword_query("VPAT BAA").identifiers == ["vpat", "baa"]


def test_a_question_written_all_in_capitals_names_no_acronym() -> None:
    query = keyword_query("I AM INTERESTED IN NOVEL COMPUTER ARCHITECTURES, SIMD AND MIMD")
    assert query.identifiers == []
    assert "architectures" in query.terms and "simd" in query.terms
    # Codes are told by their digits, capitals or not.
    assert keyword_query("WHAT HAPPENED WITH TICKET INC-43399 AT THE PLANT").identifiers == [
        "inc 43399"
    ]


# Fusion


def hits(*pairs: tuple[int, float]) -> list[PassageHit]:
    return [PassageHit(passage_id=note * 10 + i, note_id=note, score=s) for i, (note, s) in
            enumerate(pairs)]  # fmt: skip


def test_standardised_scores_are_deviations_from_the_candidates_mean() -> None:
    z = standardised({1: 3.0, 2: 1.0}, [1, 2, 3])
    assert z[1] > z[2] > z[3]
    assert sum(z.values()) == pytest.approx(0.0)
    assert standardised({1: 5.0}, [1]) == {1: 0.0}  # one candidate: no evidence either way


def test_whole_note_evidence_counts_only_for_questions_about_no_topic_of_a_sale() -> None:
    # Note 1: one passage answers, the rest is about other things (a meeting recap).
    # Note 2: every passage is fairly close (an abstract about the question's subject).
    lists = {"keyword": hits(), "semantic": hits((1, 0.62), (2, 0.58), (3, 0.1))}
    similarity = {
        1: NoteSimilarity(best=0.62, second=0.15, whole=0.30),
        2: NoteSimilarity(best=0.58, second=0.56, whole=0.60),
        3: NoteSimilarity(best=0.10, second=0.10, whole=0.10),
    }

    def first(sale: float) -> int:
        found = candidates(lists)
        fuse(found, lists, similarity, Weights(), sale=sale)
        return max(found.values(), key=lambda c: c.score).note_id

    assert first(sale=1.0) == 1
    assert first(sale=0.0) == 2


def test_a_note_missing_from_a_list_counts_as_no_evidence_from_it() -> None:
    lists = {"keyword": hits((1, 9.0)), "semantic": hits((2, 0.5))}
    similarity = {2: NoteSimilarity(0.5, 0.5, 0.5)}
    found = candidates(lists)
    fuse(found, lists, similarity, Weights(keyword=1.0, semantic=1.0), sale=1.0)
    assert found[1].score == pytest.approx(found[2].score)
    assert found[1].by == {"keyword"} and found[2].by == {"semantic"}


def test_similarity_of_one_note() -> None:
    passages = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    found = similarity_of(passages, np.array([0.8, 0.6], dtype=np.float32))
    assert found.best == pytest.approx(0.8) and found.second == pytest.approx(0.6)
    assert found.whole == pytest.approx(1.4 / np.sqrt(2))

"""The priors that hold only for notes about accounts (a year named in the question is the
note's year, the fresher of two facts is likelier current) apply to a question about a sale
and not to a question about anything else: through the API, with the real model deciding how
much a question is about a topic of a sale.

One note is the only candidate (its author wrote nothing else, and the search is narrowed to
that author), so every retrieval's standardised evidence is zero and its score is its priors
alone (``app.search.fusion``, ``app.domain.retrieval._boost``)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.search.fusion import Weights
from tests.factories import embed_everything, make_account, make_user, post_note

OBSERVED = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
BODY = (
    "Deb signs off on any spend over 50k; she wants a phased rollout. Separately, the lab "
    "studies the crystalline lens in vertebrates, including humans."
)


@pytest.fixture
def asked(client: TestClient, db: Database, settings: Settings) -> dict[str, object]:
    author = make_user(db, "Ada Writer")
    account = make_account(db, "Harbor Freightways")
    note = post_note(
        client, author, account, BODY, visibility="company", observed_at=OBSERVED.isoformat()
    )
    embed_everything(db, settings)
    return {"author": author, "note": note}


def score_of(client: TestClient, asked: dict[str, object], question: str) -> float:
    """The note's score, less the tie-breaking penalty of a fact past its shelf life (which
    holds for a question about a sale, and which the hit says it got)."""
    author = asked["author"]
    response = client.post(
        "/v1/search",
        headers=author.headers,  # type: ignore[attr-defined]
        json={"q": question, "author_id": author.id},  # type: ignore[attr-defined]
    )
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert [hit["note_id"] for hit in hits] == [asked["note"]]
    return float(hits[0]["score"]) + (Weights().stale if hits[0]["stale"] else 0.0)


def freshness() -> float:
    weights = Weights()
    age_days = (utcnow() - OBSERVED).total_seconds() / 86400
    return weights.freshness * math.exp(-age_days / weights.freshness_days)


def test_a_question_about_a_sale_gets_the_freshness_and_year_priors(
    client: TestClient, asked: dict[str, object]
) -> None:
    assert score_of(client, asked, "who signs off on spend?") == pytest.approx(
        freshness(), abs=2e-6
    )
    assert score_of(client, asked, "who signed off on spend in 2025?") == pytest.approx(
        Weights().year + freshness(), abs=2e-6
    )


def test_a_question_about_anything_else_gets_neither(
    client: TestClient, asked: dict[str, object]
) -> None:
    for question in ("the crystalline lens in vertebrates", "crystalline lens studies of 2025"):
        response = client.post(
            "/v1/search",
            headers=asked["author"].headers,  # type: ignore[attr-defined]
            json={"q": question, "author_id": asked["author"].id},  # type: ignore[attr-defined]
        )
        assert [hit["score"] for hit in response.json()["hits"]] == [0.0]


def test_naming_the_account_makes_any_question_one_about_a_sale(
    client: TestClient, asked: dict[str, object]
) -> None:
    question = "Harbor Freightways: the crystalline lens in vertebrates"
    assert score_of(client, asked, question) == pytest.approx(freshness(), abs=2e-6)

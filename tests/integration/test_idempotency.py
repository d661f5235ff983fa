"""Idempotency-Key on POST /v1/notes: a flaky phone or a mail server may retry at will."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import httpx
import pytest
from sqlalchemy import func, select, update

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import IdempotencyKey, Note
from app.domain import idempotency
from tests.factories import Person, make_account, make_user

BODY = {"body": "Deb holds the purse strings", "account": "Harbor Freightways"}


@pytest.fixture
def rep(db: Database) -> Person:
    make_account(db, "Harbor Freightways")
    return make_user(db, "Priya")


def notes_with_body(db: Database, body: str) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).where(Note.body == body)) or 0


def keyed(rep: Person, key: str) -> dict[str, str]:
    return {**rep.headers, "Idempotency-Key": key}


def test_same_key_and_body_returns_the_same_note(client, db, rep) -> None:
    first = client.post("/v1/notes", headers=keyed(rep, "k-1"), json=BODY)
    again = client.post("/v1/notes", headers=keyed(rep, "k-1"), json=BODY)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert notes_with_body(db, BODY["body"]) == 1


def test_equivalent_json_counts_as_the_same_body(client, db, rep) -> None:
    client.post("/v1/notes", headers=keyed(rep, "k-1"), json=BODY)
    reordered = dict(reversed(list(BODY.items())))
    assert client.post("/v1/notes", headers=keyed(rep, "k-1"), json=reordered).status_code == 201
    assert notes_with_body(db, BODY["body"]) == 1


def test_same_key_with_another_body_is_422(client, db, rep) -> None:
    client.post("/v1/notes", headers=keyed(rep, "k-1"), json=BODY)
    other = client.post("/v1/notes", headers=keyed(rep, "k-1"), json={**BODY, "body": "other"})
    assert other.status_code == 422 and "different request body" in other.json()["detail"]
    assert notes_with_body(db, "other") == 0


def test_keys_are_per_user(client, db, rep) -> None:
    colleague = make_user(db, "Tom")
    client.post("/v1/notes", headers=keyed(rep, "k-1"), json=BODY)
    theirs = client.post("/v1/notes", headers=keyed(colleague, "k-1"), json=BODY)
    assert theirs.status_code == 201 and theirs.json()["author"]["id"] == colleague.id
    assert notes_with_body(db, BODY["body"]) == 2


def test_retry_while_the_first_attempt_runs_is_409(client, db, rep) -> None:
    # As NoteCreate dumps BODY: no visibility chosen is not the same request as "team".
    payload = {**BODY, "visibility": None, "contact_ids": [], "source": "api"}
    # The first attempt has claimed the key and is still working.
    claim = idempotency.claim(
        db,
        user_id=rep.id,
        scope="notes.create",
        key="k-1",
        payload=_canonical(client, payload),
        lease=timedelta(seconds=30),
    )
    assert isinstance(claim, int)
    retry = client.post("/v1/notes", headers=keyed(rep, "k-1"), json=BODY)
    assert retry.status_code == 409, retry.text
    assert notes_with_body(db, BODY["body"]) == 0
    # The first attempt died: once its lease is over, a retry takes the claim and succeeds.
    with db.unit_of_work() as session:
        session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(minutes=5)))
    assert client.post("/v1/notes", headers=keyed(rep, "k-1"), json=BODY).status_code == 201
    assert notes_with_body(db, BODY["body"]) == 1


def _canonical(client, payload: dict) -> dict:
    """The request as the server hashes it: the validated body, dumped to JSON."""
    from app.schemas.notes import NoteCreate

    return NoteCreate.model_validate(payload).model_dump(mode="json")


def test_a_failed_attempt_frees_the_key(client, db, rep) -> None:
    failed = client.post(
        "/v1/notes", headers=keyed(rep, "k-1"), json={**BODY, "account": "No Such Account"}
    )
    assert failed.status_code == 422
    fixed = client.post("/v1/notes", headers=keyed(rep, "k-1"), json=BODY)
    assert fixed.status_code == 201
    assert notes_with_body(db, BODY["body"]) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\there"])
def test_malformed_keys_are_rejected(client, db, rep, key) -> None:
    response = client.post("/v1/notes", headers=keyed(rep, key), json=BODY)
    assert response.status_code == 422
    assert notes_with_body(db, BODY["body"]) == 0


def test_retry_storm_creates_exactly_one_note(live_url: str, db: Database, rep: Person) -> None:
    """Twenty concurrent retries of one request, released at the same instant."""
    workers = 20
    start = Barrier(workers)

    def attempt(_: int) -> httpx.Response:
        with httpx.Client(base_url=live_url, timeout=60) as http:
            start.wait()
            return http.post("/v1/notes", headers=keyed(rep, "storm-1"), json=BODY)

    with ThreadPoolExecutor(workers) as pool:
        responses = list(pool.map(attempt, range(workers)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1, statuses
    assert notes_with_body(db, BODY["body"]) == 1
    # Once the storm is over, every retry gets the one note back.
    with httpx.Client(base_url=live_url) as http:
        late = http.post("/v1/notes", headers=keyed(rep, "storm-1"), json=BODY)
    assert late.status_code == 201 and late.json()["id"] in created

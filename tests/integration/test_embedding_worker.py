"""The embedding queue and its workers, with the real model, on each database.

What a user relies on: a note is searchable by keyword the moment it is saved, its vectors
follow, an edit re-embeds only what changed, and no crash, failure, edit or second worker can
lose an embedding or make one twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import EmbeddingJob, Passage, User
from app.domain import notes
from app.embedding import get_embedder
from app.embedding.base import Embedder
from app.schemas.notes import NoteCreate
from app.search.indexing import MAX_ATTEMPTS
from app.search.passages import split_passages
from app.taxonomy import TOPICS
from app.worker.embedding import claim_jobs, run_once
from tests.embedders import remembering_embedder
from tests.factories import Person, make_account, make_user, post_note

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DIMS = 384
TACIT = Path(sys.executable).parent / "tacit"
ACCOUNT = "Harbor Freightways"


def recap(n: int, *, budget: str = "anything over $25k") -> str:
    """A meeting recap in three sections (several passages); ``n`` makes each note unique."""
    return (
        f"Call {n} with Harbor Freightways. Deb Alvarez runs logistics and chairs the steering "
        "group; she wants a pilot in the Denver yard before the fiscal year closes, and asked "
        "twice about driver onboarding and the cost of training new dispatchers.\n\n"
        f"Budget after call {n}: Gus Coyle, the CFO, signs {budget} himself and will not "
        "approve spend that is not in the plan. The money for this quarter is committed to "
        "trucks, so a purchase waits for the March budget unless procurement finds savings.\n\n"
        f"Next steps from call {n}: send the security questionnaire to Meg by Friday, book a "
        "routing demo for the dispatch leads, and ask Deb which carriers join the pilot and who "
        "owns the integration work on their side."
    )


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return remembering_embedder(MODEL)


@pytest.fixture
def rep(db: Database) -> Person:
    make_account(db, ACCOUNT)
    return make_user(db, "Priya Raman")


EXEMPLARS = {text for topic in TOPICS for text in topic.exemplars}


class RecordingEmbedder:
    """The real model, noting every text it is asked to embed; ``before`` runs first."""

    def __init__(self, inner: Embedder, before: Callable[[], None] | None = None) -> None:
        self._inner, self._before = inner, before
        self._lock = threading.Lock()
        self.texts: list[str] = []

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dims(self) -> int:
        return self._inner.dims

    def embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # the topic prototypes, embedded once per model, are not note text
            self.texts += [t for t in texts if t not in EXEMPLARS]
        if self._before is not None:
            self._before()
        return self._inner.embed(texts)


class BrokenEmbedder:
    """A model that fails every time, as a corrupt download would."""

    name = MODEL
    dims = DIMS

    def embed(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("model weights are corrupt")


def edit_body(client: TestClient, who: Person, note_id: int, body: str) -> None:
    etag = client.get(f"/v1/notes/{note_id}", headers=who.headers).headers["ETag"]
    response = client.patch(
        f"/v1/notes/{note_id}", headers={**who.headers, "If-Match": etag}, json={"body": body}
    )
    assert response.status_code == 200, response.text


def add_notes(db: Database, who: Person, bodies: list[str]) -> list[int]:
    """Many notes at once, through the same domain function as POST /v1/notes."""
    with db.unit_of_work() as session:
        author = session.get_one(User, who.id)
        return [
            notes.create_note(session, author, NoteCreate(body=body, account=ACCOUNT)).id
            for body in bodies
        ]


def passages(db: Database, note_id: int | None = None) -> list[Passage]:
    query = select(Passage).order_by(Passage.note_id, Passage.ordinal)
    if note_id is not None:
        query = query.where(Passage.note_id == note_id)
    with db.session(write=False) as session:
        return list(session.scalars(query))


def jobs(db: Database) -> list[EmbeddingJob]:
    with db.session(write=False) as session:
        return list(session.scalars(select(EmbeddingJob).order_by(EmbeddingJob.id)))


def status(client: TestClient, who: Person) -> dict[str, Any]:
    response = client.get("/v1/status", headers=who.headers)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


def drain(db: Database, embedder: Embedder) -> None:
    for _ in range(100):
        if run_once(db, embedder) == 0:
            return
    pytest.fail("the worker still had jobs after 100 rounds")


def expire_leases(db: Database) -> None:
    """Move past every lease and retry delay, as if the clock had run on."""
    with db.unit_of_work() as session:
        session.execute(
            update(EmbeddingJob)
            .where(EmbeddingJob.leased_until.is_not(None))
            .values(leased_until=utcnow() - timedelta(seconds=1))
        )


def advance_clock(db: Database, by: timedelta) -> None:
    """As if ``by`` had passed: every lease and retry delay ends that much sooner."""
    with db.unit_of_work() as session:
        for job in session.scalars(
            select(EmbeddingJob).where(EmbeddingJob.leased_until.is_not(None))
        ):
            assert job.leased_until is not None
            job.leased_until -= by


def assert_fully_embedded(db: Database, embedder: Embedder, bodies: dict[int, str]) -> None:
    """Every note has exactly the passages of its current text, each with a vector of that
    text from the model, and nothing is left in the queue."""
    for note_id, body in bodies.items():
        stored = passages(db, note_id)
        assert [p.text for p in stored] == split_passages(body)
        for passage in stored:
            assert passage.model == embedder.name and passage.embedded_at is not None
            assert passage.embedding is not None and len(passage.embedding) == DIMS
    assert jobs(db) == []


def test_a_new_note_is_searchable_at_once_and_queued_for_embedding(
    client, db, rep, embedder
) -> None:
    short = post_note(client, rep, ACCOUNT, "Deb holds the purse strings.")
    long = post_note(client, rep, ACCOUNT, recap(1))
    # Written with the note, before any worker ran: keyword search has its passages, and the
    # job that will embed them is already a row.
    assert [p.text for p in passages(db, long)] == split_passages(recap(1))
    assert len(passages(db, long)) > 1
    assert all(p.embedding is None and p.embedded_at is None for p in passages(db))
    assert sorted(j.note_id for j in jobs(db)) == [short, long]
    state = status(client, rep)
    assert (state["notes"], state["embedded_notes"], state["pending_jobs"]) == (2, 0, 2)
    assert state["failed_jobs"] == 0 and state["model"] == embedder.name

    drain(db, embedder)

    state = status(client, rep)
    assert (state["notes"], state["embedded_notes"], state["pending_jobs"]) == (2, 2, 0)
    assert_fully_embedded(db, embedder, {short: "Deb holds the purse strings.", long: recap(1)})
    for passage in passages(db):  # normalised, so that a dot product is a cosine
        assert np.linalg.norm(passage.embedding) == pytest.approx(1.0, abs=1e-4)


def test_editing_one_section_re_embeds_only_that_section(client, db, rep, embedder) -> None:
    note = post_note(client, rep, ACCOUNT, recap(1))
    drain(db, embedder)
    before = {p.text: p for p in passages(db, note)}

    edited = recap(1, budget="anything over $50k")
    edit_body(client, rep, note, edited)

    after = passages(db, note)
    kept = [p for p in after if p.text in before]
    changed = [p for p in after if p.text not in before]
    assert kept and changed and all("$50k" in p.text for p in changed)
    for passage in kept:
        assert passage.embedded_at == before[passage.text].embedded_at
        assert np.array_equal(passage.embedding, before[passage.text].embedding)
    assert all(p.embedding is None for p in changed)
    assert status(client, rep)["pending_jobs"] == 1

    recorder = RecordingEmbedder(embedder)
    drain(db, recorder)

    assert sorted(recorder.texts) == sorted(p.text for p in changed)
    assert_fully_embedded(db, embedder, {note: edited})
    for passage in passages(db, note):
        if passage.text in before:
            assert passage.embedded_at == before[passage.text].embedded_at


def test_an_edit_that_keeps_the_text_queues_nothing(client, db, rep, embedder) -> None:
    note = post_note(client, rep, ACCOUNT, recap(1))
    drain(db, embedder)
    etag = client.get(f"/v1/notes/{note}", headers=rep.headers).headers["ETag"]
    response = client.patch(
        f"/v1/notes/{note}",
        headers={**rep.headers, "If-Match": etag},
        json={"visibility": "company"},
    )
    assert response.status_code == 200, response.text
    assert jobs(db) == []
    assert status(client, rep)["embedded_notes"] == 1


def test_deleting_a_note_removes_its_passages_and_job(client, db, rep, embedder) -> None:
    kept = post_note(client, rep, ACCOUNT, "Deb holds the purse strings.")
    gone = post_note(client, rep, ACCOUNT, recap(1))
    response = client.delete(f"/v1/notes/{gone}", headers=rep.headers)
    assert response.status_code == 204, response.text

    assert passages(db, gone) == []
    assert [j.note_id for j in jobs(db)] == [kept]
    recorder = RecordingEmbedder(embedder)
    drain(db, recorder)
    assert recorder.texts == ["Deb holds the purse strings."]
    state = status(client, rep)
    assert (state["notes"], state["embedded_notes"], state["pending_jobs"]) == (1, 1, 0)


def test_an_edit_during_embedding_is_not_lost(client, db, rep, embedder) -> None:
    note = post_note(client, rep, ACCOUNT, recap(1))
    edited = recap(1, budget="anything over $50k")
    # The edit lands while the worker's model is busy with the old text.
    worker = RecordingEmbedder(embedder, before=lambda: edit_body(client, rep, note, edited))
    assert run_once(db, worker) == 1

    # The batch finished, but the note moved on under it: its job must still be there.
    assert [j.note_id for j in jobs(db)] == [note]
    assert status(client, rep)["embedded_notes"] == 0

    drain(db, embedder)

    assert_fully_embedded(db, embedder, {note: edited})
    for passage in passages(db, note):  # each vector is its own text's, not the old one
        fresh = embedder.embed([passage.text])[0]
        assert float(np.dot(fresh, passage.embedding)) == pytest.approx(1.0, abs=1e-4)


def test_a_claimed_job_that_an_edit_overtakes_is_finished_after_its_lease(
    client, db, rep, embedder
) -> None:
    """A worker claimed the job and died; meanwhile the note was edited."""
    note = post_note(client, rep, ACCOUNT, recap(1))
    [claim] = claim_jobs(db, limit=10)
    assert claim.note_id == note
    edited = recap(1, budget="anything over $50k")
    edit_body(client, rep, note, edited)
    assert run_once(db, embedder) == 0  # the dead worker's lease still holds the job

    expire_leases(db)
    drain(db, embedder)

    assert_fully_embedded(db, embedder, {note: edited})


def test_a_failing_model_keeps_the_job_with_its_error(client, db, rep) -> None:
    note = post_note(client, rep, ACCOUNT, "Deb holds the purse strings at Harbor.")

    assert run_once(db, BrokenEmbedder()) == 1

    [job] = jobs(db)
    assert job.note_id == note and job.attempts == 1
    assert job.last_error is not None and "model weights are corrupt" in job.last_error
    assert passages(db, note)[0].embedding is None
    state = status(client, rep)
    assert (state["embedded_notes"], state["pending_jobs"], state["failed_jobs"]) == (0, 1, 0)


def test_a_note_the_model_failed_on_is_found_by_keyword(client, db, rep) -> None:
    note = post_note(client, rep, ACCOUNT, "Deb holds the purse strings at Harbor.")
    run_once(db, BrokenEmbedder())

    found = client.post("/v1/search", headers=rep.headers, json={"q": "purse strings"})

    assert found.status_code == 200, found.text
    hits = found.json()["hits"]
    assert [h["note_id"] for h in hits] == [note]
    assert hits[0]["matched"] == "keyword"


def test_a_job_failing_max_attempts_times_is_reported_as_failed(client, db, rep, embedder) -> None:
    post_note(client, rep, ACCOUNT, "Deb holds the purse strings.")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert status(client, rep)["failed_jobs"] == 0, f"failed before attempt {attempt}"
        expire_leases(db)  # the retry delay has passed
        assert run_once(db, BrokenEmbedder()) == 1

    state = status(client, rep)
    assert (state["pending_jobs"], state["failed_jobs"], state["embedded_notes"]) == (1, 1, 0)
    # Parked: a worker does not spin on it, even long after the ordinary retry delay.
    advance_clock(db, timedelta(days=1))
    assert run_once(db, embedder) == 0


def test_editing_a_note_whose_job_was_parked_embeds_it(client, db, rep, embedder) -> None:
    """The edit resets the job's attempts, so /v1/status stops calling it failed: the job
    must then really run again, not stay parked where status shows it as merely pending."""
    note = post_note(client, rep, ACCOUNT, "Deb holds the purse strings.")
    for _ in range(MAX_ATTEMPTS):
        expire_leases(db)
        run_once(db, BrokenEmbedder())
    assert status(client, rep)["failed_jobs"] == 1

    edit_body(client, rep, note, "Deb holds the purse strings, and Gus signs.")
    assert status(client, rep)["failed_jobs"] == 0

    assert run_once(db, embedder) == 1, "the edited note's job is still parked, for years"
    assert_fully_embedded(db, embedder, {note: "Deb holds the purse strings, and Gus signs."})


def test_two_workers_never_embed_the_same_note(db, rep, embedder) -> None:
    bodies = [recap(n) for n in range(30)]
    note_ids = add_notes(db, rep, bodies)
    # The model itself, not the remembered batches: the workers must be slow enough to overlap.
    recorder = RecordingEmbedder(get_embedder(MODEL))
    start = threading.Barrier(2)
    claimed: list[int] = [0, 0]
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            start.wait()
            while claimed_now := run_once(db, recorder, batch_notes=3):
                claimed[slot] += claimed_now
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert not errors, errors

    assert sum(claimed) == len(note_ids), claimed  # every job claimed exactly once
    assert min(claimed) > 0, f"one worker did all the work, so nothing ran concurrently: {claimed}"
    # Every passage embedded once, by one worker or the other: never more often than its
    # text occurs (recaps share some windows word for word, and a round embeds a text once).
    stored = Counter(p.text for p in passages(db))
    assert set(recorder.texts) == set(stored)
    assert Counter(recorder.texts) <= stored
    assert_fully_embedded(db, embedder, dict(zip(note_ids, bodies, strict=True)))


# --- A real `tacit worker` process, killed mid-run ---------------------------------------


@pytest.fixture
def start_worker(db_url: str, tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TACIT_")}
    environ |= {"TACIT_DATABASE_URL": db_url, "TACIT_ENV": "test"}

    def start(name: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [str(TACIT), "worker", "--batch", "8"],  # several commits, so a kill lands mid-run
                env=environ,
                cwd=tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def embedded_at(db: Database) -> dict[int, datetime | None]:
    with db.session(write=False) as session:
        rows = session.execute(
            select(Passage.id, Passage.embedded_at).where(Passage.embedded_at.is_not(None))
        )
        return {passage_id: at for passage_id, at in rows}


def wait_for(
    condition: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, *, what: str
) -> None:
    deadline = time.monotonic() + 180
    while not condition():
        if process.poll() is not None:
            pytest.fail(
                f"`tacit worker` exited with code {process.returncode} before {what}:\n"
                + log.read_text(errors="replace")
            )
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n" + log.read_text(errors="replace"))
        time.sleep(0.02)


def test_a_killed_worker_process_loses_and_repeats_nothing(
    db, rep, embedder, start_worker, tmp_path
) -> None:
    # Mostly one-line notes (the model is slow on a small CPU), every tenth a long recap.
    bodies = [
        recap(n) if n % 10 == 0 else f"Call {n}: Deb Alvarez holds the purse strings."
        for n in range(150)
    ]
    note_ids = add_notes(db, rep, bodies)
    total = sum(len(split_passages(body)) for body in bodies)

    first = start_worker("first")
    wait_for(lambda: len(embedded_at(db)) > 0, first, tmp_path / "first.log", what="any vector")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    before_kill = embedded_at(db)
    assert 0 < len(before_kill) < total, "the worker finished before it could be killed"

    expire_leases(db)  # the killed worker's leases run out
    second = start_worker("second")
    wait_for(lambda: jobs(db) == [], second, tmp_path / "second.log", what="an empty queue")
    second.terminate()
    second.wait(timeout=30)

    assert_fully_embedded(db, embedder, dict(zip(note_ids, bodies, strict=True)))
    after = embedded_at(db)
    assert len(after) == total
    redone = [pid for pid, at in before_kill.items() if after.get(pid) != at]
    assert redone == [], f"{len(redone)} passages embedded before the kill were embedded again"

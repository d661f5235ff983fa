"""The embedding backends (torch, ONNX float32, ONNX int8), the worker's pace as
``GET /v1/status`` reports it, and ``tacit import`` waiting for the notes to be embedded.

What a user relies on: each backend loads with no network and embeds as the model means; a
switch to vectors of another kind re-embeds the base by itself; the status says how fast the
embedding goes and how long is left, counting only notes the asker may read; an import can wait
until every note is searchable by meaning, and says how to follow it when it does not wait.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.config import Settings
from app.db.engine import Database
from app.db.models import EmbeddingJob, Passage, Role, User
from app.domain import notes
from app.embedding import get_embedder
from app.embedding.backends import int8_config
from app.embedding.base import Embedder
from app.main import create_app
from app.schemas.notes import NoteCreate
from app.search import indexing
from app.server import serve_in_thread
from app.worker.embedding import queue_other_models, run_once
from tests.embedders import remembering_embedder
from tests.factories import Person, make_account, make_user
from tests.integration.test_cli import DATASET, write_dataset

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TACIT = Path(sys.executable).parent / "tacit"
NEEDS_INT8 = pytest.mark.skipif(int8_config() is None, reason="no int8 kernels on this CPU")
BACKENDS = ["torch", "onnx", pytest.param("onnx-int8", marks=NEEDS_INT8)]
QUESTION = "who signs off on spending?"
ANSWER = "The CFO approves every purchase over $50k herself."
ASIDE = "We usually meet in the Fishbowl, the third floor conference room."


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails, as on a server with no way out."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_backend_loads_offline_and_embeds(backend: str, no_network: None) -> None:
    embedder = get_embedder(MODEL, 1, backend)  # type: ignore[arg-type]
    vectors = embedder.embed([QUESTION, ANSWER, ASIDE])

    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # The question is nearer its answer than an aside, whatever runs the model.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1
    reference = get_embedder(MODEL, 1, "torch").embed([QUESTION, ANSWER, ASIDE])
    agreement = (vectors * reference).sum(axis=1)
    if backend == "onnx-int8":
        assert embedder.name == f"{MODEL}#int8"  # its vectors are told apart from torch's
        assert agreement.min() > 0.95
    else:
        assert embedder.name == MODEL  # the same vectors: no re-embedding between them
        assert agreement.min() > 0.9999


def add_notes(db: Database, who: Person, account: int, bodies: list[str]) -> list[int]:
    with db.unit_of_work() as session:
        author = session.get_one(User, who.id)
        return [
            notes.create_note(session, author, NoteCreate(body=b, account_id=account)).id
            for b in bodies
        ]


@pytest.fixture
def rep(db: Database) -> Person:
    return make_user(db, "Priya Raman")


@pytest.fixture
def harbor(db: Database) -> int:
    return make_account(db, "Harbor Freightways")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return remembering_embedder(MODEL)


def status(client: TestClient, who: Person) -> dict[str, Any]:
    response = client.get("/v1/status", headers=who.headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_status_gives_the_rate_and_the_time_left_over_readable_notes(
    client: TestClient, db: Database, rep: Person, harbor: int, embedder: Embedder
) -> None:
    bodies = [f"Call {n}: Gus signs anything over ${n}0k, Deb runs the pilot." for n in range(9)]
    add_notes(db, rep, harbor, bodies)
    before = status(client, rep)
    assert (before["embedded_notes"], before["notes_per_second"]) == (0, None)
    assert before["seconds_left"] is None  # nothing embedded yet: no pace to go by

    for _ in range(3):  # three rounds of two notes: three stamps, two rounds timed
        assert run_once(db, embedder, batch_notes=2) == 2
    during = status(client, rep)

    assert during["embedded_notes"] == 6 and during["pending_jobs"] == 3
    assert during["notes_per_second"] > 0
    # Both figures are rounded to a tenth: a fast round leaves the time left near 0.1 s.
    left = pytest.approx(3 / during["notes_per_second"], rel=0.1, abs=0.1)
    assert during["seconds_left"] == left
    assert during["backend"] == "torch"

    while run_once(db, embedder):
        pass
    after = status(client, rep)
    assert (after["embedded_notes"], after["pending_jobs"], after["seconds_left"]) == (9, 0, 0.0)


def test_a_colleagues_private_notes_give_no_pace(
    client: TestClient, db: Database, rep: Person, harbor: int, embedder: Embedder
) -> None:
    outsider = make_user(db, "Olu West", team="west")
    with db.unit_of_work() as session:
        author = session.get_one(User, rep.id)
        for n in range(6):
            notes.create_note(
                session,
                author,
                NoteCreate(
                    body=f"Private {n}: Gus hates surprise invoices.",
                    account_id=harbor,
                    visibility="private",
                ),
            )
    for _ in range(3):
        run_once(db, embedder, batch_notes=2)

    assert status(client, rep)["notes_per_second"] > 0
    hidden = status(client, outsider)
    assert (hidden["notes"], hidden["embedded_notes"], hidden["pending_jobs"]) == (0, 0, 0)
    assert (hidden["notes_per_second"], hidden["seconds_left"]) == (None, 0.0)


@NEEDS_INT8
def test_switching_to_int8_re_embeds_every_note(
    db: Database, rep: Person, harbor: int, embedder: Embedder
) -> None:
    note_ids = add_notes(db, rep, harbor, [ANSWER, f"{ASIDE}\n\n{QUESTION} Gus, always."])
    while run_once(db, embedder):
        pass
    int8 = get_embedder(MODEL, 1, "onnx-int8")

    assert queue_other_models(db, embedder) == 0  # the same model: nothing to redo
    assert queue_other_models(db, int8) == len(note_ids)
    assert queue_other_models(db, int8) == 0  # queued once, however many workers start
    while run_once(db, int8):
        pass

    with db.session(write=False) as session:
        models = set(session.scalars(select(Passage.model)))
        left = session.scalar(select(func.count()).select_from(EmbeddingJob))
    assert (models, left) == ({int8.name}, 0)


def test_a_commit_that_queues_jobs_wakes_the_workers(
    db: Database, rep: Person, harbor: int
) -> None:
    indexing.jobs_queued.clear()
    with db.unit_of_work() as session:
        author = session.get_one(User, rep.id)
        notes.create_note(session, author, NoteCreate(body=ANSWER, account_id=harbor))
        session.flush()
        assert not indexing.jobs_queued.is_set()  # not before the job is visible
    assert indexing.jobs_queued.is_set()

    indexing.jobs_queued.clear()
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        author = session.get_one(User, rep.id)
        notes.create_note(session, author, NoteCreate(body=ASIDE, account_id=harbor))
        raise RuntimeError("rolled back")
    with db.unit_of_work():
        pass
    assert not indexing.jobs_queued.is_set()  # a rolled-back job wakes nobody


# --- tacit import, waiting ------------------------------------------------------------------


def tacit(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TACIT_")}
    environ |= {"TACIT_ENV": "test", "TACIT_CONFIG": str(cwd / "no-config.toml")} | env
    return subprocess.run(
        [str(TACIT), *args],
        env=environ,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_remote_import_waits_until_every_note_is_searchable(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    admin = make_user(db, "Ida Admin", role=Role.admin)
    source = write_dataset(tmp_path / "in", DATASET)
    serving = settings.model_copy(update={"worker_threads": 1})
    with serve_in_thread(create_app(serving)) as url:
        result = tacit(
            "import",
            str(source),
            "--wait",
            "--url",
            url,
            "--token",
            admin.token,
            cwd=tmp_path,
            TACIT_DATABASE_URL=f"sqlite:///{tmp_path / 'local.db'}",
        )

    assert result.returncode == 0, result.stderr
    assert "every note is searchable by meaning (1 of 1)" in result.stdout, result.stdout
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Passage.embedding.is_(None))) == 0


def test_remote_import_not_on_a_terminal_says_how_to_follow(
    db: Database, live_url: str, tmp_path: Path
) -> None:
    admin = make_user(db, "Ida Admin", role=Role.admin)
    source = write_dataset(tmp_path / "in", DATASET)

    result = tacit(
        "import",
        str(source),
        "--url",
        live_url,
        "--token",
        admin.token,
        cwd=tmp_path,
        TACIT_DATABASE_URL=f"sqlite:///{tmp_path / 'local.db'}",
    )

    assert result.returncode == 0, result.stderr
    assert "GET /v1/status" in result.stdout and "--wait" in result.stdout, result.stdout


@pytest.mark.db("sqlite")
def test_local_import_with_wait_embeds_here(db: Database, db_url: str, tmp_path: Path) -> None:
    source = write_dataset(tmp_path / "in", DATASET)

    waited = tacit(
        "import",
        str(source),
        "--wait",
        cwd=tmp_path,
        TACIT_DATABASE_URL=db_url,
        TACIT_EMBEDDING_BACKEND="torch",
    )

    assert waited.returncode == 0, waited.stderr
    assert "embedded 1 note(s)" in waited.stdout, waited.stdout
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(EmbeddingJob)) == 0
        assert session.scalar(select(func.count()).where(Passage.model == MODEL)) >= 1

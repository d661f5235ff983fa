"""The learned role reader through the embedding worker, on both databases with the real model:
the worker stores each sentence's role scores on its mention, and a role no cue reads is
suggested from them, citing its sentence; a sentence naming two people gives neither a role."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db.engine import Database
from app.db.models import Mention, Role
from app.search import influence, influence_learned
from tests.factories import embed_everything, make_account, make_contact, make_user, post_note

# Read by no cue (checked below), by the shipped classifiers as a user buyer's.
USER_SENTENCE = "Dana's deckhands would be the ones logging hours on the tablets."
TWO_PEOPLE = "Dana and Luis would have their deckhands logging hours on the tablets."
# Scored as a user's as confidently, but denied: no role.
DENIED = "Luis's deckhands would never be the ones logging hours on the tablets."


def test_a_role_no_cue_reads_is_suggested_from_the_worker_scores(
    db: Database, client: TestClient, settings: Settings
) -> None:
    weights = influence_learned.load()
    assert weights is not None
    manager = make_user(db, "Wen Okafor", team="east", role=Role.manager)
    account = make_account(db, "Kestrel Ferries", domains=["kestrel.example"])
    dana = make_contact(db, account, "Dana Whitfield", title="Port Captain")
    luis = make_contact(db, account, "Luis Ortega", title="Fleet Engineer")
    people = [
        influence.Person(dana, "Dana Whitfield", "Port Captain"),
        influence.Person(luis, "Luis Ortega", "Fleet Engineer"),
    ]
    cues_alone = influence.suggest(
        people,
        [influence.Sentence(dana, 1, USER_SENTENCE, datetime.now(UTC))],
        learned_threshold=2.0,
    )
    assert [s for s in cues_alone if s.field == "roles"] == []

    note = post_note(client, manager, account, USER_SENTENCE, contact_ids=[dana])
    both = post_note(client, manager, account, TWO_PEOPLE, contact_ids=[dana, luis])
    denied = post_note(client, manager, account, DENIED, contact_ids=[luis])
    embed_everything(db, settings)
    with db.session(write=False) as session:
        stored = {
            (m.note_id, m.contact_id): m.role_scores for m in session.scalars(select(Mention))
        }
    assert stored[(both, dana)] is None and stored[(both, luis)] is None
    scores = stored[(note, dana)]
    assert scores is not None and set(scores) == set(influence_learned.ROLES)
    assert scores["user"] >= weights.threshold
    assert stored[(denied, luis)]["user"] >= weights.threshold  # type: ignore[index]

    url = f"/v1/accounts/{account}/role-suggestions"
    suggested = client.get(url, headers=manager.headers).json()
    assert [(s["contact"]["id"], s["role"], s["evidence"]) for s in suggested] == [
        (dana, "user", [note])
    ]
    record = client.get(f"/v1/contacts/{dana}/influence", headers=manager.headers).json()
    roles = [(v["value"], v["status"], v["evidence"]) for v in record["fields"]["roles"]]
    assert roles == [("user", "suggested", [{"note_id": note, "sentence": USER_SENTENCE}])]

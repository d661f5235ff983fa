"""Nothing private leaks through the influence map: its evidence, suggestions, coverage and red
flags count and quote only what the reader may read (a matrix of people x visibilities, and a
property test against a plain model of the rule); erasing a person takes their records and
history; a subject-access request includes them.

Expected outcomes come from the README's rule, written here again, not from app.domain.access.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import hypothesis.strategies as st
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import (
    InfluenceCitation,
    InfluenceDecision,
    InfluenceRecord,
    Mention,
    Role,
    User,
    Visibility,
)
from app.domain import notes
from app.domain.influence import red_flags
from app.domain.influence.records import contact_influence
from app.schemas.notes import NoteCreate
from app.search import influence
from tests.factories import Person, make_account, make_contact, make_user, post_note
from tests.integration.test_influence import fake_suggest

VISIBILITIES = ("private", "team", "company")
TEAMS = {"alice": "east", "bob": "east", "carol": "west", "wen": "west"}


@pytest.fixture(autouse=True)
def suggester(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(influence, "suggest", fake_suggest)


def may_read(viewer: str, author: str, visibility: str) -> bool:
    return (
        visibility == "company"
        or viewer == author
        or (visibility == "team" and TEAMS[author] == TEAMS[viewer])
    )


def mention(db: Database, note_id: int, contact_id: int, text: str) -> None:
    """The mention the embedding worker would write for a one-sentence note."""
    with db.unit_of_work() as session:
        session.add(
            Mention(
                note_id=note_id,
                contact_id=contact_id,
                ordinal=0,
                text=text,
                topic="personal_interest",
                score=0.8,
                named=1,
            )
        )


@dataclass
class Matrix:
    people: dict[str, Person]
    account: int
    jill: int
    notes: dict[tuple[str, str], int]


@pytest.fixture
def matrix(db: Database, client: TestClient) -> Matrix:
    people = {
        "alice": make_user(db, "Alice", team="east"),
        "bob": make_user(db, "Bob", team="east", role=Role.manager),
        "carol": make_user(db, "Carol", team="west", role=Role.admin),
        "wen": make_user(db, "Wen", team="west"),
    }
    account = make_account(db, "Harbor Freightways")
    jill = make_contact(db, account, "Jill Oyelaran", title="CFO", buying_role="economic")
    written = {}
    for author, visibility in itertools.product(people, VISIBILITIES):
        body = f"Met Jill on site; Jill cares about {author} {visibility}."
        note_id = post_note(client, people[author], account, body, visibility=visibility)
        mention(db, note_id, jill, body)
        written[(author, visibility)] = note_id
    return Matrix(people, account, jill, written)


def test_evidence_suggestions_coverage_and_flags_follow_the_read_rule(
    client: TestClient, matrix: Matrix
) -> None:
    # Each author confirms a button citing each of their own notes: the values are shared, the
    # sentences are quoted to whoever may read their note.
    for (author, visibility), note_id in matrix.notes.items():
        sentence = f"Met Jill on site; Jill cares about {author} {visibility}."
        response = client.post(
            f"/v1/contacts/{matrix.jill}/influence/decisions",
            headers=matrix.people[author].headers,
            json={
                "field": "cold_buttons",
                "value": f"{author} {visibility}",
                "decision": "confirm",
                "evidence": [{"note_id": note_id, "sentence": sentence}],
            },
        )
        assert response.status_code == 200, response.text
    for viewer, person in matrix.people.items():
        readable = {
            note_id
            for (author, visibility), note_id in matrix.notes.items()
            if may_read(viewer, author, visibility)
        }
        record = client.get(f"/v1/contacts/{matrix.jill}/influence", headers=person.headers)
        assert record.status_code == 200
        body = record.json()
        suggested = {
            e["note_id"]
            for v in body["fields"]["hot_buttons"]
            if v["status"] == "suggested"
            for e in v["evidence"]
        }
        assert suggested == readable, viewer
        quoted = {e["note_id"] for v in body["fields"]["cold_buttons"] for e in v["evidence"]}
        assert quoted == readable, viewer
        assert len(body["confirmed"]["cold_buttons"]) == len(matrix.notes)
        coverage = body["coverage"]
        assert coverage["notes"] == len(readable), viewer
        authors = {
            author for (author, visibility) in matrix.notes if may_read(viewer, author, visibility)
        }
        assert {c["user"]["name"].lower() for c in coverage["colleagues"]} == authors
        assert sum(c["meetings"] for c in coverage["colleagues"]) == len(readable)
        amap = client.get(f"/v1/accounts/{matrix.account}/influence", headers=person.headers)
        assert amap.json()["influences"][0]["coverage"] == coverage
        flags = client.get(f"/v1/accounts/{matrix.account}/red-flags", headers=person.headers)
        text = str(flags.json())
        for author, visibility in matrix.notes:
            if not may_read(viewer, author, visibility):
                assert f"{author} {visibility}" not in str(body["fields"]["hot_buttons"])
        assert "not_met" not in text  # each of them may read a meeting with Jill


def test_a_private_meeting_covers_the_person_for_its_author_only(
    client: TestClient, db: Database
) -> None:
    alice, bob = make_user(db, "Alice", team="east"), make_user(db, "Bob", team="east")
    account = make_account(db, "Coldwater College")
    reggie = make_contact(db, account, "Reggie Zielinski", buying_role="technical")
    post_note(client, alice, account, "Met Reggie for coffee.", visibility="private")
    for who, met in ((alice, True), (bob, False)):
        flags = client.get(f"/v1/accounts/{account}/red-flags", headers=who.headers).json()
        found = [(f["code"], f["contact_ids"]) for f in flags["red_flags"]]
        assert (("not_met", [reggie]) in found) != met
        record = client.get(f"/v1/contacts/{reggie}/influence", headers=who.headers).json()
        assert record["coverage"]["notes"] == int(met)
        assert (record["coverage"]["last_met_at"] is not None) == met


# --- property: coverage and evidence against a plain model --------------------------------


@dataclass(frozen=True)
class Written:
    author: int
    visibility: Visibility
    meeting: bool


@pytest.fixture
def property_db(db: Database) -> Iterator[tuple[Database, list[User]]]:
    people = [
        make_user(db, "P East", team="east"),
        make_user(db, "P East Two", team="east"),
        make_user(db, "P West", team="west", role=Role.manager),
        make_user(db, "P None", team=None),
    ]
    with db.unit_of_work() as session:
        users = [session.get_one(User, p.id) for p in people]
        session.expunge_all()
    yield db, users


@run_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    written=st.lists(
        st.builds(Written, st.integers(0, 3), st.sampled_from(list(Visibility)), st.booleans()),
        max_size=8,
    ),
    viewer=st.integers(0, 3),
)
def test_coverage_and_evidence_count_only_readable_notes(
    property_db: tuple[Database, list[User]], written: list[Written], viewer: int
) -> None:
    db, users = property_db
    account = make_account(db, "Property Co", force=True)  # one account per example
    meg = make_contact(db, account, "Meg Tanaka", buying_role="economic")
    ids = []
    with db.unit_of_work() as session:
        for item in written:
            body = ("Met Meg today." if item.meeting else "Meg wrote back.") + " Meg cares about x."
            author = session.get_one(User, users[item.author].id)
            data = NoteCreate(body=body, account_id=account, visibility=item.visibility)
            note = notes.create_note(session, author, data)
            session.flush()
            ids.append(note.id)
            session.add(
                Mention(note_id=note.id, contact_id=meg, ordinal=1, text="Meg cares about x.",
                        topic="personal_interest", score=0.8, named=1)
            )  # fmt: skip
    reader = users[viewer]

    def readable(item: Written) -> bool:
        author = users[item.author]
        return (
            item.visibility == Visibility.company
            or author.id == reader.id
            or (
                item.visibility == Visibility.team
                and author.team_id is not None
                and author.team_id == reader.team_id
            )
        )

    expected = [i for i, item in zip(ids, written, strict=True) if readable(item)]
    met = [i for i, item in zip(ids, written, strict=True) if readable(item) and item.meeting]
    with db.unit_of_work() as session:
        viewer_user = session.get_one(User, reader.id)
        record = contact_influence(session, viewer_user, meg)
        view = red_flags.account_view(session, viewer_user, account, coverage_days=90)
    assert record.coverage.notes == len(expected)
    assert sum(c.meetings for c in record.coverage.colleagues) == len(met)
    cited = {c.note_id for v in record.fields["hot_buttons"] for c in v.evidence}
    assert cited == set(expected)
    flagged = any(f.code == "not_met" for f in view.red_flags)
    assert flagged == (not met)


# --- erasure and subject access -------------------------------------------------------------


def test_erasing_a_person_removes_their_record_and_history_and_access_lists_them(
    client: TestClient, db: Database
) -> None:
    adam = make_user(db, "Adam Admin", team="ops", role=Role.admin)
    account = make_account(db, "Red Mesa")
    hugo = make_contact(db, account, "Hugo Brandt", title="Branch Ops")
    wes = make_contact(db, account, "Wes Devlin")
    both = "Hugo Brandt and Wes Devlin care about data ownership."
    note = post_note(client, adam, account, both, visibility="company")
    for contact in (hugo, wes):
        response = client.post(
            f"/v1/contacts/{contact}/influence/decisions",
            headers=adam.headers,
            json={
                "field": "hot_buttons",
                "value": "data ownership",
                "decision": "confirm",
                "evidence": [{"note_id": note, "sentence": both}],
            },
        )
        assert response.status_code == 200, response.text
    dossier = client.get(f"/v1/contacts/{hugo}/subject-access", headers=adam.headers).json()
    assert dossier["influence_records"][0]["hot_buttons"] == ["data ownership"]
    assert dossier["influence_decisions"][0]["citations"] == [{"note_id": note, "sentence": both}]
    assert dossier["influence_decisions"][0]["decided_by"]["name"] == "Adam Admin"

    erased = client.post(
        f"/v1/contacts/{hugo}/erase", json={"reason": "request 12"}, headers=adam.headers
    )
    assert erased.status_code == 200, erased.text
    with db.unit_of_work() as session:
        assert session.scalars(select(InfluenceRecord.contact_id)).all() == [wes]
        assert {d.contact_id for d in session.scalars(select(InfluenceDecision))} == {wes}
        # Wes's citation quoted the sentence that named Hugo: it went with the rewrite.
        assert "Hugo" not in " ".join(session.scalars(select(InfluenceCitation.sentence)))

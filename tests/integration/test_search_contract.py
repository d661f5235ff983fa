"""The contract every search backend keeps (``app.search.base.SearchIndex``), run against each
one as ``app.search.factory.open_index`` builds it for its database: SQLite (FTS5 and the
in-memory matrix) and PostgreSQL (tsvector and pgvector). A new backend passes this file.

Notes are written, changed and removed through the domain, as every channel does, and
embedded by the worker with the real model; the retrievals are then asked directly, with a
``Scope`` built from the access rule. What search makes of the hits (fusion, snippets,
the record of who saw what) is ``test_search_api.py``'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import Passage, Role, User
from app.domain import erasure, notes, users
from app.domain.access import readable_by
from app.embedding.base import Embedder
from app.embedding.sentence_transformers import DEFAULT_MODEL
from app.schemas.notes import NoteCreate, NoteUpdate
from app.schemas.users import UserUpdate
from app.search.base import PassageHit, Scope, SearchIndex, keyword_query
from app.search.factory import open_index
from app.search.postgres import PostgresIndex
from app.search.sqlite import SqliteIndex
from app.worker.embedding import run_once
from tests.embedders import remembering_embedder
from tests.factories import make_account, make_contact, make_user

TEAMS = {"alice": "east", "bob": "east", "carol": "west", "dave": "west"}
WORD = "quokka"  # in every note: a query for it matches them all

# key: (author, account, visibility, observed on, contacts, body)
NOTES: dict[str, tuple[str, str, str, str, tuple[str, ...], str]] = {
    "purse": (
        "alice", "harbor", "company", "2026-06-10", ("deb",),
        "Deb holds the purse strings for anything over 50k.",
    ),
    "incident": (
        "bob", "harbor", "team", "2026-03-02", (),
        "Outage INC-40412 took down their Rotterdam depot scanners for six hours.",
    ),
    "discount": (
        "alice", "harbor", "private", "2026-05-01", ("deb",),
        "I quietly promised Deb a fifteen percent renewal discount.",
    ),
    "robots": (
        "carol", "vantor", "company", "2025-05-05", (),
        "Nadia runs their warehouse robots on ROS 2 and dislikes vendor lock-in.",
    ),
    "soc2": (
        "carol", "vantor", "team", "2026-01-10", (),
        "Their security review wants our SOC 2 report before any contract is signed.",
    ),
    "parking": (
        "bob", "vantor", "company", "2024-10-01", (),
        "Visitor parking is in lot C; ask reception for a pass.",
    ),
}  # fmt: skip


def body_of(key: str) -> str:
    return f"{NOTES[key][5]} Filed under {WORD}."


@dataclass
class World:
    db: Database
    index: SearchIndex
    embedder: Embedder
    users: dict[str, int]
    accounts: dict[str, int]
    contacts: dict[str, int]
    notes: dict[str, int]
    teams: dict[str, str]  # each person's team now (a note keeps its author's when written)
    gone: set[str]  # deleted or erased

    def may_read(self, viewer: str, key: str) -> bool:
        """The rule as the README states it, written here independently of the code."""
        author, _, visibility, *_ = NOTES[key]
        return key not in self.gone and (
            visibility == "company"
            or author == viewer
            or (visibility == "team" and TEAMS[author] == self.teams[viewer])
        )

    def readable(self, viewer: str, **only: Any) -> set[str]:
        """What ``viewer`` may read, narrowed by ``account``/``author``/``contact`` keys."""
        return {
            key
            for key, (author, account, _, _, contacts, _) in NOTES.items()
            if self.may_read(viewer, key)
            and only.get("account", account) == account
            and only.get("author", author) == author
            and (only.get("contact") is None or only["contact"] in contacts)
        }

    def keys(self, hits: list[PassageHit]) -> set[str]:
        by_id = {note_id: key for key, note_id in self.notes.items()}
        return {by_id.get(hit.note_id, f"unknown {hit.note_id}") for hit in hits}

    def keyword(self, viewer: str, q: str, *, limit: int = 50, **filters: Any) -> list[PassageHit]:
        with self.db.session(write=False) as session:
            scope = self.scope(session, viewer, **filters)
            return self.index.keyword(session, keyword_query(q), scope, limit)

    def semantic(
        self, viewer: str, text: str, *, limit: int = 50, **filters: Any
    ) -> list[PassageHit]:
        vector = self.embedder.embed([text])[0]
        with self.db.session(write=False) as session:
            return self.index.semantic(
                session, vector, self.scope(session, viewer, **filters), limit
            )

    def scope(self, session: Any, viewer: str, **filters: Any) -> Scope:
        return Scope(readable=readable_by(session.get_one(User, self.users[viewer])), **filters)

    def embed(self) -> None:
        while run_once(self.db, self.embedder):
            pass

    def change(self, key: str, editor: str, **changes: Any) -> None:
        with self.db.unit_of_work() as session:
            note = notes.get_note(session, self.user(session, editor), self.notes[key])
            notes.update_note(
                session,
                self.user(session, editor),
                note.id,
                NoteUpdate(**changes),
                expected_version=note.version,
            )

    def user(self, session: Any, name: str) -> User:
        return session.get_one(User, self.users[name])


@pytest.fixture
def world(db: Database) -> World:
    """Four people in two teams, two accounts, six notes (every visibility); none embedded."""
    people = {name: make_user(db, name.title(), team=team).id for name, team in TEAMS.items()}
    accounts = {name: make_account(db, f"{name.title()} Inc") for name in ("harbor", "vantor")}
    contacts = {"deb": make_contact(db, accounts["harbor"], "Deb Okafor", title="CFO")}
    ids = {}
    with db.unit_of_work() as session:
        for key, (author, account, visibility, day, mentioned, _) in NOTES.items():
            note = notes.create_note(
                session,
                session.get_one(User, people[author]),
                NoteCreate(
                    body=body_of(key),
                    account_id=accounts[account],
                    visibility=visibility,
                    observed_at=datetime.fromisoformat(f"{day}T10:00:00+00:00"),
                    contact_ids=[contacts[c] for c in mentioned],
                ),
            )
            session.flush()
            ids[key] = note.id
    embedder = remembering_embedder(DEFAULT_MODEL)
    index = open_index(db, embedder)
    return World(db, index, embedder, people, accounts, contacts, ids, dict(TEAMS), set())


def test_the_factory_builds_the_backend_of_the_database(db: Database) -> None:
    index = open_index(db, remembering_embedder(DEFAULT_MODEL))
    expected = {"sqlite": SqliteIndex, "postgresql": PostgresIndex}[db.dialect]
    assert isinstance(index, expected)
    with db.unit_of_work() as session:  # what `tacit reindex` runs, any number of times
        index.prepare(session)
        index.prepare(session)
    with db.session(write=False) as session:
        index.warm(session)


# Keywords


def test_keyword_finds_the_notes_holding_the_words_before_any_embedding(world: World) -> None:
    hits = world.keyword("alice", "Rotterdam depot scanners")
    assert world.keys(hits) == {"incident"}
    with world.db.session(write=False) as session:
        owner = dict(session.execute(select(Passage.id, Passage.note_id)).all())
    assert all(owner[hit.passage_id] == hit.note_id for hit in hits)
    assert world.semantic("alice", body_of("incident")) == []  # no vector yet


def test_an_identifier_is_found_as_one_phrase(world: World) -> None:
    assert world.keys(world.keyword("bob", "INC-40412")) == {"incident"}
    assert world.keyword("bob", "INC-99999") == []


def test_words_around_markup_are_found(world: World) -> None:
    # PostgreSQL's parser reads <...> as a tag: a tag with quotes once swallowed the whole text.
    with world.db.unit_of_work() as session:
        note = notes.create_note(
            session,
            world.user(session, "alice"),
            NoteCreate(
                body='<script>alert("x")</script> Meg and "Tom" haggled over the freight surcharge',
                account_id=world.accounts["harbor"],
            ),
        )
        session.flush()
        note_id = note.id
    assert [hit.note_id for hit in world.keyword("alice", "haggled surcharge")] == [note_id]


# Meaning


def test_semantic_finds_a_note_by_its_meaning_once_embedded(world: World) -> None:
    world.embed()
    exact = world.semantic("carol", body_of("robots"))
    assert world.keys(exact[:1]) == {"robots"}
    assert exact[0].score > 0.99  # cosine similarity: the same text
    paraphrase = world.semantic("carol", "which robotics middleware do they build on")
    assert world.keys(paraphrase[:1]) == {"robots"}


@pytest.mark.parametrize("retrieval", ["keyword", "semantic"])
def test_hits_come_best_first_and_never_more_than_the_limit(world: World, retrieval: str) -> None:
    world.embed()
    ask = getattr(world, retrieval)
    question = f"Deb renewal discount {WORD}"
    everything = ask("alice", question, limit=50)
    assert len(everything) >= 3
    assert [h.score for h in everything] == sorted((h.score for h in everything), reverse=True)
    for limit in (1, 2):
        top = ask("alice", question, limit=limit)
        assert len(top) == limit
        assert top[0].passage_id == everything[0].passage_id


# Who sees what


def test_each_viewer_gets_exactly_the_notes_they_may_read(world: World) -> None:
    world.embed()
    for viewer in TEAMS:
        assert world.keys(world.keyword(viewer, WORD)) == world.readable(viewer), viewer
        assert world.keys(world.semantic(viewer, WORD)) == world.readable(viewer), viewer
    with world.db.session(write=False) as session:  # no clause: no note (an inactive user)
        nobody = Scope(readable=())
        vector = world.embedder.embed([WORD])[0]
        assert world.index.keyword(session, keyword_query(WORD), nobody, 50) == []
        assert world.index.semantic(session, vector, nobody, 50) == []


def test_a_team_note_follows_its_readers_when_they_change_teams(world: World) -> None:
    world.embed()
    assert world.keys(world.semantic("dave", WORD)) >= {"soc2"}
    admin = make_user(world.db, "Root", team=None, role=Role.admin)
    with world.db.unit_of_work() as session:
        actor = session.get_one(User, admin.id)
        users.update_user(session, actor, world.users["dave"], UserUpdate(team="east"))
    world.teams["dave"] = "east"
    assert "incident" in world.readable("dave") and "soc2" not in world.readable("dave")
    for ask in (world.keyword, world.semantic):
        assert world.keys(ask("dave", WORD)) == world.readable("dave")


# Changes


def test_a_deleted_note_leaves_both_retrievals(world: World) -> None:
    world.embed()
    assert "parking" in world.keys(world.semantic("carol", body_of("parking")))
    with world.db.unit_of_work() as session:
        notes.delete_note(
            session, world.user(session, "bob"), world.notes["parking"], expected_version=None
        )
    world.gone.add("parking")
    for viewer in TEAMS:
        assert "parking" not in world.keys(world.keyword(viewer, "visitor parking reception"))
        assert "parking" not in world.keys(world.semantic(viewer, body_of("parking")))
        assert world.keys(world.keyword(viewer, WORD)) == world.readable(viewer)


def test_edited_text_is_searched_by_its_new_words_only(world: World) -> None:
    world.embed()
    old_text = body_of("parking")
    new_text = f"Parking moved to the north garage behind the depot. {WORD}."
    world.change("parking", "bob", body=new_text)
    assert "parking" not in world.keys(world.keyword("bob", "reception pass lot"))
    assert world.keys(world.keyword("bob", "north garage")) == {"parking"}
    # The old text's vector went with it; the new one arrives with the worker.
    assert "parking" not in world.keys(world.semantic("bob", old_text))
    world.embed()
    assert world.keys(world.semantic("bob", new_text)[:1]) == {"parking"}


def test_a_note_moved_to_another_account_is_found_there_with_its_vectors(world: World) -> None:
    world.embed()
    world.change("robots", "carol", account_id=world.accounts["harbor"])
    harbor, vantor = (world.accounts[a] for a in ("harbor", "vantor"))
    for ask in (world.keyword, world.semantic):
        text = body_of("robots")
        assert "robots" in world.keys(ask("carol", text, account_ids=(harbor,)))
        assert "robots" not in world.keys(ask("carol", text, account_ids=(vantor,)))


def test_an_erased_note_leaves_no_vector_behind(world: World) -> None:
    world.embed()
    text = body_of("robots")
    assert world.keys(world.semantic("alice", text)[:1]) == {"robots"}  # loaded, if in memory
    with world.db.unit_of_work() as session:
        erasure.erase_note(session, world.user(session, "carol"), world.notes["robots"])
    world.gone.add("robots")
    for viewer in TEAMS:
        assert "robots" not in world.keys(world.semantic(viewer, text))
        assert "robots" not in world.keys(world.keyword(viewer, "warehouse robots ROS"))
    with world.db.session(write=False) as session:
        assert not session.scalars(
            select(Passage.id).where(Passage.note_id == world.notes["robots"])
        ).all()


# Whole-note similarity


def test_similarity_covers_every_passage_of_each_note_asked_for(world: World) -> None:
    recap = "\n\n".join(
        [
            "Attendees: Deb Okafor (CFO), the depot managers and us.",
            "Budget: Deb holds the purse strings for anything over 50k and wants a phased rollout.",
            "Logistics: the Rotterdam depot scanners were down for six hours during the visit.",
            f"Next steps: a security questionnaire and a pricing call next week. {WORD}.",
        ]
    )
    with world.db.unit_of_work() as session:
        note = notes.create_note(
            session,
            world.user(session, "alice"),
            NoteCreate(body=recap, account_id=world.accounts["harbor"], visibility="company"),
        )
        session.flush()
        recap_id = note.id
    with world.db.session(write=False) as session:  # nothing embedded yet: nothing to say
        vector = world.embedder.embed(["who controls spending?"])[0]
        assert world.index.similarity(session, vector, [recap_id]) == {}
    world.embed()
    with world.db.session(write=False) as session:
        stored = np.stack(
            session.scalars(
                select(Passage.embedding).where(Passage.note_id == recap_id).order_by(Passage.id)
            ).all()
        )
        found = world.index.similarity(session, vector, [recap_id, world.notes["parking"]])
    assert len(stored) > 1
    cosines = sorted((stored @ vector).tolist(), reverse=True)
    mean = stored.mean(axis=0)
    assert found[recap_id].best == pytest.approx(cosines[0], abs=1e-5)
    assert found[recap_id].second == pytest.approx(cosines[1], abs=1e-5)
    assert found[recap_id].whole == pytest.approx(
        float(mean @ vector / np.linalg.norm(mean)), abs=1e-5
    )
    one = found[world.notes["parking"]]  # one passage: its best is its second and its whole
    assert one.best == pytest.approx(one.second) and one.best == pytest.approx(one.whole, abs=1e-5)


def test_similarity_leaves_out_deleted_and_erased_notes(world: World) -> None:
    world.embed()
    vector = world.embedder.embed([body_of("robots")])[0]
    asked = [world.notes["robots"], world.notes["parking"], world.notes["purse"]]
    with world.db.unit_of_work() as session:
        notes.delete_note(
            session, world.user(session, "bob"), world.notes["parking"], expected_version=None
        )
        erasure.erase_note(session, world.user(session, "carol"), world.notes["robots"])
    with world.db.session(write=False) as session:
        assert set(world.index.similarity(session, vector, asked)) == {world.notes["purse"]}


# Filters


@pytest.mark.parametrize(
    ("filters", "only"),
    [
        ({"account_ids": "harbor"}, {"account": "harbor"}),
        ({"account_ids": ()}, {"account": None}),
        ({"author_id": "bob"}, {"author": "bob"}),
        ({"contact_id": "deb"}, {"contact": "deb"}),
    ],
    ids=["account", "no-account", "author", "contact"],
)
def test_filters_narrow_both_retrievals(
    world: World, filters: dict[str, Any], only: dict[str, Any]
) -> None:
    world.embed()
    resolved = {
        "account_ids": lambda v: tuple(world.accounts[a] for a in ([v] if v else [])),
        "author_id": lambda v: world.users[v],
        "contact_id": lambda v: world.contacts[v],
    }
    scope = {name: resolved[name](value) for name, value in filters.items()}
    for ask in (world.keyword, world.semantic):
        assert world.keys(ask("alice", WORD, **scope)) == world.readable("alice", **only)


def test_since_and_until_bound_the_observation_time(world: World) -> None:
    world.embed()
    cut = datetime(2026, 1, 1, tzinfo=UTC)
    after = {k for k in world.readable("carol") if NOTES[k][3] >= "2026-01-01"}
    for ask in (world.keyword, world.semantic):
        assert world.keys(ask("carol", WORD, since=cut)) == after
        assert world.keys(ask("carol", WORD, until=cut)) == world.readable("carol") - after

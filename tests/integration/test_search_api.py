"""Search as a client sees it, on both databases with the real embedding model: the shape of a
hit, keyword and meaning retrieval, accounts named in the question, access, filters, limits,
the record of who was shown what, and the status of the index.

The ranking is tuned elsewhere, so these tests assert what any sensible ranking must give
(the one note holding an exact id comes first; a paraphrase finds its note near the top),
never scores or full orderings. Who may read what is computed here from the product's rules,
independently of ``app.domain.access``. What each backend must do on its own (tokenising,
deletes, erasures, scope filters) is in ``test_search_contract.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import Search, SearchImpression
from app.embedding import get_embedder
from app.worker.embedding import run_once
from tests.factories import Person, make_account, make_contact, make_user
from tests.worlds import Site, world_template

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TEAMS = {"alice": "east", "bob": "east", "carol": "west", "dave": "west"}


@dataclass(frozen=True)
class NoteInfo:
    id: int
    author: str
    account: str
    visibility: str
    observed_at: datetime
    contacts: tuple[str, ...]


@dataclass
class World:
    people: dict[str, Person]
    accounts: dict[str, int]
    contacts: dict[str, int]
    notes: dict[str, NoteInfo]

    def key_of(self, note_id: int) -> str:
        return next(key for key, note in self.notes.items() if note.id == note_id)

    def readable(self, viewer: str) -> set[int]:
        return {note.id for note in self.notes.values() if may_read(viewer, note)}


def may_read(viewer: str, note: NoteInfo) -> bool:
    return (
        note.visibility == "company"
        or note.author == viewer
        or (note.visibility == "team" and TEAMS[note.author] == TEAMS[viewer])
    )


# key: (author, account, visibility, observed on, contacts, body)
NOTES: dict[str, tuple[str, str, str, str, tuple[str, ...], str]] = {
    "purse": (
        "alice", "harbor", "company", "2026-06-10", ("deb",),
        "Deb holds the purse strings for anything over 50k.",
    ),
    "incident": (
        "bob", "harbor", "team", "2026-03-02", (),
        "Outage INC-40412 took down their Rotterdam depot scanners for six hours; they expect "
        "a service credit on the next invoice.",
    ),
    "pilot": (
        "carol", "harbor", "company", "2025-09-15", (),
        "The <b>pilot</b> dashboard rolled out to two depots; drivers like the route view.",
    ),
    "hiring": (
        "bob", "harbor", "team", "2025-01-15", (),
        "They are hiring three dispatch planners for the northern region.",
    ),
    "provost": (
        "dave", "coldwater", "company", "2026-02-20", ("priya",),
        "Every software purchase above 20k goes to the provost, who signs off after a "
        "committee review.",
    ),
    "parking": (
        "dave", "coldwater", "company", "2024-10-01", (),
        "Visitor parking on campus is in lot C; ask reception for a pass.",
    ),
    "closure": (
        "alice", "coldwater", "company", "2025-07-01", (),
        "The campus closes for a week in August and nobody answers the phone then.",
    ),
    "ros": (
        "carol", "vantor", "company", "2025-05-05", ("nadia",),
        "Nadia runs their warehouse robots on ROS 2 and dislikes vendor lock-in.",
    ),
    "slack": (
        "bob", "vantor", "company", "2024-04-12", (),
        "They answer quickly on Slack and slowly on email.",
    ),
    "soc2": (
        "dave", "vantor", "team", "2026-01-10", (),
        "Their security review wants our SOC 2 report before any contract is signed.",
    ),
    "discount_private": (
        "alice", "harbor", "private", "2026-05-01", ("deb",),
        "Renewal discount: I quietly promised Deb a fifteen percent renewal discount.",
    ),
    "discount_west": (
        "carol", "coldwater", "team", "2026-04-01", ("priya",),
        "Renewal discount for the college is capped at ten percent by their finance office.",
    ),
    "discount_company": (
        "bob", "vantor", "company", "2025-11-20", (),
        "They asked for a renewal discount; we offered a longer term instead.",
    ),
}  # fmt: skip


def embed_all(db: Database) -> None:
    embedder = get_embedder(MODEL)
    while run_once(db, embedder):
        pass


def build_world(site: Site) -> World:
    db, client = site.db, site.client
    people = {
        "alice": make_user(db, "Alice Moreau", team="east"),
        "bob": make_user(db, "Bob Lindgren", team="east"),
        "carol": make_user(db, "Carol Diaz", team="west"),
        "dave": make_user(db, "Dave Okonkwo", team="west"),
    }
    accounts = {
        "harbor": make_account(db, "Harbor Freightways", domains=["harborfreightways.example"]),
        "coldwater": make_account(db, "Coldwater College", domains=["coldwater.edu"]),
        "vantor": make_account(db, "Vantor Robotics", domains=["vantor.io"]),
    }
    contacts = {
        "deb": make_contact(
            db, accounts["harbor"], "Deb Okafor", title="CFO", buying_role="economic"
        ),
        "priya": make_contact(
            db, accounts["coldwater"], "Priya Shah", title="IT Director", buying_role="technical"
        ),
        "nadia": make_contact(db, accounts["vantor"], "Nadia Osei", title="CTO"),
    }
    notes = {}
    for key, (author, account, visibility, day, mentioned, body) in NOTES.items():
        observed = datetime.fromisoformat(f"{day}T10:00:00+00:00")
        response = client.post(
            "/v1/notes",
            headers=people[author].headers,
            json={
                "body": body,
                "account_id": accounts[account],
                "visibility": visibility,
                "observed_at": observed.isoformat(),
                "contact_ids": [contacts[c] for c in mentioned],
                "external_id": f"note-{key}",
            },
        )
        assert response.status_code == 201, response.text
        notes[key] = NoteInfo(
            response.json()["id"], author, account, visibility, observed, mentioned
        )
    return World(people, accounts, contacts, notes)


@world_template
def world(site: Site) -> World:
    """Two teams, four people, three accounts, thirteen notes; nothing embedded yet."""
    return build_world(site)


@world_template
def embedded(site: Site) -> World:
    """The same world, every note embedded."""
    built = build_world(site)
    embed_all(site.db)
    return built


def search(client: TestClient, who: Person, q: str, **params: Any) -> dict[str, Any]:
    response = client.post("/v1/search", headers=who.headers, json={"q": q, **params})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def hit_keys(world: World, result: dict[str, Any]) -> list[str]:
    return [world.key_of(hit["note_id"]) for hit in result["hits"]]


# The shape of a result


def test_hit_carries_note_account_author_snippet_score_and_how_it_matched(
    client: TestClient, embedded: World
) -> None:
    alice = embedded.people["alice"]
    result = search(client, alice, "pilot dashboard")
    assert {"hits", "took_ms", "search_id", "understood"} <= set(result)
    assert isinstance(result["took_ms"], int | float) and result["took_ms"] >= 0
    assert result["hits"], result
    first = result["hits"][0]
    pilot = embedded.notes["pilot"]
    assert first["note_id"] == pilot.id
    assert first["external_id"] == "note-pilot"
    assert first["account"] == {
        "id": embedded.accounts["harbor"],
        "name": "Harbor Freightways",
        "external_id": None,
    }
    assert first["author"]["id"] == embedded.people["carol"].id
    assert first["author"]["name"] == "Carol Diaz"
    assert datetime.fromisoformat(first["observed_at"]) == pilot.observed_at
    assert first["matched"] in ("keyword", "both")
    assert "<mark>pilot</mark>" in first["snippet"]
    assert "<mark>dashboard</mark>" in first["snippet"]
    assert "&lt;b&gt;" in first["snippet"] and "&lt;/b&gt;" in first["snippet"]
    for hit in result["hits"]:
        assert {"note_id", "external_id", "account", "author", "observed_at", "snippet"} <= set(hit)
        assert set(hit["account"]) == {"id", "name", "external_id"}
        assert isinstance(hit["score"], float)
        assert hit["matched"] in ("keyword", "meaning", "both")
        unmarked = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
        assert "<" not in unmarked and ">" not in unmarked, hit["snippet"]
        for marked in re.findall(r"<mark>(.*?)</mark>", hit["snippet"]):
            assert marked.lower()[:4] in ("pilo", "dash"), hit["snippet"]


# Keyword and meaning


def test_exact_ticket_id_finds_its_note_first(client: TestClient, embedded: World) -> None:
    for viewer in ("alice", "bob"):
        result = search(client, embedded.people[viewer], "INC-40412")
        assert result["hits"][0]["note_id"] == embedded.notes["incident"].id
        assert result["hits"][0]["matched"] in ("keyword", "both")
        assert "<mark>INC</mark>-<mark>40412</mark>" in result["hits"][0]["snippet"]


def test_ticket_id_inside_a_question_still_finds_its_note_first(
    client: TestClient, embedded: World
) -> None:
    result = search(client, embedded.people["bob"], "what happened with INC-40412?")
    assert result["hits"][0]["note_id"] == embedded.notes["incident"].id


def test_note_is_searchable_by_keyword_before_any_embedding(
    client: TestClient, world: World
) -> None:
    result = search(client, world.people["alice"], "Rotterdam depot scanners")
    assert result["hits"][0]["note_id"] == world.notes["incident"].id
    assert {hit["matched"] for hit in result["hits"]} == {"keyword"}


def test_exact_id_is_searchable_before_any_embedding(client: TestClient, world: World) -> None:
    result = search(client, world.people["alice"], "INC-40412")
    assert [hit["note_id"] for hit in result["hits"]] == [world.notes["incident"].id]
    assert result["hits"][0]["matched"] == "keyword"


def test_new_note_is_searchable_by_keyword_right_after_post(
    client: TestClient, embedded: World
) -> None:
    alice = embedded.people["alice"]
    response = client.post(
        "/v1/notes",
        headers=alice.headers,
        json={
            "body": "PO-77821 is stuck in their procurement queue until the audit ends.",
            "account_id": embedded.accounts["vantor"],
            "visibility": "company",
        },
    )
    assert response.status_code == 201
    note_id = response.json()["id"]
    by_words = search(client, alice, "procurement queue audit", limit=50)["hits"]
    assert [h["matched"] for h in by_words if h["note_id"] == note_id] == ["keyword"]
    by_id = search(client, alice, "PO-77821")["hits"]
    assert by_id[0]["note_id"] == note_id
    assert by_id[0]["matched"] == "keyword"


def test_exact_id_in_an_older_note_not_yet_embedded_is_still_first(
    client: TestClient, embedded: World
) -> None:
    # Notes imported or back-dated are observed in the past; before the worker reaches them
    # the keyword list is all that knows them, and an exact id must still win.
    alice = embedded.people["alice"]
    response = client.post(
        "/v1/notes",
        headers=alice.headers,
        json={
            "body": "PO-77821 is stuck in their procurement queue until the audit ends.",
            "account_id": embedded.accounts["vantor"],
            "visibility": "company",
            "observed_at": "2024-02-01T09:00:00Z",
        },
    )
    assert response.status_code == 201
    result = search(client, alice, "PO-77821")
    assert result["hits"][0]["note_id"] == response.json()["id"], result["hits"][:2]


def test_paraphrase_with_no_shared_words_finds_its_note(
    client: TestClient, embedded: World
) -> None:
    for viewer in embedded.people:
        result = search(client, embedded.people[viewer], "who approves the budget?")
        top = hit_keys(embedded, result)[:3]
        assert "purse" in top, (viewer, top)
        purse = next(h for h in result["hits"] if h["note_id"] == embedded.notes["purse"].id)
        assert purse["matched"] == "meaning"


# Accounts named in the question


@pytest.mark.parametrize(
    "question",
    [
        "who approves the budget at Harbor Freightways?",
        "who approves the budget at harbor freightways",
        "who approves the budget at harborfreightways.example?",
        "who approves the budget at Harbour Freightway?",
    ],
)
def test_account_named_in_the_question_scopes_the_answer(
    client: TestClient, embedded: World, question: str
) -> None:
    harbor = embedded.accounts["harbor"]
    for viewer in ("alice", "dave"):
        result = search(client, embedded.people[viewer], question)
        assert result["understood"]["accounts"] == [
            {"id": harbor, "name": "Harbor Freightways", "external_id": None}
        ]
        assert result["hits"], (viewer, question)
        assert {hit["account"]["id"] for hit in result["hits"]} == {harbor}, (viewer, question)
        assert "purse" in hit_keys(embedded, result)[:3], (viewer, question)


def test_question_naming_no_account_understands_none(client: TestClient, embedded: World) -> None:
    result = search(client, embedded.people["alice"], "who approves the budget?")
    assert result["understood"]["accounts"] == []
    assert len({hit["account"]["id"] for hit in result["hits"]}) > 1


def test_contact_named_in_the_question_is_understood(client: TestClient, embedded: World) -> None:
    result = search(client, embedded.people["bob"], "what does Deb Okafor care about?")
    assert [c["id"] for c in result["understood"]["contacts"]] == [embedded.contacts["deb"]]
    assert [a["id"] for a in result["understood"]["accounts"]] == [embedded.accounts["harbor"]]


# Access


@pytest.mark.parametrize(
    "question",
    ["renewal discount", "fifteen percent renewal discount promised", "who approves the budget?"],
)
def test_results_never_hold_a_note_the_asker_may_not_read(
    client: TestClient, embedded: World, question: str
) -> None:
    for viewer, person in embedded.people.items():
        result = search(client, person, question, limit=50)
        shown = {hit["note_id"] for hit in result["hits"]}
        assert result["hits"], (viewer, question)
        assert shown <= embedded.readable(viewer), (viewer, question, shown)


def test_best_matches_hidden_from_the_asker_give_way_to_readable_ones(
    client: TestClient, embedded: World
) -> None:
    notes = embedded.notes
    expected_first = {
        "alice": {"discount_private"},
        "bob": {"discount_company"},
        "carol": {"discount_west"},
        "dave": {"discount_west"},
    }
    for viewer, person in embedded.people.items():
        keys = hit_keys(embedded, search(client, person, "renewal discount", limit=50))
        assert keys[0] in expected_first[viewer] | {"discount_company"}, (viewer, keys)
        assert "discount_company" in keys[:3], (viewer, keys)
        assert ("discount_private" in keys) == (viewer == "alice"), (viewer, keys)
        assert ("discount_west" in keys) == (TEAMS[viewer] == "west"), (viewer, keys)
    # The same notes, asked for by their own words, are still hidden.
    for viewer in ("bob", "carol", "dave"):
        result = search(client, embedded.people[viewer], "quietly promised Deb fifteen percent")
        assert notes["discount_private"].id not in {h["note_id"] for h in result["hits"]}


def test_team_note_is_found_only_by_its_team(client: TestClient, embedded: World) -> None:
    for viewer, person in embedded.people.items():
        ids = {h["note_id"] for h in search(client, person, "INC-40412", limit=50)["hits"]}
        assert (embedded.notes["incident"].id in ids) == (TEAMS[viewer] == "east"), viewer


def test_edited_note_is_found_by_its_new_words_only(
    client: TestClient, db: Database, embedded: World
) -> None:
    slack = embedded.notes["slack"].id
    bob = embedded.people["bob"]
    etag = client.get(f"/v1/notes/{slack}", headers=bob.headers).headers["ETag"]
    edited = client.patch(
        f"/v1/notes/{slack}",
        headers={**bob.headers, "If-Match": etag},
        json={"body": "They moved from Slack to Microsoft Teams in October."},
    )
    assert edited.status_code == 200
    before = search(client, bob, "Microsoft Teams", limit=50)["hits"]
    assert {h["matched"] for h in before if h["note_id"] == slack} == {"keyword"}
    embed_all(db)
    assert search(client, bob, "Microsoft Teams")["hits"][0]["note_id"] == slack
    email = search(client, bob, "slowly on email", limit=50)["hits"]
    assert all("email" not in h["snippet"] for h in email if h["note_id"] == slack)


# Filters


def test_account_filter(client: TestClient, embedded: World) -> None:
    coldwater = embedded.accounts["coldwater"]
    result = search(
        client, embedded.people["carol"], "renewal discount", account_id=coldwater, limit=50
    )
    assert result["hits"]
    assert {hit["account"]["id"] for hit in result["hits"]} == {coldwater}
    assert hit_keys(embedded, result)[0] == "discount_west"


def test_note_moved_to_another_account_is_searched_there_without_reembedding(
    client: TestClient, db: Database, embedded: World
) -> None:
    ros = embedded.notes["ros"].id
    carol = embedded.people["carol"]
    harbor, vantor = embedded.accounts["harbor"], embedded.accounts["vantor"]
    etag = client.get(f"/v1/notes/{ros}", headers=carol.headers).headers["ETag"]
    moved = client.patch(
        f"/v1/notes/{ros}",
        headers={**carol.headers, "If-Match": etag},
        json={"account_id": harbor, "contact_ids": []},
    )
    assert moved.status_code == 200, moved.text
    status = client.get("/v1/status", headers=carol.headers).json()
    assert status["pending_jobs"] == 0  # same text, same vectors

    for question in ("ROS 2 robots", "which robotics middleware do they build on"):
        at_harbor = search(client, carol, question, account_id=harbor, limit=50)
        at_vantor = search(client, carol, question, account_id=vantor, limit=50)
        assert hit_keys(embedded, at_harbor)[0] == "ros"
        assert ros not in {hit["note_id"] for hit in at_vantor["hits"]}
        assert at_harbor["hits"][0]["account"]["id"] == harbor


def test_account_filter_wins_over_the_account_named_in_the_question(
    client: TestClient, embedded: World
) -> None:
    vantor = embedded.accounts["vantor"]
    result = search(
        client,
        embedded.people["alice"],
        "renewal discount at Harbor Freightways",
        account_id=vantor,
        limit=50,
    )
    assert {hit["account"]["id"] for hit in result["hits"]} <= {vantor}


def test_author_filter(client: TestClient, embedded: World) -> None:
    dave = embedded.people["dave"]
    result = search(client, embedded.people["carol"], "who approves the budget?", author_id=dave.id)
    assert result["hits"]
    assert {hit["author"]["id"] for hit in result["hits"]} == {dave.id}


def test_contact_filter(client: TestClient, embedded: World) -> None:
    mentioning_deb = {n.id for n in embedded.notes.values() if "deb" in n.contacts}
    result = search(
        client,
        embedded.people["alice"],
        "renewal discount",
        contact_id=embedded.contacts["deb"],
        limit=50,
    )
    assert result["hits"]
    assert {hit["note_id"] for hit in result["hits"]} <= mentioning_deb
    # Deb's notes the asker may not read stay hidden under the filter too.
    for viewer in ("bob", "carol"):
        result = search(
            client,
            embedded.people[viewer],
            "renewal discount",
            contact_id=embedded.contacts["deb"],
            limit=50,
        )
        assert {hit["note_id"] for hit in result["hits"]} <= {embedded.notes["purse"].id}


def test_since_and_until_filters(client: TestClient, embedded: World) -> None:
    alice = embedded.people["alice"]
    cut = datetime(2026, 1, 1, tzinfo=UTC)
    later = search(client, alice, "renewal discount", since=cut.isoformat(), limit=50)["hits"]
    earlier = search(client, alice, "renewal discount", until=cut.isoformat(), limit=50)["hits"]
    assert later and earlier
    assert all(datetime.fromisoformat(h["observed_at"]) >= cut for h in later)
    assert all(datetime.fromisoformat(h["observed_at"]) < cut for h in earlier)
    assert "discount_private" in hit_keys(embedded, {"hits": later})
    assert "discount_company" in hit_keys(embedded, {"hits": earlier})
    # A date without an offset means UTC; until is exclusive.
    window = search(
        client,
        alice,
        "renewal discount",
        since="2025-11-20T10:00:00",
        until="2025-11-20T10:00:01",
        limit=50,
    )
    assert hit_keys(embedded, window) == ["discount_company"]


@pytest.mark.parametrize("field", ["account_id", "author_id", "contact_id"])
def test_unknown_filter_id_gives_no_hits_not_an_error(
    client: TestClient, embedded: World, field: str
) -> None:
    result = search(client, embedded.people["alice"], "renewal discount", **{field: 999999})
    assert result["hits"] == []


# Limits and validation


def test_limit_defaults_to_ten_and_goes_up_to_a_hundred(
    client: TestClient, embedded: World
) -> None:
    alice = embedded.people["alice"]
    for n in range(12):
        response = client.post(
            "/v1/notes",
            headers=alice.headers,
            json={
                "body": f"Forklift fleet survey, depot {n}: battery swaps take too long.",
                "account_id": embedded.accounts["harbor"],
                "visibility": "company",
            },
        )
        assert response.status_code == 201
    assert len(search(client, alice, "forklift")["hits"]) == 10
    assert len(search(client, alice, "forklift", limit=3)["hits"]) == 3
    assert len(search(client, alice, "forklift", limit=100)["hits"]) >= 12
    assert len(search(client, alice, "forklift", limit=1)["hits"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"q": ""},
        {"q": "   "},
        {},
        {"q": "x" * 1001},
        {"q": "budget", "limit": 0},
        {"q": "budget", "limit": 101},
        {"q": "budget", "limit": "ten"},
        {"q": "budget", "account_id": "harbor"},
        {"q": "budget", "author_id": -1},
        {"q": "budget", "contact_id": 2**40},
        {"q": "budget", "since": "last tuesday"},
        {"q": "budget", "until": "2025-13-45"},
        {"q": 42},
        {"q": "budget", "sort": "newest"},
    ],
)
def test_invalid_search_is_a_422_problem_and_records_nothing(
    client: TestClient, db: Database, world: World, body: dict[str, Any]
) -> None:
    response = client.post("/v1/search", headers=world.people["alice"].headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 422
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Search)) == 0


def test_search_needs_a_token(client: TestClient, world: World) -> None:
    response = client.post("/v1/search", json={"q": "budget"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


# The record of who was shown what


def test_each_search_records_the_query_and_one_impression_per_hit(
    client: TestClient, db: Database, embedded: World
) -> None:
    asked = []
    for viewer, question, limit in [
        ("alice", "renewal discount", 5),
        ("dave", "who approves the budget?", 10),
        ("bob", "nothing matches zzqqxx", 10),
    ]:
        person = embedded.people[viewer]
        result = search(client, person, question, limit=limit)
        asked.append((person, question, result))
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Search)) == len(asked)
        for person, question, result in asked:
            entry = session.get(Search, result["search_id"])
            assert entry is not None
            assert (entry.user_id, entry.query, entry.hits) == (
                person.id,
                question,
                len(result["hits"]),
            )
            impressions = session.scalars(
                select(SearchImpression)
                .where(SearchImpression.search_id == entry.id)
                .order_by(SearchImpression.rank)
            ).all()
            # One per hit at its rank, except the asker's own notes: reuse is by others.
            others = [
                (rank, h["note_id"])
                for rank, h in enumerate(result["hits"], start=1)
                if h["author"]["id"] != person.id
            ]
            assert [(i.rank, i.note_id) for i in impressions] == others
            assert {i.user_id for i in impressions} <= {person.id}
        assert any(len(r["hits"]) > 0 for _, _, r in asked)


def test_search_filtered_by_account_records_the_account(
    client: TestClient, db: Database, embedded: World
) -> None:
    harbor = embedded.accounts["harbor"]
    result = search(client, embedded.people["alice"], "budget", account_id=harbor)
    with db.session(write=False) as session:
        entry = session.get(Search, result["search_id"])
        assert entry is not None and entry.account_id == harbor


# Status


def test_status_reports_model_notes_and_embedding_progress(
    client: TestClient, db: Database, world: World
) -> None:
    assert client.get("/v1/status").status_code == 401
    headers = world.people["carol"].headers
    before = client.get("/v1/status", headers=headers)
    assert before.status_code == 200
    # Counted over what carol may read: a count must not reveal anyone's hidden notes.
    readable = len(world.readable("carol"))
    assert readable < len(world.notes)
    assert before.json()["model"] == MODEL
    assert before.json()["database"] in ("sqlite", "postgresql")
    assert (before.json()["notes"], before.json()["embedded_notes"]) == (readable, 0)
    assert before.json()["pending_jobs"] == readable
    embed_all(db)
    after = client.get("/v1/status", headers=headers).json()
    assert (after["notes"], after["embedded_notes"], after["pending_jobs"]) == (
        readable,
        readable,
        0,
    )
    assert after["failed_jobs"] == 0
    pilot = world.notes["pilot"].id
    assert pilot in world.readable("carol")
    assert client.delete(f"/v1/notes/{pilot}", headers=headers).status_code == 204
    gone = client.get("/v1/status", headers=headers).json()
    assert (gone["notes"], gone["embedded_notes"], gone["pending_jobs"]) == (
        readable - 1,
        readable - 1,
        0,
    )

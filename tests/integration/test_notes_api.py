"""The notes API as a client sees it: account recognition, optimistic concurrency, revisions,
filters and cursors, limits, and errors that are always problem+json and never half-written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import Note
from tests.factories import Person, make_account, make_contact, make_user


@pytest.fixture
def rep(db: Database) -> Person:
    return make_user(db, "Priya Raman", team="east")


@pytest.fixture
def harbor(db: Database) -> int:
    return make_account(
        db, "Harbor Freightways", domains=["harborfreightways.example"], aliases=["HFW"]
    )


def post(client: TestClient, who: Person, **body: object):
    return client.post("/v1/notes", headers=who.headers, json=body)


def note_count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(Note)) or 0


@pytest.mark.parametrize(
    "ref",
    [
        "Harbor Freightways",
        "harbor freightways",
        "harborfreightways.example",
        "meg@mail.harborfreightways.example",
        "https://www.harborfreightways.example/about",
        "HFW",
    ],
)
def test_account_is_recognised_by_name_domain_email_or_alias(client, rep, harbor, ref) -> None:
    response = post(client, rep, body="Meg signs over $50k", account=ref)
    assert response.status_code == 201, response.text
    assert response.json()["account"]["id"] == harbor


def test_unknown_account_suggests_close_names_and_writes_nothing(client, db, rep, harbor) -> None:
    response = post(client, rep, body="x", account="Harbour Freightway")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["suggestions"] == ["Harbor Freightways"]
    assert note_count(db) == 0


def test_a_name_shortened_to_its_leading_word_is_suggested_not_guessed(
    client, db, rep, harbor
) -> None:
    response = post(client, rep, body="x", account="harbor")
    assert response.status_code == 422
    assert response.json()["suggestions"] == ["Harbor Freightways"]
    assert "did you mean Harbor Freightways?" in response.json()["detail"]
    assert note_count(db) == 0


def test_ambiguous_name_asks_for_the_id(client, db, rep) -> None:
    make_account(db, "Acme")
    make_account(db, "ACME", force=True)
    response = post(client, rep, body="x", account="acme")
    assert response.status_code == 422
    assert len(response.json()["candidates"]) == 2


def test_create_returns_location_etag_and_defaults(client, rep, harbor) -> None:
    response = post(client, rep, body="  Meg (CFO) has final say  ", account_id=harbor)
    assert response.status_code == 201
    note = response.json()
    assert response.headers["location"] == f"/v1/notes/{note['id']}"
    assert response.headers["etag"] == '"v1"'
    assert note["body"] == "Meg (CFO) has final say"
    assert (note["visibility"], note["source"], note["version"]) == ("team", "api", 1)
    observed = datetime.fromisoformat(note["observed_at"])
    assert abs(observed - datetime.now(UTC)) < timedelta(minutes=1)
    assert note["author"] == {"id": rep.id, "name": rep.name, "external_id": None}


def test_mentioned_contacts_must_belong_to_the_account(client, db, rep, harbor) -> None:
    meg = make_contact(db, harbor, "Meg Ortiz", title="CFO", buying_role="economic")
    other = make_contact(db, make_account(db, "Ridgeline"), "Sam")
    good = post(client, rep, body="Meg likes brevity", account_id=harbor, contact_ids=[meg])
    assert [c["id"] for c in good.json()["contacts"]] == [meg]
    bad = post(client, rep, body="x", account_id=harbor, contact_ids=[meg, other])
    assert bad.status_code == 422 and bad.json()["contact_ids"] == [other]
    assert note_count(db) == 1


def test_patch_needs_if_match_and_rejects_stale_versions(client, rep, harbor) -> None:
    note = post(client, rep, body="v1 text", account_id=harbor).json()
    url = f"/v1/notes/{note['id']}"
    assert client.patch(url, headers=rep.headers, json={"body": "x"}).status_code == 428
    ok = client.patch(url, headers={**rep.headers, "If-Match": '"v1"'}, json={"body": "v2 text"})
    assert ok.status_code == 200 and ok.headers["etag"] == '"v2"'
    stale = client.patch(url, headers={**rep.headers, "If-Match": '"v1"'}, json={"body": "lost"})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert client.get(url, headers=rep.headers).json()["body"] == "v2 text"
    bogus = client.patch(url, headers={**rep.headers, "If-Match": "abc"}, json={"body": "x"})
    assert bogus.status_code == 422


def test_every_version_is_kept_as_a_revision(client, rep, harbor) -> None:
    note = post(client, rep, body="first", account_id=harbor, visibility="private").json()
    url = f"/v1/notes/{note['id']}"
    client.patch(
        url,
        headers={**rep.headers, "If-Match": '"v1"'},
        json={"body": "second", "visibility": "company"},
    )
    revisions = client.get(f"{url}/revisions", headers=rep.headers).json()
    assert [(r["version"], r["body"], r["visibility"]) for r in revisions] == [
        (1, "first", "private"),
        (2, "second", "company"),
    ]
    assert all(r["edited_by_id"] == rep.id for r in revisions)


def test_moving_a_note_to_another_account_drops_old_mentions(client, db, rep, harbor) -> None:
    meg = make_contact(db, harbor, "Meg")
    ridge = make_account(db, "Ridgeline Cartage")
    note = post(client, rep, body="x", account_id=harbor, contact_ids=[meg]).json()
    moved = client.patch(
        f"/v1/notes/{note['id']}",
        headers={**rep.headers, "If-Match": '"v1"'},
        json={"account": "Ridgeline Cartage"},
    )
    assert moved.json()["account"]["id"] == ridge and moved.json()["contacts"] == []


def test_list_filters_and_cursor_pagination(client, db, rep, harbor) -> None:
    other = make_account(db, "Ridgeline")
    meg = make_contact(db, harbor, "Meg")
    colleague = make_user(db, "Tom", team="east")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for day in range(7):
        who = rep if day % 2 else colleague
        post(
            client,
            who,
            body=f"day {day}",
            account_id=harbor if day < 5 else other,
            contact_ids=[meg] if day in (1, 3) else [],
            visibility="team",
            observed_at=(start + timedelta(days=day)).isoformat(),
        )

    def bodies(**params: object) -> list[str]:
        return [
            n["body"]
            for n in client.get("/v1/notes", headers=rep.headers, params=params).json()["items"]
        ]

    assert bodies() == [f"day {d}" for d in range(6, -1, -1)]  # newest observation first
    assert bodies(account_id=other) == ["day 6", "day 5"]
    assert bodies(author_id=rep.id) == ["day 5", "day 3", "day 1"]
    assert bodies(contact_id=meg) == ["day 3", "day 1"]
    assert bodies(since="2025-01-03T00:00:00Z", until="2025-01-05T00:00:00Z") == ["day 3", "day 2"]
    seen, cursor = [], None
    while True:
        page = client.get(
            "/v1/notes",
            headers=rep.headers,
            params={"limit": 3, **({"cursor": cursor} if cursor else {})},
        ).json()
        seen += [n["body"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == bodies()


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"cursor": "garbage"},
        {"since": "yesterday"},
        {"since": "2025-02-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
    ],
)
def test_bad_list_parameters_are_422(client, rep, params) -> None:
    response = client.get("/v1/notes", headers=rep.headers, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": "", "account": "Harbor Freightways"},
        {"body": "x", "account_id": 1, "account": "Harbor Freightways"},
        {"body": "x", "account": "Harbor Freightways", "visibility": "everyone"},
        {"body": "x", "account": "Harbor Freightways", "observed_at": "not a date"},
        {"body": "x", "account": "Harbor Freightways", "observed_at": "2999-01-01T00:00:00Z"},
        {"body": "x", "account": "Harbor Freightways", "contact_ids": ["a"]},
        {"body": "x", "account": "Harbor Freightways", "contact_ids": [999]},
        {"body": "x", "account": "Harbor Freightways", "unknown_field": 1},
        {"body": "x", "account": "Harbor Freightways", "source": "Not A Source!"},
        {"body": "x" * 20_001, "account": "Harbor Freightways"},
        {"body": ["x"], "account": "Harbor Freightways"},
        {"body": "x", "account_id": 2**70},
    ],
)
def test_bad_input_is_a_clear_422_and_writes_nothing(client, db, rep, harbor, body) -> None:
    response = client.post("/v1/notes", headers=rep.headers, json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert note_count(db) == 0


def test_malformed_json_and_oversized_bodies(client, db, rep, harbor) -> None:
    broken = client.post(
        "/v1/notes",
        headers={**rep.headers, "content-type": "application/json"},
        content=b'{"body": "x"',
    )
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["detail"]
    huge = client.post(
        "/v1/notes", headers=rep.headers, json={"body": "x" * 2_000_000, "account_id": harbor}
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/problem+json"
    assert note_count(db) == 0


def test_authentication_errors(client, harbor) -> None:
    assert client.get("/v1/notes").status_code == 401
    bad = client.get("/v1/notes", headers={"Authorization": "Bearer tacit_nope"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/notes", headers={"Authorization": "Basic abc"}).status_code == 401


def test_unknown_routes_and_methods_are_problems(client, rep) -> None:
    missing = client.get("/v1/nothing-here", headers=rep.headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.put("/v1/notes", headers=rep.headers).status_code == 405


def test_health_endpoints(client) -> None:
    assert client.get("/livez").json() == {"status": "alive"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["database"] in ("sqlite", "postgresql")


def test_openapi_has_clean_operation_ids(client) -> None:
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert {"create_note", "get_note", "list_notes", "update_note", "delete_note"} <= set(ids)

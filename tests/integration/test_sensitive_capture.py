"""Sensitive facts on every way in (both databases): a note that states one is marked
``sensitive``; without a chosen visibility it is private; with a wider one it is kept and the
answer warns (API, web form and its preview, e-mail, CSV and data-set imports, edits). The
optional categories count only when the setting names them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db.engine import Database
from app.db.models import Account, Note, Role
from app.main import create_app
from app.privacy import detect, parse_categories
from tests.factories import (
    Person,
    deliver_mail,
    import_csv,
    make_account,
    make_contact,
    make_user,
    raw_mail,
)

HEALTH = "Meg is undergoing chemotherapy this spring."
UNION = "Meg is a shop steward in the Teamsters union."
PLAIN = "Meg wants faster onboarding before renewal."
FAMILY = "Meg is going through a divorce."
DEBT = "Meg filed for personal bankruptcy last year."
DOMAIN = "harborfreightways.example"
PASSWORD = "correct horse battery"
WARNING = "sensitive_not_private"


@dataclass(frozen=True)
class World:
    ana: Person  # a rep, who writes
    bob: Person  # her teammate, who reads
    root: Person  # an admin, who imports data sets and reads the audit trail
    harbor: int


@pytest.fixture
def world(db: Database) -> World:
    harbor = make_account(db, "Harbor Freightways", domains=[DOMAIN])
    make_contact(db, harbor, "Meg Ortiz", email=f"meg@{DOMAIN}")
    with db.unit_of_work() as session:
        session.get_one(Account, harbor).external_id = "a-harbor"  # for the data set's notes
    return World(
        ana=make_user(
            db, "Ana Reyes", email="ana@tacit.example", external_id="u-ana", password=PASSWORD
        ),
        bob=make_user(db, "Bob Lindgren", email="bob@tacit.example", password=PASSWORD),
        root=make_user(db, "Root Admin", team=None, role=Role.admin),
        harbor=harbor,
    )


@pytest.fixture
def family_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app of a deployment that also detects family and financial distress."""
    wider = settings.model_copy(
        update={"sensitive_categories": parse_categories("family, financial_distress")}
    )
    with TestClient(create_app(wider), raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_sentences_state_what_the_tests_say() -> None:
    everything = parse_categories("family,financial_distress")
    assert [detect(t) for t in (HEALTH, UNION, PLAIN, FAMILY, DEBT)] == [
        ["health"],
        ["trade_union"],
        [],
        [],
        [],
    ]
    assert detect(FAMILY, categories=everything) == ["family"]
    assert detect(DEBT, categories=everything) == ["financial_distress"]


def post(client: TestClient, who: Person, body: str, **fields: Any) -> dict[str, Any]:
    account = fields.pop("account_id", None)
    payload = {"body": body, **({"account_id": account} if account else {"account": DOMAIN})}
    response = client.post("/v1/notes", headers=who.headers, json=payload | fields)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def stored(db: Database, **where: Any) -> tuple[str, list[str] | None]:
    """A note's visibility and sensitive categories, read past the access rule."""
    with db.session(write=False) as session:
        note = session.scalars(select(Note).filter_by(**where)).one()
        return note.visibility.value, note.sensitive


def assert_warns(warnings: list[dict[str, Any]], categories: list[str], audience: str) -> None:
    [warning] = warnings
    assert (warning["code"], warning["categories"]) == (WARNING, categories)
    assert audience in warning["message"] and "private" in warning["message"]


# --- the API --------------------------------------------------------------------------------


def test_api_a_sensitive_note_without_a_visibility_is_private(
    client: TestClient, world: World
) -> None:
    note = post(client, world.ana, HEALTH)
    assert (note["visibility"], note["sensitive"], note["warnings"]) == ("private", ["health"], [])
    plain = post(client, world.ana, PLAIN)
    assert (plain["visibility"], plain["sensitive"], plain["warnings"]) == ("team", [], [])
    chosen = post(client, world.ana, UNION, visibility="private")
    assert (chosen["visibility"], chosen["warnings"]) == ("private", [])

    read = client.get(f"/v1/notes/{note['id']}", headers=world.ana.headers).json()
    assert read["sensitive"] == ["health"] and "warnings" not in read
    listed = client.get("/v1/notes", headers=world.ana.headers).json()["items"]
    assert {n["id"]: n["sensitive"] for n in listed} == {
        note["id"]: ["health"],
        plain["id"]: [],
        chosen["id"]: ["trade_union"],
    }


def test_api_a_wider_visibility_is_kept_with_a_warning(client: TestClient, world: World) -> None:
    team = post(client, world.ana, HEALTH, visibility="team")
    assert (team["visibility"], team["sensitive"]) == ("team", ["health"])
    assert_warns(team["warnings"], ["health"], "the author's team")

    headers = {**world.ana.headers, "Idempotency-Key": "sensitive-1"}
    body = {"body": UNION, "account_id": world.harbor, "visibility": "company"}
    first = client.post("/v1/notes", headers=headers, json=body)
    again = client.post("/v1/notes", headers=headers, json=body)
    assert first.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["visibility"] == "company"
    assert_warns(first.json()["warnings"], ["trade_union"], "everyone")


def test_api_check_says_what_saving_would_do_and_saves_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    def check(**body: Any) -> dict[str, Any]:
        response = client.post("/v1/notes/check", headers=world.ana.headers, json=body)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    assert check(body=HEALTH) == {"sensitive": ["health"], "visibility": "private", "warnings": []}
    wider = check(body=HEALTH, visibility="team")
    assert wider["visibility"] == "team"
    assert_warns(wider["warnings"], ["health"], "the author's team")
    assert check(body=PLAIN) == {"sensitive": [], "visibility": "team", "warnings": []}
    assert client.post("/v1/notes/check", json={"body": HEALTH}).status_code == 401
    bad = client.post("/v1/notes/check", headers=world.ana.headers, json={"body": ""})
    assert bad.status_code == 422
    with db.session(write=False) as session:
        assert session.scalars(select(Note)).first() is None


def test_api_an_edit_detects_again_and_warns_but_keeps_the_visibility(
    client: TestClient, world: World
) -> None:
    note = post(client, world.ana, PLAIN)
    url, headers = f"/v1/notes/{note['id']}", world.ana.headers

    def patch(body: str, version: int) -> dict[str, Any]:
        response = client.patch(
            url, headers={**headers, "If-Match": f'"v{version}"'}, json={"body": body}
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    edited = patch(HEALTH, 1)
    assert (edited["visibility"], edited["sensitive"]) == ("team", ["health"])
    assert_warns(edited["warnings"], ["health"], "the author's team")
    back = patch(PLAIN, 2)
    assert (back["sensitive"], back["warnings"]) == ([], [])


# --- the web form ---------------------------------------------------------------------------


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return found.group(1)


def web_sign_in(client: TestClient, person: Person, email: str) -> str:
    """Signs in; the session's CSRF token."""
    form = client.get("/login")
    signed = client.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": hidden(form.text, "csrf_token"),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303
    return hidden(client.get("/notes/new").text, "csrf_token")


def web_post(client: TestClient, csrf: str, world: World, **fields: str) -> Any:
    data = {"account_id": str(world.harbor), "csrf_token": csrf, "visibility": "team", **fields}
    return client.post("/notes/new", data=data, follow_redirects=False)


def test_web_the_form_warns_as_the_note_is_typed(client: TestClient, world: World) -> None:
    csrf = web_sign_in(client, world.ana, "ana@tacit.example")
    form = client.get("/notes/new").text
    assert 'hx-post="/notes/check"' in form and 'id="sensitive-check"' in form

    def preview(body: str, visibility: str) -> str:
        response = client.post(
            "/notes/check",
            data={"body": body, "visibility": visibility},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status_code == 200
        return response.text

    team = preview(HEALTH, "team")
    assert "(health)" in team and "your team will be able to read it" in team
    assert hidden(team, "sensitive_ack") == "health"
    assert "only you will read it" in preview(HEALTH, "private")
    assert "sensitive" not in preview(PLAIN, "team")
    refused = client.post("/notes/check", data={"body": HEALTH}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token


def test_web_a_save_the_writer_was_not_warned_about_is_held_with_only_me_chosen(
    client: TestClient, world: World, db: Database
) -> None:
    csrf = web_sign_in(client, world.ana, "ana@tacit.example")
    held = web_post(client, csrf, world, body=HEALTH, form_key="k1")
    assert held.status_code == 200 and "Not saved yet" in held.text
    assert re.search(r'value="private" checked', held.text)
    assert hidden(held.text, "sensitive_ack") == "health"
    with db.session(write=False) as session:
        assert session.scalars(select(Note)).first() is None

    # Saved as the form now stands: private, and nothing to warn about.
    saved = web_post(
        client,
        csrf,
        world,
        body=HEALTH,
        form_key="k1",
        visibility="private",
        sensitive_ack=hidden(held.text, "sensitive_ack"),
    )
    assert saved.status_code == 303
    assert stored(db, body=HEALTH) == ("private", ["health"])
    page = client.get(saved.headers["location"]).text
    assert "Sensitive" in page and "can read it" not in page

    # A category the writer was not warned about holds the note again.
    both = f"{HEALTH} {UNION}"
    again = web_post(client, csrf, world, body=both, form_key="k2", sensitive_ack="health")
    assert again.status_code == 200 and "Not saved yet" in again.text


def test_web_a_warned_writer_may_keep_a_wider_audience_and_the_note_page_warns(
    client: TestClient, world: World, db: Database
) -> None:
    csrf = web_sign_in(client, world.ana, "ana@tacit.example")
    saved = web_post(client, csrf, world, body=UNION, form_key="k3", sensitive_ack="trade_union")
    assert saved.status_code == 303
    assert stored(db, body=UNION) == ("team", ["trade_union"])
    page = client.get(saved.headers["location"]).text
    assert "the author&#39;s team can read it" in page and "trade-union membership" in page
    plain = web_post(client, csrf, world, body=PLAIN, form_key="k4")
    assert plain.status_code == 303 and stored(db, body=PLAIN) == ("team", [])

    # A reader sees that the note is sensitive, not the warning meant for its author.
    client.cookies.clear()
    web_sign_in(client, world.bob, "bob@tacit.example")
    seen = client.get(saved.headers["location"]).text
    assert "trade-union membership" in seen and "can read it" not in seen


# --- e-mail ---------------------------------------------------------------------------------


def test_email_a_sensitive_message_becomes_a_private_note(client: TestClient, world: World) -> None:
    def mail(body: str, message_id: str, to: str = f"meg@{DOMAIN}") -> Any:
        raw = raw_mail(sender="ana@tacit.example", to=to, message_id=message_id, body=body)
        return deliver_mail(client, world.ana, raw)

    sensitive = mail(HEALTH, "<s1@x>")
    assert sensitive.status_code == 201
    answer = sensitive.json()
    assert (answer["visibility"], answer["sensitive"], answer["warnings"]) == (
        "private",
        ["health"],
        [],
    )
    plain = mail(PLAIN, "<s2@x>").json()
    assert (plain["visibility"], plain["sensitive"]) == ("team", [])

    # From the inbox: filed with a wider visibility, it warns; without one, it is private.
    for message_id, visibility in (("<s3@x>", "team"), ("<s4@x>", None)):
        waiting = mail(UNION, message_id, to="someone@elsewhere.example")
        assert waiting.status_code == 202
        filing = {"account_id": world.harbor} | ({"visibility": visibility} if visibility else {})
        filed = client.post(
            f"/v1/inbound/{waiting.json()['id']}/file", headers=world.ana.headers, json=filing
        )
        assert filed.status_code == 201, filed.text
        if visibility:
            assert filed.json()["visibility"] == "team"
            assert_warns(filed.json()["warnings"], ["trade_union"], "the author's team")
        else:
            assert (filed.json()["visibility"], filed.json()["warnings"]) == ("private", [])


# --- imports --------------------------------------------------------------------------------


def csv_row(external_id: str, body: str, visibility: str = "") -> dict[str, str]:
    return {
        "external_id": external_id,
        "activity_date": "2025-03-04",
        "company": "Harbor Freightways",
        "visibility": visibility,
        "body": body,
    }


def test_csv_rows_without_a_visibility_are_private_when_sensitive_and_wider_ones_warn(
    client: TestClient, world: World, db: Database
) -> None:
    rows = [csv_row("r1", HEALTH), csv_row("r2", UNION, "company"), csv_row("r3", PLAIN)]
    for dry_run in (True, False):
        report = import_csv(client, world.ana, rows, dry_run=dry_run)
        assert report.status_code == (200 if dry_run else 201), report.text
        [warning] = report.json()["warnings"]
        assert (warning["file"], warning["line"]) == ("notes.csv", 3)
        assert_warns([warning], ["trade_union"], "everyone")
    assert stored(db, external_id="r1") == ("private", ["health"])
    assert stored(db, external_id="r2") == ("company", ["trade_union"])
    assert stored(db, external_id="r3") == ("team", [])

    # Imported again with new text, a note is edited: detected again, its visibility kept.
    again = import_csv(client, world.ana, [csv_row("r3", HEALTH)], dry_run=False)
    assert again.json()["updated"] == {"notes": 1}
    assert stored(db, external_id="r3") == ("team", ["health"])
    assert_warns(again.json()["warnings"], ["health"], "the author's team")


def dataset_note(note_id: str, body: str, visibility: str | None = None) -> str:
    record = {
        "id": note_id,
        "account_id": "a-harbor",
        "author_id": "u-ana",
        "contact_ids": [],
        "created_at": "2025-01-10T09:00:00Z",
        "body": body,
    }
    return json.dumps(record | ({"visibility": visibility} if visibility else {}))


def test_dataset_notes_without_a_visibility_are_private_when_sensitive_and_wider_ones_warn(
    client: TestClient, world: World, db: Database
) -> None:
    lines = [
        dataset_note("n1", HEALTH),
        dataset_note("n2", UNION, "team"),
        dataset_note("n3", PLAIN),
    ]
    files = [("files", ("notes.jsonl", "\n".join(lines).encode(), "application/x-ndjson"))]
    for dry_run in (True, False):
        report = client.post(
            "/v1/imports",
            params={"dry_run": str(dry_run).lower()},
            headers=world.root.headers,
            files=files,
        )
        assert report.status_code == (200 if dry_run else 201), report.text
        [warning] = report.json()["warnings"]
        assert (warning["file"], warning["line"]) == ("notes.jsonl", 2)
        assert_warns([warning], ["trade_union"], "the author's team")
    assert stored(db, external_id="n1") == ("private", ["health"])
    assert stored(db, external_id="n2") == ("team", ["trade_union"])
    assert stored(db, external_id="n3") == ("team", [])


# --- the optional categories ------------------------------------------------------------------


def test_family_and_financial_distress_count_only_where_the_setting_names_them(
    client: TestClient, family_client: TestClient, world: World, db: Database
) -> None:
    assert post(client, world.ana, FAMILY)["sensitive"] == []
    note = post(family_client, world.ana, FAMILY)
    assert (note["visibility"], note["sensitive"]) == ("private", ["family"])
    check = family_client.post(
        "/v1/notes/check", headers=world.ana.headers, json={"body": DEBT, "visibility": "company"}
    ).json()
    assert check["sensitive"] == ["financial_distress"] and check["warnings"]

    raw = raw_mail(sender="ana@tacit.example", to=f"meg@{DOMAIN}", message_id="<f1@x>", body=DEBT)
    mailed = deliver_mail(family_client, world.ana, raw).json()
    assert (mailed["visibility"], mailed["sensitive"]) == ("private", ["financial_distress"])

    rows = [csv_row("f1", FAMILY, "team"), csv_row("f2", DEBT)]
    report = import_csv(family_client, world.ana, rows, dry_run=False).json()
    assert [w["categories"] for w in report["warnings"]] == [["family"]]
    assert stored(db, external_id="f2") == ("private", ["financial_distress"])

    files = [("files", ("notes.jsonl", dataset_note("n9", FAMILY).encode(), "text/plain"))]
    imported = family_client.post("/v1/imports", headers=world.root.headers, files=files)
    assert imported.status_code == 201, imported.text
    assert stored(db, external_id="n9") == ("private", ["family"])

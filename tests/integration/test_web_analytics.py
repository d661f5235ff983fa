"""The analytics dashboard over plain HTTP, on both databases with the real model: a small
history written and read through the API, then the page checked against it. The page shows the
figures of ``GET /v1/analytics/contributions`` for exactly the people the viewer may see, its
CSV is the API's CSV and is audited alike, a rep sees their own row and no coverage, and names
are escaped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import AuditEvent, Role
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_user,
    post_note,
)
from tests.worlds import Site, world_template

PASSWORD = "correct horse battery"
SCRIPT_NAME = '<script>alert("tacit")</script> Sam'
ROUTES_EDITED = (
    "Their dispatchers plan every route by hand in spreadsheets each morning; it takes two hours."
)
FIGURES = [
    "notes",
    "credited_notes",
    "accounts",
    "contacts",
    "roles_documented",
    "personal_context",
    "verifications",
    "updates",
    "impressions_by_others",
    "opens_by_others",
    "helpful_by_others",
    "colleagues_helped",
]


class Page(HTMLParser):
    """The dashboard's people table, its charts' bars and its coverage rows, as read from the
    HTML (entities decoded, as a browser shows them)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, int]] = {}  # name -> figure -> value
        self.bars: dict[str, dict[str, int]] = {}  # chart -> name -> value
        self.coverage: list[int] = []  # account ids
        self._row: dict[str, int] | None = None
        self._cell: str | None = None
        self._text = ""
        self._name = ""
        self._chart = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "data-user-id" in found:
            self._row = {}
        elif tag == "tr" and "data-account-id" in found:
            self.coverage.append(int(found["data-account-id"] or 0))
        elif self._row is not None and tag in {"th", "td"}:
            self._cell = found.get("data-figure") or ("name" if tag == "th" else "team")
            self._text = ""
        elif tag == "figure" and "data-chart" in found:
            self._chart = found["data-chart"] or ""
            self.bars[self._chart] = {}
        elif tag == "g" and "data-name" in found:
            self.bars[self._chart][found["data-name"] or ""] = int(found["data-value"] or 0)

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag in {"th", "td"} and self._row is not None and self._cell is not None:
            if self._cell == "name":
                self._name = self._text.strip()
            elif self._cell != "team":
                self._row[self._cell] = int(self._text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows[self._name] = self._row
            self._row = None


@dataclass
class World:
    mona: Person  # the east team's manager
    erin: Person
    bob: Person
    sam: Person  # named with a script tag
    walt: Person  # west
    ada: Person  # admin
    harbor: int
    coldwater: int
    notes: dict[str, int]


@world_template
def world(site: Site) -> World:
    """The east team (a manager, Erin, Bob, Sam), Walt in the west and an admin; five notes,
    read, marked helpful, edited and verified, then embedded."""
    client, db = site.client, site.db
    mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
    erin = make_user(db, "Erin East", team="east", password=PASSWORD)
    bob = make_user(db, "Bob East", team="east")
    sam = make_user(db, SCRIPT_NAME, team="east", email="sam@tacit.example")
    walt = make_user(db, "Walt West", team="west")
    ada = make_user(db, "Ada Admin", team=None, role=Role.admin, password=PASSWORD)
    harbor = make_account(db, "Harbor Freightways", domains=["harborfreightways.example"])
    coldwater = make_account(db, "Coldwater College", domains=["coldwater.edu"])
    meg = make_contact(db, harbor, "Meg Alvarez", title="CFO", buying_role="economic")
    notes = {
        "routes": post_note(
            client,
            erin,
            harbor,
            "Their dispatchers plan every route by hand in spreadsheets each morning.",
            visibility="company",
        ),
        "budget": post_note(
            client,
            erin,
            harbor,
            "Meg Alvarez approves any purchase above fifty thousand dollars herself.",
            contact_ids=[meg],
            visibility="company",
        ),
        "voicemail": post_note(client, erin, harbor, "Left a voicemail.", visibility="company"),
        "slack": post_note(
            client,
            bob,
            harbor,
            "The operations team answers quickly on Slack and slowly on email.",
            visibility="company",
        ),
        "west": post_note(
            client,
            walt,
            harbor,
            "Their fleet renewal is planned for the third quarter of next year.",
            visibility="company",
        ),
    }
    # Erin's routes note is opened by Bob and Walt and marked helpful by Bob; her own
    # opening does not count. She edits it once and verifies her budget note (a rep vouches
    # for her own notes only).
    routes = f"/v1/notes/{notes['routes']}"
    for reader in (bob, walt, erin):
        assert client.get(routes, headers=reader.headers).status_code == 200
    assert client.post(f"{routes}/helpful", headers=bob.headers).status_code == 204
    edited = client.patch(
        routes, headers={**erin.headers, "If-Match": '"v1"'}, json={"body": ROUTES_EDITED}
    )
    assert edited.status_code == 200, edited.text
    verified = client.post(f"/v1/notes/{notes['budget']}/verify", headers=erin.headers)
    assert verified.status_code == 200, verified.text
    embed_everything(db, site.settings)  # decides credited_notes
    return World(mona, erin, bob, sam, walt, ada, harbor, coldwater, notes)


def sign_in(client: TestClient, email: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
    assert token
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def api_figures(client: TestClient, person: Person, **params: str) -> dict[str, dict[str, int]]:
    response = client.get("/v1/analytics/contributions", headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    return {
        row["user"]["name"]: {name: row[name] for name in FIGURES}
        for row in response.json()["rows"]
    }


def csv_link(html: str) -> str:
    found = re.search(r'href="(/analytics\.csv\?[^"]*)"', html)
    assert found, "no CSV link on the page"
    return found.group(1).replace("&amp;", "&")


def exports(db: Database, actor: Person) -> list[dict[str, Any]]:
    with db.session(write=False) as session:
        return [
            event.details
            for event in session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.actor_id == actor.id,
                    AuditEvent.action == "export",
                    AuditEvent.target_type == "analytics.contributions",
                )
                .order_by(AuditEvent.id)
            )
        ]


def test_manager_sees_exactly_their_team_with_the_apis_figures(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, "mona.manager@tacit.example")
    page = client.get("/analytics")
    assert page.status_code == 200, page.text
    assert 'href="/analytics"' in page.text  # in the navigation
    read = Page(page.text)
    team = {"Mona Manager", "Erin East", "Bob East", SCRIPT_NAME}
    assert set(read.rows) == team  # not Walt, not Ada
    assert read.rows == api_figures(client, world.mona)
    erin = read.rows["Erin East"]
    assert erin == {
        "notes": 3,
        "credited_notes": 2,  # the voicemail is trivial
        "accounts": 1,
        "contacts": erin["contacts"],  # mentions are the worker's reading of the text
        "roles_documented": 0,
        "personal_context": erin["personal_context"],
        "verifications": 1,
        "updates": 1,
        "impressions_by_others": 0,
        "opens_by_others": 2,  # Bob and Walt; her own opening is not reuse
        "helpful_by_others": 1,
        "colleagues_helped": 2,
    }
    assert erin["contacts"] >= 1  # Meg, named and ticked in the budget note
    bob = read.rows["Bob East"]
    assert (bob["notes"], bob["credited_notes"], bob["opens_by_others"]) == (1, 1, 0)
    assert all(v == 0 for v in read.rows["Mona Manager"].values())
    # The charts: credited notes, and opens plus helpful marks by colleagues.
    assert read.bars["credited"] == {name: read.rows[name]["credited_notes"] for name in team}
    assert read.bars["reuse"]["Erin East"] == 3 and read.bars["reuse"]["Bob East"] == 0
    assert re.search(r'class="bar credited"[^>]*width="85\.0%"', page.text)  # the top fills
    # The rules, in a details block.
    assert "<details" in page.text and "How the figures are counted" in page.text
    assert "near-duplicates" in page.text


def test_csv_is_the_apis_and_the_export_is_audited(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, "mona.manager@tacit.example")
    page = client.get("/analytics", params={"since": "2026-01-01", "until": "2030-12-31"})
    link = csv_link(page.text)
    assert link == "/analytics.csv?since=2026-01-01&until=2030-12-31"
    download = client.get(link)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in download.headers["content-disposition"]
    api = client.get(
        "/v1/analytics/contributions.csv",
        headers=world.mona.headers,
        params={"since": "2026-01-01T00:00:00Z", "until": "2031-01-01T00:00:00Z"},
    )
    assert api.status_code == 200
    assert download.text == api.text
    lines = download.text.splitlines()
    assert len(lines) == 5 and lines[0].startswith("user_id,user_external_id,user_name,team,")
    assert any(SCRIPT_NAME.replace('"', '""') in line for line in lines)
    web_export, api_export = exports(db, world.mona)
    assert (
        web_export
        == api_export
        == {
            "since": "2026-01-01T00:00:00+00:00",
            "until": "2031-01-01T00:00:00+00:00",
            "team": None,
            "rows": 4,
        }
    )
    assert client.get("/analytics").status_code == 200
    assert len(exports(db, world.mona)) == 2  # viewing the page is not an export


def test_a_rep_sees_their_own_row_and_no_coverage(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, "erin.east@tacit.example")
    page = client.get("/analytics")
    assert page.status_code == 200, page.text
    read = Page(page.text)
    assert list(read.rows) == ["Erin East"]
    assert read.rows == api_figures(client, world.erin)
    assert read.coverage == [] and 'id="coverage-refused"' in page.text
    assert "Coldwater College" not in page.text and "bus factor" not in page.text.lower()
    assert "How the figures are counted" in page.text  # the rules, for everyone measured
    rules = client.get("/analytics/rules")
    assert rules.status_code == 200 and "colleagues_helped" in rules.text
    download = client.get(csv_link(page.text))
    assert download.status_code == 200 and len(download.text.splitlines()) == 2
    assert len(exports(db, world.erin)) == 1
    other = client.get("/analytics", params={"team": "west"})  # not theirs to ask
    assert other.status_code == 403 and "own team" in other.text


def test_names_are_escaped(client: TestClient, world: World) -> None:
    sign_in(client, "mona.manager@tacit.example")
    page = client.get("/analytics")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;tacit&#34;)&lt;/script&gt; Sam" in page.text
    assert 'data-name="&lt;script&gt;' in page.text  # the chart's attributes too


def test_coverage_lists_the_apis_gaps_and_filters_by_one(client: TestClient, world: World) -> None:
    sign_in(client, "mona.manager@tacit.example")
    api = client.get("/v1/analytics/coverage", headers=world.mona.headers)
    assert api.status_code == 200
    accounts = api.json()["accounts"]
    with_gaps = [row["account"]["id"] for row in accounts if row["gaps"]]
    assert Page(client.get("/analytics").text).coverage == with_gaps
    for gap in ("no_recent_notes", "missing_role", "single_source", "no_personal_context"):
        page = client.get("/analytics", params={"gap": gap})
        expected = [row["account"]["id"] for row in accounts if gap in row["gaps"]]
        assert Page(page.text).coverage == expected, gap
        assert f'data-gap="{gap}" aria-current="true">' in page.text
    # Coldwater has no notes at all; Harbor's are today's.
    page = client.get("/analytics", params={"gap": "no_recent_notes"})
    assert Page(page.text).coverage == [world.coldwater]
    assert "No notes in 90 days (1)</a>" in page.text


def test_admin_chooses_a_team_and_bad_periods_are_shown_on_the_form(
    client: TestClient, world: World
) -> None:
    sign_in(client, "ada.admin@tacit.example")
    everyone = Page(client.get("/analytics").text)
    assert "Walt West" in everyone.rows and "Erin East" in everyone.rows
    teams = client.get("/analytics").text
    west_id = re.search(r'<option value="(\d+)">west</option>', teams)
    assert west_id
    west = client.get("/analytics", params={"team": west_id.group(1)})
    assert list(Page(west.text).rows) == ["Walt West"]
    assert "team=" + west_id.group(1) in csv_link(west.text)
    assert list(Page(client.get("/analytics?team=west").text).rows) == ["Walt West"]

    bad = client.get("/analytics", params={"since": "2026-05-02", "until": "2026-05-01"})
    assert bad.status_code == 422
    assert "The end date is before the start date." in bad.text
    assert 'value="2026-05-02"' in bad.text
    assert client.get("/analytics", params={"since": "yesterday"}).status_code == 422
    assert client.get("/analytics", params={"team": "nowhere"}).status_code == 422
    refused = client.get("/analytics.csv", params={"since": "2026-13-01"})
    assert refused.status_code == 422 and "Give a date like" in refused.text


def test_signed_out_are_sent_to_sign_in(client: TestClient, db: Database) -> None:
    for path in ("/analytics?since=2026-01-01", "/analytics.csv", "/analytics/rules"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=/analytics")

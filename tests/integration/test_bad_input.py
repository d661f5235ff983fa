"""A corpus of bad input that once gave a 500 (or a 503): each now gets its exact 4xx (or is
accepted where the input can be read), on SQLite and PostgreSQL alike. A 500 also drops the
keep-alive connection, so every case first asserts that the status is below 500."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db.engine import Database
from app.db.models import Role
from tests.factories import Person, make_account, make_contact, make_user

EXTREME_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00"]
OUT_OF_RANGE_TIMES = [*EXTREME_TIMES, "1899-12-31T23:59:59Z", "2200-01-01T00:00:00Z"]


@dataclass
class World:
    rep: Person
    admin: Person
    account_id: int
    contact_id: int
    note_id: int


@pytest.fixture
def world(client: TestClient, db: Database) -> World:
    rep = make_user(db, "Ana Reyes", team="east")
    admin = make_user(db, "Ada Admin", team="ops", role=Role.admin)
    account_id = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    contact_id = make_contact(db, account_id, "Meg Ortiz", email="meg@harbor.example")
    created = client.post(
        "/v1/notes",
        headers=rep.headers,
        json={"body": "Meg (CFO) signs off on spend", "account_id": account_id},
    )
    assert created.status_code == 201, created.text
    return World(rep, admin, account_id, contact_id, created.json()["id"])


@dataclass(frozen=True)
class Case:
    """One request; ``{note}``, ``{account}`` and ``{contact}`` in the path or JSON body are
    the world's ids. ``as_admin`` sends the admin's token, else the rep's."""

    method: str
    path: str
    status: int
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str | bytes] = field(default_factory=dict)
    as_admin: bool = False

    def send(self, client: TestClient, world: World) -> Any:
        ids = {"note": world.note_id, "account": world.account_id, "contact": world.contact_id}
        body = json.loads(json.dumps(self.json).replace('"{account}"', str(ids["account"])))
        who = world.admin if self.as_admin else world.rep
        return client.request(
            self.method,
            self.path.format(**ids),
            headers={**who.headers, **self.headers},
            params=self.params,
            json=body,
        )


def cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _time_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for t in OUT_OF_RANGE_TIMES:
        note = {"body": "Meg signs", "account_id": "{account}", "observed_at": t}
        cases |= {
            f"note observed_at {t}": Case("POST", "/v1/notes", 422, json=note),
            f"patch observed_at {t}": Case(
                "PATCH",
                "/v1/notes/{note}",
                422,
                json={"observed_at": t},
                headers={"If-Match": '"v1"'},
            ),
            f"search since {t}": Case("POST", "/v1/search", 422, json={"q": "spend", "since": t}),
            f"search until {t}": Case("POST", "/v1/search", 422, json={"q": "spend", "until": t}),
            f"notes since {t}": Case("GET", "/v1/notes", 422, params={"since": t}),
            f"notes until {t}": Case("GET", "/v1/notes", 422, params={"until": t}),
            f"contributions until {t}": Case(
                "GET", "/v1/analytics/contributions", 422, params={"until": t}, as_admin=True
            ),
            f"contributions.csv since {t}": Case(
                "GET", "/v1/analytics/contributions.csv", 422, params={"since": t}, as_admin=True
            ),
            f"audit until {t}": Case("GET", "/v1/audit", 422, params={"until": t}, as_admin=True),
        }
    # The widest range accepted is fine: nothing overflows ninety days before or after it.
    cases["contributions over the whole range"] = Case(
        "GET",
        "/v1/analytics/contributions",
        200,
        params={"since": "1900-01-01T00:00:00Z", "until": "2199-12-31T23:59:59Z"},
        as_admin=True,
    )
    cases["contributions until the earliest time"] = Case(
        "GET",
        "/v1/analytics/contributions",
        200,
        params={"until": "1900-01-01T00:00:00Z"},
        as_admin=True,
    )
    return cases


def _cursor_cases() -> dict[str, Case]:
    bad = {
        "strings": ["x", "y"],
        "a string for a time or name": ["x", 1],
        "a number for a time or name": [1, 1],
        "nulls": [None, None],
        "huge ints": [2**70, 2**70],
        "bools": [True, True],
        "time of year 1": [{"t": "0001-01-01T00:00:00+01:00"}, 1],
        "time and huge id": [{"t": "2026-01-01T00:00:00+00:00"}, 2**70],
        "time and float id": [{"t": "2026-01-01T00:00:00+00:00"}, 1.5],
        "time and NUL": [{"t": "2026-01-01T00:00:00+00:00"}, "\x00"],
        "nested": [[1], {"a": 1}],
        "one huge id": [2**70],
        "one string": ["x"],
    }
    lists = {
        "/v1/notes": False,
        "/v1/accounts": False,
        "/v1/contacts": False,
        "/v1/users": False,
        "/v1/inbound": False,
        "/v1/audit": True,
    }
    cases = {
        f"cursor {name} on {path}": Case(
            "GET", path, 422, params={"cursor": cursor(values)}, as_admin=admin
        )
        for name, values in bad.items()
        for path, admin in lists.items()
    }
    for kind in ("stale", "duplicates", "flagged", "unfiled"):
        for name, values in bad.items():
            cases[f"cursor {name} on curation {kind}"] = Case(
                "GET",
                "/v1/curation",
                422,
                params={"kind": kind, "cursor": cursor(values)},
                as_admin=True,
            )
    # Accounts are listed by name, then id: a string is the right type there.
    cases["cursor a string for a time or name on /v1/accounts"] = Case(
        "GET", "/v1/accounts", 200, params={"cursor": cursor(["x", 1])}
    )
    return cases


def _if_match_cases() -> dict[str, Case]:
    # As a client sends them: UTF-8 bytes (httpx would refuse a str that is not ASCII).
    tags = {
        "superscript": '"v²"'.encode(),
        "arabic digits": '"v٣"'.encode(),
        "huge": f'"v{"9" * 5000}"'.encode(),
    }
    cases: dict[str, Case] = {}
    for name, tag in tags.items():
        cases[f"If-Match {name} on PATCH"] = Case(
            "PATCH", "/v1/notes/{note}", 422, json={"body": "x y z"}, headers={"If-Match": tag}
        )
        cases[f"If-Match {name} on DELETE"] = Case(
            "DELETE", "/v1/notes/{note}", 422, headers={"If-Match": tag}
        )
    return cases


def _null_cases() -> dict[str, Case]:
    must_have = {
        "/v1/accounts/{account}": ["name"],
        "/v1/contacts/{contact}": ["name", "buying_role"],
        "/v1/notes/{note}": ["body", "visibility", "observed_at", "contact_ids"],
    }
    cases = {
        f"PATCH {path} {name}=null": Case(
            "PATCH", path, 422, json={name: None}, headers={"If-Match": '"v1"'}
        )
        for path, names in must_have.items()
        for name in names
    }
    for name in ("name", "role", "is_active"):
        cases[f"PATCH user {name}=null"] = Case(
            "PATCH", "/v1/users/{note}", 422, json={name: None}, as_admin=True
        )
    # Null clears what is optional.
    for path, name in [
        ("/v1/contacts/{contact}", "title"),
        ("/v1/contacts/{contact}", "email"),
        ("/v1/accounts/{account}", "industry"),
        ("/v1/accounts/{account}", "domains"),
    ]:
        cases[f"PATCH {path} {name}=null clears"] = Case("PATCH", path, 200, json={name: None})
    return cases


def _nul_cases() -> dict[str, Case]:
    nul = "Meg\x00signs"
    return {
        "NUL in a note body": Case(
            "POST", "/v1/notes", 422, json={"body": nul, "account_id": "{account}"}
        ),
        "NUL in an account reference": Case(
            "POST", "/v1/notes", 422, json={"body": "Meg signs", "account": "harbor\x00"}
        ),
        "NUL in an edited body": Case(
            "PATCH", "/v1/notes/{note}", 422, json={"body": nul}, headers={"If-Match": '"v1"'}
        ),
        "NUL in an account name": Case("POST", "/v1/accounts", 422, json={"name": nul}),
        "NUL in an alias": Case(
            "POST", "/v1/accounts", 422, json={"name": "Mesa", "aliases": [nul]}
        ),
        "NUL in a contact name": Case("PATCH", "/v1/contacts/{contact}", 422, json={"name": nul}),
        "NUL in a search": Case("POST", "/v1/search", 422, json={"q": nul}),
        "NUL in an attendee": Case("POST", "/v1/briefs/meeting", 422, json={"attendees": [nul]}),
        "NUL in a flag reason": Case("POST", "/v1/notes/{note}/flags", 422, json={"reason": nul}),
        "NUL in a team name": Case("POST", "/v1/teams", 422, json={"name": nul}, as_admin=True),
        "NUL in q": Case("GET", "/v1/accounts", 422, params={"q": nul}),
        "NUL in domain": Case("GET", "/v1/accounts", 422, params={"domain": nul}),
        "NUL in external_id": Case("GET", "/v1/notes", 422, params={"external_id": nul}),
        "NUL in email": Case("GET", "/v1/contacts", 422, params={"email": nul}),
        "NUL in ref": Case("GET", "/v1/accounts/resolve", 422, params={"ref": nul}),
        "NUL in a parameter name": Case("GET", "/v1/notes", 422, params={nul: "1"}),
        "NUL in an audit action": Case(
            "GET", "/v1/audit", 422, params={"action": nul}, as_admin=True
        ),
    }


def _meeting_cases() -> dict[str, Case]:
    people = [f"p{i}@harbor.example" for i in range(5_000)]
    ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:All hands\r\n"
    ics += "".join(f"ATTENDEE;CN=P {i}:mailto:{p}\r\n" for i, p in enumerate(people))
    ics += "END:VEVENT\r\nEND:VCALENDAR\r\n"
    per_item = [", ".join(people[i : i + 50]) for i in range(0, 5_000, 50)]
    return {
        "5,000 attendees in an invitation": Case(
            "POST", "/v1/briefs/meeting", 422, json={"invitation": ics}
        ),
        "5,000 attendees in a list": Case(
            "POST", "/v1/briefs/meeting", 422, json={"attendees": per_item}
        ),
        "200 attendees": Case(
            "POST",
            "/v1/briefs/meeting",
            200,
            json={
                "attendees": [
                    f"{a}, {b}" for a, b in zip(people[:200:2], people[1:200:2], strict=True)
                ]
            },
        ),
    }


GROUPS = {
    "times": _time_cases(),
    "cursors": _cursor_cases(),
    "if-match": _if_match_cases(),
    "nulls": _null_cases(),
    "nul": _nul_cases(),
    "meetings": _meeting_cases(),
}


# One test per group, each case checked in turn on the same world (a fresh database per case
# would take minutes on PostgreSQL); every mismatch is reported, by name.
@pytest.mark.parametrize("group", list(GROUPS))
def test_bad_input_gets_its_4xx(client: TestClient, world: World, group: str) -> None:
    wrong = []
    for name, case in GROUPS[group].items():
        response = case.send(client, world)
        problem_json = response.headers.get("content-type") == "application/problem+json"
        if response.status_code >= 500:  # which also drops the keep-alive connection
            wrong.append(f"{name}: server error {response.status_code} {response.text[:300]}")
        elif response.status_code != case.status or (case.status == 422 and not problem_json):
            wrong.append(f"{name}: {response.status_code} {response.text[:300]}")
    assert not wrong, "\n".join(wrong)


def test_nothing_was_changed_by_the_refused_edits(client: TestClient, world: World) -> None:
    for cases in GROUPS.values():
        for case in cases.values():
            if case.status != 200:
                case.send(client, world)
    note = client.get(f"/v1/notes/{world.note_id}", headers=world.rep.headers).json()
    assert (note["version"], note["body"]) == (1, "Meg (CFO) signs off on spend")


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode()


@pytest.mark.parametrize("date", EXTREME_TIMES)
def test_a_csv_date_beyond_the_range_is_a_row_problem(
    client: TestClient, world: World, date: str
) -> None:
    header = ["activity_date", "body", "company"]
    data = _csv([header, [date, "Meg signs", "Harbor Freightways"]])
    response = client.post(
        "/v1/imports",
        params={"dry_run": "true"},
        headers=world.rep.headers,
        files=[("files", ("crm.csv", data, "text/csv"))],
    )
    assert response.status_code == 200, response.text
    [problem] = response.json()["problems"]
    assert (problem["line"], problem["column"]) == (2, "activity_date")
    assert "between 1900-01-01 and 2200-01-01 UTC" in problem["problem"]


def test_a_nul_in_a_csv_file_makes_it_no_text_file(client: TestClient, world: World) -> None:
    data = _csv([["activity_date", "body", "company"], ["2025-01-10", "Meg\x00signs", "Harbor"]])
    response = client.post(
        "/v1/imports",
        headers=world.rep.headers,
        files=[("files", ("crm.csv", data, "text/csv"))],
    )
    assert response.status_code == 422, response.text
    assert "not a text file" in response.json()["problems"][0]["problem"]


@pytest.mark.parametrize(
    "date", ["Fri, 31 Dec 9999 23:59:59 -1400", "Mon, 1 Jan 0100 00:00:00 +0100"]
)
def test_a_mail_date_beyond_the_range_files_the_mail_as_received_now(
    client: TestClient, world: World, date: str
) -> None:
    raw = (
        f"From: ana.reyes@tacit.example\r\nTo: meg@harbor.example\r\nDate: {date}\r\n"
        "Subject: Renewal\r\n\r\nMeg signs off on spend.\r\n"
    ).encode()
    response = client.post(
        "/v1/inbound/email",
        headers={**world.rep.headers, "content-type": "message/rfc822"},
        content=raw,
    )
    assert response.status_code == 201, response.text
    assert response.json()["observed_at"].startswith(str(datetime.now(UTC).year))


@pytest.mark.parametrize(
    ("path", "params", "as_admin"),
    [
        ("/v1/notes", {}, False),
        ("/v1/accounts", {}, False),
        ("/v1/contacts", {}, False),
        ("/v1/users", {}, True),
        ("/v1/audit", {}, True),
        ("/v1/curation", {"kind": "flagged"}, True),
    ],
)
def test_the_cursors_the_server_issues_are_accepted(
    client: TestClient,
    db: Database,
    world: World,
    path: str,
    params: dict[str, str],
    as_admin: bool,
) -> None:
    """The cursor checks refuse hand-edited values, not the server's own: every page of a
    list is reached by following next_cursor."""
    make_account(db, "Mesa Health")
    make_contact(db, world.account_id, "Gus Coyle")
    for body in ("Gus runs procurement", "Meg is on leave in May"):
        note = client.post(
            "/v1/notes",
            headers=world.rep.headers,
            json={"body": body, "account_id": world.account_id, "visibility": "company"},
        )
        flag = client.post(
            f"/v1/notes/{note.json()['id']}/flags", headers=world.rep.headers, json={"reason": "?"}
        )
        assert flag.status_code == 201, flag.text
    who = world.admin if as_admin else world.rep
    seen, next_cursor = 0, None
    for _ in range(20):
        page = client.get(
            path,
            headers=who.headers,
            params={**params, "limit": "1", **({"cursor": next_cursor} if next_cursor else {})},
        )
        assert page.status_code == 200, page.text
        seen += len(page.json()["items"])
        next_cursor = page.json()["next_cursor"]
        if next_cursor is None:
            break
    assert seen >= 2 and next_cursor is None

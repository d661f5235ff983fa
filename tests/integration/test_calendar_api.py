"""``/v1/me/calendar``, ``/v1/me/briefs`` and ``/v1/me/upcoming``, and the calendar section of
``/settings``: the feed's address is validated, stored sealed, shown masked, never logged;
each user reaches only their own feed."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import CalendarFeed, Role
from app.worker import calendar as worker
from tests.factories import every_value_in_the_database, make_user
from tests.integration.test_telemetry import captured, lines  # noqa: F401 - a fixture
from tests.integration.test_users_api import assert_problem
from tests.integration.test_web_pages import PASSWORD, hidden, sign_in

SECRET_PART = "private-5e1d77c0a2b94f31"
URL = f"https://calendar.google.com/calendar/ical/ana%40tacit.example/{SECRET_PART}/basic.ics"


def test_put_get_delete_with_the_address_masked_and_sealed(
    db: Database, client: TestClient
) -> None:
    ana = make_user(db, "Ana Reyes")
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["configured"] is False

    put = client.put("/v1/me/calendar", headers=ana.headers, json={"ics_url": URL})

    assert put.status_code == 200, put.text
    shown = client.get("/v1/me/calendar", headers=ana.headers).json()
    assert shown == put.json()
    assert shown["configured"] is True and shown["deliver"] is True
    assert shown["url"] == "calendar.google.com ….ics"
    assert shown["last_polled_at"] is None and shown["last_error"] is None
    assert shown["poll_seconds"] == 300 and shown["lead_minutes"] == 60
    assert SECRET_PART not in every_value_in_the_database(db)  # sealed, not stored as text
    with db.session(write=False) as session:
        feed = session.scalars(select(CalendarFeed)).one()
        assert feed.user_id == ana.id

    gone = client.delete("/v1/me/calendar", headers=ana.headers)
    assert gone.status_code == 200 and gone.json()["configured"] is False
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["configured"] is False
    assert_problem(client.delete("/v1/me/calendar", headers=ana.headers), 404)


def test_the_address_is_validated(db: Database, client: TestClient) -> None:
    ana = make_user(db, "Ana Reyes")
    for bad in [
        f"webcal://p01-caldav.icloud.com/published/2/{SECRET_PART}",
        "ftp://calendar.example/feed.ics",
        "file:///etc/passwd",
        "not a url",
        "https://",
        "https://calendar.example/" + "a" * 2000,
        "",
    ]:
        response = client.put("/v1/me/calendar", headers=ana.headers, json={"ics_url": bad})
        assert SECRET_PART not in assert_problem(response, 422).__repr__()  # not echoed
    assert_problem(client.put("/v1/me/calendar", headers=ana.headers, json={}), 422)
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["configured"] is False


def test_each_user_reaches_only_their_own_feed(db: Database, client: TestClient) -> None:
    ana, ben = make_user(db, "Ana Reyes"), make_user(db, "Ben Okafor", team="west")
    client.put("/v1/me/calendar", headers=ana.headers, json={"ics_url": URL})
    assert client.get("/v1/me/calendar", headers=ben.headers).json()["configured"] is False
    assert client.get("/v1/me/upcoming", headers=ben.headers).json() == []
    assert_problem(client.delete("/v1/me/calendar", headers=ben.headers), 404)
    assert_problem(client.put("/v1/me/briefs", headers=ben.headers, json={"deliver": False}), 404)

    client.put(
        "/v1/me/calendar",
        headers=ben.headers,
        json={"ics_url": "https://outlook.office365.com/owa/calendar/x/y/reachcalendar.ics"},
    )
    assert (
        client.get("/v1/me/calendar", headers=ana.headers)
        .json()["url"]
        .startswith("calendar.google.com")
    )
    assert client.get("/v1/me/calendar", headers=ben.headers).json()["url"] == (
        "outlook.office365.com ….ics"
    )
    client.delete("/v1/me/calendar", headers=ben.headers)
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["configured"] is True


def test_briefs_can_be_turned_off_and_on(db: Database, client: TestClient) -> None:
    ana = make_user(db, "Ana Reyes")
    client.put("/v1/me/calendar", headers=ana.headers, json={"ics_url": URL, "deliver": False})
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["deliver"] is False

    on = client.put("/v1/me/briefs", headers=ana.headers, json={"deliver": True})

    assert on.status_code == 200 and on.json()["deliver"] is True
    assert_problem(client.put("/v1/me/briefs", headers=ana.headers, json={"deliver": "x"}), 422)


def test_without_a_token_every_route_is_401(client: TestClient) -> None:
    for method, path, body in [
        ("GET", "/v1/me/calendar", None),
        ("PUT", "/v1/me/calendar", {"ics_url": URL}),
        ("DELETE", "/v1/me/calendar", None),
        ("PUT", "/v1/me/briefs", {"deliver": False}),
        ("GET", "/v1/me/upcoming", None),
    ]:
        assert_problem(client.request(method, path, json=body), 401)


def test_the_address_is_never_logged(
    db: Database,
    client: TestClient,
    settings: Settings,
    captured: io.StringIO,  # noqa: F811 - the fixture
) -> None:
    ana = make_user(db, "Ana Reyes")
    client.put("/v1/me/calendar", headers=ana.headers, json={"ics_url": URL})
    client.put("/v1/me/calendar", headers=ana.headers, json={"ics_url": URL + " bad"})
    # The worker's read, refused: the host "resolves" to a loopback address.
    worker.run_once(db, settings, now=utcnow(), resolve=lambda host, port: ["127.0.0.1"])
    shown = client.get("/v1/me/calendar", headers=ana.headers)

    assert shown.json()["last_error"] == (
        "the feed's host does not resolve, or resolves to a private address"
    )
    assert lines(captured)  # the requests were logged
    assert SECRET_PART not in captured.getvalue()
    assert SECRET_PART not in shown.text
    audit = client.get("/v1/audit", headers=make_user(db, "Ada", role=Role.admin).headers)
    assert "calendar.set" in audit.text and SECRET_PART not in audit.text


def test_the_settings_page_sets_and_stops_the_feed(db: Database, client: TestClient) -> None:
    ana = make_user(db, "Ana Reyes", password=PASSWORD)
    sign_in(client, ana)
    page = client.get("/settings")
    assert page.status_code == 200 and "Secret .ics address" in page.text
    csrf = hidden(page.text, "csrf_token")

    refused = client.post("/settings/calendar", data={"csrf_token": csrf, "ics_url": "ftp://x"})
    assert refused.status_code == 422 and "https://" in refused.text
    saved = client.post(
        "/settings/calendar", data={"csrf_token": csrf, "ics_url": URL}, follow_redirects=True
    )
    assert "calendar.google.com ….ics" in saved.text and SECRET_PART not in saved.text
    off = client.post(
        "/settings/briefs", data={"csrf_token": csrf, "deliver": "off"}, follow_redirects=True
    )
    assert "Briefs are <strong>off</strong>" in off.text
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["deliver"] is False
    client.post("/settings/calendar/delete", data={"csrf_token": csrf})
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["configured"] is False
    # Without the form's token nothing changes.
    assert client.post("/settings/calendar", data={"ics_url": URL}).status_code == 403
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["configured"] is False

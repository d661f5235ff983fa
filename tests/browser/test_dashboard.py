"""The analytics dashboard in headless Chromium (as tests/browser/test_web.py: Debian's
``chromium`` driven by Playwright, skipped without it except in CI): a manager's table and
inline-SVG chart, drawn with nothing fetched from another origin, the period changed through
the form, the CSV downloaded (and audited), and no sideways scrolling on a phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, Note, Role
from tests.browser.test_web import PHONE, browser  # noqa: F401 - the module's browser fixture
from tests.factories import Person, embed_everything, make_account, make_user

PASSWORD = "correct horse battery"
ERIN_NOTES = (
    "Their dispatchers plan every route by hand in spreadsheets each morning.",
    "The finance director approves any purchase above fifty thousand dollars herself.",
)
BOB_NOTE = "The operations team answers quickly on Slack and slowly on email."


def _api(url: str, person: Person, method: str, path: str, **kwargs: Any) -> httpx.Response:
    response = httpx.request(method, url + path, headers=person.headers, **kwargs)
    assert response.is_success, response.text
    return response


class World:
    def __init__(self, url: str, db: Database, settings: Settings) -> None:
        self.url, self.db = url, db
        self.mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
        self.erin = make_user(db, "Erin East", team="east")
        self.bob = make_user(db, "Bob East", team="east")
        self.walt = make_user(db, "Walt West", team="west")
        harbor = make_account(db, "Harbor Freightways", domains=["harborfreightways.example"])

        def write(author: Person, body: str) -> int:
            json = {"body": body, "account_id": harbor, "visibility": "company"}
            return int(_api(url, author, "POST", "/v1/notes", json=json).json()["id"])

        erin_notes = [write(self.erin, body) for body in ERIN_NOTES]
        bob_note = write(self.bob, BOB_NOTE)
        write(self.walt, "Their fleet renewal is planned for the third quarter of next year.")
        _api(url, self.bob, "GET", f"/v1/notes/{erin_notes[0]}")  # opened by a colleague
        _api(url, self.bob, "POST", f"/v1/notes/{erin_notes[0]}/helpful")  # and marked
        embed_everything(db, settings)
        # Bob's note was written half a year ago: outside the default 90 days.
        self.long_ago = utcnow() - timedelta(days=180)
        with db.unit_of_work() as session:
            session.execute(
                update(Note)
                .where(Note.id == bob_note)
                .values(created_at=self.long_ago, written_at=self.long_ago)
            )


@pytest.fixture
def world(live_url: str, db: Database, settings: Settings) -> World:
    return World(live_url, db, settings)


def sign_in(page: Any, world: World, path: str) -> None:
    page.goto(world.url + path)
    assert "/login" in page.url
    page.fill("#email", "mona.manager@tacit.example")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(world.url + path)


def figure(page: Any, name: str, column: str) -> int:
    row = page.locator("#contributions tbody tr", has=page.locator(f"th:text-is('{name}')"))
    return int(row.locator(f"td[data-figure={column}]").inner_text())


def bar_width(page: Any, chart: str, name: str) -> float:
    bar = page.locator(f"[data-chart={chart}] g[data-name='{name}'] rect")
    box = bar.bounding_box()
    return 0.0 if box is None else float(box["width"])


def exports(db: Database) -> int:
    with db.session(write=False) as session:
        query = select(func.count()).where(
            AuditEvent.action == "export", AuditEvent.target_type == "analytics.contributions"
        )
        return session.scalar(query.select_from(AuditEvent)) or 0


def test_manager_reads_the_dashboard_changes_the_period_and_downloads_the_csv(
    browser: Any,  # noqa: F811 - the fixture imported above
    world: World,
) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    elsewhere: list[str] = []

    def only_this_site(route: Any) -> None:
        if route.request.url.startswith(world.url):
            route.continue_()
        else:  # a CDN, a font, anything: the page must not need it
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_site)
    sign_in(page, world, "/analytics")
    page.get_by_role("link", name="Analytics").wait_for()  # in the navigation

    # The table: the manager's team, not Walt.
    names = page.locator("#contributions tbody th").all_inner_texts()
    assert sorted(names) == ["Bob East", "Erin East", "Mona Manager"]
    assert figure(page, "Erin East", "credited_notes") == 2
    assert figure(page, "Erin East", "opens_by_others") == 1
    assert figure(page, "Erin East", "helpful_by_others") == 1
    assert figure(page, "Bob East", "notes") == 0  # his note is older than 90 days

    # The chart: inline SVG, labelled, with bars as long as the figures.
    chart = page.get_by_role("img", name="Credited notes")
    assert chart.evaluate("e => e.tagName") == "svg"
    assert bar_width(page, "credited", "Erin East") > 100
    assert bar_width(page, "credited", "Bob East") == 0
    assert bar_width(page, "reuse", "Erin East") > 100
    tooltip = page.locator("[data-chart=credited] g[data-name='Erin East'] title")
    assert tooltip.text_content() == "Erin East: 2 credited notes"

    # The period, through the form: back far enough to hold Bob's note.
    since = (world.long_ago - timedelta(days=1)).date().isoformat()
    page.fill("#since", since)
    page.click("button:has-text('Show')")
    page.wait_for_url(f"**/analytics?since={since}&until=*")
    assert page.input_value("#since") == since
    assert figure(page, "Bob East", "credited_notes") == 1
    assert bar_width(page, "credited", "Bob East") > 0
    assert bar_width(page, "credited", "Bob East") < bar_width(page, "credited", "Erin East")

    # The CSV: the rows on the page, as the API writes them, and the export audited.
    before = exports(world.db)
    with page.expect_download() as download_info:
        page.click("a:has-text('Download CSV')")
    download = download_info.value
    assert download.suggested_filename.startswith(f"tacit-contributions-{since}-to-")
    with open(download.path(), encoding="utf-8") as csv_file:
        lines = csv_file.read().splitlines()
    assert lines[0].startswith("user_id,user_external_id,user_name,team,notes,credited_notes,")
    rows = {line.split(",")[2]: line.split(",") for line in lines[1:]}
    assert set(rows) == {"Bob East", "Erin East", "Mona Manager"}
    assert rows["Bob East"][5] == "1" and rows["Erin East"][5] == "2"
    assert exports(world.db) == before + 1

    # The coverage section and the rules.
    assert page.locator("#coverage-table tr[data-account-id]").count() >= 1
    page.click("summary:has-text('How the figures are counted')")
    assert page.locator("#rules dd").first.is_visible()
    assert elsewhere == []
    context.close()


def test_dashboard_does_not_scroll_sideways_on_a_phone(
    browser: Any,  # noqa: F811 - the fixture imported above
    world: World,
) -> None:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, world, "/analytics")
    width = page.evaluate("window.innerWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert width == PHONE["width"]
    assert scroll <= width, f"/analytics is {scroll}px wide on a {width}px screen"
    assert bar_width(page, "credited", "Erin East") > 0
    context.close()

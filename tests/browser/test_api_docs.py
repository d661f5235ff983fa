"""The interactive API docs in headless Chromium (as tests/browser/test_web.py: Debian's
``chromium`` driven by Playwright, skipped without it except in CI), with every request off
the loopback aborted, as on a network without a CDN: Swagger UI renders, "Authorize" takes a
token, and "Try it out" on ``POST /v1/search`` answers 200 with the note; ReDoc renders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.config import Settings
from app.db.engine import Database
from tests.browser.test_web import browser  # noqa: F401 - the module's browser fixture
from tests.factories import Person, embed_everything, make_account, make_note, make_user

NOTE = "Meg Ortiz (CFO) signs off on any spend over fifty thousand dollars."
QUESTION = "who signs off on spend"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class World:
    url: str
    erin: Person
    note: int


@pytest.fixture
def world(live_url: str, db: Database, settings: Settings) -> World:
    erin = make_user(db, "Erin East", team="east")
    harbor = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    note = make_note(db, erin, harbor, NOTE, visibility="company")
    embed_everything(db, settings)
    return World(live_url, erin, note)


@pytest.fixture
def offline_page(browser: Any) -> Iterator[tuple[Any, list[str]]]:  # noqa: F811
    """A page whose requests beyond the loopback are aborted (and listed), and the list of
    errors its scripts raised."""
    context = browser.new_context()
    blocked: list[str] = []

    def cut_off(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", cut_off)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, blocked
    assert not errors, errors
    context.close()


def test_swagger_ui_offline_authorize_then_try_out_search(
    offline_page: tuple[Any, list[str]], world: World
) -> None:
    page, blocked = offline_page
    page.goto(world.url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title >> text=Tacit")
    search = page.locator("#operations-search-search_notes")
    assert search.is_visible()

    # Authorize: the bearer scheme's dialog takes the token for every operation.
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".dialog-ux .modal-ux")
    assert "bearerAuth" in dialog.inner_text()
    dialog.locator("input").fill(world.erin.token)
    dialog.locator("button.authorize").click()
    dialog.locator("button.btn-done").click()

    # Try it out: the example body is there to edit; the answer is the live one.
    search.locator(".opblock-summary").click()
    search.locator("button.try-out__btn").click()
    body = search.locator("textarea.body-param__text")
    assert json.loads(body.input_value())["q"]  # the schema's example, prefilled
    body.fill(json.dumps({"q": QUESTION, "limit": 5}))
    search.locator("button.execute").click()
    live = search.locator(".live-responses-table tr.response")
    live.wait_for()
    assert live.locator("td.response-col_status").inner_text().strip() == "200"
    answer = json.loads(live.locator("td.response-col_description pre").first.inner_text())
    assert [hit["note_id"] for hit in answer["hits"]][:1] == [world.note], answer
    # The request carried the token: the curl line Swagger UI shows says so.
    assert f"Bearer {world.erin.token}" in search.locator(".curl-command").inner_text()
    assert not [url for url in blocked if "swagger" in url or "jsdelivr" in url], blocked


def test_redoc_renders_offline(offline_page: tuple[Any, list[str]], world: World) -> None:
    page, blocked = offline_page
    response = page.goto(world.url + "/redoc")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("h1 >> text=Tacit")
    page.locator("h2", has_text="Search Notes").wait_for()
    # Redoc lists the security scheme it read from the schema.
    assert page.locator("text=bearerAuth").count() > 0
    assert not blocked, blocked

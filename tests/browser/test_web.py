"""The web page end to end: a real uvicorn serving the app, the real embedding model, and
headless Chromium (Debian's ``chromium``, driven by Playwright; no browser is downloaded).

`make test` installs chromium with apt. Without it the tests skip with the reason, except in
CI (``CI`` set), where they fail: a browser test that silently does not run proves nothing.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.db.engine import Database
from app.db.models import Note
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_note,
    make_user,
)

PASSWORD = "correct horse battery"
NOTE = "Meg controls the purse strings: nothing over fifty thousand gets signed without her."
PARAPHRASE = "who approves big expenditures"  # not one word in common with NOTE
assert not set(PARAPHRASE.lower().split()) & set(re.findall(r"\w+", NOTE.lower()))
# Names Meg: were it leaked into Erin's brief, it would be evidence of her role.
WEST_PRIVATE = "West private memo: Meg Alvarez wants spending above 20k on her desk first."
WEST_TEAM = "West team memo: big expenditures are approved by their finance committee."
LONG_URL = "https://harborfreightways.example/contracts/2026/" + "renewal-appendix-" * 8 + "v2.pdf"
PHONE = {"width": 390, "height": 844}


def _browser_unavailable() -> str | None:
    if shutil.which("chromium") is None:
        return "Debian's chromium is not installed (`make test` installs it with apt)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (`make install` installs the dev extras)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _browser_unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield chromium
        chromium.close()


@dataclass
class World:
    url: str
    db: Database
    erin: Person
    walt: Person
    harbor: int
    meg: int
    tom: int
    west_private: int
    west_team: int
    long_url: int


@pytest.fixture
def world(live_url: str, db: Database) -> World:
    erin = make_user(db, "Erin East", team="east", password=PASSWORD)
    bob = make_user(db, "Bob East", team="east")
    walt = make_user(db, "Walt West", team="west")
    harbor = make_account(db, "Harbor Freightways", domains=["harborfreightways.example"])
    coldwater = make_account(db, "Coldwater College", domains=["coldwater.edu"])
    meg = make_contact(db, harbor, "Meg Alvarez", title="CFO", buying_role="economic")
    tom = make_contact(
        db, harbor, "Tom Reyes", title="IT Director", buying_role="technical", reports_to_id=meg
    )
    make_contact(db, coldwater, "Priya Shah", title="Provost")
    for account, body in (
        (harbor, "Drivers like the new route view on the dashboard."),
        (harbor, "They answer quickly on Slack and slowly on email."),
        (coldwater, "Visitor parking on campus is in lot C; ask reception for a pass."),
    ):
        make_note(db, bob, account, body, visibility="company")
    long_url = make_note(
        db, bob, harbor, f"The signed renewal terms are filed at {LONG_URL}", visibility="company"
    )
    west_private = make_note(db, walt, harbor, WEST_PRIVATE, visibility="private")
    west_team = make_note(db, walt, harbor, WEST_TEAM, visibility="team")
    return World(live_url, db, erin, walt, harbor, meg, tom, west_private, west_team, long_url)


def note_count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(Note)) or 0


def sign_in(page: Any, world: World, path: str = "/") -> None:
    page.goto(world.url + path)
    assert "/login" in page.url
    page.fill("#email", "erin.east@tacit.example")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(world.url + path)


def hit_ids(page: Any) -> list[int]:
    return [
        int(i) for i in page.locator(".hit").evaluate_all("els => els.map(e => e.dataset.noteId)")
    ]


def test_sign_in_post_find_by_paraphrase_and_never_see_another_teams_notes(
    browser: Any, world: World, settings: Settings
) -> None:
    context = browser.new_context()
    page = context.new_page()

    # Signing in: a wrong password is refused in place; the right one returns to the page.
    page.goto(world.url + "/notes/new")
    assert page.url == world.url + "/login?next=/notes/new"
    page.fill("#email", "erin.east@tacit.example")
    page.fill("#password", "not the password")
    page.click("button:has-text('Sign in')")
    assert page.locator(".alert").inner_text() == "The e-mail or the password is wrong."
    assert page.input_value("#email") == "erin.east@tacit.example"
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(world.url + "/notes/new")

    # Posting: the account box suggests as you type, the contacts follow the account.
    assert page.is_checked("input[name=visibility][value=team]")  # the API's default
    # A sensitive fact is warned about as it is typed, before anything is posted.
    page.locator("#body").press_sequentially("Meg had knee surgery last week.", delay=5)
    page.wait_for_selector("#sensitive-check >> text=your team will be able to read it")
    page.check("input[name=visibility][value=private]")
    page.wait_for_selector("#sensitive-check >> text=only you will read it")
    page.check("input[name=visibility][value=team]")
    page.fill("#body", NOTE)
    page.wait_for_selector("#sensitive-check [data-sensitive]", state="detached")
    page.locator("#account").press_sequentially("harb", delay=30)
    page.wait_for_selector('#account-options option[value="Harbor Freightways"]', state="attached")
    page.fill("#account", "Harbor Freightways")
    page.press("#account", "Tab")
    page.wait_for_selector("#contact-list >> text=Tom Reyes")
    assert page.locator("#contact-list").inner_text().count("Meg Alvarez") == 1
    page.locator("#contact_q").press_sequentially("cfo", delay=30)
    page.wait_for_selector("#contact-list >> text=Tom Reyes", state="detached")
    page.check(f"#contact-list input[value='{world.meg}']")
    page.check("input[name=visibility][value=company]")
    page.click("button:has-text('Save note')")
    page.wait_for_url(re.compile(r".*/notes/\d+\?saved=1$"))
    posted = int(re.findall(r"/notes/(\d+)", page.url)[0])
    assert "Saved." in page.locator(".notice").inner_text()
    assert page.locator(".note .body").inner_text() == NOTE
    facts = page.locator(".facts").inner_text()
    assert "Meg Alvarez (CFO)" in facts and "everyone" in facts and "web" in facts

    # Finding it by meaning, once the worker has embedded it.
    embed_everything(world.db, settings)
    page.goto(world.url + "/")
    page.fill("#q", PARAPHRASE)
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*\?q=who"))
    shown = hit_ids(page)
    assert shown and shown[0] == posted, page.locator(".results").inner_text()
    first = page.locator(".hit").first
    # Found by meaning; whether it counts as a confident match is the calibration's call
    # (app.domain.results), which a world of a few notes gives little background for.
    assert first.locator(".matched").inner_text() in ("matched meaning", "weak match")
    assert "Harbor Freightways" in first.inner_text() and "Erin East" in first.inner_text()
    assert world.west_private not in shown and world.west_team not in shown
    assert "West private" not in page.content() and "West team" not in page.content()

    # Words in the question are highlighted in the snippet.
    page.fill("#q", "purse strings")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*\?q=purse"))
    assert hit_ids(page)[0] == posted
    marks = page.locator(".hit").first.locator("mark").all_inner_texts()
    assert [m.lower() for m in marks] == ["purse", "strings"]

    # The account page: the influence map and the brief, from only the notes Erin may read.
    # Meg is the economic buyer, Tom the technical one; nobody is the user buyer or a coach.
    page.locator(".hit").first.locator(".meta a").first.click()
    page.wait_for_url(world.url + f"/accounts/{world.harbor}")
    influences = page.get_by_role("region", name="Influence map")
    buyer = influences.locator(f"tr[data-contact-id='{world.meg}']")
    assert "Meg Alvarez" in buyer.inner_text() and "CFO" in buyer.inner_text()
    assert buyer.locator("td[data-field=roles] .chip.confirmed").inner_text() == "Economic"
    technical = influences.locator(f"tr[data-contact-id='{world.tom}']").inner_text()
    assert "Tom Reyes" in technical and "Technical" in technical
    flags = page.get_by_role("region", name=re.compile("^Red flags")).inner_text()
    assert "No user buyer confirmed" in flags and "No coach" in flags
    changed_notes = page.get_by_role("region", name="What changed recently")
    evidence = changed_notes.locator(f"a[href='/notes/{posted}']")
    assert page.locator(f"a[href='/notes/{world.west_private}']").count() == 0
    page.click("summary:has(#chart-title)")  # folded under its title until opened
    chart = page.get_by_role("region", name="Who reports to whom")
    nested = f"li[data-contact-id='{world.meg}'] li[data-contact-id='{world.tom}']"
    assert chart.locator(nested).count() == 1
    gaps = page.get_by_role("region", name="Gaps").inner_text()
    assert "no user buyer known" in gaps and "no coach known" in gaps
    changed = page.get_by_role("region", name="What changed recently").inner_text()
    assert "Erin East" in changed and NOTE in changed
    assert "Bob East" in page.get_by_role("region", name="Whom to ask").inner_text()
    # Every note Erin may read, each once: in a section of the brief or in the list below it.
    listed = [
        int(i)
        for i in page.locator(".reading [data-note-id]").evaluate_all(
            "els => els.map(e => e.dataset.noteId)"
        )
    ]
    assert posted in listed and len(listed) == len(set(listed))
    assert world.west_private not in listed and world.west_team not in listed
    assert "West private" not in page.content() and "West team" not in page.content()

    # The evidence opens the note, which Erin verifies: it says by whom and when.
    evidence.click()
    page.wait_for_url(world.url + f"/notes/{posted}")
    assert "Not verified since it was learned." in page.locator(".facts").inner_text()
    page.click("button:has-text('Verify')")
    page.wait_for_url(world.url + f"/notes/{posted}?verified=1")
    assert "Verified." in page.locator(".notice").inner_text()
    assert "Verified by Erin East on " in page.locator(".facts").inner_text()

    # Another team's notes do not exist for Erin, even by address.
    for hidden in (world.west_private, world.west_team):
        response = page.goto(world.url + f"/notes/{hidden}")
        assert response is not None and response.status == 404
        assert page.locator("h1").inner_text() == "Not found"
    context.close()


def test_post_without_csrf_token_is_refused_and_sign_out_then_back_signs_in_again(
    browser: Any, world: World
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, world)
    before = note_count(world.db)
    forged = page.request.post(
        world.url + "/notes/new",
        form={"body": "Sneaky", "account": "Harbor Freightways", "visibility": "company"},
        max_redirects=0,
    )  # the browser's own cookie goes along, as it would from another site's form
    assert forged.status == 403
    assert note_count(world.db) == before

    page.goto(world.url + f"/accounts/{world.harbor}")
    page.click("button:has-text('Sign out')")
    page.wait_for_url(world.url + "/login")
    page.go_back()
    assert "/login" in page.url
    page.goto(world.url + "/")
    assert "/login" in page.url
    context.close()


def test_phone_sized_pages_do_not_scroll_sideways(
    browser: Any, world: World, settings: Settings
) -> None:
    embed_everything(world.db, settings)  # the account page's brief, with its topics
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, world)
    paths = ("/?q=renewal+terms", f"/accounts/{world.harbor}", f"/notes/{world.long_url}")
    for path in (*paths, "/notes/new"):
        page.goto(world.url + path)
        if "q=" in path:
            assert LONG_URL[:40] in page.locator(".results").inner_text()
        width = page.evaluate("window.innerWidth")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert width == PHONE["width"], path  # the viewport meta tag is honoured
        assert scroll <= width, f"{path} is {scroll}px wide on a {width}px screen"
    context.close()

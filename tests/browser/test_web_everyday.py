"""The pages for everyday use in headless Chromium (as tests/browser/test_web.py: Debian's
``chromium`` driven by Playwright, skipped without it except in CI), on both databases: a
note's actions (an edit that meets a newer version keeps both texts), the account list with
its filters and pages, the feed's older pages, the search's "understood as" chips, the settings
page (a token made there signs the ``tacit`` command in), and every new page on a laptop and
on a 390x844 phone without sideways scrolling.

Screenshots of the main pages are kept as artefacts: in ``TACIT_SCREENSHOTS`` when set, else
in the test's temporary directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import Note, Role
from tests.browser.test_web import PHONE, browser  # noqa: F401 - the module's browser fixture
from tests.factories import Person, make_account, make_contact, make_note, make_user

PASSWORD = "correct horse battery"
LAPTOP = {"width": 1366, "height": 768}
REPO = Path(__file__).resolve().parents[2]
RECAP = "# Call recap\n\n**Meg** wants the pilot in May.\n\n- fleet of 200\n- <b>no</b> raw HTML"


class World:
    def __init__(self, url: str, db: Database) -> None:
        self.url, self.db = url, db
        self.erin = make_user(db, "Erin East", team="east", password=PASSWORD)
        self.bob = make_user(db, "Bob East", team="east")
        self.walt = make_user(db, "Walt West", team="west")
        self.mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
        self.ada = make_user(db, "Ada Admin", team="ops", role=Role.admin, password=PASSWORD)
        self.harbor = make_account(db, "Harbor Freightways", domains=["harbor.example"])
        self.coldwater = make_account(db, "Coldwater College")
        self.fillers = [make_account(db, f"Acme {n:02d}") for n in range(26)]
        self.meg = make_contact(db, self.harbor, "Meg Alvarez", title="CFO", buying_role="economic")
        self.recap = make_note(db, self.erin, self.harbor, RECAP, visibility="company")
        self.old = make_note(db, self.erin, self.harbor, "Tom runs IT.", visibility="company")
        self.new = make_note(db, self.erin, self.harbor, "Ana runs IT now.", visibility="company")
        self.bobs = make_note(
            db, self.bob, self.harbor, "The renewal budget is due in May.", visibility="company"
        )
        self.cut = make_note(
            db,
            self.bob,
            self.coldwater,
            "Coldwater's renewal budget was cut.",
            visibility="company",
        )
        self.secret = make_note(
            db,
            self.walt,
            self.harbor,
            "West private: the renewal is at risk.",
            visibility="private",
        )
        feed = [
            make_note(db, self.bob, self.coldwater, f"Campus visit log {n}.", visibility="team")
            for n in range(20)
        ]
        with db.unit_of_work() as session:  # the campus log is old news: the feed's 2nd page
            session.execute(
                update(Note)
                .where(Note.id.in_(feed))
                .values(observed_at=utcnow() - timedelta(days=200))
            )

    def api(
        self,
        person: Person,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = {**person.headers, **(headers or {})}
        return httpx.request(method, self.url + path, headers=sent, **kwargs)


@pytest.fixture
def world(live_url: str, db: Database) -> World:
    return World(live_url, db)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("TACIT_SCREENSHOTS") or tmp_path / "screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where


def sign_in(page: Any, world: World, path: str = "/", who: str = "erin.east") -> None:
    page.goto(world.url + path)
    page.fill("#email", f"{who}@tacit.example")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(world.url + path)


def open_page(
    browser: Any,  # noqa: F811
    world: World,
    viewport: dict[str, int],
    path: str = "/",
    who: str = "erin.east",
) -> Any:
    phone = viewport == PHONE
    context = browser.new_context(
        viewport=viewport, device_scale_factor=3 if phone else 1, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    sign_in(page, world, path, who)
    return page


def fits(page: Any, path: str) -> None:
    width = page.evaluate("window.innerWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{path} is {scroll}px wide on a {width}px screen"


def test_a_note_edited_deleted_flagged_superseded_and_archived_in_the_browser(
    browser: Any,  # noqa: F811
    world: World,
    shots: Path,
) -> None:
    page = open_page(browser, world, LAPTOP, f"/notes/{world.recap}")
    # Markdown, rendered; its raw HTML shown as text.
    body = page.locator(".note .body")
    assert body.locator("h1").inner_text() == "Call recap"
    assert body.locator("strong").inner_text() == "Meg"
    assert body.locator("li").count() == 2 and "<b>no</b> raw HTML" in body.inner_text()
    page.screenshot(path=str(shots / "note-laptop.png"), full_page=True)

    # An edit that meets a newer version: nothing lost, both texts on the page.
    page.click("a.button:has-text('Edit')")
    page.wait_for_url(world.url + f"/notes/{world.recap}/edit")
    changed = world.api(
        world.erin,
        "PATCH",
        f"/v1/notes/{world.recap}",
        headers={"If-Match": '"v1"'},
        json={"body": "Meg wants the pilot in June now."},
    )
    assert changed.status_code == 200, changed.text
    mine = "# Call recap\n\n**Meg** wants the pilot in *May*, and Tom agrees."
    page.fill("#body", mine)
    page.click("button:has-text('Save changes')")
    alert = page.locator(".alert.conflict")
    assert "someone else saved this note while you were editing it" in alert.inner_text()
    assert "pilot in June now" in alert.locator(".current-body").inner_text()
    assert page.input_value("#body") == mine
    page.screenshot(path=str(shots / "note-edit-conflict-laptop.png"), full_page=True)
    page.click("button:has-text('Save changes')")
    page.wait_for_url(world.url + f"/notes/{world.recap}?saved=1")
    assert page.locator(".note .body em").inner_text() == "May"
    assert "version 3" in page.locator(".facts").inner_text()

    # A colleague's note: Erin may flag it, and nothing else.
    page.goto(world.url + f"/notes/{world.bobs}")
    assert page.locator("a:has-text('Edit'), summary:has-text('Delete')").count() == 0
    page.click("summary:has-text('Flag for review')")
    page.fill("#flag-reason", "The budget date moved to June.")
    page.click("button:has-text('Flag')")
    page.wait_for_url(world.url + f"/notes/{world.bobs}?done=flagged")
    assert "Flagged for review" in page.locator(".notice").inner_text()

    # Her old note, replaced by her newer one.
    page.goto(world.url + f"/notes/{world.old}")
    page.click("summary:has-text('Replaced by a newer note')")
    page.select_option("#supersede-by", str(world.new))
    page.click("button:has-text('Mark as superseded')")
    page.wait_for_url(world.url + f"/notes/{world.old}?done=superseded")
    assert f"note #{world.new}" in page.locator(".currency").inner_text()

    # Archived, then deleted: each back to the account, which says so.
    page.click("summary:has-text('Archive')")
    page.click("button:has-text('Archive this note')")
    page.wait_for_url(world.url + f"/accounts/{world.harbor}?removed=archived")
    assert "archived" in page.locator(".notice").inner_text()
    page.goto(world.url + f"/notes/{world.new}")
    page.click("summary:has-text('Delete')")
    page.click("button:has-text('Delete this note')")
    page.wait_for_url(world.url + f"/accounts/{world.harbor}?removed=deleted")
    assert page.locator(".notice").inner_text() == "The note is deleted."
    for gone in (world.old, world.new):
        response = page.goto(world.url + f"/notes/{gone}")
        assert response is not None and response.status == 404
    page.context.close()


def test_a_rep_makes_a_token_on_the_settings_page_and_tacit_login_accepts_it(
    browser: Any,  # noqa: F811
    world: World,
    shots: Path,
    tmp_path: Path,
) -> None:
    page = open_page(browser, world, LAPTOP, "/settings")
    page.fill("#token-name", "laptop")
    page.fill("#token-days", "30")
    page.click("button:has-text('Create token')")
    secret = page.locator("#new-token").inner_text().strip()
    assert secret.startswith("tacit_")
    assert f"tacit login --url {world.url}" in page.locator(".token-created").inner_text()
    page.screenshot(path=str(shots / "settings-laptop.png"), full_page=True)

    config = tmp_path / "tacit" / "config.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACIT_")}
    login = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "login", "--url", world.url],
        input=secret + "\n",
        env={**env, "PYTHONPATH": str(REPO), "TACIT_CONFIG": str(config)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    assert f"logged in to {world.url} as Erin East (erin.east@tacit.example)" in login.stdout
    assert secret in config.read_text()

    # Shown once: the list names it by its prefix; revoked, it no longer signs anyone in.
    page.goto(world.url + "/settings")
    assert secret not in page.content()
    token = page.locator(".tokens li.live", has_text="laptop")
    assert secret[:12] in token.inner_text()
    token.locator("button:has-text('Revoke')").click()
    page.wait_for_url(world.url + "/settings?done=revoked")
    assert page.locator(".tokens li.revoked", has_text="laptop").count() == 1
    revoked = Person(world.erin.id, world.erin.name, secret)
    assert world.api(revoked, "GET", "/v1/me").status_code == 401

    # The password: the current one is required.
    page.fill("#current", "not my password")
    page.fill("#new", "a longer passphrase now")
    page.fill("#confirm", "a longer passphrase now")
    page.click("button:has-text('Change password')")
    assert "The current password is wrong" in page.locator(".alert").inner_text()
    page.fill("#current", PASSWORD)
    page.fill("#new", "a longer passphrase now")
    page.fill("#confirm", "a longer passphrase now")
    page.click("button:has-text('Change password')")
    page.wait_for_url(world.url + "/settings?done=password")
    assert "Your password is changed" in page.locator(".notice").inner_text()
    page.context.close()


def test_accounts_feed_and_search_chips_page_filter_widen_and_narrow(
    browser: Any,  # noqa: F811
    world: World,
    shots: Path,
) -> None:
    page = open_page(browser, world, LAPTOP, "/accounts")
    rows = page.locator(".account-row")
    assert rows.count() == 25 and rows.first.inner_text().startswith("Acme 00")
    page.screenshot(path=str(shots / "accounts-laptop.png"), full_page=True)
    page.click("a:has-text('Next page')")
    assert page.locator(".account-row h2").all_inner_texts() == [
        "Acme 25",
        "Coldwater College",
        "Harbor Freightways",
    ]
    page.fill("#account-q", "harbor.example")
    page.press("#account-q", "Enter")
    page.wait_for_url(re.compile(r".*/accounts\?q=harbor\.example&.*"))
    assert page.locator(".account-row h2").all_inner_texts() == ["Harbor Freightways"]
    assert "4 notes" in page.locator(".account-row").inner_text()  # Walt's is not counted

    # The feed: 20 notes a page, the oldest of the campus log on the older page.
    page.goto(world.url + "/")
    assert page.locator(".hit").count() == 20
    assert "Campus visit log 0." not in page.locator(".results").inner_text()
    page.click("a:has-text('Older notes')")
    assert "Campus visit log 0." in page.locator(".results").inner_text()
    assert "West private" not in page.content()

    # A search names Harbor: only Harbor's notes, until widened, then narrowed again.
    page.goto(world.url + "/?q=Harbor+Freightways+renewal+budget")
    chips = page.get_by_role("region", name="Understood as")
    assert "account Harbor Freightways" in " ".join(chips.inner_text().split())
    ids = page.locator(".hit").evaluate_all("els => els.map(e => +e.dataset.noteId)")
    assert world.bobs in ids and world.cut not in ids and world.secret not in ids
    page.screenshot(path=str(shots / "search-chips-laptop.png"), full_page=True)
    chips.locator("a.widen").click()
    page.wait_for_url(re.compile(r".*wide=1"))
    ids = page.locator(".hit").evaluate_all("els => els.map(e => +e.dataset.noteId)")
    assert world.cut in ids and world.secret not in ids
    page.get_by_role("region", name="Understood as").locator("a.narrow").click()
    page.wait_for_url(re.compile(rf".*account={world.harbor}"))
    ids = page.locator(".hit").evaluate_all("els => els.map(e => +e.dataset.noteId)")
    assert world.bobs in ids and world.cut not in ids
    page.context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_new_pages_fit_the_screen_and_the_app_can_be_installed(
    browser: Any,  # noqa: F811
    world: World,
    shots: Path,
    viewport: dict[str, int],
) -> None:
    page = open_page(browser, world, viewport)
    size = "phone" if viewport == PHONE else "laptop"
    paths = {
        "accounts": "/accounts?stale=1",
        "account": f"/accounts/{world.harbor}",
        "note": f"/notes/{world.recap}",
        "note-edit": f"/notes/{world.recap}/edit",
        "settings": "/settings",
        "search": "/?q=Harbor+Freightways+renewal+budget",
        "feed-older": None,
    }
    for name, path in paths.items():
        if path is None:  # the feed's second page, by its link
            page.goto(world.url + "/")
            page.click("a:has-text('Older notes')")
            path = page.url
        else:
            page.goto(world.url + path)
        # Every folded section open: the widest the page gets.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert page.evaluate("window.innerWidth") == viewport["width"]
        fits(page, path)
        page.screenshot(path=str(shots / f"{name}-{size}.png"), full_page=True)

    if size == "laptop":
        # The account's map and gaps fit one laptop screen.
        page.goto(world.url + f"/accounts/{world.harbor}")
        bottom = page.evaluate("document.querySelector('.overview').getBoundingClientRect().bottom")
        assert bottom <= LAPTOP["height"], f"the map and gaps end at {bottom}px"

    manifest = page.locator("link[rel=manifest]").get_attribute("href")
    answer = page.request.get(world.url + manifest)
    assert answer.ok and answer.json()["display"] == "standalone"
    for icon in answer.json()["icons"]:
        assert page.request.get(world.url + icon["src"]).ok, icon["src"]
    page.context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_manager_works_through_the_curation_queue(
    browser: Any,  # noqa: F811
    world: World,
    shots: Path,
    viewport: dict[str, int],
) -> None:
    for note_id in (world.recap, world.bobs):
        flagged = world.api(
            world.walt if note_id == world.bobs else world.bob,
            "POST",
            f"/v1/notes/{note_id}/flags",
            json={"reason": "Out of date since the reorg."},
        )
        assert flagged.status_code == 201, flagged.text
    page = open_page(browser, world, viewport, "/curation", who="mona.manager")
    size = "phone" if viewport == PHONE else "laptop"
    items = page.locator(".queue-item")
    assert items.count() == 2 and "Out of date since the reorg." in items.first.inner_text()
    fits(page, "/curation")
    page.screenshot(path=str(shots / f"curation-{size}.png"), full_page=True)

    first = items.first.get_attribute("data-note-id")
    items.first.locator("button:has-text('Resolve flag')").click()
    page.wait_for_url(world.url + "/curation?kind=flagged&done=resolved")
    assert page.locator(".notice").inner_text() == "The flag is resolved."
    assert page.locator(".queue-item").count() == 1
    assert page.locator(".queue-item").first.get_attribute("data-note-id") != first
    page.locator(".queue-item button:has-text('Verify')").click()
    page.wait_for_url(world.url + "/curation?kind=flagged&done=verified")
    assert page.locator(".queue-item").count() == 0
    page.click("nav[aria-label='Kinds of work'] a:has-text('Due a check')")
    page.wait_for_url(world.url + "/curation?kind=stale")
    fits(page, "/curation?kind=stale")
    page.context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_an_admin_creates_a_user_who_then_signs_in(
    browser: Any,  # noqa: F811
    world: World,
    shots: Path,
    viewport: dict[str, int],
) -> None:
    page = open_page(browser, world, viewport, "/admin/users", who="ada.admin")
    size = "phone" if viewport == PHONE else "laptop"
    page.fill("#new-name", "Nia New")
    page.fill("#new-email", "nia.new@tacit.example")
    page.fill("#new-team", "west")
    page.fill("#new-password", PASSWORD)
    page.click("button:has-text('Create user')")
    page.wait_for_url(world.url + "/admin/users?done=created")
    row = page.locator(".people-admin li", has_text="Nia New")
    assert "nia.new@tacit.example · rep · west" in row.inner_text()
    row.locator("summary").click()
    row.locator("select[name=role]").select_option("manager")
    row.locator("button:has-text('Save Nia New')").click()
    page.wait_for_url(world.url + "/admin/users?done=updated")
    assert "manager" in page.locator(".people-admin li", has_text="Nia New").inner_text()
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    fits(page, "/admin/users")
    page.screenshot(path=str(shots / f"admin-users-{size}.png"), full_page=True)

    nia = browser.new_context().new_page()
    sign_in(nia, world, "/", who="nia.new")
    assert "Nia New" in nia.locator(".who").inner_text()
    nia.context.close()
    page.context.close()

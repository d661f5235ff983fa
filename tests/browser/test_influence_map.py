"""The influence map in headless Chromium (as tests/browser/test_web.py: Debian's ``chromium``
driven by Playwright, skipped without it except in CI): an account of 30 notes whose map, red
flags above it, fits one laptop screen (1366x768) with every influence's roles, mode, rating,
hot and cold buttons and coverage showing; and a suggested role confirmed from the contact's
page by pressing its button. Screenshots go to /tmp for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import InfluenceDecision, Note, Role
from tests.browser.test_web import PHONE, browser  # noqa: F401 - the module's browser fixture
from tests.factories import Person, embed_everything, make_account, make_contact, make_user

PASSWORD = "correct horse battery"
LAPTOP = {"width": 1366, "height": 768}
SHOTS = Path("/tmp")
# (contact, title, the record a manager keeps for them: roles, degree, mode and its reason,
# rating, hot buttons, cold buttons)
PEOPLE: list[tuple[str, str, dict[str, Any]]] = [
    (
        "Jill Oyelaran",
        "CFO",
        {
            "roles": ["economic"],
            "degree": "high",
            "mode": "growth",
            "mode_reason": "wants the branch consolidation done by Q2",
            "rating": 3,
            "hot_buttons": ["cost per branch", "board visibility", "fixed-fee pricing"],
            "cold_buttons": ["late calls", "surprise fees"],
        },
    ),
    (
        "Tariq Haddad",
        "IT Director",
        {
            "roles": ["technical"],
            "degree": "high",
            "mode": "even_keel",
            "rating": -1,
            "hot_buttons": ["single sign-on", "uptime SLAs", "API documentation", "audit logs"],
            "cold_buttons": ["on-premises installs", "vendor lock-in"],
        },
    ),
    (
        "Reggie Moss",
        "Warehouse lead",
        {
            "roles": ["user"],
            "degree": "medium",
            "mode": "trouble",
            "mode_reason": "pickers double-scan every pallet",
            "rating": 2,
            "hot_buttons": ["fewer scans per pallet", "night-shift safety"],
            "cold_buttons": ["training days during peak season"],
        },
    ),
    (
        "Meg Chen",
        "Operations manager",
        {
            "roles": ["user", "coach"],
            "degree": "medium",
            "mode": "growth",
            "rating": 4,
            "hot_buttons": ["shift reports", "her team's overtime"],
            "cold_buttons": ["long slide decks"],
        },
    ),
    (
        "Hugo Brandt",
        "Head of Procurement",
        {
            "roles": ["technical"],
            "degree": "low",
            "mode": "overconfident",
            "rating": -3,
            "hot_buttons": ["three competing quotes"],
            "cold_buttons": ["sole-source contracts", "pushy follow-ups"],
        },
    ),
    ("Sana Iqbal", "Finance analyst", {}),
    ("Dev Patel", "Security lead", {"hot_buttons": ["SOC 2 report"]}),
    ("Omar Farouk", "Receptionist", {}),
]
# 30 notes, by three colleagues, as they come: meetings, calls, asides.
NOTES: list[tuple[str, str]] = [
    ("bob", "Met Jill Oyelaran on site: she wants the branch consolidation done by Q2."),
    ("bob", "Jill Oyelaran has final say on anything over $25k."),
    ("erin", "Call with Tariq Haddad about single sign-on; he wants SAML, not passwords."),
    ("erin", "Tariq Haddad asked for our uptime SLAs and the API documentation."),
    ("bob", "Lunch with Reggie Moss: pickers double-scan every pallet, it costs them hours."),
    ("carla", "Reggie Moss will not give up training days during the peak season."),
    ("carla", "Met Meg Chen; she shares the shift reports with us every Monday."),
    ("erin", "Meg Chen warned us Hugo Brandt wants three competing quotes."),
    ("bob", "Hugo Brandt dislikes sole-source contracts and pushy follow-ups."),
    ("erin", "Sana Iqbal has final say on anything over $10k."),
    ("carla", "Dev Patel will ask for the SOC 2 report before any pilot."),
    ("bob", "Their fiscal year ends in June; budgets are set in April."),
    ("erin", "The warehouse in Leeds runs three shifts."),
    ("carla", "They moved off their old WMS two years ago and it still hurts."),
    ("bob", "Visitor parking is behind the loading docks; sign in at the security desk."),
    ("erin", "Invoices go to accounts payable, not to Jill."),
    ("carla", "The pilot should cover the Leeds and Hull branches only."),
    ("bob", "They asked for references from another wholesaler."),
    ("erin", "Renewal of their current contract is due in September."),
    ("carla", "Omar Farouk at reception books the meeting rooms."),
    ("bob", "Jill Oyelaran prefers calls before ten in the morning."),
    ("erin", "Tariq Haddad's team is four people; two are contractors."),
    ("carla", "Meg Chen's team runs overtime every Friday."),
    ("bob", "Competitor demo went badly last month: their scanner app crashed."),
    ("erin", "They want fixed-fee pricing, no per-seat charges."),
    ("carla", "Reggie Moss asked whether the app works with gloves on."),
    ("bob", "Board meeting in March will review the consolidation."),
    ("erin", "Hugo Brandt's approval is needed for any new supplier."),
    ("carla", "Walked Meg Chen through the reporting dashboard on a video call."),
    ("bob", "They pay on 60-day terms."),
]
assert len(NOTES) == 30


def _api(url: str, person: Person, method: str, path: str, **kwargs: Any) -> httpx.Response:
    response = httpx.request(method, url + path, headers=person.headers, timeout=30, **kwargs)
    assert response.is_success, response.text
    return response


class World:
    def __init__(self, url: str, db: Database, settings: Settings) -> None:
        self.url, self.db = url, db
        self.mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
        writers = {
            "bob": make_user(db, "Bob East", team="east"),
            "erin": make_user(db, "Erin East", team="east"),
            "carla": make_user(db, "Carla Diaz", team="east"),
        }
        self.account = make_account(db, "Bramblewood Supply", domains=["bramblewood.example"])
        self.contacts = {
            name: make_contact(db, self.account, name, title=title) for name, title, _ in PEOPLE
        }
        note_ids = []
        for author, body in NOTES:
            json = {"body": body, "account_id": self.account, "visibility": "company"}
            note_ids.append(_api(url, writers[author], "POST", "/v1/notes", json=json).json()["id"])
        for name, _, record in PEOPLE:
            if record:
                path = f"/v1/contacts/{self.contacts[name]}/influence"
                _api(url, self.mona, "PATCH", path, json=record)
        embed_everything(db, settings)
        with db.unit_of_work() as session:
            # Tariq's role was confirmed half a year ago: past its shelf life, stale.
            session.execute(
                update(InfluenceDecision)
                .where(
                    InfluenceDecision.contact_id == self.contacts["Tariq Haddad"],
                    InfluenceDecision.field == "roles",
                )
                .values(at=utcnow() - timedelta(days=200))
            )
            # The notes were learned over the last months, not all today.
            for days, index in ((120, 1), (100, 4), (40, 6), (20, 2)):
                session.execute(
                    update(Note)
                    .where(Note.id == note_ids[index])
                    .values(observed_at=utcnow() - timedelta(days=days))
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


def test_the_map_of_an_account_of_30_notes_fits_one_laptop_screen(
    browser: Any,  # noqa: F811 - the fixture imported above
    world: World,
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, world, f"/accounts/{world.account}")
    page.screenshot(path=str(SHOTS / "tacit-influence-map-1366x768.png"))
    page.screenshot(path=str(SHOTS / "tacit-influence-map-full.png"), full_page=True)
    assert "30 notes you may read" in page.locator(".account-head .meta").inner_text()

    flags = page.locator("#red-flags")
    the_map = page.locator("#map")
    flags_box, map_box = flags.bounding_box(), the_map.bounding_box()
    assert flags_box and map_box
    assert flags_box["y"] + flags_box["height"] <= map_box["y"]  # the flags, in words, above
    bottom = map_box["y"] + map_box["height"]
    assert bottom <= LAPTOP["height"], f"the map ends at {bottom}px on a 768px screen"
    texts = flags.locator("li").all_inner_texts()
    assert "Hugo Brandt (technical buyer) rates us -3." in texts
    assert any(t.startswith("Nobody has met Reggie Moss (user buyer) in 90 days") for t in texts)
    wrap = page.locator("#map .table-wrap")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), "the map scrolls sideways"

    rows = the_map.locator("tbody tr")
    assert rows.count() == 7  # everyone with something known or suggested; Omar is listed below
    assert "Omar Farouk" in the_map.locator(".others").inner_text()
    for name, _, record in PEOPLE:
        if not record:
            continue
        row = the_map.locator(f"tr[data-contact-id='{world.contacts[name]}']")
        box = row.bounding_box()
        assert box and box["y"] + box["height"] <= LAPTOP["height"], name
        for cell in ("roles", "mode", "rating", "hot_buttons", "cold_buttons", "coverage"):
            if cell in record or cell == "coverage":
                text = row.locator(f"td[data-field={cell}]").inner_text().strip()
                assert text and text != "\u2013", f"{name}: {cell} is empty"  # an en dash: none
                assert row.locator(f"td[data-field={cell}] .chip").count() or cell == "coverage"
    tariq = the_map.locator(f"tr[data-contact-id='{world.contacts['Tariq Haddad']}']")
    assert tariq.locator("td[data-field=roles] .chip.stale").inner_text() == "Technical STALE"
    hugo = the_map.locator(f"tr[data-contact-id='{world.contacts['Hugo Brandt']}']")
    assert hugo.get_attribute("class") == "flagged"
    jill = the_map.locator(f"tr[data-contact-id='{world.contacts['Jill Oyelaran']}']")
    assert "Bob East met" in jill.locator("td[data-field=coverage]").inner_text()
    context.close()


def test_a_suggested_role_is_confirmed_from_the_contacts_page(
    browser: Any,  # noqa: F811 - the fixture imported above
    world: World,
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    sana = world.contacts["Sana Iqbal"]
    sign_in(page, world, f"/accounts/{world.account}")
    row = page.locator(f"#map tr[data-contact-id='{sana}']")
    suggested = row.locator("td[data-field=roles] .chip.suggested")
    assert suggested.inner_text().startswith("Economic?")  # and, for screen readers, "(suggested)"
    row.locator(f"a[href='/contacts/{sana}']").click()
    page.wait_for_url(world.url + f"/contacts/{sana}")

    suggestion = page.locator("#field-roles li[data-value='economic']")
    assert suggestion.get_attribute("data-status") == "suggested"
    assert "Sana Iqbal has final say on anything over $10k" in suggestion.locator("q").inner_text()
    page.screenshot(path=str(SHOTS / "tacit-contact-page.png"), full_page=True)
    suggestion.locator("button:has-text('Confirm')").click()
    page.wait_for_url(world.url + f"/contacts/{sana}?done=confirmed#field-roles")
    assert "Confirmed." in page.locator(".notice").inner_text()
    confirmed = page.locator("#field-roles li[data-value='economic']")
    assert confirmed.get_attribute("data-status") == "confirmed"
    assert "confirmed by Mona Manager" in confirmed.inner_text()
    assert confirmed.locator("q").count() == 1  # the sentence it rests on stays with it

    page.goto(world.url + f"/accounts/{world.account}")
    chip = page.locator(f"#map tr[data-contact-id='{sana}'] td[data-field=roles] .chip")
    assert chip.first.get_attribute("data-status") == "confirmed"
    context.close()


def test_on_a_phone_the_map_is_a_list_of_cards_and_nothing_scrolls_sideways(
    browser: Any,  # noqa: F811 - the fixture imported above
    world: World,
) -> None:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    jill = world.contacts["Jill Oyelaran"]
    sign_in(page, world, f"/accounts/{world.account}")
    for path in (f"/accounts/{world.account}", f"/contacts/{jill}"):
        page.goto(world.url + path)
        width = page.evaluate("window.innerWidth")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert width == PHONE["width"] and scroll <= width, f"{path}: {scroll}px wide"
        if path.startswith("/accounts"):
            page.screenshot(path=str(SHOTS / "tacit-influence-map-phone.png"))
            cell = page.locator(f"#map tr[data-contact-id='{jill}'] td[data-field=hot_buttons]")
            label = cell.evaluate("e => getComputedStyle(e, '::before').content")
            assert label == '"Hot buttons: "'  # each cell of a card says what it is
            assert "cost per branch" in cell.inner_text()
    context.close()

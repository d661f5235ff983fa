"""The web page's lists over plain HTTP, on both databases: the account list (search, filters,
paging, counts of only the notes the reader may read), the feed's older pages, and a search's
"understood as" chips with their one-click widening and narrowing."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import Note
from tests.factories import make_contact, post_note
from tests.integration.test_web_pages import Users, signed_in


@pytest.fixture
def people(db: Database) -> Users:
    return Users(db)


def create_account(client: TestClient, people: Users, name: str, **fields: object) -> int:
    body = {"name": name, **fields}
    answer = client.post("/v1/accounts", headers=people.erin.headers, json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def listed(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="account-row" data-account-id="(\d+)"', page)]


def hits(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="hit[^"]*" data-note-id="(\d+)"', page)]


def next_link(page: str, label: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="next">{label}</a>', page)
    return unescape(found.group(1)) if found else None


def test_account_list_searches_filters_and_pages(
    client: TestClient, db: Database, people: Users
) -> None:
    harbor = create_account(
        client,
        people,
        "Harbor Freightways",
        domains=["harbor.example"],
        aliases=["HFW"],
        industry="Logistics",
        region="EMEA",
    )
    coldwater = create_account(client, people, "Coldwater College", industry="Education")
    fillers = [create_account(client, people, f"Acme {n:02d}", region="EMEA") for n in range(26)]
    post_note(client, people.erin, harbor, "Harbor renews in March.", visibility="team")
    post_note(
        client, people.walt, coldwater, "West private: Coldwater budget.", visibility="private"
    )
    make_contact(db, harbor, "Ana Coach", title="Ops lead", buying_role="coach")
    signed_in(client, people.erin)

    first = client.get("/accounts").text
    ids = listed(first)
    assert len(ids) == 25 and ids[:3] == fillers[:3]  # by name, a page at a time
    older = next_link(first, "Next page")
    assert older is not None
    second = client.get(older).text
    assert listed(second) == [*fillers[25:], coldwater, harbor]
    assert next_link(second, "Next page") is None and 'href="/accounts"' in second

    for query, expected in (
        ("q=harbor", [harbor]),
        ("q=HARBOR.EXAMPLE", [harbor]),  # a domain
        ("q=hfw", [harbor]),  # an alias
        ("industry=logistics", [harbor]),
        ("industry=Education&q=cold", [coldwater]),
        ("region=emea&q=harbor", [harbor]),
        ("q=nothing+like+it", []),
    ):
        assert listed(client.get(f"/accounts?{query}").text) == expected, query

    # Counts and staleness are of the notes Erin may read: Walt's private note is not one.
    rows = client.get("/accounts?q=co").text
    assert "0 notes" in rows and "nothing you may read yet" in rows
    assert "Coldwater budget" not in rows
    stale = listed(client.get("/accounts?stale=1&q=o").text)
    assert coldwater in stale and harbor not in stale
    with db.unit_of_work() as session:  # Harbor's only note was learned long ago
        session.execute(update(Note).values(observed_at=utcnow() - timedelta(days=400)))
    assert harbor in listed(client.get("/accounts?stale=1&q=harbor").text)

    # A red flag from the account's influence map: Harbor has a coach, Coldwater none.
    no_coach = listed(client.get("/accounts?red_flag=no_coach&q=o").text)
    assert coldwater in no_coach and harbor not in no_coach
    assert len(listed(client.get("/accounts?red_flag=made_up").text)) == 25  # ignored

    assert client.get("/accounts?cursor=forged").status_code == 422


def test_the_feed_pages_back_through_older_notes(
    client: TestClient, db: Database, people: Users
) -> None:
    harbor = create_account(client, people, "Harbor Freightways")
    written = [post_note(client, people.bob, harbor, f"Feed note {n}.") for n in range(23)]
    hidden = post_note(client, people.walt, harbor, "West private feed note.", visibility="private")
    with db.unit_of_work() as session:  # learned a day apart, the first longest ago
        for n, note_id in enumerate([*written, hidden]):
            when = utcnow() - timedelta(days=30 - n)
            session.execute(update(Note).where(Note.id == note_id).values(observed_at=when))
    signed_in(client, people.erin)
    first = client.get("/").text
    shown = hits(first)
    assert shown == written[::-1][:20]
    older = next_link(first, "Older notes")
    assert older is not None and older.startswith("/?cursor=")
    rest = client.get(older).text
    shown = hits(rest)
    assert shown == written[::-1][20:]
    assert next_link(rest, "Older notes") is None and "Newest notes" in rest
    assert "West private" not in first + rest


def test_a_search_says_what_it_understood_and_widens_or_narrows_in_a_click(
    client: TestClient, people: Users
) -> None:
    harbor = create_account(client, people, "Harbor Freightways", domains=["harbor.example"])
    coldwater = create_account(client, people, "Coldwater College")
    meg = client.post(
        "/v1/contacts",
        headers=people.erin.headers,
        json={"account_id": harbor, "name": "Meg Alvarez", "title": "CFO"},
    ).json()["id"]
    approves = post_note(
        client, people.bob, harbor, "Meg Alvarez approves the renewal budget.", contact_ids=[meg]
    )
    due = post_note(client, people.bob, harbor, "The renewal budget is due in May.")
    cut = post_note(client, people.bob, coldwater, "Coldwater's renewal budget was cut.")
    signed_in(client, people.erin)

    page = client.get("/", params={"q": "Harbor Freightways renewal budget"}).text
    chips = page[page.index('aria-label="Understood as"') :]
    assert "account <strong>Harbor Freightways</strong>" in chips
    assert sorted(hits(page)) == [approves, due]  # the question named Harbor: Harbor's notes
    widen = re.search(r'<a href="(/\?[^"]+)" class="widen"', chips)
    assert widen is not None and "wide=1" in widen.group(1)
    wide = client.get(unescape(widen.group(1))).text
    assert sorted(hits(wide)) == [approves, due, cut]
    narrow = re.search(r'<a href="(/\?[^"]+)" class="narrow">only Harbor', wide)
    assert narrow is not None and f"account={harbor}" in narrow.group(1)
    assert sorted(hits(client.get(unescape(narrow.group(1))).text)) == [approves, due]

    asked = client.get("/", params={"q": "what does Meg Alvarez think of the budget"}).text
    contact = re.search(r'<a href="(/\?[^"]+)" class="narrow">only Meg Alvarez', asked)
    assert contact is not None and f"contact_id={meg}" in contact.group(1)
    only_meg = client.get(unescape(contact.group(1))).text
    assert hits(only_meg) == [approves]
    assert re.search(r'class="widen"[^>]*>any contact<', only_meg)


def test_more_results_asks_for_the_next_page_of_hits(client: TestClient, people: Users) -> None:
    harbor = create_account(client, people, "Harbor Freightways")
    topics = ("pricing", "drivers", "routes", "fuel", "trailers", "depots", "insurance")
    for n in range(28):
        body = f"Renewal call {n}: they raised {topics[n % 7]} and asked about week {n + 1}."
        post_note(client, people.bob, harbor, body)
    signed_in(client, people.erin)
    first = client.get("/", params={"q": "renewal call"}).text
    more = next_link(first, "More results")
    assert len(hits(first)) == 20 and more is not None and "pages=2" in more
    second = client.get(more).text
    assert len(hits(second)) > 20 and set(hits(first)) < set(hits(second))
    assert next_link(second, "More results") is None

"""Briefs before external meetings, end to end: an .ics feed served over HTTP, the calendar
worker run at times the test chooses, and the e-mails a real SMTP server (aiosmtpd) receives.

The feed holds a weekly external meeting (one occurrence moved, one cancelled, one taken out
by EXDATE), an internal meeting, and an external one in another time zone (named by its
VTIMEZONE). Exactly one brief arrives per external occurrence at lead time, an update after
a reschedule, none for the internal or cancelled ones, none twice across restarts; each
holds only what its recipient may read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import BriefDelivery, User
from app.domain import brief_deliveries
from app.integrations.slack.briefs import brief_sender
from app.worker import calendar as worker
from tests.calendar_feeds import Feed, Mailbox, calendar, serve_feed, smtp_server, stamp, text_of
from tests.databases import settings_for
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_user,
    post_note,
)
from tests.fake_slack import fake_slack

ANA_NOTE = "Meg Ortiz (CFO) signs off on anything over $50k and wants the pilot numbers first"
BEN_PRIVATE = "Meg Ortiz told me privately about the ORCHID-7734 budget freeze"
LEAD = timedelta(minutes=60)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def feed() -> Iterator[Feed]:
    with serve_feed() as served:
        yield served


@pytest.fixture
def settings(db_url: str, mailbox: Mailbox) -> Settings:
    # The feed lives on 127.0.0.1, which only this setting lets the worker read.
    return settings_for(db_url).model_copy(
        update={"smtp_url": mailbox.url, "calendar_allow_private": True, "brief_lead_minutes": 60}
    )


def day_zero() -> datetime:
    """Midnight UTC a week ahead: every time in the feed is in the (real) future."""
    return (utcnow() + timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)


def weekly(t0: datetime, *, first_start: datetime | None = None) -> list[list[str]]:
    """The weekly Harbor meeting, Mondays 10:00 UTC for five weeks: week 1 moved to Tuesday
    15:00, week 2 cancelled, week 3 an EXDATE. ``first_start`` reschedules week 0."""
    start = t0 + timedelta(hours=10)
    people = [
        "ORGANIZER;CN=Ana Reyes:mailto:ana.reyes@tacit.example",
        "ATTENDEE;CN=Ana Reyes:mailto:ana.reyes@tacit.example",
        "ATTENDEE;CN=Meg Ortiz:mailto:meg@harbor.example",
    ]
    series = [
        "BEGIN:VEVENT",
        "UID:harbor-weekly@test",
        f"DTSTART:{stamp(start)}",
        f"DTEND:{stamp(start + timedelta(hours=1))}",
        "RRULE:FREQ=WEEKLY;COUNT=5",
        f"EXDATE:{stamp(start + timedelta(weeks=3))}",
        "SUMMARY:Harbor weekly",
        *people,
        "END:VEVENT",
    ]
    moved = start + timedelta(weeks=1, days=1, hours=5)
    overrides = [
        [
            "BEGIN:VEVENT",
            "UID:harbor-weekly@test",
            f"RECURRENCE-ID:{stamp(start + timedelta(weeks=1))}",
            f"DTSTART:{stamp(moved)}",
            f"DTEND:{stamp(moved + timedelta(hours=1))}",
            "SUMMARY:Harbor weekly (moved)",
            *people,
            "END:VEVENT",
        ],
        [
            "BEGIN:VEVENT",
            "UID:harbor-weekly@test",
            f"RECURRENCE-ID:{stamp(start + timedelta(weeks=2))}",
            f"DTSTART:{stamp(start + timedelta(weeks=2))}",
            f"DTEND:{stamp(start + timedelta(weeks=2, hours=1))}",
            "STATUS:CANCELLED",
            "SUMMARY:Harbor weekly",
            *people,
            "END:VEVENT",
        ],
    ]
    if first_start is not None:
        overrides.append(
            [
                "BEGIN:VEVENT",
                "UID:harbor-weekly@test",
                f"RECURRENCE-ID:{stamp(start)}",
                f"DTSTART:{stamp(first_start)}",
                f"DTEND:{stamp(first_start + timedelta(hours=1))}",
                "SUMMARY:Harbor weekly",
                *people,
                "END:VEVENT",
            ]
        )
    return [series, *overrides]


def feed_text(t0: datetime, *, first_start: datetime | None = None) -> bytes:
    # Tokyo keeps no daylight saving: 18:00 there is 09:00 UTC on any date.
    tokyo_day = (t0 + timedelta(days=2)).strftime("%Y%m%d")
    internal = t0 + timedelta(hours=13)
    return calendar(
        *weekly(t0, first_start=first_start),
        [
            "BEGIN:VEVENT",
            "UID:standup@test",
            f"DTSTART:{stamp(internal)}",
            f"DTEND:{stamp(internal + timedelta(minutes=15))}",
            "SUMMARY:Team standup",
            "ATTENDEE:mailto:ana.reyes@tacit.example",
            "ATTENDEE:mailto:cy.park@tacit.example",
            "END:VEVENT",
        ],
        [
            "BEGIN:VTIMEZONE",
            "TZID:Tokyo Standard Time",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0900",
            "TZOFFSETTO:+0900",
            "END:STANDARD",
            "END:VTIMEZONE",
        ],
        [
            "BEGIN:VEVENT",
            "UID:bramble-intro@test",
            f"DTSTART;TZID=Tokyo Standard Time:{tokyo_day}T180000",
            "DURATION:PT45M",
            "SUMMARY:Bramblewood intro",
            "ATTENDEE:mailto:ana.reyes@tacit.example",
            "ATTENDEE;CN=Dario Bianchi:mailto:dario@bramble.example",
            "END:VEVENT",
        ],
    )


def people(db: Database, client: TestClient) -> tuple[Person, Person]:
    ana = make_user(db, "Ana Reyes", team="east")
    ben = make_user(db, "Ben Okafor", team="west")
    make_user(db, "Cy Park", team="east")
    harbor = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    make_account(db, "Bramblewood", domains=["bramble.example"])
    make_contact(db, harbor, "Meg Ortiz", email="meg@harbor.example", title="CFO")
    post_note(client, ana, harbor, ANA_NOTE, visibility="company")
    post_note(client, ben, harbor, BEN_PRIVATE, visibility="private")
    return ana, ben


def run(db: Database, settings: Settings, at: datetime, **kw: object) -> None:
    """Worker passes at ``at`` until nothing is left to do then."""
    for _ in range(10):
        if not worker.run_once(db, settings, now=at, **kw):  # type: ignore[arg-type]
            return
    raise AssertionError("the calendar worker never ran out of work")


def set_feed(client: TestClient, who: Person, url: str) -> None:
    response = client.put("/v1/me/calendar", headers=who.headers, json={"ics_url": url})
    assert response.status_code == 200, response.text


def test_one_brief_per_external_occurrence_an_update_and_nothing_twice(
    db: Database, client: TestClient, settings: Settings, feed: Feed, mailbox: Mailbox
) -> None:
    ana, _ = people(db, client)
    embed_everything(db, settings)
    t0 = day_zero()
    feed.body = feed_text(t0)
    set_feed(client, ana, feed.url)
    slack_dms: list[tuple[str, str]] = []

    run(db, settings, t0 - timedelta(hours=2))
    assert mailbox.received == []
    upcoming = client.get("/v1/me/upcoming", headers=ana.headers).json()
    assert [(u["summary"], u["brief"]) for u in upcoming] == [
        ("Harbor weekly", "scheduled"),
        ("Bramblewood intro", "scheduled"),
        ("Harbor weekly (moved)", "scheduled"),
    ]
    assert [a["name"] for a in upcoming[0]["accounts"]] == ["Harbor Freightways"]

    # Lead time of week 0 (10:00): its brief, once, however often the worker passes.
    run(db, settings, t0 + timedelta(hours=9) - timedelta(minutes=1))
    assert mailbox.received == []
    run(db, settings, t0 + timedelta(hours=9))
    run(db, settings, t0 + timedelta(hours=9, minutes=1))
    assert mailbox.subjects() == [
        f"Brief: Harbor weekly, {(t0 + timedelta(hours=10)):%a %d %b %Y, 10:00} to 11:00 UTC"
    ]
    first = text_of(mailbox.received[0])
    assert "pilot numbers first" in first
    assert "ORCHID-7734" not in first
    assert mailbox.received[0]["To"] == "ana.reyes@tacit.example"
    # The feed had not changed: the worker asked with its ETag and was told so.
    assert feed.not_modified >= 1

    # Rescheduled to 10:30 after its brief went: an update, once.
    feed.body = feed_text(t0, first_start=t0 + timedelta(hours=10, minutes=30))
    run(db, settings, t0 + timedelta(hours=9, minutes=10))
    run(db, settings, t0 + timedelta(hours=9, minutes=20))
    assert len(mailbox.received) == 2
    assert mailbox.subjects()[1].startswith("Updated: Brief: Harbor weekly")
    assert "10:30" in mailbox.subjects()[1]

    # The internal standup at 13:00: nothing.
    run(db, settings, t0 + timedelta(hours=12, minutes=30))
    assert len(mailbox.received) == 2

    # A restart: a new pass over the same rows, with Slack linked meanwhile, sends nothing
    # again; the Tokyo meeting (18:00 there, 09:00 UTC) arrives at 08:00 UTC, by both channels.
    with db.unit_of_work() as session:
        session.get_one(User, ana.id).slack_user_id = "U0ANA0001"

    def dm(user: str, text: str) -> None:
        slack_dms.append((user, text))

    run(db, settings, t0 + timedelta(days=2, hours=7, minutes=59), slack=dm)
    assert len(mailbox.received) == 2 and slack_dms == []
    run(db, settings, t0 + timedelta(days=2, hours=8), slack=dm)
    assert mailbox.subjects()[2] == (
        f"Brief: Bramblewood intro, {(t0 + timedelta(days=2)):%a %d %b %Y}, 09:00 to 09:45 UTC"
    )
    assert [user for user, _ in slack_dms] == ["U0ANA0001"]
    assert "Bramblewood intro" in slack_dms[0][1]

    # Week 1 at its original time: nothing; at its new one (Tuesday 15:00): its brief.
    run(db, settings, t0 + timedelta(weeks=1, hours=9), slack=dm)
    assert len(mailbox.received) == 3
    run(db, settings, t0 + timedelta(weeks=1, days=1, hours=14), slack=dm)
    assert mailbox.subjects()[3].startswith("Brief: Harbor weekly (moved)")
    # Week 2 is cancelled and week 3 an EXDATE: nothing; week 4: its brief.
    run(db, settings, t0 + timedelta(weeks=2, hours=9), slack=dm)
    run(db, settings, t0 + timedelta(weeks=3, hours=9), slack=dm)
    assert len(mailbox.received) == 4
    run(db, settings, t0 + timedelta(weeks=4, hours=9), slack=dm)
    assert len(mailbox.received) == 5
    assert mailbox.subjects()[4].startswith("Brief: Harbor weekly,")

    for message in mailbox.received:
        assert "ORCHID-7734" not in text_of(message)
        assert message.get_body(preferencelist=("html",)) is not None
    assert all("ORCHID-7734" not in text for _, text in slack_dms)


def test_a_brief_keeps_facts_apart_from_suggestions(
    db: Database, client: TestClient, settings: Settings, feed: Feed, mailbox: Mailbox
) -> None:
    ana, _ = people(db, client)
    embed_everything(db, settings)
    t0 = day_zero()
    feed.body = feed_text(t0)
    set_feed(client, ana, feed.url)

    run(db, settings, t0 + timedelta(hours=9))

    text = mailbox.received[0].get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    facts = body.index("FROM THE NOTES YOU MAY READ")
    assert body.index("pilot numbers first") > facts
    assert "http://localhost:8000/notes/" in body  # links to the web page


def test_delivery_off_sends_nothing_and_says_off(
    db: Database, client: TestClient, settings: Settings, feed: Feed, mailbox: Mailbox
) -> None:
    ana, _ = people(db, client)
    t0 = day_zero()
    feed.body = feed_text(t0)
    set_feed(client, ana, feed.url)
    response = client.put("/v1/me/briefs", headers=ana.headers, json={"deliver": False})
    assert response.status_code == 200 and response.json()["deliver"] is False

    run(db, settings, t0 + timedelta(hours=9))

    assert mailbox.received == []
    upcoming = client.get("/v1/me/upcoming", headers=ana.headers).json()
    assert {u["brief"] for u in upcoming} == {"off"}


def test_cancelling_after_queueing_sends_nothing(
    db: Database, client: TestClient, settings: Settings, feed: Feed, mailbox: Mailbox
) -> None:
    ana, _ = people(db, client)
    t0 = day_zero()
    feed.body = feed_text(t0)
    set_feed(client, ana, feed.url)
    at = t0 + timedelta(hours=9)
    run(db, settings, t0)
    with db.unit_of_work() as session:  # queued, as a crash after the queueing would leave it
        assert brief_deliveries.queue_due(session, now=at, lead=LEAD) == 1
    feed.body = feed.body.replace(
        b"RRULE:FREQ=WEEKLY;COUNT=5", b"RRULE:FREQ=WEEKLY;COUNT=5\r\nSTATUS:CANCELLED"
    )

    run(db, settings, at)

    assert mailbox.received == []
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(BriefDelivery)) == 0


def test_a_failing_feed_records_its_error_and_backs_off(
    db: Database, client: TestClient, settings: Settings, feed: Feed
) -> None:
    ana, _ = people(db, client)
    set_feed(client, ana, feed.url)
    feed.status = 500
    now = utcnow()

    run(db, settings, now)
    asked = len(feed.requests)
    # Backing off: twice the interval after one failure, and an idle pass does nothing.
    assert worker.run_once(db, settings, now=now + timedelta(seconds=300)) == 0

    status = client.get("/v1/me/calendar", headers=ana.headers).json()
    assert status["last_error"] == "HTTP 500"
    assert status["last_polled_at"] is not None
    assert len(feed.requests) == asked
    feed.status = 200
    feed.body = feed_text(day_zero())
    run(db, settings, now + timedelta(seconds=2 * settings.calendar_poll_seconds))
    assert client.get("/v1/me/calendar", headers=ana.headers).json()["last_error"] is None


def test_an_unreachable_smtp_server_is_retried_not_lost(
    db: Database, client: TestClient, settings: Settings, feed: Feed, mailbox: Mailbox
) -> None:
    ana, _ = people(db, client)
    t0 = day_zero()
    feed.body = feed_text(t0)
    set_feed(client, ana, feed.url)
    at = t0 + timedelta(hours=9)
    down = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:9"})

    run(db, down, at)
    assert mailbox.received == []
    run(db, settings, at + timedelta(minutes=1))

    assert len(mailbox.received) == 1
    upcoming = client.get("/v1/me/upcoming", headers=ana.headers).json()
    assert upcoming[0]["brief"] == "sent"


def test_without_smtp_a_linked_slack_user_gets_a_direct_message(
    db: Database, client: TestClient, settings: Settings, feed: Feed
) -> None:
    ana, _ = people(db, client)
    t0 = day_zero()
    feed.body = feed_text(t0)
    set_feed(client, ana, feed.url)
    with db.unit_of_work() as session:
        session.get_one(User, ana.id).slack_user_id = "U0ANA0001"
    with fake_slack() as fake:
        slack_on = settings.model_copy(
            update={
                "smtp_url": None,
                "slack_bot_token": SecretStr("xoxb-test-token"),
                "slack_api_url": fake.api_url,
            }
        )
        sender = brief_sender(slack_on)

        run(db, slack_on, t0 + timedelta(hours=9), slack=sender)
        run(db, slack_on, t0 + timedelta(hours=9, minutes=5), slack=sender)

    posted = [args for method, args, _ in fake.calls if method == "chat.postMessage"]
    assert [p["channel"] for p in posted] == ["U0ANA0001"]
    assert "Brief: Harbor weekly" in posted[0]["text"]
    assert "ORCHID-7734" not in posted[0]["text"]
    assert client.get("/v1/me/upcoming", headers=ana.headers).json()[0]["brief"] == "sent"


def test_with_no_way_to_reach_the_user_the_brief_fails(
    db: Database, client: TestClient, settings: Settings, feed: Feed
) -> None:
    ana, _ = people(db, client)
    t0 = day_zero()
    feed.body = feed_text(t0)
    set_feed(client, ana, feed.url)

    run(db, settings.model_copy(update={"smtp_url": None}), t0 + timedelta(hours=9))

    assert client.get("/v1/me/upcoming", headers=ana.headers).json()[0]["brief"] == "failed"

"""The weekly digest, over a real SMTP server (aiosmtpd) with the clock in the test's hands:
opt-in only; colleagues' new notes on the accounts the user wrote about or meets, and the
stale facts there, only those the user may read; once per week across worker restarts and a
worker that died holding its lease. Both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import CalendarFeed, MeetingOccurrence, Note
from app.domain import digest
from app.worker.digest_mail import run_once
from tests.calendar_feeds import Mailbox, smtp_server, text_of
from tests.databases import settings_for
from tests.factories import make_account, make_user, post_note


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings(db_url: str, mailbox: Mailbox) -> Settings:
    return settings_for(db_url).model_copy(update={"smtp_url": mailbox.url})


def meets(db: Database, user_id: int, account_id: int) -> None:
    """An upcoming external meeting with the account, as the calendar worker stores it."""
    now = utcnow()
    with db.unit_of_work() as session:
        feed = CalendarFeed(
            user_id=user_id,
            url_sealed="sealed",
            url_hint="calendar.example …ics",
            deliver_briefs=False,
            failures=0,
            next_poll_at=now + timedelta(days=365),
        )
        session.add(feed)
        session.flush()
        session.add(
            MeetingOccurrence(
                feed_id=feed.id,
                user_id=user_id,
                key="weekly-sync",
                starts_at=now + timedelta(days=2),
                ends_at=now + timedelta(days=2, hours=1),
                attendees=[],
                account_ids=[account_id],
                fingerprint="v1",
            )
        )


def test_the_digest_is_opt_in_readable_only_and_once_a_week(
    client: TestClient, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    ana, cole = make_user(db, "Ana", team="east"), make_user(db, "Cole", team="east")
    bo, wes = make_user(db, "Bo", team="east"), make_user(db, "Wes", team="west")
    harbor, quay, elsewhere = (make_account(db, n) for n in ("Harbor", "Quay", "Elsewhere"))
    meets(db, ana.id, quay)
    post_note(client, ana, harbor, "Ana's own note on Harbor.", visibility="team")
    post_note(client, bo, harbor, "Bo's note on Harbor.", visibility="team")
    shown = [
        post_note(client, cole, harbor, "Cole: Harbor renews in March.", visibility="team"),
        post_note(client, wes, quay, "Wes: Quay opened a new depot.", visibility="company"),
    ]
    stale = post_note(client, wes, quay, "Wes: Quay's CIO is Lena.", visibility="company")
    hidden = [
        ("Wes: Harbor's west-only detail.", harbor, wes, "team"),
        ("Cole: Quay private aside.", quay, cole, "private"),
        ("Cole: about Elsewhere.", elsewhere, cole, "company"),
    ]
    for body, account, author, visibility in hidden:
        post_note(client, author, account, body, visibility=visibility)
    with db.unit_of_work() as session:
        session.execute(
            update(Note).where(Note.id == stale).values(stale_after=utcnow() - timedelta(days=1))
        )

    assert client.put("/v1/me/briefs", headers=bo.headers, json={}).status_code == 422
    opted = client.put("/v1/me/briefs", headers=ana.headers, json={"weekly_digest": True})
    assert opted.status_code == 200, opted.text
    assert opted.json()["weekly_digest"] is True
    got = client.get("/v1/me/calendar", headers=ana.headers).json()
    assert got["weekly_digest"] is True

    at = utcnow() + timedelta(days=7)
    # A worker queues and claims Ana's digest, then dies before sending: its lease holds the
    # row for two minutes, after which another pass sends it, once.
    with db.unit_of_work() as session:
        week = digest.current_week(at, weekday=settings.digest_weekday, hour=settings.digest_hour)
        assert digest.queue_due(session, now=at, week=week) == 1
        assert len(digest.claim_due(session, now=at, limit=10)) == 1
    run_once(db, settings, now=at + timedelta(minutes=1))
    assert mailbox.received == []
    for later in (timedelta(minutes=3), timedelta(minutes=10), timedelta(hours=5)):
        run_once(db, settings, now=at + later)  # a pass, or a restarted worker, later that week
    assert [m["To"] for m in mailbox.received] == ["ana@tacit.example"]
    text = text_of(mailbox.received[0])
    for note_id in [*shown, stale]:
        assert f"/notes/{note_id}" in text
    assert "Harbor renews in March" in text and "Quay opened a new depot" in text
    assert "Due for review" in text and "Quay's CIO is Lena" in text
    for body, *_ in hidden:
        assert body not in text
    assert "Ana's own note" not in text and "Bo's note on Harbor" in text

    # The next week: the stale fact is still due for review, so a second digest comes.
    run_once(db, settings, now=at + timedelta(days=7))
    assert len(mailbox.received) == 2
    opted_out = client.put("/v1/me/briefs", headers=ana.headers, json={"weekly_digest": False})
    assert opted_out.json()["weekly_digest"] is False
    run_once(db, settings, now=at + timedelta(days=14))
    assert len(mailbox.received) == 2

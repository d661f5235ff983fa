"""An admin names a successor for a leaver's account: the successor is e-mailed a handover
brief (a real SMTP server, aiosmtpd) holding only what they may read, once, across worker
passes; the event stream says ``account.handover``. Both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, Role
from app.db.outbox import Event
from app.worker.calendar import run_once
from tests.calendar_feeds import Mailbox, smtp_server, text_of
from tests.databases import settings_for
from tests.factories import embed_everything, make_account, make_user, post_note

SHARED = "Meg Ortiz, the CFO, signs off on any purchase over $50k and reads every contract."
PRIVATE = "Meg told me privately she is interviewing at a competitor; keep this quiet."
WEST = "Harbor's procurement lead Dan insists on three references before any shortlist."


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings(db_url: str, mailbox: Mailbox) -> Settings:
    return settings_for(db_url).model_copy(update={"smtp_url": mailbox.url})


def test_the_successor_gets_one_handover_brief_of_what_they_may_read(
    client: TestClient, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    rita, cole = make_user(db, "Rita", team="east"), make_user(db, "Cole", team="east")
    mona = make_user(db, "Mona", team="east", role=Role.manager)
    wes = make_user(db, "Wes", team="west")
    ada = make_user(db, "Ada", team="ops", role=Role.admin)
    harbor = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    post_note(client, rita, harbor, SHARED, visibility="team")
    post_note(client, rita, harbor, PRIVATE, visibility="private")
    post_note(client, wes, harbor, WEST, visibility="team")
    embed_everything(db, settings)
    choice = {"account_id": harbor, "successor_id": cole.id}
    url = f"/v1/users/{rita.id}/handover/successors"
    for refused in (rita, cole, mona):
        assert client.put(url, headers=refused.headers, json=choice).status_code == 403
    named = client.put(url, headers=ada.headers, json=choice)
    assert named.status_code == 200, named.text
    assert named.json()["brief"] == "pending"
    # Named again: the same choice, nothing more to send.
    assert client.put(url, headers=ada.headers, json=choice).status_code == 200

    now = utcnow() + timedelta(seconds=1)
    run_once(db, settings, now=now)
    run_once(db, settings, now=now + timedelta(minutes=5))  # a later pass, or a restart
    assert [m["To"] for m in mailbox.received] == ["cole@tacit.example"]
    text = text_of(mailbox.received[0])
    assert "Harbor Freightways" in text and "Rita" in text
    assert "signs off on any purchase over $50k" in text
    assert "interviewing at a competitor" not in text and "three references" not in text

    mine = client.get("/v1/me/handovers", headers=cole.headers).json()
    assert [(h["account_id"], h["user_id"], h["brief"]) for h in mine] == [
        (harbor, rita.id, "sent")
    ]
    assert client.get("/v1/me/handovers", headers=wes.headers).json() == []
    listed = client.get(url, headers=mona.headers)
    assert listed.status_code == 200 and listed.json()[0]["successor_id"] == cole.id
    assert client.get(url, headers=wes.headers).status_code == 403
    with db.session(write=False) as session:
        events = session.execute(
            select(Event.type, Event.account_id, Event.user_id).where(
                Event.type == "account.handover"
            )
        ).all()
        audited = session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "handover.successor")
        ).all()
    assert [tuple(e) for e in events] == [("account.handover", harbor, rita.id)]
    assert audited == [{"user_id": rita.id, "successor_id": cole.id}]


def test_a_new_successor_is_owed_a_brief_of_their_own(
    client: TestClient, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    rita, cole = make_user(db, "Rita", team="east"), make_user(db, "Cole", team="east")
    wes = make_user(db, "Wes", team="west")
    ada = make_user(db, "Ada", team="ops", role=Role.admin)
    harbor = make_account(db, "Harbor Freightways")
    url = f"/v1/users/{rita.id}/handover/successors"
    client.put(url, headers=ada.headers, json={"account_id": harbor, "successor_id": cole.id})
    run_once(db, settings, now=utcnow() + timedelta(seconds=1))
    client.put(url, headers=ada.headers, json={"account_id": harbor, "successor_id": wes.id})
    run_once(db, settings, now=utcnow() + timedelta(seconds=2))
    assert [m["To"] for m in mailbox.received] == ["cole@tacit.example", "wes@tacit.example"]
    for bad in (
        {"account_id": harbor, "successor_id": rita.id},
        {"account_id": 999999, "successor_id": cole.id},
    ):
        assert client.put(url, headers=ada.headers, json=bad).status_code == 422

"""Before deactivating someone, an admin asks them to share their private notes: an e-mail
(a real SMTP server, aiosmtpd) listing their private notes per account, never their text,
sent once across worker passes, and a banner on the web page while they hold private notes.
Both databases."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, Role
from app.worker.calendar import run_once
from tests.calendar_feeds import Mailbox, text_of
from tests.factories import make_account, make_user, post_note
from tests.integration.test_handover_successors import mailbox as mailbox  # the fixtures
from tests.integration.test_handover_successors import settings as settings
from tests.integration.test_web_pages import PASSWORD, signed_in

SECRET = "Meg is quietly interviewing elsewhere."


def test_the_leaver_is_asked_by_email_and_banner_until_they_share(
    client: TestClient, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    rita = make_user(db, "Rita East", team="east", password=PASSWORD)
    cole = make_user(db, "Cole East", team="east", password=PASSWORD)
    ada = make_user(db, "Ada Ops", team="ops", role=Role.admin)
    harbor = make_account(db, "Harbor Freightways")
    post_note(client, rita, harbor, SECRET, visibility="private")
    url = f"/v1/users/{rita.id}/handover/request"
    assert client.post(url, headers=cole.headers).status_code == 403
    asked = client.post(url, headers=ada.headers)
    assert asked.status_code == 200, asked.text
    assert asked.json()["email"] == "pending"

    now = utcnow() + timedelta(seconds=1)
    for later in (timedelta(0), timedelta(minutes=5)):  # a pass, then a later one
        run_once(db, settings, now=now + later)
    assert [m["To"] for m in mailbox.received] == ["rita.east@tacit.example"]
    text = text_of(mailbox.received[0])
    assert "Harbor Freightways: 1 private note(s)" in text and "/handover" in text
    assert SECRET not in text

    csrf = signed_in(client, rita)
    assert 'id="handover-banner"' in client.get("/handover").text
    client.post(
        "/handover/share",
        data={"csrf_token": csrf, "account_id": str(harbor), "visibility": "team"},
    )
    assert 'id="handover-banner"' not in client.get("/handover").text
    client.cookies.clear()
    signed_in(client, cole)
    assert 'id="handover-banner"' not in client.get("/handover").text
    with db.session(write=False) as session:
        trail = session.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == "handover.request")
        ).all()
    assert trail == [str(rita.id)]
    client.patch(f"/v1/users/{rita.id}", headers=ada.headers, json={"is_active": False})
    assert client.post(url, headers=ada.headers).status_code == 409

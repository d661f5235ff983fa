"""E-mail capture as the mail gateway and people use it: raw MIME posted over HTTP, re-delivered,
raced, unresolved and filed; and ``tacit import-mail`` over .eml and mbox files."""

from __future__ import annotations

import json
import mailbox
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from threading import Barrier

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import InboundMessage, Note, Role
from app.main import create_app
from tests.factories import Person, make_account, make_contact, make_user
from tests.integration.test_cli import assert_clean_failure, tacit

PRIYA = "Priya Raman <priya@tacit.example>"
MEG = "Meg Ortiz <meg@harborfreightways.example>"
RFC822 = {"content-type": "message/rfc822"}


@pytest.fixture
def priya(db: Database) -> Person:
    return make_user(db, "Priya Raman", team="east", email="priya@tacit.example")


@pytest.fixture
def gateway(db: Database) -> Person:
    """The mail gateway: an admin service user whose token posts everyone's mail."""
    return make_user(db, "Mail Gateway", team=None, role=Role.admin, email="mail@tacit.example")


@pytest.fixture
def harbor(db: Database) -> dict[str, int]:
    account = make_account(db, "Harbor Freightways", domains=["harborfreightways.example"])
    return {
        "id": account,
        "meg": make_contact(db, account, "Meg Ortiz", email="meg@harborfreightways.example"),
        "deb": make_contact(db, account, "Deb Chen", email="deb@harborfreightways.example"),
    }


@pytest.fixture
def ridgeline(db: Database) -> int:
    return make_account(db, "Ridgeline Cartage", domains=["ridgeline.example"])


def message(
    body: str = "Meg signs anything over $50k; legal wants 60 days.",
    *,
    sender: str = PRIYA,
    to: str = MEG,
    subject: str = "Renewal terms",
    message_id: str | None = "<renewal-1@mail.tacit.example>",
    date: str = "Tue, 04 Mar 2025 10:15:00 -0800",
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, to, subject, date
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def deliver(client: TestClient, who: Person, raw: bytes | EmailMessage) -> httpx.Response:
    content = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
    return client.post("/v1/inbound/email", headers={**who.headers, **RFC822}, content=content)


def count(db: Database, model: type[Note] | type[InboundMessage]) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- messages become notes ----------------------------------------------------------------


def test_multipart_alternative_becomes_a_note_by_its_sender(
    client, db, priya, gateway, harbor
) -> None:
    msg = message(
        "Meg signs anything over $50k.\n\nBest,\nPriya\n",
        Cc="Deb Chen <deb@harborfreightways.example>, Tom <tom@tacit.example>",
    )
    msg.add_alternative("<p>Meg signs anything over <b>$50k</b>.</p>", subtype="html")

    response = deliver(client, gateway, msg)

    assert response.status_code == 201, response.text
    note = response.json()
    assert note["body"] == "Renewal terms\n\nMeg signs anything over $50k."
    assert (note["author"]["id"], note["account"]["id"]) == (priya.id, harbor["id"])
    assert [c["id"] for c in note["contacts"]] == [harbor["meg"], harbor["deb"]]
    assert (note["source"], note["visibility"]) == ("email", "team")
    assert note["observed_at"] == "2025-03-04T18:15:00Z"
    assert note["message_id"] == "<renewal-1@mail.tacit.example>"
    assert note["attachments"] == []
    assert response.headers["location"] == f"/v1/notes/{note['id']}"
    as_read = client.get(f"/v1/notes/{note['id']}", headers=priya.headers).json()
    assert as_read == {k: v for k, v in note.items() if k in as_read}


def test_html_only_mail_is_converted_to_text(client, priya, harbor) -> None:
    msg = message()
    msg.set_content(
        "<html><head><style>p{margin:0}</style></head><body>"
        "<div>Deb runs <b>procurement</b>; she needs three quotes.</div><div><br></div>"
        "<div>Open points:</div><ul><li>SOC 2 report</li><li>insurance</li></ul>"
        "<div>Thanks,</div><div>Priya</div></body></html>",
        subtype="html",
    )

    response = deliver(client, priya, msg)

    assert response.status_code == 201, response.text
    assert response.json()["body"] == (
        "Renewal terms\n\nDeb runs procurement; she needs three quotes.\n\n"
        "Open points:\n\n- SOC 2 report\n- insurance"
    )


def test_a_forwarded_chain_is_filed_by_the_forwarded_originals_people(
    client, priya, harbor, ridgeline
) -> None:
    body = (
        "Worth knowing before Thursday.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Tom Reyes <tom@tacit.example>\nDate: Wed, Mar 5, 2025 at 9:00 AM\n"
        "Subject: Fwd: pilot\nTo: Priya Raman <priya@tacit.example>\n\n"
        "See Sam's answer.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Sam Lee <sam@ridgeline.example>\nDate: Tue, Mar 4, 2025 at 4:00 PM\n"
        "Subject: pilot\nTo: Tom Reyes <tom@tacit.example>\n\n"
        "We run the pilot in April with 20 drivers; Ana approves the budget.\n\n"
        "On Mon, Mar 3, 2025 Tom Reyes <tom@tacit.example> wrote:\n> When do you start?\n"
    )
    msg = message(body, to="notes@tacit.example", subject="Fwd: Fwd: pilot")

    response = deliver(client, priya, msg)

    assert response.status_code == 201, response.text
    note = response.json()
    assert note["account"]["id"] == ridgeline
    assert "We run the pilot in April with 20 drivers; Ana approves the budget." in note["body"]
    assert "When do you start" not in note["body"]
    assert note["body"].startswith("pilot\n\nWorth knowing before Thursday.")


def test_iso_8859_1_body_and_encoded_subject(client, priya, harbor) -> None:
    raw = (
        b"From: Priya Raman <priya@tacit.example>\r\n"
        b"To: =?iso-8859-1?q?M=E9g_Ort=EDz?= <meg@harborfreightways.example>\r\n"
        b"Subject: =?iso-8859-1?q?R=E9union_=E0_Montr=E9al?=\r\n"
        b"Message-ID: <latin-1@mail.tacit.example>\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"M\xe9g confirme: le comit\xe9 d\xe9cide en f\xe9vrier.\r\n"
    )

    response = deliver(client, priya, raw)

    assert response.status_code == 201, response.text
    assert response.json()["body"] == (
        "Réunion à Montréal\n\nMég confirme: le comité décide en février."
    )


# --- size ---------------------------------------------------------------------------------


def test_a_25_mb_attachment_is_listed_and_not_stored(client, db, priya, harbor) -> None:
    msg = message("The deck Meg asked for.", message_id="<deck@mail.tacit.example>")
    msg.add_attachment(b"%PDF" * 6_250_000, "application", "pdf", filename="deck.pdf")
    raw = msg.as_bytes()
    assert len(raw) > 33_000_000  # base64: the message is a third larger than the file

    response = deliver(client, priya, raw)

    assert response.status_code == 201, response.text
    note = response.json()
    assert note["attachments"] == [
        {"filename": "deck.pdf", "content_type": "application/pdf", "size": 25_000_000}
    ]
    assert note["body"] == (
        "Renewal terms\n\nThe deck Meg asked for.\n\n"
        "Attachments: deck.pdf (application/pdf, 25.0 MB)"
    )
    with db.session(write=False) as session:
        item = session.scalars(select(InboundMessage)).one()
        assert item.text is None and item.attachments == note["attachments"]


def test_a_message_beyond_the_email_limit_is_413_and_the_api_limit_is_unchanged(
    client, db, settings, priya, harbor
) -> None:
    too_big = b"x" * (settings.max_email_bytes + 1)
    response = deliver(client, priya, too_big)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert (
        f"limited to {settings.max_email_bytes} bytes on /v1/inbound/email"
        in (response.json()["detail"])
    )
    two_mb = {"body": "x" * 2_000_000, "account_id": harbor["id"]}
    assert client.post("/v1/notes", headers=priya.headers, json=two_mb).status_code == 413
    assert count(db, Note) == count(db, InboundMessage) == 0


def test_a_streamed_message_beyond_the_limit_is_413(db, settings, priya) -> None:
    small = settings.model_copy(update={"max_email_bytes": 100_000})

    def chunks() -> Iterator[bytes]:
        yield message().as_bytes()
        for _ in range(20):
            yield b"x" * 10_000

    with TestClient(create_app(small), raise_server_exceptions=False) as small_client:
        response = small_client.post(
            "/v1/inbound/email", headers={**priya.headers, **RFC822}, content=chunks()
        )
    assert response.status_code == 413, response.text
    assert response.json()["detail"].startswith("request bodies are limited to 100000 bytes")
    assert count(db, InboundMessage) == 0


# --- idempotency --------------------------------------------------------------------------


def test_the_same_message_delivered_three_times_makes_one_note(
    client, db, priya, gateway, harbor
) -> None:
    raw = message().as_bytes()
    relayed = b"Received: from mx2.example by gw.tacit.example; Tue, 4 Mar 2025\r\n" + raw

    first = deliver(client, gateway, raw)
    second = deliver(client, gateway, relayed)
    third = deliver(client, priya, raw)

    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for again in (second, third):
        assert again.status_code == 200, again.text
        assert again.headers["idempotent-replayed"] == "true"
    # The sender gets the note back; the gateway only that the message was captured before.
    assert third.json() == first.json()
    assert second.json() == {"message_id": first.json()["message_id"], "replayed": True}
    assert count(db, Note) == count(db, InboundMessage) == 1


def test_a_message_without_message_id_is_deduplicated_by_its_content(
    client, db, priya, harbor
) -> None:
    raw = message(message_id=None).as_bytes()
    first, again = deliver(client, priya, raw), deliver(client, priya, raw)
    other = deliver(client, priya, message("Deb signs.", message_id=None))
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["message_id"].endswith("@derived.tacit>")
    assert count(db, Note) == 2


def test_message_ids_are_per_sender(client, db, priya, harbor) -> None:
    tom = make_user(db, "Tom Reyes", email="tom@tacit.example")
    mine = deliver(client, priya, message())
    his = deliver(client, tom, message(sender="Tom Reyes <tom@tacit.example>"))
    assert (mine.status_code, his.status_code) == (201, 201)
    assert count(db, Note) == 2


def test_concurrent_deliveries_make_one_note(live_url, db, priya, gateway, harbor) -> None:
    raw = message().as_bytes()
    workers = 8
    start = Barrier(workers)

    def attempt(_: int) -> httpx.Response:
        with httpx.Client(base_url=live_url, timeout=60) as http:
            start.wait()
            return http.post(
                "/v1/inbound/email", headers={**gateway.headers, **RFC822}, content=raw
            )

    with ThreadPoolExecutor(workers) as pool:
        responses = list(pool.map(attempt, range(workers)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (workers - 1) + [201], [r.text for r in responses]
    assert len({r.json()["message_id"] for r in responses}) == 1
    assert all("body" not in r.json() for r in responses if r.status_code == 200)
    assert count(db, Note) == count(db, InboundMessage) == 1


def test_a_deleted_note_is_not_captured_again(client, db, priya, harbor) -> None:
    note = deliver(client, priya, message()).json()
    assert client.delete(f"/v1/notes/{note['id']}", headers=priya.headers).status_code == 204

    again = deliver(client, priya, message())

    assert again.status_code == 410, again.text
    assert "deleted" in again.json()["detail"]
    assert count(db, Note) == 1


# --- who may send -------------------------------------------------------------------------


def test_an_unknown_sender_is_422(client, db, gateway, harbor) -> None:
    response = deliver(client, gateway, message(sender="Eve <eve@elsewhere.example>"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "eve@elsewhere.example is not a Tacit user" in response.json()["detail"]
    assert count(db, InboundMessage) == 0


def test_a_caller_who_is_neither_the_sender_nor_an_admin_is_403(client, db, priya, harbor) -> None:
    tom = make_user(db, "Tom Reyes", email="tom@tacit.example")
    response = deliver(client, tom, message())
    assert response.status_code == 403
    assert "priya@tacit.example" in response.json()["detail"]
    assert count(db, Note) == count(db, InboundMessage) == 0


def test_bad_requests_are_problems(client, db, priya) -> None:
    url = "/v1/inbound/email"
    raw = message().as_bytes()
    assert client.post(url, headers=RFC822, content=raw).status_code == 401
    as_json = client.post(url, headers={**priya.headers, "content-type": "application/json"})
    assert as_json.status_code == 415
    empty = client.post(url, headers={**priya.headers, **RFC822}, content=b"  \r\n")
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    no_sender = client.post(url, headers={**priya.headers, **RFC822}, content=b"hello")
    assert no_sender.status_code == 422 and "no sender" in no_sender.json()["detail"]
    plain = client.post(url, headers={**priya.headers, "content-type": "text/plain"}, content=raw)
    assert plain.status_code == 202  # accepted as a message; no account known here
    assert count(db, Note) == 0


# --- the unresolved inbox -----------------------------------------------------------------


def test_an_unresolved_message_waits_in_the_inbox_until_filed(
    client, db, priya, gateway, harbor
) -> None:
    msg = message(
        "Their new COO, Meg, wants a call before the renewal.",
        to="Meg Ortiz <meg@meg-personal.example>",
        Cc="Deb Chen <deb@harborfreightways.example>, Sam <sam@ridgeline.example>",
    )
    make_contact(db, make_account(db, "Ridgeline Cartage"), "Sam", email="sam@ridgeline.example")

    response = deliver(client, gateway, msg)

    assert response.status_code == 202, response.text
    item = response.json()
    assert response.headers["location"] == f"/v1/inbound/{item['id']}"
    assert item["text"] == "Their new COO, Meg, wants a call before the renewal."
    assert item["unresolved_reason"] == (
        "the participants point to several accounts: Harbor Freightways (1), Ridgeline Cartage (1)"
    )
    assert [p["email"] for p in item["participants"]] == [
        "meg@meg-personal.example",
        "deb@harborfreightways.example",
        "sam@ridgeline.example",
    ]
    assert count(db, Note) == 0
    inbox = client.get("/v1/inbound", headers=priya.headers).json()
    assert [i["id"] for i in inbox["items"]] == [item["id"]]
    replay = deliver(client, priya, msg)
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == item
    by_gateway = deliver(client, gateway, msg)  # the sender's inbox is theirs alone
    assert by_gateway.json() == {"message_id": item["message_id"], "replayed": True}

    filed = client.post(
        f"/v1/inbound/{item['id']}/file",
        headers=priya.headers,
        json={"account": "harborfreightways.example", "visibility": "private"},
    )

    assert filed.status_code == 201, filed.text
    note = filed.json()
    assert filed.headers["location"] == f"/v1/notes/{note['id']}"
    assert (note["account"]["id"], note["author"]["id"]) == (harbor["id"], priya.id)
    assert [c["id"] for c in note["contacts"]] == [harbor["deb"]]
    assert (note["visibility"], note["source"]) == ("private", "email")
    assert note["observed_at"] == "2025-03-04T18:15:00Z"
    assert note["body"] == ("Renewal terms\n\nTheir new COO, Meg, wants a call before the renewal.")
    assert client.get("/v1/inbound", headers=priya.headers).json()["items"] == []
    kept = client.get(f"/v1/inbound/{item['id']}", headers=priya.headers).json()
    assert (kept["note_id"], kept["text"]) == (note["id"], None)
    twice = client.post(
        f"/v1/inbound/{item['id']}/file", headers=priya.headers, json={"account_id": harbor["id"]}
    )
    assert twice.status_code == 409 and twice.json()["note_id"] == note["id"]
    redelivered = deliver(client, priya, msg)
    assert redelivered.status_code == 200 and redelivered.json()["id"] == note["id"]
    assert count(db, Note) == 1


def test_a_message_naming_no_known_account_is_unresolved(client, priya, harbor) -> None:
    msg = message(to="Colleague <tom@tacit.example>, someone@unknown-co.example")
    response = deliver(client, priya, msg)
    assert response.status_code == 202
    assert response.json()["unresolved_reason"] == (
        "no participant is a known contact or writes from an account's domain"
    )


def test_another_users_inbox_item_is_hidden(client, db, priya, gateway) -> None:
    item = deliver(client, priya, message(to="x@unknown-co.example")).json()
    tom = make_user(db, "Tom Reyes", email="tom@tacit.example")
    make_account(db, "Harbor Freightways")

    for who in (tom, gateway):
        assert client.get("/v1/inbound", headers=who.headers).json()["items"] == []
        assert client.get(f"/v1/inbound/{item['id']}", headers=who.headers).status_code == 404
        filed = client.post(
            f"/v1/inbound/{item['id']}/file",
            headers=who.headers,
            json={"account": "Harbor Freightways"},
        )
        assert filed.status_code == 404
    assert count(db, Note) == 0
    assert len(client.get("/v1/inbound", headers=priya.headers).json()["items"]) == 1


def test_filing_needs_a_known_account(client, db, priya) -> None:
    item = deliver(client, priya, message(to="x@unknown-co.example")).json()
    url = f"/v1/inbound/{item['id']}/file"
    assert client.post(url, headers=priya.headers, json={}).status_code == 422
    unknown = client.post(url, headers=priya.headers, json={"account": "Nope Inc"})
    assert unknown.status_code == 422
    assert client.post(url, headers=priya.headers, json={"account_id": 999}).status_code == 422
    assert count(db, Note) == 0


def test_the_inbox_is_paged_newest_first(client, priya) -> None:
    for n in range(3):
        deliver(
            client, priya, message(f"note {n}", to="x@unknown-co.example", message_id=f"<{n}@x>")
        )
    first = client.get("/v1/inbound", headers=priya.headers, params={"limit": 2}).json()
    rest = client.get(
        "/v1/inbound", headers=priya.headers, params={"cursor": first["next_cursor"]}
    ).json()
    assert [i["text"] for i in first["items"] + rest["items"]] == ["note 2", "note 1", "note 0"]
    assert rest["next_cursor"] is None


# --- tacit import-mail --------------------------------------------------------------------


def write_mbox(path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.mbox(path)
    for msg in messages:
        box.add(msg)
    box.flush()
    box.close()
    return path


def test_import_mail_from_an_mbox_with_a_duplicate(
    db: Database, db_url: str, tmp_path: Path, priya: Person, harbor: dict[str, int]
) -> None:
    first = message("Meg signs over $50k.", message_id="<m1@x>")
    second = message(
        "Deb runs procurement.", message_id="<m2@x>", to="deb@harborfreightways.example"
    )
    mbox = write_mbox(tmp_path / "priya.mbox", [first, second, first])

    result = tacit("import-mail", str(mbox), db_url=db_url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "created": 2,
        "replayed": 1,
        "unresolved": 0,
        "rejected": 0,
    }
    with db.session(write=False) as session:
        notes = session.scalars(select(Note).order_by(Note.id)).all()
        assert [(n.source, n.author_id, n.account_id) for n in notes] == [
            ("email", priya.id, harbor["id"]),
            ("email", priya.id, harbor["id"]),
        ]
        assert notes[0].observed_at == datetime(2025, 3, 4, 18, 15, tzinfo=UTC)
        # A mailbox replayed today was written when it was sent, for analytics too.
        assert notes[0].written_at == notes[0].observed_at
    again = tacit("import-mail", str(mbox), db_url=db_url, cwd=tmp_path)
    assert json.loads(again.stdout)["replayed"] == 3 and again.returncode == 0
    assert count(db, Note) == 2


def test_import_mail_reports_rejected_messages_and_keeps_the_rest(
    db: Database, db_url: str, tmp_path: Path, priya: Person, harbor: dict[str, int]
) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "1-good.eml").write_bytes(message().as_bytes())
    (folder / "2-stranger.eml").write_bytes(message(sender="eve@elsewhere.example").as_bytes())
    (folder / "3-nowhere.eml").write_bytes(
        message(to="x@unknown-co.example", message_id="<u@x>").as_bytes()
    )
    (folder / "notes.txt").write_text("not mail")

    result = tacit(
        "import-mail", str(folder), str(tmp_path / "missing.mbox"), db_url=db_url, cwd=tmp_path
    )

    assert_clean_failure(
        result,
        "2-stranger.eml: rejected: the sender eve@elsewhere.example is not a Tacit user",
        "3-nowhere.eml: unresolved: no participant is a known contact",
        "missing.mbox: rejected: no such file or folder",
        "error: 2 message(s) rejected",
    )
    assert json.loads(result.stdout) == {
        "created": 1,
        "replayed": 0,
        "unresolved": 1,
        "rejected": 2,
    }
    assert count(db, Note) == 1
    assert count(db, InboundMessage) == 2


def test_import_mail_applies_the_email_size_limit(
    db: Database, db_url: str, tmp_path: Path, priya: Person, harbor: dict[str, int]
) -> None:
    path = tmp_path / "big.eml"
    msg = message()
    msg.add_attachment(b"\0" * 20_000, "application", "pdf", filename="big.pdf")
    path.write_bytes(msg.as_bytes())

    result = tacit(
        "import-mail", str(path), db_url=db_url, cwd=tmp_path, TACIT_MAX_EMAIL_BYTES="10000"
    )

    assert_clean_failure(result, "big.eml: rejected: larger than TACIT_MAX_EMAIL_BYTES")
    assert count(db, Note) == 0

"""The Slack app as Slack drives it (both databases): requests signed and form-encoded as Slack
sends them (``tests/fake_slack.py``), answers posted to a local receiver standing in for
Slack's ``response_url``, and a fake Slack Web API for the Save to Tacit form. Every answer
holds only what the linked user may read."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select, update

from app.config import Settings
from app.db.engine import Database
from app.db.models import Note, NoteView, Role, Search, SlackLinkRequest, User
from app.main import create_app
from app.server import serve_in_thread
from app.services import open_services
from tests.embedders import GatedEmbedder
from tests.factories import Person, every_value_in_the_database, make_account, make_note, make_user
from tests.fake_slack import (
    BOT_TOKEN,
    CHANNEL,
    COMMANDS,
    INTERACTIONS,
    SIGNING_SECRET,
    FakeSlack,
    block_suggestion,
    command,
    command_body,
    fake_slack,
    interact,
    interaction_body,
    message_action,
    signed_headers,
    texts,
    view_submission,
)
from tests.integration.test_web_pages import PASSWORD, hidden, sign_in

PUBLIC = "https://tacit.example.com"
PRIYA_SLACK, WALT_SLACK, STRANGER_SLACK = "U0PRIYA01", "U0WALT001", "U0NOBODY1"
# Words only in notes Priya may not read: none of them may reach her in Slack.
HIDDEN_WORDS = ("zanzibar", "kilimanjaro", "okavango")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as fake:
        yield fake


def slack_settings(settings: Settings, fake: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "public_url": PUBLIC,
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_api_url": fake.api_url,
            "slack_response_hosts": frozenset({"127.0.0.1"}),
        }
    )


@pytest.fixture
def app_client(settings: Settings, db: Database, slack: FakeSlack) -> Iterator[TestClient]:
    with TestClient(create_app(slack_settings(settings, slack))) as test_client:
        yield test_client


@dataclass(frozen=True)
class World:
    priya: Person  # east rep, linked to PRIYA_SLACK
    dana: Person  # her teammate
    walt: Person  # west rep, linked to WALT_SLACK
    admin: Person
    harbor: int
    shown: dict[str, int]  # notes Priya may read
    hidden: dict[str, int]  # notes she may not


@pytest.fixture
def world(db: Database, app_client: TestClient) -> World:
    priya = make_user(db, "Priya Raman", team="east", password=PASSWORD)
    dana = make_user(db, "Dana Okafor", team="east")
    walt = make_user(db, "Walt Becker", team="west")
    admin = make_user(db, "Ada Admin", team=None, role=Role.admin)
    harbor = make_account(db, "Harbor Freightways", domains=["harborfreightways.example"])
    make_account(db, "Ridgeline Cartage")
    shown = {
        "own": make_note(db, priya, harbor, "Renewal: Meg Ortiz (CFO) signs off over $50k."),
        "team": make_note(db, dana, harbor, "Renewal paperwork goes to Deb Chen, procurement."),
        "company": make_note(
            db, walt, harbor, "Renewal <!channel> <https://evil.example|click> needs SOC 2.",
            visibility="company",
        ),
    }  # fmt: skip
    hidden = {
        "teammate_private": make_note(
            db, dana, harbor, "Renewal hunch zanzibar: Meg may walk.", visibility="private"
        ),
        "other_team": make_note(db, walt, harbor, "Renewal kilimanjaro discount for west only."),
        "other_private": make_note(
            db, walt, harbor, "Renewal okavango: my own reminder.", visibility="private"
        ),
    }
    for person, slack_id in ((priya, PRIYA_SLACK), (walt, WALT_SLACK)):
        linked = app_client.patch(
            f"/v1/users/{person.id}", headers=admin.headers, json={"slack_user_id": slack_id}
        )
        assert linked.status_code == 200, linked.text
    return World(priya, dana, walt, admin, harbor, shown, hidden)


def note_links(message: dict[str, Any]) -> set[int]:
    return {int(n) for n in re.findall(re.escape(PUBLIC) + r"/notes/(\d+)", texts(message))}


def count(db: Database, model: Any, *where: Any) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- /tacit <question> ---------------------------------------------------------------------


def test_question_is_acknowledged_then_answered_with_what_the_asker_may_read(
    app_client, db, slack, world
) -> None:
    response = command(app_client, slack, "who handles the renewal?")

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "Looking for “who handles the renewal?”" in texts(response.json())
    [answer] = slack.wait_for_posts(1)
    assert answer["response_type"] == "ephemeral"
    assert note_links(answer) == set(world.shown.values())
    said = texts(answer)
    assert not any(word in said.lower() for word in HIDDEN_WORDS)
    assert "Dana Okafor" in said and "Priya Raman" in said and "today" in said
    assert "*Renewal*" in said  # the matched word, in bold
    # A note's text is shown, never obeyed: no channel ping, no disguised link.
    assert "&lt;!channel&gt;" in said and "<!channel>" not in said
    assert "<https://evil.example" not in said
    # Logged like the API's search: its notes by others count as reuse.
    assert count(db, Search, Search.user_id == world.priya.id) == 1


def test_another_person_sees_only_their_own_reading(app_client, slack, world) -> None:
    command(app_client, slack, "renewal", user=WALT_SLACK, name="walt")
    [answer] = slack.wait_for_posts(1)
    readable = {world.shown["company"], world.hidden["other_team"], world.hidden["other_private"]}
    assert note_links(answer) == readable  # none of the east team's notes


def test_nothing_found_says_so(app_client, slack, world) -> None:
    command(app_client, slack, "zanzibar")  # only in a note Priya may not read
    [answer] = slack.wait_for_posts(1)
    assert note_links(answer) == set()
    assert "No notes you can read" in texts(answer)


# --- /tacit brief <account> ------------------------------------------------------------------


def test_brief_of_an_account_from_what_the_asker_may_read(app_client, db, slack, world) -> None:
    response = command(app_client, slack, "brief Harbor Freightways")
    assert response.status_code == 200 and "Looking" in texts(response.json())

    [answer] = slack.wait_for_posts(1)
    said = texts(answer)
    assert "Brief: Harbor Freightways" in said
    assert f"{PUBLIC}/accounts/{world.harbor}" in said
    assert "3 notes you can read" in said
    assert note_links(answer) <= set(world.shown.values()) and note_links(answer)
    assert not any(word in said.lower() for word in HIDDEN_WORDS)
    shown = count(db, NoteView, NoteView.user_id == world.priya.id, NoteView.source == "slack")
    assert shown == 2  # the teammate's and the company note: her own is not reuse


def test_brief_of_an_unknown_account_suggests_names(app_client, slack, world) -> None:
    command(app_client, slack, "brief Harbour Freightway")
    [answer] = slack.wait_for_posts(1)
    assert "No account matches 'Harbour Freightway'" in texts(answer)
    assert "Harbor Freightways" in texts(answer)


def test_help_and_an_empty_brief(app_client, slack, world) -> None:
    assert "/tacit link" in texts(command(app_client, slack, "").json())
    assert "Name the account" in texts(command(app_client, slack, "brief").json())
    assert slack.posts == []


# --- who may ask ------------------------------------------------------------------------------


def test_an_unlinked_user_is_told_how_to_link_and_gets_nothing_else(
    app_client, db, slack, world
) -> None:
    for text in ("renewal", "brief harbor"):
        answer = command(app_client, slack, text, user=STRANGER_SLACK).json()
        assert answer["response_type"] == "ephemeral"
        assert "/tacit link" in texts(answer) and not note_links(answer)
    # The shortcut, the account menu and the form tell them the same, and show nothing.
    stranger = message_action(
        response_url=slack.response_url(), text="Meg signs", user=STRANGER_SLACK
    )
    assert interact(app_client, stranger).status_code == 200
    assert "/tacit link" in texts(slack.wait_for_posts(1)[0])
    suggest = interact(app_client, block_suggestion("har", user=STRANGER_SLACK))
    assert suggest.json() == {"options": []}
    assert slack.methods() == []  # no form opened
    assert count(db, Search) == 0
    assert len(slack.posts) == 1


def test_a_deactivated_user_is_nobody(app_client, slack, world) -> None:
    off = app_client.patch(
        f"/v1/users/{world.priya.id}", headers=world.admin.headers, json={"is_active": False}
    )
    assert off.status_code == 200
    assert "/tacit link" in texts(command(app_client, slack, "renewal").json())
    assert slack.posts == []


def test_only_an_admin_sets_a_slack_user_id_and_one_user_holds_it(app_client, world) -> None:
    mine = {"slack_user_id": "U0SOMEONE"}
    rep = app_client.patch(f"/v1/users/{world.dana.id}", headers=world.priya.headers, json=mine)
    assert rep.status_code == 403
    taken = app_client.patch(
        f"/v1/users/{world.dana.id}",
        headers=world.admin.headers,
        json={"slack_user_id": PRIYA_SLACK},
    )
    assert taken.status_code == 409 and "Slack user id" in taken.json()["detail"]
    bad = app_client.patch(
        f"/v1/users/{world.dana.id}", headers=world.admin.headers, json={"slack_user_id": "x"}
    )
    assert bad.status_code == 422
    read = app_client.get(f"/v1/users/{world.priya.id}", headers=world.dana.headers).json()
    assert (read["slack_user_id"], read["slack_team_id"]) == (PRIYA_SLACK, None)


# --- linking ----------------------------------------------------------------------------------


def test_link_once_from_slack_then_ask(app_client, db, slack, world) -> None:
    newcomer = make_user(db, "Nia Newcomer", team="east", password=PASSWORD)
    offer = command(app_client, slack, "link", user="U0NIA0001", name="nia").json()
    [url] = set(re.findall(re.escape(PUBLIC) + r"/slack/link\?token=[\w-]+", texts(offer)))
    token = url.split("token=")[1]
    page_path = f"/slack/link?token={token}"

    # Signed out: the link leads through the sign-in page and back.
    assert app_client.get(page_path, follow_redirects=False).status_code == 303
    assert sign_in(app_client, newcomer, next_url=page_path).headers["location"] == page_path
    page = app_client.get(page_path)
    assert page.status_code == 200
    assert "nia" in page.text and "tacit-test" in page.text and "Nia Newcomer" in page.text
    # Opening the page links nobody yet: a preview bot following the link cannot.
    assert "/tacit link" in texts(command(app_client, slack, "renewal", user="U0NIA0001").json())

    form = {"csrf_token": hidden(page.text, "csrf_token"), "token": token}
    assert app_client.post("/slack/link", data={**form, "csrf_token": "forged"}).status_code == 403
    confirmed = app_client.post("/slack/link", data=form)
    assert confirmed.status_code == 200 and "Slack is linked" in confirmed.text

    asked = command(app_client, slack, "renewal", user="U0NIA0001", name="nia")
    assert "Looking" in texts(asked.json())
    [answer] = slack.wait_for_posts(1)
    assert world.shown["team"] in note_links(answer)  # she reads as herself: an east rep
    again = command(app_client, slack, "link", user="U0NIA0001").json()
    assert "is linked to Tacit as Nia Newcomer" in texts(again)
    # The identity is this workspace's only; the link worked once; only its hash is kept.
    elsewhere = command(app_client, slack, "renewal", user="U0NIA0001", team="T0OTHER01")
    assert "/tacit link" in texts(elsewhere.json())
    assert app_client.post("/slack/link", data=form).status_code == 410
    assert token not in every_value_in_the_database(db)


def test_an_expired_or_unknown_link_is_refused(app_client, db, slack, world) -> None:
    offer = command(app_client, slack, "link", user="U0NIA0001").json()
    token = re.findall(r"token=([\w-]+)", texts(offer))[0]
    with db.unit_of_work() as session:
        session.execute(update(SlackLinkRequest).values(expires_at=SlackLinkRequest.created_at))
    sign_in(app_client, world.priya)
    assert app_client.get(f"/slack/link?token={token}").status_code == 410
    assert app_client.get("/slack/link?token=not-a-token").status_code == 404
    with db.session(write=False) as session:
        assert session.scalar(select(User.slack_user_id).where(User.id == world.priya.id)) == (
            PRIYA_SLACK
        )


# --- signatures -------------------------------------------------------------------------------


def test_a_bad_signature_is_refused(app_client, slack, world) -> None:
    body = command_body("renewal", response_url=slack.response_url())
    forged = app_client.post(
        COMMANDS, content=body, headers=signed_headers(body, secret="not-the-secret")
    )
    tampered = app_client.post(
        COMMANDS,
        content=body.replace("renewal", "brief+harbor"),
        headers=signed_headers(body),
    )
    unsigned = app_client.post(
        COMMANDS, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    for response in (forged, tampered, unsigned):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert "signature" in forged.json()["detail"]
    payload = interaction_body(block_suggestion("har"))
    wrong = signed_headers(payload, secret="not-the-secret")
    assert app_client.post(INTERACTIONS, content=payload, headers=wrong).status_code == 401
    assert slack.posts == []


def test_a_stale_timestamp_is_refused_even_when_signed(app_client, slack, world) -> None:
    body = command_body("renewal", response_url=slack.response_url())
    old = signed_headers(body, at=time.time() - 301)
    stale = app_client.post(COMMANDS, content=body, headers=old)
    assert stale.status_code == 401
    assert "5 minutes" in stale.json()["detail"]
    recent = signed_headers(body, at=time.time() - 240)
    fresh = app_client.post(COMMANDS, content=body, headers=recent)
    assert fresh.status_code == 200
    slack.wait_for_posts(1)


def test_without_a_signing_secret_slack_is_not_there(client, slack) -> None:
    body = command_body("renewal", response_url=slack.response_url())
    assert client.post(COMMANDS, content=body, headers=signed_headers(body)).status_code == 404


def test_answers_go_only_to_slack_hosts(app_client, slack, world) -> None:
    for url in (
        "https://metadata.internal/latest",
        "http://hooks.slack.com.evil.example/x",
        f"{slack.url.replace('127.0.0.1', 'localhost')}/commands/x",  # not an allowed host
        "file:///etc/passwd",
    ):
        body = command_body("renewal", response_url=url)
        refused = app_client.post(COMMANDS, content=body, headers=signed_headers(body))
        assert refused.status_code == 400, url
        assert refused.headers["content-type"] == "application/problem+json"
    assert slack.posts == []


# --- the 3-second limit -----------------------------------------------------------------------


def test_the_acknowledgement_comes_before_the_answer(settings, db, slack, world) -> None:
    services = open_services(slack_settings(settings, slack))
    gated = GatedEmbedder(services.search.embedder)
    services.search.embedder = gated
    try:
        with (
            serve_in_thread(create_app(services=services)) as url,
            httpx.Client(base_url=url, timeout=150) as http,
        ):
            # Answered while the search is still held: the work is not in the request.
            ack = command(http, slack, "renewal")
            assert ack.status_code == 200 and "Looking" in texts(ack.json())
            assert slack.posts == []
            gated.gate.set()
            [answer] = slack.wait_for_posts(1)
        assert note_links(answer) == set(world.shown.values())
    finally:
        gated.gate.set()
        services.close()


def test_a_command_needs_one_connection_at_a_time(settings, db, slack, world) -> None:
    # The answer's own connection is taken after the request's is back: with a pool of one,
    # a second one taken too early would wait out the pool timeout and the answer would fail.
    tight = slack_settings(settings, slack).model_copy(
        update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 10}
    )
    with TestClient(create_app(tight)) as one:
        assert command(one, slack, "renewal").status_code == 200
        [answer] = slack.wait_for_posts(1)
    assert note_links(answer) == set(world.shown.values())


# --- Save to Tacit ----------------------------------------------------------------------------

MESSAGE = (
    "Heads up: <@U0WALT001> says Meg &amp; Deb want the renewal quote by Friday "
    "<https://harborfreightways.example/rfp|RFP>"
)
AS_NOTE = (
    "Heads up: @U0WALT001 says Meg & Deb want the renewal quote by Friday "
    "RFP (https://harborfreightways.example/rfp)"
)
PERMALINK = f"https://tacit-test.slack.com/archives/{CHANNEL}/p1733472000000200"
HEALTH = "Meg is undergoing chemotherapy this spring."


def open_form(client: TestClient, slack: FakeSlack, text: str, **fields: str) -> dict[str, Any]:
    """Use the shortcut on a message; the form Slack was asked to open."""
    shortcut = message_action(response_url=slack.response_url("shortcut"), text=text, **fields)
    ack = interact(client, shortcut)
    assert ack.status_code == 200 and ack.content == b""
    method, args, auth = slack.calls[-1]
    assert (method, auth) == ("views.open", f"Bearer {BOT_TOKEN}")
    view: dict[str, Any] = args["view"]
    return view


def slack_notes(db: Database) -> list[Note]:
    with db.session(write=False) as session:
        return list(session.scalars(select(Note).where(Note.source == "slack").order_by(Note.id)))


def test_a_message_saved_through_the_form_becomes_one_note(app_client, db, slack, world) -> None:
    view = open_form(app_client, slack, MESSAGE)
    assert slack.calls[0][:2] == (
        "chat.getPermalink",
        {"channel": CHANNEL, "message_ts": "1733472000.000200"},
    )
    assert view["callback_id"] == "save_to_tacit" and view["title"]["text"] == "Save to Tacit"
    body = next(b for b in view["blocks"] if b.get("block_id") == "body")["element"]
    assert body["initial_value"] == AS_NOTE

    options = interact(app_client, block_suggestion("harb")).json()["options"]
    assert [o["text"]["text"] for o in options] == ["Harbor Freightways"]
    submission = view_submission(
        view, account=options[0]["value"], visibility="default", body=body["initial_value"]
    )
    done = interact(app_client, submission)
    assert done.status_code == 200 and done.content == b""  # the form closes

    [note] = slack_notes(db)
    assert (note.author_id, note.account_id, note.body) == (world.priya.id, world.harbor, AS_NOTE)
    assert (note.visibility.value, note.source_url) == ("team", PERMALINK)
    [confirmation] = slack.wait_for_posts(1)
    assert confirmation["response_type"] == "ephemeral"
    assert f"{PUBLIC}/notes/{note.id}" in texts(confirmation)
    assert "readable by the author's team" in texts(confirmation)

    # The same form sent again (a double click, a retry) is still one note.
    assert interact(app_client, submission).status_code == 200
    assert "saved this message to Tacit before" in texts(slack.wait_for_posts(2)[1])
    assert len(slack_notes(db)) == 1
    read = app_client.get(f"/v1/notes/{note.id}", headers=world.dana.headers).json()
    assert (read["source"], read["source_url"]) == ("slack", PERMALINK)
    sign_in(app_client, world.priya)
    assert f'href="{PERMALINK}"' in app_client.get(f"/notes/{note.id}").text
    # A colleague who saves the same message gets a note of their own, and learns nothing.
    walts = open_form(app_client, slack, MESSAGE, user=WALT_SLACK)
    theirs = view_submission(
        walts, account=str(world.harbor), visibility="private", body="Mine.", user=WALT_SLACK
    )
    interact(app_client, theirs)
    assert "Saved to Tacit" in texts(slack.wait_for_posts(3)[2])
    assert [n.author_id for n in slack_notes(db)] == [world.priya.id, world.walt.id]


def test_a_sensitive_fact_is_warned_about_or_kept_private(app_client, db, slack, world) -> None:
    view = open_form(app_client, slack, HEALTH)
    interact(app_client, view_submission(view, account=str(world.harbor), visibility="team",
                                         body=HEALTH))  # fmt: skip
    warned = texts(slack.wait_for_posts(1)[0])
    assert "⚠ This note states a sensitive fact about a person (health)" in warned
    view = open_form(app_client, slack, HEALTH, ts="1733472999.000300")
    interact(app_client, view_submission(view, account=str(world.harbor), visibility="default",
                                         body=HEALTH))  # fmt: skip
    assert "only you can read it" in texts(slack.wait_for_posts(2)[1])
    chosen, by_rule = slack_notes(db)
    assert (chosen.visibility.value, chosen.sensitive) == ("team", ["health"])
    assert (by_rule.visibility.value, by_rule.sensitive) == ("private", ["health"])


def test_the_form_refuses_bad_input_beside_its_field(app_client, db, slack, world) -> None:
    view = open_form(app_client, slack, MESSAGE)

    def submit(**values: str) -> Any:
        fields = {"account": str(world.harbor), "visibility": "team", "body": AS_NOTE, **values}
        return interact(app_client, view_submission(view, **fields)).json()

    assert submit(account="") == {
        "response_action": "errors", "errors": {"account": "Choose the account."}
    }  # fmt: skip
    assert submit(account="999999")["errors"] == {
        "account": "That account no longer exists; choose another"
    }
    assert submit(body="   ")["errors"] == {"body": "The note is empty"}
    stranger = view_submission(view, account=str(world.harbor), visibility="team", body="x",
                               user=STRANGER_SLACK)  # fmt: skip
    assert "/tacit link" in interact(app_client, stranger).json()["errors"]["body"]
    assert slack_notes(db) == [] and slack.posts == []

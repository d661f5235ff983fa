"""Slack's side of the Slack app, for tests: requests signed and encoded exactly as Slack sends
them, computed here with hmac and hashlib, not with the app's code (nor slack-sdk's); and a
local HTTP server that stands in for Slack, receiving what Tacit posts to a ``response_url``
and answering the Web API calls it makes (``chat.getPermalink``, ``views.open``,
``chat.postMessage``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the shape of Slack's example secret
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
TEAM, TEAM_DOMAIN = "T0TACIT01", "tacit-test"
CHANNEL, CHANNEL_NAME = "C0DEALS01", "deals"
# Where the manifest (docs/slack-app-manifest.yaml) points Slack.
COMMANDS, INTERACTIONS = "/integrations/slack/commands", "/integrations/slack/interactions"


def signature(body: str, timestamp: str, *, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, at: float | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(body, timestamp, secret=secret),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }


def command_body(
    text: str, *, response_url: str, user: str = "U0PRIYA01", team: str = TEAM, name: str = "priya"
) -> str:
    """A slash command's form, as Slack posts it."""
    return urlencode(
        {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",  # the deprecated verification token: unused
            "team_id": team,
            "team_domain": TEAM_DOMAIN,
            "channel_id": CHANNEL,
            "channel_name": CHANNEL_NAME,
            "user_id": user,
            "user_name": name,
            "command": "/tacit",
            "text": text,
            "api_app_id": "A0TACIT01",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """An interaction's form: its JSON in one ``payload`` field."""
    return urlencode({"payload": json.dumps(payload)})


def message_action(
    *, response_url: str, text: str, ts: str = "1733472000.000200", user: str = "U0PRIYA01"
) -> dict[str, Any]:
    return {
        "type": "message_action",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "action_ts": "1733472012.123456",
        "team": {"id": TEAM, "domain": TEAM_DOMAIN},
        "user": {"id": user, "name": "priya", "team_id": TEAM},
        "channel": {"id": CHANNEL, "name": CHANNEL_NAME},
        "is_enterprise_install": False,
        "callback_id": "save_to_tacit",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": response_url,
        "message_ts": ts,
        "message": {"type": "message", "user": "U0WALT001", "ts": ts, "text": text},
    }


def block_suggestion(value: str, *, user: str = "U0PRIYA01") -> dict[str, Any]:
    return {
        "type": "block_suggestion",
        "team": {"id": TEAM, "domain": TEAM_DOMAIN},
        "user": {"id": user, "name": "priya", "team_id": TEAM},
        "action_id": "account",
        "block_id": "account",
        "value": value,
        "view": {"id": "V0FORM001", "callback_id": "save_to_tacit"},
    }


def view_submission(
    view: dict[str, Any], *, account: str, visibility: str, body: str, user: str = "U0PRIYA01"
) -> dict[str, Any]:
    """The form Tacit opened (as ``views.open`` received it), submitted with these values."""
    values = {
        "account": {"account": {"type": "external_select", "selected_option": {
            "text": {"type": "plain_text", "text": "an account"}, "value": account}}},
        "visibility": {"visibility": {"type": "static_select", "selected_option": {
            "text": {"type": "plain_text", "text": visibility}, "value": visibility}}},
        "body": {"body": {"type": "plain_text_input", "value": body}},
    }  # fmt: skip
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": TEAM_DOMAIN},
        "user": {"id": user, "name": "priya", "team_id": TEAM},
        "view": {
            "id": "V0FORM001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "blocks": view["blocks"],
            "state": {"values": values},
        },
    }


def command(client: Any, fake: FakeSlack, text: str, **fields: str) -> Any:
    """``/tacit text`` as Slack posts it, its answers owed to ``fake``'s receiver; the response
    (``client``: a ``TestClient`` or an ``httpx.Client`` on a live server)."""
    body = command_body(text, response_url=fake.response_url(), **fields)
    return client.post(COMMANDS, content=body, headers=signed_headers(body))


def interact(client: Any, payload: dict[str, Any]) -> Any:
    body = interaction_body(payload)
    return client.post(INTERACTIONS, content=body, headers=signed_headers(body))


def texts(message: dict[str, Any]) -> str:
    """Every text of a message, its blocks' included, as one string."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "text" and isinstance(item, str):
                    found.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message)
    return "\n".join(found)


@dataclass
class FakeSlack:
    """What Tacit posted to response URLs, and which Web API methods it called."""

    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # method, args, auth
    changed: threading.Condition = field(default_factory=threading.Condition)

    def response_url(self, name: str = "T0TACIT01/1234/abcd") -> str:
        return f"{self.url}/commands/{name}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def wait_for_posts(self, count: int, *, within: float = 120) -> list[dict[str, Any]]:
        """The posts, once there are ``count`` of them (a bound for a hung test, not a timing
        the test asserts)."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.posts) >= count, timeout=within)
            assert len(self.posts) >= count, f"Slack got {len(self.posts)} posts, not {count}"
            return list(self.posts)

    def methods(self) -> list[str]:
        return [method for method, _, _ in self.calls]

    def record(self, *, post: dict[str, Any] | None = None, call: Any = None) -> None:
        with self.changed:
            if post is not None:
                self.posts.append(post)
            if call is not None:
                self.calls.append(call)
            self.changed.notify_all()


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, body: dict[str, Any] | str) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _api(self, method: str, args: dict[str, Any]) -> None:
            fake.record(call=(method, args, self.headers.get("Authorization", "")))
            if method == "chat.getPermalink":
                ts = str(args["message_ts"]).replace(".", "")
                link = f"https://{TEAM_DOMAIN}.slack.com/archives/{args['channel']}/p{ts}"
                self._answer({"ok": True, "channel": args["channel"], "permalink": link})
            elif method == "views.open":
                self._answer({"ok": True, "view": {"id": "V0FORM001", **args["view"]}})
            elif method == "chat.postMessage":  # a bot's direct message to a user id
                self._answer({"ok": True, "channel": "D0" + args["channel"], "ts": "1.000001"})
            else:
                self._answer({"ok": False, "error": "unknown_method"})

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            args = {k: v[0] for k, v in parse_qs(parts.query).items()}
            self._api(parts.path.removeprefix("/api/"), args)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            path = urlsplit(self.path).path
            if path.startswith("/commands/"):
                fake.record(post=json.loads(raw))
                self._answer("ok")
                return
            if "json" in self.headers.get("Content-Type", ""):
                args = json.loads(raw)
            else:
                args = {k: v[0] for k, v in parse_qs(raw).items()}
            if isinstance(args.get("view"), str):
                args["view"] = json.loads(args["view"])
            self._api(path.removeprefix("/api/"), args)

    return Handler


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-slack", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

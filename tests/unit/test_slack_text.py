"""The Slack app's pure parts: Slack's markup read into a note's text, note text escaped into
Slack's mrkdwn, the response_url check, and the app manifest agreeing with the code."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from app.config import Settings
from app.errors import BadRequest
from app.integrations.slack import save_form
from app.integrations.slack.messages import escape, snippet
from app.integrations.slack.replies import response_url
from app.main import create_app

MANIFEST = Path(__file__).resolve().parents[2] / "docs" / "slack-app-manifest.yaml"
SLACK = frozenset({"hooks.slack.com"})


@pytest.mark.parametrize(
    ("slack_text", "note"),
    [
        ("Ask <@U0WALT001> about it", "Ask @U0WALT001 about it"),
        ("Ask <@U0WALT001|walt> about it", "Ask @walt about it"),
        ("See <#C0DEALS01|deals>", "See #deals"),
        ("<!here> renewal moved", "@here renewal moved"),
        ("<!subteam^S0SALES|@sales> ping", "@@sales ping"),
        ("<https://rfp.example/x|the RFP> is out", "the RFP (https://rfp.example/x) is out"),
        ("<https://rfp.example/x>", "https://rfp.example/x"),
        ("Meg &amp; Deb: 3 &lt; 5 &gt; 2", "Meg & Deb: 3 < 5 > 2"),
        ("  padded  ", "padded"),
    ],
)
def test_a_message_is_read_into_plain_text(slack_text: str, note: str) -> None:
    assert save_form.plain_text(slack_text) == note


def test_note_text_is_shown_literally_in_mrkdwn() -> None:
    assert escape("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
    # A search snippet is HTML-escaped with matches in <mark>: in Slack, matches in bold.
    marked = "Meg &amp; <mark>renewal</mark> &lt;!here&gt; <mark>Renewals</mark>"
    assert snippet(marked) == "Meg &amp; *renewal* &lt;!here&gt; *Renewals*"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com.evil.example/commands/x",
        "http://hooks.slack.com/commands/x",  # not https
        "https://user:pw@hooks.slack.com/commands/x",
        "https://169.254.169.254/latest/meta-data",
        "https://hooks.slack.com:notaport/x",
        "ftp://hooks.slack.com/x",
        "",
    ],
)
def test_a_response_url_elsewhere_than_slack_is_refused(url: str) -> None:
    with pytest.raises(BadRequest):
        response_url(url, SLACK)


def test_slack_response_urls_and_a_loopback_receiver_are_taken() -> None:
    good = "https://hooks.slack.com/commands/T0001/1234/abcd"
    assert response_url(good, SLACK).url == good
    assert response_url("http://127.0.0.1:8123/x", frozenset({"127.0.0.1"})).url
    with pytest.raises(BadRequest):
        response_url("http://10.0.0.5/x", frozenset({"10.0.0.5"}))  # plain http: loopback only


def test_the_response_hosts_setting_reads_a_list() -> None:
    settings = Settings(_env_file=None, slack_response_hosts="Hooks.Slack.com, 127.0.0.1")  # type: ignore[call-arg]
    assert settings.slack_response_hosts == {"hooks.slack.com", "127.0.0.1"}


def test_the_manifest_names_the_app_s_endpoints_and_shortcut() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    [command] = manifest["features"]["slash_commands"]
    [shortcut] = manifest["features"]["shortcuts"]
    interactivity = manifest["settings"]["interactivity"]
    urls = [command["url"], interactivity["request_url"], interactivity["message_menu_options_url"]]
    settings = Settings(_env_file=None, slack_signing_secret="a-signing-secret")  # type: ignore[call-arg]
    app = TestClient(create_app(settings))  # not started: nothing past the signature check runs
    for url in urls:
        assert url.startswith("https://tacit.example.com/")
        path = url.removeprefix("https://tacit.example.com")
        assert app.post(path).status_code == 401  # there, and refusing an unsigned request
    assert app.post("/integrations/slack/elsewhere").status_code == 404
    assert command["command"] == "/tacit"
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", save_form.CALLBACK_ID)
    assert manifest["oauth_config"]["scopes"]["bot"] == ["commands"]

"""The command-line client's pure parts: where its settings come from, how it retries and words
failures (against a mock transport), how it shows snippets, and how it picks contacts."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.client.compose import SCISSORS, editor_command, strip_template, template
from app.client.config import (
    ConfigError,
    Remote,
    read_config,
    require_remote,
    resolve_remote,
    save_config,
)
from app.client.http import Api, ClientError
from app.client.render import snippet_text
from app.client.resolve import account_error, match_contact
from app.client.transfer import CountingFile, import_table, listed, problem_line

SERVER = "https://tacit.example.com"

# --- configuration ------------------------------------------------------------------------


def write_config(tmp_path: Path, url: str = SERVER, token: str = "tacit_file") -> dict[str, str]:
    path = tmp_path / "config.toml"
    save_config(path, url=url, token=token)
    return {"TACIT_CONFIG": str(path)}


def test_options_beat_environment_beats_config_file(tmp_path: Path) -> None:
    file_env = write_config(tmp_path)
    env = file_env | {"TACIT_URL": "https://env.example", "TACIT_TOKEN": "tacit_env"}

    assert resolve_remote(url=None, token=None, environ=file_env) == Remote(
        SERVER, "tacit_file", f"the token in {tmp_path / 'config.toml'}"
    )
    assert resolve_remote(url=None, token=None, environ=env) == Remote(
        "https://env.example", "tacit_env", "TACIT_TOKEN"
    )
    assert resolve_remote(url="https://opt.example/", token="tacit_opt", environ=env) == Remote(
        "https://opt.example", "tacit_opt", "--token"
    )


def test_each_setting_falls_back_on_its_own(tmp_path: Path) -> None:
    env = write_config(tmp_path) | {"TACIT_TOKEN": "tacit_env"}

    remote = resolve_remote(url=None, token=None, environ=env)

    assert remote is not None and (remote.url, remote.token) == (SERVER, "tacit_env")


def test_the_saved_token_goes_only_to_the_saved_server(tmp_path: Path) -> None:
    env = write_config(tmp_path)

    assert resolve_remote(url=f"{SERVER}/", token=None, environ=env) is not None
    with pytest.raises(ConfigError, match=r"no token for https://other\.example"):
        resolve_remote(url="https://other.example", token=None, environ=env)
    with pytest.raises(ConfigError, match="no token"):
        resolve_remote(url=None, token=None, environ=env | {"TACIT_URL": "https://other.example"})


def test_no_url_anywhere_means_local_for_import_and_an_error_for_client_commands(
    tmp_path: Path,
) -> None:
    env = {"TACIT_CONFIG": str(tmp_path / "missing.toml")}

    assert resolve_remote(url=None, token=None, environ=env) is None
    with pytest.raises(ConfigError, match="no server configured"):
        require_remote(url=None, token=None, environ=env)
    with pytest.raises(ConfigError, match="a token was given but no server"):
        resolve_remote(url=None, token="tacit_x", environ=env)


def test_config_file_path_follows_xdg(tmp_path: Path) -> None:
    (tmp_path / "tacit").mkdir()
    (tmp_path / "tacit" / "config.toml").write_text(f'url = "{SERVER}"\ntoken = "tacit_xdg"\n')

    remote = resolve_remote(url=None, token=None, environ={"XDG_CONFIG_HOME": str(tmp_path)})

    assert remote is not None and remote.token == "tacit_xdg"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("url = [", "not valid TOML"),
        ("url = 5", "url must be a string"),
    ],
)
def test_a_broken_config_file_is_one_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(content)

    with pytest.raises(ConfigError, match=message):
        resolve_remote(url=None, token=None, environ={"TACIT_CONFIG": str(path)})


@pytest.mark.parametrize("url", ["tacit.example.com", "ftp://tacit.example.com", "http://"])
def test_a_url_must_be_http_with_a_host(url: str) -> None:
    with pytest.raises(ConfigError, match="not a server URL"):
        resolve_remote(url=url, token="t", environ={})


def test_saved_config_is_private_and_round_trips_odd_characters(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"

    save_config(path, url=SERVER, token='tacit_"quoted"\\é')
    save_config(path, url=SERVER, token='tacit_"quoted"\\é')  # replacing keeps it private

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = read_config(path)
    assert stored is not None and (stored.url, stored.token) == (SERVER, 'tacit_"quoted"\\é')
    assert list(path.parent.iterdir()) == [path]


# --- HTTP: retries and one-line failures --------------------------------------------------


def api_with(*answers: httpx.Response | Exception) -> tuple[Api, list[httpx.Request], list[float]]:
    """An Api whose transport gives ``answers`` in turn, recording requests and sleeps."""
    requests: list[httpx.Request] = []
    sleeps: list[float] = []
    pending = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        requests.append(request)
        answer = pending.pop(0)
        if isinstance(answer, Exception):
            raise answer
        # A fresh response each time: the client reads and closes what it gets.
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    api = Api(
        Remote(SERVER, "tacit_t", "TACIT_TOKEN"),
        sleep=sleeps.append,
        transport=httpx.MockTransport(handle),
    )
    return api, requests, sleeps


def problem(status: int, detail: str, **extra: Any) -> httpx.Response:
    body = {"type": "x", "title": "Some title", "status": status, "detail": detail, **extra}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


def post_note(api: Api) -> httpx.Response:
    return api.request(
        "POST", "/v1/notes", json={"body": "x"}, headers={"Idempotency-Key": "k1"}, idempotent=True
    )


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        problem(503, "busy"),
        problem(409, "a request with this Idempotency-Key is in progress; retry later"),
    ],
    ids=["refused", "timeout", "dropped", "503", "409-in-progress"],
)
def test_an_idempotent_post_is_retried_with_the_same_key(
    failure: httpx.Response | Exception,
) -> None:
    api, requests, sleeps = api_with(failure, failure, httpx.Response(201, json={"id": 7}))

    response = post_note(api)

    assert response.json() == {"id": 7}
    assert [r.headers["Idempotency-Key"] for r in requests] == ["k1"] * 3
    assert [r.content for r in requests] == [requests[0].content] * 3
    assert sleeps == [0.25, 0.5]


def test_retries_give_up_with_the_last_failure_in_words() -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    api, requests, sleeps = api_with(refused, refused, refused, refused)

    with pytest.raises(ClientError) as caught:
        api.get("/v1/me")

    assert caught.value.message == f"cannot reach {SERVER}: connection refused"
    assert len(requests) == 4 and sleeps == [0.25, 0.5, 1.0]


def test_a_request_that_may_not_be_repeated_is_retried_only_when_nothing_was_sent() -> None:
    api, requests, _ = api_with(problem(503, "busy"))
    with pytest.raises(ClientError, match=r"Some title \(503\): busy"):
        api.request("POST", "/v1/tokens", json={})
    assert len(requests) == 1

    api, requests, _ = api_with(httpx.ReadTimeout("timed out"))
    with pytest.raises(ClientError, match=f"no answer from {SERVER} within 30s"):
        api.request("POST", "/v1/tokens", json={})
    assert len(requests) == 1

    api, requests, _ = api_with(httpx.ConnectError("refused"), httpx.Response(201, json={}))
    assert api.request("POST", "/v1/tokens", json={}).status_code == 201


def test_conflicts_without_an_idempotency_key_are_not_retried() -> None:
    api, requests, _ = api_with(problem(409, "domain already belongs"))

    with pytest.raises(ClientError, match="domain already belongs"):
        api.request("POST", "/v1/search", json={}, idempotent=True)

    assert len(requests) == 1


def test_a_refused_token_says_where_it_came_from() -> None:
    api, _, _ = api_with(problem(401, "the token has expired; ask for a new one"))

    with pytest.raises(ClientError) as caught:
        api.get("/v1/me")

    assert caught.value.message == (
        "the server refused the token (401): the token has expired; ask for a new one; "
        "check TACIT_TOKEN or run `tacit login`"
    )


def test_failures_are_one_line_even_without_problem_json() -> None:
    api, _, _ = api_with(problem(422, "body: field\nrequired"))
    with pytest.raises(ClientError) as caught:
        api.get("/v1/notes")
    assert caught.value.message == "Some title (422): body: field required"
    assert caught.value.problem["status"] == 422

    api, _, _ = api_with(httpx.Response(418, text="<html>teapot</html>"))
    with pytest.raises(ClientError, match=rf"I'm a teapot \(418\) from GET {SERVER}/v1/me"):
        api.get("/v1/me")

    api, _, _ = api_with(httpx.Response(200, text="<html>not an API</html>"))
    with pytest.raises(ClientError, match="is it a Tacit server"):
        api.get("/v1/me")


def test_items_follow_the_cursor() -> None:
    api, requests, _ = api_with(
        httpx.Response(200, json={"items": [{"id": 1}], "next_cursor": "c2"}),
        httpx.Response(200, json={"items": [{"id": 2}], "next_cursor": None}),
    )

    assert [i["id"] for i in api.items("/v1/contacts", account_id=3)] == [1, 2]
    assert [dict(r.url.params) for r in requests] == [
        {"limit": "200", "account_id": "3"},
        {"limit": "200", "cursor": "c2", "account_id": "3"},
    ]


# --- what the user sees -------------------------------------------------------------------


def test_snippet_marks_become_highlights_and_entities_characters() -> None:
    text = snippet_text(
        "Deb &amp; Gus: <mark>INC-40412</mark> says &lt;mark&gt; &quot;ok&quot; <mark>now</mark>",
        style="hl",
    )

    assert text.plain == 'Deb & Gus: INC-40412 says <mark> "ok" now'
    assert [(text.plain[s.start : s.end], s.style) for s in text.spans] == [
        ("INC-40412", "hl"),
        ("now", "hl"),
    ]


def test_the_editor_template_is_cut_off_but_markdown_headings_stay() -> None:
    edited = "# Renewal\n\nMeg wants a 3-year term.\n" + template(account="Harbor", visibility=None)

    assert strip_template(edited) == "# Renewal\n\nMeg wants a 3-year term."
    assert strip_template(template(account="Harbor", visibility="team")) == ""
    assert SCISSORS in template(account="Harbor", visibility="team")


def test_editor_command_as_git_reads_it() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "nano"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": " ", "EDITOR": "'/opt/my editor/ed'"}) == ["/opt/my editor/ed"]
    assert editor_command({}) == ["vi"]
    with pytest.raises(ClientError, match="cannot parse"):
        editor_command({"EDITOR": "'unclosed"})


CONTACTS = [
    {"id": 1, "name": "Meg Lee", "email": "meg@harbor.example"},
    {"id": 2, "name": "Gus Coyle", "email": None},
    {"id": 3, "name": "Ann Lee", "email": "ann@harbor.example"},
]


@pytest.mark.parametrize(
    ("ref", "contact_id"),
    [("MEG@harbor.example", 1), ("gus  coyle", 2), ("meg", 1), ("3", 3)],
)
def test_contacts_by_email_name_word_or_id(ref: str, contact_id: int) -> None:
    assert match_contact(ref, CONTACTS, account="Harbor")["id"] == contact_id


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("Lee", "'Lee' could be any of 2 contacts at Harbor: Meg Lee <meg@harbor.example>"),
        ("Meg Le", "unknown contact 'Meg Le' at Harbor; did you mean: Meg Lee?"),
        ("Zed", "unknown contact 'Zed' at Harbor; its contacts are: Ann Lee, Gus Coyle, Meg"),
    ],
)
def test_contacts_not_named_uniquely_are_clear_errors(ref: str, message: str) -> None:
    with pytest.raises(ClientError) as caught:
        match_contact(ref, CONTACTS, account="Harbor")
    assert caught.value.message.startswith(message)


def test_unknown_and_ambiguous_accounts_in_the_clients_words() -> None:
    unknown = ClientError("x", status=422, problem={"suggestions": ["Harbor Freightways"]})
    none_close = ClientError("x", status=422, problem={"suggestions": []})
    twins = ClientError(
        "x",
        status=422,
        problem={"candidates": [{"id": 4, "name": "Acme", "domains": ["acme.example"]}] * 2},
    )
    other = ClientError("Invalid request (422): body: too long", status=422)

    assert account_error("Harbr", unknown).message == (
        "unknown account 'Harbr'; did you mean: Harbor Freightways?"
    )
    assert account_error("Zzz", none_close).message == "unknown account 'Zzz'"
    assert account_error("Acme", twins).message.startswith(
        "2 accounts are named 'Acme'; give the id of one: 4 (acme.example)"
    )
    assert account_error("x", other) is other


# --- import and export --------------------------------------------------------------------


def test_upload_progress_counts_every_byte_and_restarts_with_a_retry(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_bytes(b"\x07" * 200_000)
    seen: list[int] = []
    with path.open("rb") as file:
        counted = CountingFile(file, seen.append)
        for _ in range(2):  # a retry renders the multipart body again
            request = httpx.Request(
                "POST", SERVER, files=[("files", ("notes.jsonl", counted, "application/x-ndjson"))]
            )
            body = request.read()
            assert body.count(b"\x07") == 200_000
            assert int(request.headers["content-length"]) == len(body)

    assert sum(seen) == 200_000  # two full reads, less the rewind between them
    assert sum(n for n in seen if n > 0) == 400_000


def test_import_report_as_a_table_and_lines() -> None:
    report = {
        "format": "dataset",
        "dry_run": True,
        "created": {"accounts": 2, "notes": 5},
        "updated": {"accounts": 0, "notes": 1},
        "unchanged": {"accounts": 1, "notes": 0},
        "skipped": [{"file": "notes.csv", "line": 4, "reason": "a duplicate of row 2"}],
        "problems": [],
    }

    table = import_table(report)

    assert [c.header for c in table.columns] == ["kind", "created", "updated", "unchanged"]
    assert [list(c.cells) for c in table.columns] == [
        ["accounts", "notes"],
        ["2", "5"],
        ["0", "1"],
        ["1", "0"],
    ]
    assert listed(report, "skipped") == ["notes.csv row 4: a duplicate of row 2"]
    assert listed({"problems": "not a list"}, "problems") == []


def test_problem_lines_read_like_the_local_import() -> None:
    assert (
        problem_line({"file": "accounts.jsonl", "line": 2, "problem": "not JSON (Expecting ',')"})
        == "accounts.jsonl line 2: not JSON (Expecting ',')"
    )
    assert (
        problem_line({"file": "n.csv", "line": 7, "column": "account", "problem": "unknown"})
        == "n.csv row 7: account: unknown"
    )
    assert problem_line("plain text") == "plain text"
    assert problem_line({"problem": "no file"}) == "no file"

"""Where the client finds its server and token.

Each setting is taken from the first place that has it: the ``--url``/``--token`` options, then
``TACIT_URL``/``TACIT_TOKEN``, then the config file (``$TACIT_CONFIG``, or
``$XDG_CONFIG_HOME/tacit/config.toml``, by default ``~/.config/tacit/config.toml``), which
``tacit login`` writes. The file is one server and its token: its token is only ever sent to its
own URL, so ``--url https://elsewhere`` never carries the saved token to another host.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

CONFIG_ENV = "TACIT_CONFIG"
URL_ENV = "TACIT_URL"
TOKEN_ENV = "TACIT_TOKEN"


class ConfigError(Exception):
    """A configuration the client cannot use, said in one line."""


@dataclass(frozen=True)
class Remote:
    """A server to talk to, and the token to talk with."""

    url: str
    token: str
    token_source: str  # where the token came from, for the message when it is refused


@dataclass(frozen=True)
class StoredConfig:
    path: Path
    url: str | None
    token: str | None


def config_path(environ: Mapping[str, str]) -> Path:
    if explicit := environ.get(CONFIG_ENV):
        return Path(explicit).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tacit" / "config.toml"


def normalize_url(url: str) -> str:
    """``https://tacit.example.com/`` → ``https://tacit.example.com``; refuses anything that is
    not an http(s) URL with a host, which httpx would otherwise report obscurely."""
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{url!r} is not a server URL; give one like https://tacit.example.com")
    return text


def read_config(path: Path) -> StoredConfig | None:
    """The saved server and token, or None when there is no config file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the config file {path} is not valid TOML: {exc}") from None
    values: dict[str, str | None] = {}
    for key in ("url", "token"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"the config file {path}: {key} must be a string")
        values[key] = value or None
    return StoredConfig(path=path, url=values["url"], token=values["token"])


def resolve_remote(
    *, url: str | None, token: str | None, environ: Mapping[str, str]
) -> Remote | None:
    """The server to use, or None when no URL is configured anywhere (for the commands that
    then work on the local database). A URL without a token is an error."""
    stored: StoredConfig | None = None
    chosen_url = url or environ.get(URL_ENV)
    if not chosen_url:
        stored = read_config(config_path(environ))
        chosen_url = stored.url if stored else None
    if not chosen_url:
        if token:
            raise ConfigError(
                "a token was given but no server: pass --url, set TACIT_URL or run `tacit login`"
            )
        return None
    chosen_url = normalize_url(chosen_url)
    if token:
        return Remote(chosen_url, token.strip(), "--token")
    if env_token := environ.get(TOKEN_ENV):
        return Remote(chosen_url, env_token.strip(), TOKEN_ENV)
    if stored is None:
        stored = read_config(config_path(environ))
    if stored and stored.token and stored.url and normalize_url(stored.url) == chosen_url:
        return Remote(chosen_url, stored.token.strip(), f"the token in {stored.path}")
    raise ConfigError(
        f"no token for {chosen_url}: pass --token, set TACIT_TOKEN or run "
        f"`tacit login --url {chosen_url}`"
    )


def require_remote(*, url: str | None, token: str | None, environ: Mapping[str, str]) -> Remote:
    """Like ``resolve_remote``, for the commands that only exist as a client."""
    remote = resolve_remote(url=url, token=token, environ=environ)
    if remote is None:
        raise ConfigError(
            "no server configured: pass --url, set TACIT_URL or run `tacit login --url https://...`"
        )
    return remote


def save_config(path: Path, *, url: str, token: str) -> None:
    """Write the config file readable by its owner only (0600), replacing it atomically, so the
    token is never on disk with wider permissions, even for a moment."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # json.dumps of a str is a valid TOML basic string (same escapes, \uXXXX included).
    text = (
        "# Written by `tacit login`. The token is a secret: keep this file private.\n"
        f"url = {json.dumps(url)}\n"
        f"token = {json.dumps(token)}\n"
    )
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        os.fchmod(fd, 0o600)  # mkstemp already creates 0600; say so rather than rely on it
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

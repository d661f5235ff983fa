"""Pure logic: cursors, secrets, domain parsing, settings, request hashing."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.domain.accounts import name_key, normalize_domain
from app.domain.idempotency import request_hash
from app.domain.pagination import decode_cursor, encode_cursor
from app.domain.security import check_password, hash_password, hash_token, new_token
from app.errors import Invalid


def test_cursor_round_trips_datetimes_and_ids() -> None:
    values = [datetime(2025, 3, 1, 12, 30, tzinfo=UTC), 42]
    assert decode_cursor(encode_cursor(values), 2) == values


@pytest.mark.parametrize(
    "cursor", ["", "!!!", "bm90IGpzb24", encode_cursor([1]), "W3sidCI6IjEifV0"]
)
def test_foreign_cursors_are_invalid_not_crashes(cursor: str) -> None:
    with pytest.raises(Invalid):
        decode_cursor(cursor, 2)


def _scrypt_hash(password: str) -> str:
    """A hash as Tacit wrote them before argon2id (scrypt, N=2^14, r=8, p=1)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    b64 = base64.b64encode
    return f"scrypt$16384$8$1${b64(salt).decode()}${b64(digest).decode()}"


def test_passwords_are_argon2id_salted_and_verified() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert stored != hash_password("correct horse battery")
    assert check_password("correct horse battery", stored) == (True, None)
    assert check_password("wrong horse battery", stored) == (False, None)
    assert check_password("anything", None) == (False, None)
    assert check_password("anything", "garbage") == (False, None)
    assert check_password("anything", "$argon2id$v=19$broken") == (False, None)


def test_an_older_scrypt_hash_still_signs_in_and_is_replaced_by_argon2id() -> None:
    legacy = _scrypt_hash("correct horse battery")
    valid, upgraded = check_password("correct horse battery", legacy)
    assert valid and upgraded is not None and upgraded.startswith("$argon2id$")
    assert check_password("correct horse battery", upgraded) == (True, None)
    assert check_password("wrong horse battery", legacy) == (False, None)  # no upgrade either
    assert check_password("anything", "scrypt$1$8$1$AAAA$AAAA") == (False, None)  # bad N


def test_tokens_are_random_and_hashed() -> None:
    a, b = new_token(), new_token()
    assert a != b and a.startswith("tacit_") and len(a) > 40
    assert hash_token(a) == hash_token(a) != hash_token(b)
    assert a not in hash_token(a)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("harbor.example", "harbor.example"),
        ("Meg.Ortiz@Mail.Harbor.example", "mail.harbor.example"),
        ("https://www.harbor.example/about?x=1", "harbor.example"),
        ("harbor.example:8443", "harbor.example"),
        ("Harbor Freightways", None),
        ("localhost", None),
    ],
)
def test_normalize_domain(ref: str, expected: str | None) -> None:
    assert normalize_domain(ref) == expected


def test_name_key_folds_case_and_spaces() -> None:
    assert name_key("  Harbor   FREIGHTWAYS ") == name_key("harbor freightways")


def test_request_hash_ignores_key_order_but_not_values() -> None:
    assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})
    assert request_hash({"a": 1}) != request_hash({"a": 2})


def test_settings_refuse_the_default_secret_outside_dev() -> None:
    with pytest.raises(ValidationError, match="TACIT_SECRET_KEY"):
        Settings(_env_file=None, env="prod")  # type: ignore[call-arg]
    prod = Settings(_env_file=None, env="prod", secret_key="s3cret-from-the-vault")  # type: ignore[call-arg]
    assert prod.env == "prod"
    assert Settings(_env_file=None).database_url.startswith("sqlite:///")  # type: ignore[call-arg]


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACIT_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("TACIT_EMBEDDING_MODEL", "/models/mine")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.database_url, settings.embedding_model) == (
        "postgresql://u@h/db",
        "/models/mine",
    )

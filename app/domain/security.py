"""Secrets: API tokens (random, stored as SHA-256) and passwords (argon2id through pwdlib).

Passwords stored before argon2id were scrypt hashes written by this module
(``scrypt$N$r$p$salt$digest``): they are still checked, and replaced by an argon2id hash at
the user's next successful sign-in (``check_password`` returns the new hash)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

TOKEN_PREFIX = "tacit_"


class LegacyScrypt:
    """Checks the scrypt hashes Tacit wrote before argon2id; never writes one."""

    PREFIX = "scrypt$"

    @classmethod
    def identify(cls, hash: str | bytes) -> bool:
        return _text(hash).startswith(cls.PREFIX)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        raise NotImplementedError("scrypt hashes are only checked; new ones are argon2id")

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        try:
            _, n, r, p, salt, digest = _text(hash).split("$")
            actual = hashlib.scrypt(
                password.encode() if isinstance(password, str) else password,
                salt=base64.b64decode(salt),
                n=int(n),
                r=int(r),
                p=int(p),
            )
            return hmac.compare_digest(actual, base64.b64decode(digest))
        except ValueError:  # a malformed hash, or parameters scrypt refuses
            return False

    def check_needs_rehash(self, hash: str | bytes) -> bool:
        return True


PASSWORDS = PasswordHash((Argon2Hasher(), LegacyScrypt()))


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode(errors="replace")


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # A token carries 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def token_display_prefix(token: str) -> str:
    return token[: len(TOKEN_PREFIX) + 6]


def hash_password(password: str) -> str:
    return PASSWORDS.hash(password)


@cache
def _stand_in() -> str:
    return PASSWORDS.hash(secrets.token_urlsafe(16))


def check_password(password: str, stored: str | None) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``stored``, and the hash to store instead when it does
    and ``stored`` is of an older kind or weaker parameters (else None)."""
    if not stored:
        # Spend the same time as a real check, so timing does not tell which e-mails exist.
        PASSWORDS.verify(password, _stand_in())
        return False, None
    try:
        return PASSWORDS.verify_and_update(password, stored)
    except PwdlibError:  # a hash of no known kind, or a malformed one: no way in
        return False, None

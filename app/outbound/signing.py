"""Webhook secrets and signatures, per the Standard Webhooks spec, with its own library.

A secret is ``whsec_`` and 32 random bytes in base64: the spec's form, which every Standard
Webhooks library (``standardwebhooks.Webhook(secret).verify(body, headers)``) takes as it is.
Tacit must sign with it, so it keeps it, but sealed: encrypted and authenticated (Fernet,
from ``cryptography``) with a key derived from the deployment's secret key, so that a copy of
the database alone signs nothing."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


class UnreadableSecret(ValueError):
    """A sealed secret that the current key does not open (the secret key was changed)."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def seal(secret: str, key: bytes) -> str:
    return _fernet(key).encrypt(secret.encode()).decode()


def unseal(sealed: str, key: bytes) -> str:
    try:
        return _fernet(key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            "the webhook's secret cannot be read with this server's key (was "
            "TACIT_SECRET_KEY changed?): delete the webhook and create it again"
        ) from None


def signed_headers(secret: str, *, message_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The three headers of the spec: ``webhook-id`` (the same on every retry, so that a
    receiver can drop repeats), ``webhook-timestamp`` (when this attempt was signed, in whole
    seconds) and ``webhook-signature``."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def _fernet(key: bytes) -> Fernet:
    # Fernet wants 32 bytes in URL-safe base64; the caller's key is 32 raw bytes (HMAC-SHA256).
    return Fernet(base64.urlsafe_b64encode(key))

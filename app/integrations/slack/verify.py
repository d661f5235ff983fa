"""Every request from Slack is verified before anything in it is read: the raw body, its
timestamp and the app's signing secret, by slack-sdk's ``SignatureVerifier`` (Slack's v0
scheme: HMAC-SHA256 of ``v0:{timestamp}:{body}``). A request older than five minutes is
refused, so a captured one cannot be replayed later. With no signing secret set, the
integration is off and its endpoints are not there (404)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request
from slack_sdk.signature import SignatureVerifier

from app.errors import NotFound, Unauthorized
from app.http.deps import SettingsDep

MAX_AGE_SECONDS = 5 * 60  # the verifier's own window, checked first to say why


@dataclass(frozen=True)
class SlackForm:
    """A verified request's form fields (Slack posts application/x-www-form-urlencoded)."""

    fields: dict[str, str]

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


async def verified_form(request: Request, settings: SettingsDep) -> SlackForm:
    secret = settings.slack_signing_secret
    if secret is None:
        raise NotFound("Slack is not set up on this server")
    body = await request.body()
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not (timestamp and signature):
        raise Unauthorized("not signed by Slack: X-Slack-Request-Timestamp and X-Slack-Signature")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Unauthorized("X-Slack-Request-Timestamp is not a Unix time")
    if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        raise Unauthorized("the request's timestamp is more than 5 minutes off: refused as stale")
    try:
        text = body.decode("utf-8")  # Slack signs UTF-8 text; anything else is not from it
    except UnicodeDecodeError:
        raise Unauthorized("the body is not UTF-8, so Slack did not sign it") from None
    if not SignatureVerifier(secret.get_secret_value()).is_valid(text, timestamp, signature):
        raise Unauthorized("the signature does not match this app's signing secret")
    return SlackForm({name: values[0] for name, values in parse_qs(text).items()})


VerifiedForm = Annotated[SlackForm, Depends(verified_form)]

"""One signed POST to a webhook's URL, and what came of it.

The request goes to the address ``addresses.vetted_address`` checked (the URL's host swapped for
it; ``Host`` and the TLS server name stay the URL's own, so virtual hosting and certificate
checks work as usual). Redirects are not followed: a 3xx is a failure, since following one
would send the note to an address nobody checked. No proxy from the environment either. The
timeout is short, and only the start of the answer is read, for the delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from app.outbound.addresses import Refused, Resolver, parse_url, system_resolver, vetted_address
from app.outbound.signing import signed_headers

EXCERPT_BYTES = 2048
EXCERPT_CHARS = 500
USER_AGENT = "Tacit-Webhooks/1"


@dataclass(frozen=True)
class Policy:
    """Where and how long: ``TACIT_WEBHOOK_ALLOW_PRIVATE`` and ``TACIT_WEBHOOK_TIMEOUT_SECONDS``."""

    allow_private: bool
    timeout: float
    resolve: Resolver = system_resolver


@dataclass(frozen=True)
class Outcome:
    status_code: int | None  # None: no answer (refused address, no connection, timeout)
    excerpt: str | None  # the start of the answer's body, as text
    error: str | None  # why it failed, in words; None when a 2xx came back
    sent: bool  # the body may have reached the receiver (a read timeout: maybe)

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def new_client(policy: Policy) -> httpx.Client:
    """A client for many requests at once (it is thread-safe): making one costs ~20 ms, most
    of it loading the CA certificates, so a worker's round shares one."""
    return httpx.Client(timeout=policy.timeout, follow_redirects=False, trust_env=False)


def post_signed(
    url: str,
    *,
    secret: str,
    message_id: str,
    body: bytes,
    at: datetime,
    policy: Policy,
    client: httpx.Client | None = None,
) -> Outcome:
    """POST ``body`` to ``url``, signed with ``secret`` as message ``message_id`` at ``at``,
    with ``client`` (from ``new_client``) or a client of its own."""
    if client is None:
        with new_client(policy) as own:
            return post_signed(
                url,
                secret=secret,
                message_id=message_id,
                body=body,
                at=at,
                policy=policy,
                client=own,
            )
    try:
        parsed = parse_url(url, allow_private=policy.allow_private)
        address = vetted_address(parsed, allow_private=policy.allow_private, resolve=policy.resolve)
    except Refused as exc:
        return Outcome(None, None, f"not sent: {exc}", sent=False)
    headers = {
        **signed_headers(secret, message_id=message_id, at=at, body=body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": parsed.netloc.decode("ascii"),
    }
    # TLS checks the certificate against the URL's host, though the socket goes to ``address``.
    https = parsed.scheme == "https"
    extensions = {"sni_hostname": parsed.raw_host.decode("ascii")} if https else {}
    pinned = parsed.copy_with(host=address, fragment=None)
    try:
        with client.stream(
            "POST", pinned, content=body, headers=headers, extensions=extensions
        ) as response:
            excerpt = _excerpt(response)
            status = response.status_code
    except httpx.ConnectTimeout:
        return Outcome(None, None, f"no connection within {policy.timeout:g} s", sent=False)
    except httpx.ConnectError as exc:
        return Outcome(None, None, f"could not connect: {exc}", sent=False)
    except httpx.TimeoutException:
        return Outcome(None, None, f"no answer within {policy.timeout:g} s", sent=True)
    except httpx.HTTPError as exc:
        return Outcome(None, None, f"{type(exc).__name__}: {exc}", sent=True)
    if 200 <= status < 300:
        error = None
    elif 300 <= status < 400:
        error = f"HTTP {status}: redirects are not followed; give the webhook its final URL"
    else:
        error = f"HTTP {status}"
    return Outcome(status, excerpt, error, sent=True)


def _excerpt(response: httpx.Response) -> str:
    read = b""
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) >= EXCERPT_BYTES:
            break
    # PostgreSQL cannot store NUL in text; a receiver may answer anything.
    return read[:EXCERPT_BYTES].decode("utf-8", "replace").replace("\x00", "")[:EXCERPT_CHARS]

"""One conditional GET of a calendar feed, with httpx.

The address is a user's, so the request goes where ``addresses.vetted_address`` allows (public
addresses unless ``allow_private``), pinned to the address it checked, without following
redirects or reading the environment's proxy. At most ``max_bytes`` are read. The address is
a secret: no error this module raises quotes it."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from app.outbound.addresses import Refused, Resolver, system_resolver, vetted_address

USER_AGENT = "Tacit-Calendar/1"


class FeedError(Exception):
    """The feed could not be read; the text is for its owner and never holds the address."""


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: unchanged since the validators sent (304)
    etag: str | None
    last_modified: str | None


def fetch(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,
    max_bytes: int,
    allow_private: bool,
    resolve: Resolver = system_resolver,
) -> Fetched:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise FeedError("the address is not a URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise FeedError("the address must be http:// or https:// and name a host")
    try:
        address = vetted_address(parsed, allow_private=allow_private, resolve=resolve)
    except Refused:
        raise FeedError(
            "the feed's host does not resolve, or resolves to a private address"
        ) from None
    headers = {"user-agent": USER_AGENT, "host": parsed.netloc.decode("ascii")}
    if etag:
        headers["if-none-match"] = etag
    if last_modified:
        headers["if-modified-since"] = last_modified
    https = parsed.scheme == "https"
    extensions = {"sni_hostname": parsed.raw_host.decode("ascii")} if https else {}
    pinned = parsed.copy_with(host=address, fragment=None)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream("GET", pinned, headers=headers, extensions=extensions) as response,
        ):
            if response.status_code == 304:
                return Fetched(None, etag, last_modified)
            if response.status_code != 200:
                raise FeedError(_refusal(response.status_code))
            body = _read(response, max_bytes)
            return Fetched(
                body, response.headers.get("etag"), response.headers.get("last-modified")
            )
    except httpx.TimeoutException:
        raise FeedError(f"the feed did not answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"the feed could not be reached ({type(exc).__name__})") from None


def _read(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FeedError(f"the feed is larger than {max_bytes} bytes")
    read = bytearray()
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) > max_bytes:
            raise FeedError(f"the feed is larger than {max_bytes} bytes")
    return bytes(read)


def _refusal(status: int) -> str:
    if 300 <= status < 400:
        return f"HTTP {status}: redirects are not followed; give the feed's final address"
    if status in (401, 403, 404, 410):
        return f"HTTP {status}: the address no longer works (was it reset?); set it again"
    return f"HTTP {status}"

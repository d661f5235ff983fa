"""Which addresses a webhook may reach. A URL is checked when a user gives it, and resolved
again before every request, which then goes to the very address that was checked: a name that
resolved to a public address when the webhook was made may resolve to 127.0.0.1 or to a cloud
metadata address by the time it is called (DNS rebinding), and the server would otherwise make
requests inside its own network on a user's behalf (server-side request forgery).

Only ``https`` to public (globally routable) addresses is allowed, unless ``allow_private``
(``TACIT_WEBHOOK_ALLOW_PRIVATE``, for tests and development), which also allows ``http``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable

import httpx

# host name -> its addresses (as text); raises ``OSError`` when the name does not resolve.
Resolver = Callable[[str, int], list[str]]

MAX_URL_CHARS = 2000
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
DEFAULT_PORTS = {"https": 443, "http": 80}


class Refused(ValueError):
    """An address Tacit will not send to; the message says why, in words for the user."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_url(url: str, *, allow_private: bool) -> httpx.URL:
    """``url`` as a webhook address, or ``Refused`` saying what is wrong with it."""
    if len(url) > MAX_URL_CHARS:
        raise Refused(f"the URL is longer than {MAX_URL_CHARS} characters")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise Refused(f"not a URL: {exc}") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parsed.scheme not in schemes:
        raise Refused(
            "the URL must start with https://"
            + ("" if allow_private else " (http is allowed only with TACIT_WEBHOOK_ALLOW_PRIVATE)")
        )
    if parsed.userinfo:
        raise Refused(
            "the URL may not hold a user name or password: anyone who may list the webhook "
            "would see them, and the signature already proves a request came from Tacit"
        )
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise Refused("the URL names no host")
    if _ip(host) is None and not all(_LABEL.match(label) for label in host.split(".")):
        raise Refused(f"{parsed.host!r} is not a valid host name")
    return parsed


def vetted_address(url: httpx.URL, *, allow_private: bool, resolve: Resolver) -> str:
    """The address to send ``url``'s request to: its host resolved, every address it resolves
    to allowed (one private address among public ones is still refused: the client could pick
    it). ``Refused`` otherwise, or when the name does not resolve."""
    host = url.raw_host.decode("ascii")
    port = url.port or DEFAULT_PORTS[url.scheme]
    if _ip(host) is not None:
        addresses = [host]
    else:
        try:
            addresses = resolve(host, port)
        except OSError:
            raise Refused(f"the host {url.host} does not resolve") from None
        if not addresses:
            raise Refused(f"the host {url.host} does not resolve")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise Refused(
                    f"{url.host} resolves to {address}, a private, loopback, link-local or "
                    "reserved address: webhooks go to public addresses only"
                )
    return addresses[0]


def is_public(address: str) -> bool:
    """Globally routable unicast: not private, loopback, link-local (cloud metadata), shared
    (carrier NAT), reserved or multicast. An IPv6 address that carries an IPv4 one is judged
    by the IPv4 one (``::ffff:127.0.0.1`` is loopback)."""
    ip = _ip(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None

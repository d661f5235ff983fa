"""Webhook addresses, secrets and signatures (``app.outbound``): pure logic, no network. A
resolver is passed in wherever a name would be looked up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.outbound.addresses import Refused, is_public, parse_url, vetted_address
from app.outbound.sender import Policy, post_signed
from app.outbound.signing import UnreadableSecret, new_secret, seal, signed_headers, unseal

KEY = bytes(range(32))


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("not an address", False),
    ],
)
def test_only_globally_routable_unicast_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


@pytest.mark.parametrize(
    ("url", "allow_private", "says"),
    [
        ("http://hooks.example/x", False, "https://"),
        ("ftp://hooks.example/x", True, "https://"),
        ("https://user:pw@hooks.example/x", False, "user name or password"),
        ("https:///x", False, "names no host"),
        ("https://bad_host.example/x", False, "not a valid host name"),
        ("https://-bad.example/x", False, "not a valid host name"),
        ("https://hooks.example/" + "a" * 2000, False, "longer than"),
    ],
)
def test_urls_tacit_will_not_use_are_refused_with_the_reason(
    url: str, allow_private: bool, says: str
) -> None:
    with pytest.raises(Refused, match=says):
        parse_url(url, allow_private=allow_private)


def test_http_is_allowed_only_with_private_addresses() -> None:
    assert parse_url("http://127.0.0.1:8080/x", allow_private=True).port == 8080
    assert parse_url("https://bücher.example/x", allow_private=False).host == "bücher.example"


def test_every_address_a_name_resolves_to_must_be_public() -> None:
    url = parse_url("https://hooks.example/x", allow_private=False)
    assert (
        vetted_address(url, allow_private=False, resolve=lambda h, p: ["93.184.215.14"])
        == "93.184.215.14"
    )
    # One private address among public ones: the client could pick it.
    with pytest.raises(Refused, match=r"resolves to 10\.0\.0\.7"):
        vetted_address(url, allow_private=False, resolve=lambda h, p: ["93.184.215.14", "10.0.0.7"])
    assert vetted_address(url, allow_private=True, resolve=lambda h, p: ["10.0.0.7"]) == "10.0.0.7"

    def nowhere(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    with pytest.raises(Refused, match="does not resolve"):
        vetted_address(url, allow_private=False, resolve=nowhere)


def test_a_refused_address_is_never_called() -> None:
    def rebound(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    outcome = post_signed(
        "https://hooks.example/x",
        secret=new_secret(),
        message_id="evt_1",
        body=b"{}",
        at=datetime.now(UTC),
        policy=Policy(allow_private=False, timeout=1, resolve=rebound),
    )
    assert (outcome.sent, outcome.delivered, outcome.status_code) == (False, False, None)
    assert outcome.error is not None and "resolves to 127.0.0.1" in outcome.error


def test_secrets_are_the_specs_form_and_sealed_under_the_key() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(secret) > 40
    assert new_secret() != secret
    sealed = seal(secret, KEY)
    assert secret not in sealed and secret.removeprefix("whsec_") not in sealed
    assert unseal(sealed, KEY) == secret
    with pytest.raises(UnreadableSecret, match="TACIT_SECRET_KEY"):
        unseal(sealed, bytes(32))


def test_the_standard_webhooks_library_verifies_what_tacit_signs() -> None:
    secret = new_secret()
    body = b'{"type":"note.created","timestamp":"2026-12-06T09:00:00Z","data":{"id":7}}'
    headers = signed_headers(secret, message_id="evt_42", at=datetime.now(UTC), body=body)
    assert headers["webhook-id"] == "evt_42"
    assert Webhook(secret).verify(body, headers)["data"] == {"id": 7}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"7", b"8"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)

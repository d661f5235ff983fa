"""Turning what a person types (an account's name, a contact's name, a colleague's e-mail) into
the records the API wants, with the closest names offered when nothing fits."""

from __future__ import annotations

import difflib
from typing import Any

from app.client.http import Api, ClientError


def account_error(ref: str, error: ClientError) -> ClientError:
    """The server's 422 for an account it does not recognise, said the client's way:
    ``unknown account 'Harbr'; did you mean: Harbor Freightways?``. Other errors pass."""
    problem = error.problem
    if error.status != 422:
        return error
    if "suggestions" in problem:
        names = [str(n) for n in problem.get("suggestions") or []]
        hint = f"; did you mean: {', '.join(names)}?" if names else ""
        return ClientError(f"unknown account {ref!r}{hint}", status=422, problem=problem)
    if candidates := problem.get("candidates"):
        listed = ", ".join(
            f"{c['id']} ({', '.join(c.get('domains') or []) or 'no domain'})" for c in candidates
        )
        return ClientError(
            f"{len(candidates)} accounts are named {ref!r}; give the id of one: {listed}",
            status=422,
            problem=problem,
        )
    return error


def resolve_account(api: Api, ref: str) -> dict[str, Any]:
    """The account ``ref`` names: a name, alias, domain, e-mail address, URL or id."""
    try:
        account: dict[str, Any] = api.get("/v1/accounts/resolve", ref=ref)
    except ClientError as exc:
        raise account_error(ref, exc) from None
    return account


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def match_contact(ref: str, contacts: list[dict[str, Any]], *, account: str) -> dict[str, Any]:
    """The one contact ``ref`` names among ``contacts``: by id, e-mail or full name (any case),
    else by a whole word of the name ("Meg" for Meg Lee) when only one contact has it."""
    key = _key(ref)
    if key.isdigit():
        exact = [c for c in contacts if str(c["id"]) == key]
    else:
        exact = [
            c for c in contacts if key in (_key(c.get("email") or ""), _key(c.get("name") or ""))
        ]
    if len(exact) == 1:
        return exact[0]
    by_word = exact or [c for c in contacts if key in _key(c.get("name") or "").split()]
    if len(by_word) == 1:
        return by_word[0]
    if by_word:
        listed = ", ".join(
            f"{c['name']} <{c.get('email') or 'id ' + str(c['id'])}>" for c in by_word
        )
        raise ClientError(f"{ref!r} could be any of {len(by_word)} contacts at {account}: {listed}")
    names = [c["name"] for c in contacts]
    close = difflib.get_close_matches(ref, names, n=3, cutoff=0.6)
    if close:
        hint = f"; did you mean: {', '.join(close)}?"
    elif names:
        shown = sorted(names)[:10]
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        hint = f"; its contacts are: {', '.join(shown)}{more}"
    else:
        hint = "; it has no contacts yet"
    raise ClientError(f"unknown contact {ref!r} at {account}{hint}")


def resolve_contacts(api: Api, refs: list[str], account: dict[str, Any]) -> list[dict[str, Any]]:
    """The contacts of ``account`` that ``refs`` name, in order, without repeats."""
    if not refs:
        return []
    contacts = list(api.items("/v1/contacts", account_id=account["id"]))
    found = [match_contact(ref, contacts, account=account["name"]) for ref in refs]
    return list({c["id"]: c for c in found}.values())


def resolve_user_id(api: Api, ref: str) -> int:
    """A colleague's id from their id or e-mail address."""
    if ref.strip().isdigit():
        return int(ref)
    found = list(api.get("/v1/users", email=ref.strip().lower(), limit=1)["items"])
    if not found:
        raise ClientError(f"no user has the e-mail address {ref!r}")
    return int(found[0]["id"])

"""What an API token may be used for: its scopes (``read``, ``write``, ``admin``, ``mail``).

A scope only narrows. Whatever a token is let through to, its owner's role rules
(``app.domain.access``) still decide; a token without ``admin`` cannot do an admin's work even
for an admin, and no scope makes a rep an admin. Which routes need which scope is the HTTP
layer's (``app.http.scopes``); what is decided here is what a new token may hold, and the
checks that depend on the data rather than the route (another user's tokens are an admin's).

Web sessions and the operator's shell hold no token: their ``scopes`` are ``None``, which every
check here lets through.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.db.models import Role, TokenScope, User
from app.errors import Forbidden, Invalid

Scopes = frozenset[TokenScope]

# A new token reads and writes as its owner; admin work and the mail gateway's posting are
# asked for by name, so that a token copied to a laptop is not an admin's by accident.
DEFAULT_SCOPES: Scopes = frozenset({TokenScope.read, TokenScope.write})


def full_scopes(owner: User) -> Scopes:
    """Every scope ``owner`` may hold: what tokens made before scopes existed could do."""
    if owner.role == Role.admin:
        return frozenset(TokenScope)
    return frozenset(TokenScope) - {TokenScope.admin}


def ensure_scope(scopes: Scopes | None, needed: TokenScope) -> None:
    """Refuse a token without ``needed``: a 403 that names the scope and nothing else."""
    if scopes is not None and needed not in scopes:
        raise Forbidden(f"token lacks the {needed.value} scope")


def new_token_scopes(
    requested: Iterable[TokenScope] | None, *, owner: User, parent: Scopes | None
) -> Scopes:
    """The scopes of a token made for ``owner``: those asked for (default: read and write).

    ``admin`` only for an admin's token. A token made with a token holds nothing its parent
    lacks, or a read-only token would mint a writing one; the default is narrowed to the
    parent's, as a token's expiry is, and an explicit request beyond it is refused."""
    if requested is None:
        scopes = DEFAULT_SCOPES if parent is None else DEFAULT_SCOPES & parent
    else:
        scopes = frozenset(requested)
    if not scopes:
        raise Invalid("a token needs at least one scope")
    # The owner's role first: it is the answer that tells a rep what to do (ask an admin).
    if TokenScope.admin in scopes and owner.role != Role.admin:
        raise Forbidden("only an admin's token may have the admin scope")
    for scope in sorted(scopes):
        ensure_scope(parent, scope)
    return scopes

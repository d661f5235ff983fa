"""Which token scope each API route needs: the one table, applied by ``deps.get_current_user``
to every route that takes a token and documented on every operation by ``app.http.openapi``.

A route needs exactly one scope, by its class:
- ``mail``: posting a raw e-mail (the mail gateway's one job);
- ``admin``: the routes only an admin may use (users, teams, the audit trail, erasures,
  suppressions, subject access, the retention review, successors and handover requests);
- ``read``: GET and HEAD, and the POSTs that only read (a search, a meeting brief, a
  sensitive-fact check), so that a read-only token can ask questions;
- ``write``: every other POST, PUT, PATCH and DELETE.

Where being an admin depends on the data rather than the route (another user's tokens), the
domain checks the scope (``app.domain.token_scopes``). A scope is checked only after the token
is known to be valid, and then before anything else: a refused request learns nothing but the
scope it lacks. Web sessions are not tokens and have no scopes.
"""

from __future__ import annotations

from app.db.models import TokenScope

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

MAIL_ROUTES = frozenset({("POST", "/v1/inbound/email")})

ADMIN_ROUTES = frozenset(
    {
        ("POST", "/v1/users"),
        ("PATCH", "/v1/users/{user_id}"),
        ("POST", "/v1/teams"),
        ("GET", "/v1/audit"),
        ("POST", "/v1/contacts/{contact_id}/erase"),
        ("GET", "/v1/contacts/{contact_id}/subject-access"),
        ("GET", "/v1/suppressions"),
        ("DELETE", "/v1/suppressions/{suppression_id}"),
        ("POST", "/v1/curation/retention/{note_id}/erase"),
        ("POST", "/v1/curation/retention/{note_id}/keep"),
        ("PUT", "/v1/users/{user_id}/handover/successors"),
        ("POST", "/v1/users/{user_id}/handover/request"),
    }
)

# POSTs for the sake of a body, which change nothing (their side writes, such as the search
# log, are the reader's own record, as a GET's views are).
READING_POSTS = frozenset(
    {("POST", "/v1/search"), ("POST", "/v1/briefs/meeting"), ("POST", "/v1/notes/check")}
)


def required_scope(method: str, path: str) -> TokenScope:
    """The scope a token needs for ``method`` on the route template ``path``."""
    route = (method.upper(), path)
    if route in MAIL_ROUTES:
        return TokenScope.mail
    if route in ADMIN_ROUTES:
        return TokenScope.admin
    if route[0] in READ_METHODS or route in READING_POSTS:
        return TokenScope.read
    return TokenScope.write

"""The settings page's forms: a new password, and a new API token. As in ``app.web.forms``,
what was typed is kept (never a password) and each problem is shown beside its field."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import TypeAdapter, ValidationError

from app.db.models import TokenScope
from app.domain.token_scopes import DEFAULT_SCOPES
from app.schemas.users import Password, TokenCreate
from app.web.forms import Errors

_PASSWORD = TypeAdapter(Password)
MAX_TOKEN_DAYS = 3650  # as TokenCreate's


@dataclass
class PasswordForm:
    """A new password, typed twice, with the current one; none of them is ever shown again."""

    new: str = ""
    errors: Errors = field(default_factory=dict)

    @classmethod
    def parse(cls, *, current: str, new: str, confirm: str) -> PasswordForm:
        form = cls(new=new)
        if not current:
            form.errors["current"] = "Give your current password."
        try:
            _PASSWORD.validate_python(new)
        except ValidationError:
            form.errors["new"] = "Choose a password of 10 to 200 characters."
        if "new" not in form.errors and new != confirm:
            form.errors["confirm"] = "The two new passwords differ."
        return form


@dataclass
class TokenForm:
    name: str = "api"
    expires_in_days: str = "90"
    # The boxes ticked: a new form ticks the API's default scopes.
    scopes: list[str] = field(default_factory=lambda: sorted(DEFAULT_SCOPES))
    errors: Errors = field(default_factory=dict)

    def to_create(self) -> TokenCreate | None:
        """The token to create (for the viewer), or None with ``errors`` filled in."""
        days = self.expires_in_days.strip()
        if days and not (days.isdigit() and 1 <= int(days) <= MAX_TOKEN_DAYS):
            self.errors["expires_in_days"] = f"Give a number of days from 1 to {MAX_TOKEN_DAYS}."
        name = " ".join(self.name.split())
        if not name or len(name) > 100:
            self.errors["name"] = "Name the token in at most 100 characters, e.g. laptop."
        known = {scope.value for scope in TokenScope}
        if not self.scopes or not set(self.scopes) <= known:
            self.errors["scopes"] = "Tick at least one of the scopes offered."
        if self.errors:
            return None
        return TokenCreate(
            name=name,
            expires_in_days=int(days) if days else None,
            scopes=[TokenScope(s) for s in self.scopes],
        )

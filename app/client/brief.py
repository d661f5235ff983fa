"""The one-page account brief: who the buying influences are, how they relate, and what
colleagues wrote most recently.

The server has no brief endpoint yet, so ``fetch_brief`` builds one from the account, contact
and note endpoints. When the server grows ``GET /v1/accounts/{id}/brief``, only ``fetch_brief``
changes: the rest works on ``Brief``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from app.client.http import Api
from app.client.render import age_words, days_since, first_line
from app.client.resolve import resolve_account

BUYING_ROLES = {
    "economic": "economic buyer",
    "technical": "technical buyer",
    "user": "user buyer",
    "coach": "coach",
    "unknown": "role unknown",
}
# Every deal needs these; a brief says when one is missing.
EXPECTED_ROLES = ("economic", "technical", "user", "coach")


@dataclass(frozen=True)
class Brief:
    account: dict[str, Any]
    contacts: list[dict[str, Any]]  # the API's contacts, in the API's order
    notes: list[dict[str, Any]]  # the most recent, newest observation first
    more_notes: bool

    def by_role(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {role: [] for role in BUYING_ROLES}
        for contact in self.contacts:
            grouped.setdefault(contact["buying_role"], []).append(contact)
        return grouped

    def reports_to(self, contact: dict[str, Any]) -> str | None:
        boss_id = contact.get("reports_to_id")
        if boss_id is None:
            return None
        boss = next((c for c in self.contacts if c["id"] == boss_id), None)
        return boss["name"] if boss else f"contact {boss_id}"

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "contacts_by_role": self.by_role(),
            "recent_notes": self.notes,
            "more_notes": self.more_notes,
        }


def fetch_brief(api: Api, ref: str, *, notes: int) -> Brief:
    account = resolve_account(api, ref)
    contacts = list(api.items("/v1/contacts", account_id=account["id"]))
    page = api.get("/v1/notes", account_id=account["id"], limit=notes)
    return Brief(
        account=account,
        contacts=contacts,
        notes=page["items"],
        more_notes=page.get("next_cursor") is not None,
    )


def _heading(account: dict[str, Any]) -> Text:
    heading = Text(account["name"], style="bold")
    heading.append(f"  (account {account['id']})", style="dim")
    facts = [
        ", ".join(account.get("domains") or []),
        ("also " + ", ".join(account["aliases"])) if account.get("aliases") else "",
        account.get("industry") or "",
        account.get("region") or "",
    ]
    if line := " · ".join(f for f in facts if f):
        heading.append("\n" + line)
    return heading


def _people(brief: Brief) -> Table:
    table = Table("role", "name", "title", "reports to", "e-mail", box=None, pad_edge=False)
    for role, contacts in brief.by_role().items():
        label = BUYING_ROLES.get(role, role)
        if not contacts and role in EXPECTED_ROLES:
            table.add_row(label, Text("no one known", style="dim italic"), "", "", "")
        for i, contact in enumerate(contacts):
            table.add_row(
                label if i == 0 else "",
                contact["name"],
                contact.get("title") or "",
                brief.reports_to(contact) or "",
                contact.get("email") or "",
            )
    return table


def _notes(brief: Brief) -> RenderableType:
    if not brief.notes:
        return Text("no notes yet that you may read", style="dim italic")
    table = Table("observed", "author", "note", box=None, pad_edge=False)
    table.columns[2].ratio = 1
    for note in brief.notes:
        age = age_words(days_since(note["observed_at"]))
        table.add_row(
            f"{note['observed_at'][:10]} ({age})", note["author"]["name"], first_line(note["body"])
        )
    return table


def render_brief(brief: Brief) -> Group:
    more = (
        f" (the {len(brief.notes)} most recent; --notes N shows more)" if brief.more_notes else ""
    )
    return Group(
        _heading(brief.account),
        Text("\nBuying influences", style="bold underline"),
        _people(brief),
        Text(f"\nRecent notes{more}", style="bold underline"),
        _notes(brief),
    )

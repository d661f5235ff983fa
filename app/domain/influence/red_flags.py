"""Red flags of an account's influence map, computed for one reader and explained in words.

An *influence* here is a contact whose record holds a confirmed buying role (not one whose
title says they left: "Former CFO"). The flags:

- ``missing_role``: no influence holds the economic, technical or user buyer's role;
- ``no_coach``: no influence is our coach;
- ``not_met``: no colleague has met an influence (in a note the reader may read) within
  ``TACIT_COVERAGE_DAYS``;
- ``hostile_rating``: a contact rates us -3 or lower;
- ``complacent_economic_buyer``: an economic buyer in even-keel or overconfident mode (they
  see no reason to change, or think it is already won);
- ``new_player``: since the last review (``records.reviewed_at``), a contact was added, or a
  note the reader may read says someone left their post (``app.search.mentions.departures``);
  an account never reviewed has no "since";
- ``single_coverage``: one colleague alone covers every influence (two or more of them).

Everything counted comes from what the reader may read: coverage from their notes, departures
from their notes; records and contacts are shared records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, lazyload

from app.db.models import Note, User
from app.domain.access import visible_notes
from app.domain.influence.records import AccountMap, Influence, account_map
from app.search.mentions import Person, departures, sentences

CODES = (
    "missing_role",
    "no_coach",
    "not_met",
    "hostile_rating",
    "complacent_economic_buyer",
    "new_player",
    "single_coverage",
)
HOSTILE = -3
COMPLACENT = ("even_keel", "overconfident")
ROLE_NAMES = {
    "economic": "economic buyer",
    "technical": "technical buyer",
    "user": "user buyer",
    "coach": "coach",
}


@dataclass(frozen=True)
class RedFlag:
    code: str
    message: str
    role: str | None = None
    contact_ids: list[int] = field(default_factory=list)


def influences_of(amap: AccountMap) -> list[Influence]:
    """The contacts that hold a confirmed buying role and have not left."""
    return [
        i
        for i in amap.influences
        if i.roles and not (i.contact.title or "").lower().startswith("former")
    ]


def red_flags(
    session: Session, viewer: User, amap: AccountMap, *, coverage_days: int
) -> list[RedFlag]:
    now = amap.generated_at
    influences = influences_of(amap)
    flags: list[RedFlag] = []
    for role in ("economic", "technical", "user", "coach"):
        if any(role in i.roles for i in influences):
            continue
        candidates = [
            i.contact for i in amap.influences if any(v.value == role for v in i.suggested("roles"))
        ]
        hint = f" (the notes suggest {_names([c.name for c in candidates])})" if candidates else ""
        if role == "coach":
            message = f"no coach: nobody inside is confirmed to guide us{hint}"
        else:
            message = f"no {ROLE_NAMES[role]} confirmed{hint}"
        code = "no_coach" if role == "coach" else "missing_role"
        flags.append(RedFlag(code, message, role, [c.id for c in candidates]))
    since = now - timedelta(days=coverage_days)
    for influence in influences:
        last = influence.coverage.last_met_at
        if last is None or last < since:
            when = "ever, in the notes you can read" if last is None else f"since {last:%Y-%m-%d}"
            flags.append(
                RedFlag(
                    "not_met",
                    f"nobody has met {_who(influence)} in {coverage_days} days (no meeting {when})",
                    influence.roles[0],
                    [influence.contact.id],
                )
            )
    for influence in amap.influences:
        rating = influence.confirmed.rating
        if rating is not None and rating <= HOSTILE:
            flags.append(
                RedFlag(
                    "hostile_rating",
                    f"{_who(influence)} rates us {rating:+d}",
                    influence.roles[0] if influence.roles else None,
                    [influence.contact.id],
                )
            )
    for influence in influences:
        mode = influence.confirmed.mode
        if "economic" in influence.roles and mode in COMPLACENT:
            reason = influence.confirmed.mode_reason
            flags.append(
                RedFlag(
                    "complacent_economic_buyer",
                    f"the economic buyer {influence.contact.name} is in "
                    f"{mode.replace('_', '-')} mode: they see no reason to change"
                    + (f" ({reason})" if reason else ""),
                    "economic",
                    [influence.contact.id],
                )
            )
    flags += _new_players(session, viewer, amap)
    covering = set().union(*(i.coverage.covered_by() for i in influences)) if influences else set()
    if len(influences) >= 2 and len(covering) == 1:
        colleague = influences[0].coverage.colleagues[0].user
        flags.append(
            RedFlag(
                "single_coverage",
                f"{colleague.name} alone covers every buying influence "
                f"({len(influences)} people): the relationship lives in one head",
                None,
                [i.contact.id for i in influences],
            )
        )
    return flags


def _new_players(session: Session, viewer: User, amap: AccountMap) -> list[RedFlag]:
    reviewed = amap.reviewed_at
    if reviewed is None:
        return []
    flags = []
    when = f"{reviewed:%Y-%m-%d}"
    for influence in amap.influences:
        if influence.contact.created_at > reviewed:
            flags.append(
                RedFlag(
                    "new_player",
                    f"{_who(influence)} was added after the last review ({when})",
                    influence.roles[0] if influence.roles else None,
                    [influence.contact.id],
                )
            )
    people = [Person(i.contact.id, i.contact.name, i.contact.title) for i in amap.influences]
    by_id = {i.contact.id: i for i in amap.influences}
    left: set[int] = set()
    for body in session.scalars(
        select(Note.body)
        .where(
            Note.account_id == amap.account.id,
            visible_notes(viewer),
            or_(Note.created_at > reviewed, Note.observed_at > reviewed),
        )
        .order_by(Note.observed_at, Note.id)
        .options(lazyload("*"))
    ):
        for sentence in sentences(body):
            left |= departures(sentence, people)
    for contact_id in sorted(left):
        influence = by_id[contact_id]
        flags.append(
            RedFlag(
                "new_player",
                f"a note since the last review ({when}) says {influence.contact.name} left "
                "their post",
                influence.roles[0] if influence.roles else None,
                [contact_id],
            )
        )
    return flags


def _who(influence: Influence) -> str:
    roles = ", ".join(ROLE_NAMES[r] for r in influence.roles if r in ROLE_NAMES)
    return f"{influence.contact.name} ({roles})" if roles else influence.contact.name


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass
class MapView:
    """An account's map and its red flags, for one reader."""

    map: AccountMap
    red_flags: list[RedFlag]


def account_view(
    session: Session,
    viewer: User,
    account_id: int,
    *,
    coverage_days: int,
    now: datetime | None = None,
) -> MapView:
    amap = account_map(session, viewer, account_id, now=now)
    return MapView(amap, red_flags(session, viewer, amap, coverage_days=coverage_days))

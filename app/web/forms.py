"""The web page's forms: what was typed, kept as typed so a form shown again with its errors
loses nothing, turned into the API's own input models, with an error to show beside each
field. Nothing here raises for bad input."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from pydantic import ValidationError

from app.db.models import Visibility
from app.schemas.common import MAX_ID, MAX_NOTE_CHARS
from app.schemas.notes import NoteCreate, NoteUpdate

Errors = dict[str, str]
# A past day is stored at noon UTC, so it stays the same calendar day in most time zones.
_NOON = time(12, tzinfo=UTC)
MAX_QUERY_CHARS = 1000  # as SearchQuery.q
MAX_PAGES = 5  # of search hits: 5 x 20 is the API's most (MAX_RESULTS)


def parse_id(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None


def parse_day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2999 else None


def _first_errors(exc: ValidationError, messages: dict[tuple[str, str], str]) -> Errors:
    errors: Errors = {}
    for err in exc.errors():
        where = str(err["loc"][0]) if err["loc"] else ""
        name = {"account_id": "account", "": "account"}.get(where, where)
        errors.setdefault(name, messages.get((where, err["type"]), err["msg"]))
    return errors


_NOTE_MESSAGES = {
    ("body", "string_too_short"): "Write the note.",
    ("body", "string_too_long"): f"A note holds at most {MAX_NOTE_CHARS:,} characters.",
    ("account", "string_too_long"): "That is too long for an account's name or domain.",
}


@dataclass
class NoteForm:
    body: str = ""
    account: str = ""  # what was typed: a name, domain, alias or e-mail, resolved like the API
    account_id: int | None = None  # set when the page was opened for one account
    contact_ids: list[int] = field(default_factory=list)
    visibility: str = Visibility.team.value
    observed_on: str = ""
    form_key: str = ""
    # The sensitive categories the writer was warned about (comma-separated): saving a note
    # that states no others, with a wider visibility than private, is their informed choice.
    sensitive_ack: str = ""
    errors: Errors = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        *,
        body: str,
        account: str,
        account_id: str,
        contact_ids: list[str],
        visibility: str,
        observed_on: str,
        form_key: str,
        sensitive_ack: str = "",
    ) -> NoteForm:
        form = cls(
            body=body,
            account=account.strip(),
            account_id=parse_id(account_id),
            visibility=visibility,
            observed_on=observed_on.strip(),
            form_key=form_key.strip()[:64],
            sensitive_ack=sensitive_ack.strip()[:200],
        )
        for raw in contact_ids:
            if (contact_id := parse_id(raw)) is None:
                form.errors["contact_ids"] = "A chosen contact is not one of this account's."
            else:
                form.contact_ids.append(contact_id)
        return form

    def to_create(self, *, now: datetime) -> NoteCreate | None:
        """The note to create, or None with ``errors`` filled in."""
        if self.visibility not in Visibility.__members__:
            self.errors["visibility"] = "Choose who may read the note."
        observed = self._observed_at(now)
        if self.account_id is None and not self.account:
            self.errors.setdefault("account", "Choose the account this note is about.")
        if self.errors:
            return None
        try:
            return NoteCreate(
                body=self.body,
                account_id=self.account_id,
                account=None if self.account_id else self.account,
                contact_ids=self.contact_ids,
                visibility=Visibility(self.visibility),
                observed_at=observed,
                source="web",
            )
        except ValidationError as exc:
            self.errors.update(_first_errors(exc, _NOTE_MESSAGES))
            return None

    def warned_of(self, categories: list[str]) -> bool:
        """Whether the writer has been shown a warning covering all these categories."""
        return set(categories) <= set(self.sensitive_ack.split(","))

    def _observed_at(self, now: datetime) -> datetime | None:
        if not self.observed_on:
            return now
        day = parse_day(self.observed_on)
        if day is None:
            self.errors["observed_on"] = "Give a date like 2026-03-31."
            return None
        today = now.date()
        # Ahead of UTC it may already be tomorrow: today or tomorrow both mean "now".
        if day > today + timedelta(days=1):
            self.errors["observed_on"] = "That date is in the future."
            return None
        return now if day >= today else datetime.combine(day, _NOON)


@dataclass
class EditForm:
    """A note's edit: its text and audience, and the ETag of the version the writer started
    from (``"v3"``), which the save sends as the API's ``If-Match``."""

    body: str = ""
    visibility: str = ""
    if_match: str = ""
    errors: Errors = field(default_factory=dict)

    def to_update(self) -> NoteUpdate | None:
        """The change to make, or None with ``errors`` filled in."""
        if self.visibility not in Visibility.__members__:
            self.errors["visibility"] = "Choose who may read the note."
            return None
        try:
            return NoteUpdate(body=self.body, visibility=Visibility(self.visibility))
        except ValidationError as exc:
            self.errors.update(_first_errors(exc, _NOTE_MESSAGES))
            return None


@dataclass
class SearchForm:
    q: str = ""
    account: str = ""
    author_id: int | None = None
    since: str = ""
    until: str = ""
    contact_id: int | None = None  # only notes that name this contact
    wide: bool = False  # the accounts the question names do not narrow it
    pages: int = 1  # how many pages of hits to show, the first included
    errors: Errors = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        *,
        q: str,
        account: str,
        author_id: str,
        since: str,
        until: str,
        contact_id: str = "",
        wide: str = "",
        pages: str = "",
    ) -> SearchForm:
        form = cls(
            q=" ".join(q.split()),
            account=account.strip(),
            author_id=parse_id(author_id),
            since=since.strip(),
            until=until.strip(),
            contact_id=parse_id(contact_id),
            wide=wide == "1",
            pages=min(int(pages), MAX_PAGES) if pages.isdigit() and int(pages) >= 1 else 1,
        )
        if len(form.q) > MAX_QUERY_CHARS:
            form.errors["q"] = f"Ask in at most {MAX_QUERY_CHARS:,} characters."
        for name in ("since", "until"):
            if getattr(form, name) and parse_day(getattr(form, name)) is None:
                form.errors[name] = "Give a date like 2026-03-31."
        start, end = form.since_at, form.until_at
        if start and end and start >= end:
            form.errors["until"] = "The end date is before the start date."
        return form

    @property
    def since_at(self) -> datetime | None:
        day = parse_day(self.since) if self.since else None
        return datetime.combine(day, time(tzinfo=UTC)) if day else None

    @property
    def until_at(self) -> datetime | None:
        """The end date is inclusive on the page; the domain's ``until`` is exclusive."""
        day = parse_day(self.until) if self.until else None
        return datetime.combine(day + timedelta(days=1), time(tzinfo=UTC)) if day else None

    @property
    def filtered(self) -> bool:
        return bool(self.account or self.author_id or self.since or self.until)

    def query(self, **changes: str) -> str:
        """This search as a query string, with ``changes``; empty values are left out."""
        values = {
            "q": self.q,
            "account": self.account,
            "author_id": str(self.author_id or ""),
            "since": self.since,
            "until": self.until,
            "contact_id": str(self.contact_id or ""),
            "wide": "1" if self.wide else "",
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})


@dataclass
class AccountListForm:
    """The account list's search and filters, as typed; unknown values are dropped."""

    q: str = ""
    industry: str = ""
    region: str = ""
    stale: bool = False
    red_flag: str = ""

    @classmethod
    def parse(
        cls, *, q: str, industry: str, region: str, stale: str, red_flag: str, flags: Iterable[str]
    ) -> AccountListForm:
        return cls(
            q=" ".join(q.split())[:200],
            industry=industry.strip()[:100],
            region=region.strip()[:100],
            stale=stale == "1",
            red_flag=red_flag if red_flag in flags else "",
        )

    def query(self, **changes: str) -> str:
        """This form as a query string, with ``changes``; empty values are left out."""
        values = {
            "q": self.q,
            "industry": self.industry,
            "region": self.region,
            "stale": "1" if self.stale else "",
            "red_flag": self.red_flag,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})


@dataclass
class PeriodForm:
    """The dashboard's filters: a period of whole days (the end inclusive, as on the search
    form), a team (an id or a name) and, for coverage, a gap and a red flag. Empty dates mean the
    ``default_days`` up to today, written into the form so the page says which days it shows."""

    since: str = ""
    until: str = ""
    team: str = ""
    gap: str = ""
    red_flag: str = ""
    sort: str = ""
    errors: Errors = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        *,
        since: str,
        until: str,
        team: str = "",
        gap: str = "",
        red_flag: str = "",
        sort: str = "",
        today: date,
        default_days: int,
    ) -> PeriodForm:
        form = cls(
            since=since.strip()[:32],
            until=until.strip()[:32],
            team=team.strip()[:100],
            gap=gap.strip()[:32],
            red_flag=red_flag.strip()[:32],
            sort=sort.strip()[:32],
        )
        for name in ("since", "until"):
            if getattr(form, name) and parse_day(getattr(form, name)) is None:
                form.errors[name] = "Give a date like 2026-03-31."
        if form.errors:
            return form
        end = parse_day(form.until) if form.until else today
        assert end is not None
        form.until = end.isoformat()
        if not form.since:
            form.since = (end - timedelta(days=default_days - 1)).isoformat()
        start = parse_day(form.since)
        if start is not None and start > end:
            form.errors["until"] = "The end date is before the start date."
        return form

    @property
    def since_at(self) -> datetime:
        day = parse_day(self.since)
        assert day is not None and not self.errors, "read the period of a valid form only"
        return datetime.combine(day, time(tzinfo=UTC))

    @property
    def until_at(self) -> datetime:
        """The end date is inclusive on the page; the domain's ``until`` is exclusive."""
        day = parse_day(self.until)
        assert day is not None and not self.errors, "read the period of a valid form only"
        return datetime.combine(day + timedelta(days=1), time(tzinfo=UTC))

    def query(self, **changes: str) -> str:
        """This form as a query string, with ``changes``; empty values are left out."""
        values = {
            "since": self.since,
            "until": self.until,
            "team": self.team,
            "gap": self.gap,
            "red_flag": self.red_flag,
            "sort": self.sort,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})


# The influence record's forms (the contact page): one field per form.

MAX_EVIDENCE = 20  # as InfluenceDecisionCreate's
_NOT_A_FIELD = "Choose one of the record's fields."
_RATING = "Give a whole number from -5 to +5."


def parse_rating(text: str) -> int | None:
    """A rating as typed ("+3", "-2", "0"), or None when it is not a whole number in range."""
    text = text.strip().replace("\u2212", "-")  # a typographic minus, as the page shows it
    digits = text.removeprefix("+").removeprefix("-")
    if not digits.isdigit() or len(digits) > 1:
        return None
    value = int(text)
    return value if -5 <= value <= 5 else None


@dataclass
class DecisionForm:
    """Confirm or reject one value of one field, citing the sentences it was read from."""

    name: str = ""
    value: str | int = ""
    confirm: bool = True
    evidence: list[tuple[int, str]] = field(default_factory=list)
    reason: str | None = None
    errors: Errors = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        *,
        field_name: str,
        value: str,
        decision: str,
        note_ids: list[str],
        sentences: list[str],
        reason: str,
        fields: tuple[str, ...],
    ) -> DecisionForm:
        form = cls(name=field_name.strip(), value=value.strip(), reason=reason.strip() or None)
        if form.name not in fields:
            form.errors["field"] = _NOT_A_FIELD
            return form
        if decision not in ("confirm", "reject"):
            form.errors[form.name] = "Choose to confirm or to reject."
        form.confirm = decision == "confirm"
        if form.name == "rating":
            rating = parse_rating(value)
            if rating is None:
                form.errors[form.name] = _RATING
            else:
                form.value = rating
        elif not form.value:
            form.errors[form.name] = "There is no value to decide on."
        ids = [parse_id(raw) for raw in note_ids]
        if len(ids) != len(sentences) or len(ids) > MAX_EVIDENCE or None in ids:
            form.errors[form.name] = "The evidence sent with this form is not a note's sentence."
        else:
            form.evidence = [(i, s) for i, s in zip(ids, sentences, strict=True) if i is not None]
        return form


@dataclass
class InfluenceEditForm:
    """Set one field by hand. A list field comes as checked boxes (roles) or as lines of a
    text box (buttons); an empty one-value field clears it."""

    name: str = ""
    changes: dict[str, object] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        *,
        field_name: str,
        value: str,
        values: list[str],
        reason: str,
        fields: tuple[str, ...],
    ) -> InfluenceEditForm:
        form = cls(name=field_name.strip())
        name = form.name
        if name not in fields:
            form.errors["field"] = _NOT_A_FIELD
        elif name == "roles":
            form.changes[name] = [v.strip() for v in values if v.strip()]
        elif name in ("hot_buttons", "cold_buttons"):
            form.changes[name] = [line.strip() for line in value.splitlines() if line.strip()]
        elif name == "rating":
            rating = parse_rating(value) if value.strip() else None
            if value.strip() and rating is None:
                form.errors[name] = _RATING
            form.changes[name] = rating
        else:
            form.changes[name] = " ".join(value.split()) or None
            if name == "mode":
                form.changes["mode_reason"] = " ".join(reason.split()) or None
        return form

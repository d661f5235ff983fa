"""One way in: every new note, whichever channel brings it, is a ``NoteDraft`` given to
``capture`` (one note) or ``capture_many`` (an import's batch). This module is the only one that
constructs ``Note`` rows or indexes new notes (``tests/unit/test_seams.py`` checks both).

The channels build their drafts and call it inside their own unit of work:

- the API and the web page through ``notes.create_note`` (a ``NoteCreate``);
- e-mail through ``inbound`` (a message's sender, and the account its participants point to);
- Slack through ``slack.save_message`` (a message saved with the "Save to Tacit" shortcut, its
  permalink kept as ``source_url``);
- the CSV and data-set imports through ``transfer.csv_import`` and ``transfer.dataset_import``.

For each draft, in the caller's unit of work, ``capture``:

1. checks it: the account exists (by id, or by name, domain, alias or e-mail with the rules of
   ``accounts.pick_account``), the contacts are that account's, the time is not in the future,
   the dedupe keys are fresh, and the text names no person erased at their request
   (``suppressions``);
2. detects the sensitive facts its text states (``sensitivity``), which decide its visibility
   when the channel chose none, and writes the note and its first revision;
3. indexes it: passages now (keyword search finds it at once) and an embedding job in the same
   transaction, so a crash can delay an embedding but never lose one;
4. emits ``note.created``.

It audits nothing per note, as no channel did: an import audits itself, once.

Duplicates are recognised by the draft's keys, decided here and only here once a draft exists:

- ``external_id`` (the API, CSV and data-set imports, and Slack, whose key is the message and
  its author): unique across the base; a taken one is a ``Conflict`` whoever holds it. The
  imports match rows to existing notes by it first (and update those), so their drafts carry
  only free ones.
- ``message_id`` (e-mail): a message becomes at most one note. ``inbound`` claims the message's
  row before a draft can exist (a message may wait in its sender's inbox with no note, and a
  re-delivery of it is answered from that row); the draft's key makes ``capture`` refuse a
  message already filed and link the note to the message, so that a re-delivery finds it.
- The HTTP ``Idempotency-Key`` (and the web form's key) is not a draft's key, because it dedupes
  a request, not a note: its claim must commit before the unit of work so that a concurrent
  retry sees it, and a replay answers with the stored response. So ``app.http.deps`` decides
  it before any draft is built, and a draft exists only for a request whose key was fresh.

What comes after creation has one module each: edits, including an import's revision of a note
(``notes``: ``indexing.note_changed``), deletes (``notes``: ``indexing.note_removed``), merges
(``curation``, through ``freshness.supersede``; the text does not change, so nothing is
re-indexed) and erasures (``erasure``: ``indexing.note_erased``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Account, Contact, InboundMessage, Note, NoteRevision, User, Visibility
from app.domain import events, sensitivity
from app.domain.access import Principal
from app.domain.accounts import pick_account
from app.domain.sensitivity import SPECIAL_ONLY, Categories
from app.domain.suppressions import Screen
from app.errors import Conflict, Invalid
from app.search import indexing

# A phone with a wrong clock may post a little "from the future"; more than this is a mistake.
CLOCK_SKEW = timedelta(minutes=5)
_CHUNK = 2000  # values per IN (...) list

DedupeKind = Literal["external_id", "message_id"]


@dataclass(frozen=True)
class DedupeKey:
    """What makes a second arrival of the same note recognisable (see the module docstring)."""

    kind: DedupeKind
    value: str


@dataclass(frozen=True, kw_only=True)
class AccountRef:
    """An account as a person names it: by id, or by name, domain, alias or e-mail."""

    id: int | None = None
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class NoteDraft:
    """A note as a channel hands it in. ``account`` is an ``AccountRef``, or an ``Account`` the
    channel resolved with rules of its own (e-mail votes by participants; an import looks each
    name up once for thousands of rows). ``observed_at`` None is now; ``visibility`` None is
    the writer's not choosing one (``sensitivity.visibility_for`` then decides).
    ``written_at`` is when the note was written at its source, for a channel bringing notes
    from elsewhere (an import row's date, an e-mail's); None is now, written here."""

    source: str
    author: User
    account: Account | AccountRef
    body: str
    visibility: Visibility | None
    contact_ids: tuple[int, ...] = ()
    observed_at: datetime | None = None
    written_at: datetime | None = None
    external_id: str | None = None
    message_id: str | None = None  # the e-mail this note is, for its sender
    source_url: str | None = None  # where it came from, as a page: a Slack message's permalink

    @property
    def keys(self) -> tuple[DedupeKey, ...]:
        """What would make this draft a repeat of a note captured before."""
        keys = [DedupeKey("external_id", self.external_id)] if self.external_id else []
        if self.message_id is not None:
            keys.append(DedupeKey("message_id", self.message_id))
        return tuple(keys)


def capture(
    session: Session,
    actor: Principal,
    draft: NoteDraft,
    *,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> Note:
    """Check, write, index and announce one note; ``actor`` made the change (the system for
    ``tacit import``), ``draft.author`` is credited. ``sensitive_categories`` are the
    deployment's (``Settings.sensitive_categories``)."""
    return capture_many(session, actor, [draft], sensitive_categories=sensitive_categories)[0]


def capture_many(
    session: Session,
    actor: Principal,
    drafts: Sequence[NoteDraft],
    *,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> list[Note]:
    """``capture`` for a batch: checked in a few queries, indexed in bulk. All or nothing: the
    first draft that fails raises, and the caller's unit of work rolls back."""
    now = utcnow()
    accounts = [_account(session, d.account) for d in drafts]
    for draft in drafts:
        check_observed(draft.observed_at or now, now=now)
    ensure_fresh(session, drafts)
    ensure_no_erased_person(session, drafts, accounts)
    contacts = _contacts(session, drafts, accounts)
    notes = [
        _write(
            session,
            actor,
            draft,
            account,
            mentioned,
            sensitive=sensitivity.detect(draft.body, sensitive_categories),
            now=now,
        )
        for draft, account, mentioned in zip(drafts, accounts, contacts, strict=True)
    ]
    indexing.notes_added(session, notes)
    for draft, note in zip(drafts, notes, strict=True):
        if draft.message_id is not None:
            _file_message(session, draft.author, draft.message_id, note, now=now)
    return notes


def check_observed(observed_at: datetime, *, now: datetime | None = None) -> None:
    """When a fact was observed may not be in the future (edits obey it too)."""
    if observed_at > (now or utcnow()) + CLOCK_SKEW:
        raise Invalid("observed_at is in the future")


def ensure_fresh(session: Session, drafts: Sequence[NoteDraft]) -> None:
    """Refuse a draft captured before, by any of its keys: the one place that decides."""
    external_ids: dict[str, None] = {}  # in the drafts' order
    for draft in drafts:
        for key in draft.keys:
            if key.kind == "message_id":
                ensure_message_unfiled(_message(session, draft.author, key.value))
            elif key.value in external_ids:
                _external_id_taken(key.value)
            else:
                external_ids[key.value] = None
    ids = list(external_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        taken = session.scalar(select(Note.external_id).where(Note.external_id.in_(chunk)))
        if taken is not None:
            _external_id_taken(taken)


def ensure_no_erased_person(
    session: Session, drafts: Sequence[NoteDraft], accounts: Sequence[Account]
) -> None:
    """Refuse a draft naming a person erased at their request (``suppressions``): the one
    check every channel passes through."""
    screen = Screen(session)
    for draft, account in zip(drafts, accounts, strict=True):
        if (found := screen.text(account.id, draft.body)) is not None:
            raise found.refuse("the note")


def ensure_message_unfiled(item: InboundMessage) -> None:
    """A message becomes one note: filing it twice is refused, naming the note it became."""
    if item.resolved_at is not None:
        raise Conflict(
            f"this message is already filed, as note {item.note_id}", note_id=item.note_id
        )


def _external_id_taken(external_id: str) -> NoReturn:
    # The same answer whoever holds it, so that it tells nothing of a note the writer may not
    # read.
    raise Conflict(
        f"the external id {external_id!r} is already in use; external ids are unique "
        "across Tacit: choose another"
    )


def _account(session: Session, ref: Account | AccountRef) -> Account:
    if isinstance(ref, Account):
        return ref
    return pick_account(session, ref.id, ref.name)


def _contacts(
    session: Session, drafts: Sequence[NoteDraft], accounts: Sequence[Account]
) -> list[list[Contact]]:
    """Each draft's contacts, in its order, all of which must be its account's."""
    wanted = sorted({cid for d in drafts for cid in d.contact_ids})
    found: dict[int, Contact] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            (c.id, c) for c in session.scalars(select(Contact).where(Contact.id.in_(chunk)))
        )
    chosen: list[list[Contact]] = []
    for draft, account in zip(drafts, accounts, strict=True):
        ids = list(dict.fromkeys(draft.contact_ids))
        strangers = [c for c in ids if c not in found or found[c].account_id != account.id]
        if strangers:
            raise Invalid(
                f"contacts {strangers} are not contacts of this note's account",
                contact_ids=strangers,
            )
        chosen.append([found[c] for c in ids])
    return chosen


def _write(
    session: Session,
    actor: Principal,
    draft: NoteDraft,
    account: Account,
    contacts: list[Contact],
    *,
    sensitive: list[str],
    now: datetime,
) -> Note:
    author = draft.author
    note = Note(
        account_id=account.id,
        author_id=author.id,  # the caller's User may belong to another session: link by id
        team_id=author.team_id,
        body=draft.body,
        visibility=sensitivity.visibility_for(draft.visibility, sensitive),
        sensitive=sensitive,
        observed_at=draft.observed_at or now,
        written_at=draft.written_at or now,
        source=draft.source,
        external_id=draft.external_id,
        source_url=draft.source_url,
        version=1,
        contacts=contacts,
    )
    session.add(note)
    session.add(snapshot_revision(note, author.id))
    # ``note=``: the note has no id until the flush, which a batch does once.
    events.emit(session, "note.created", actor=actor, note=note, account_id=account.id)
    return note


def snapshot_revision(note: Note, editor_id: int) -> NoteRevision:
    """The note as it now stands, as a revision: its first here, its next in ``notes``."""
    return NoteRevision(
        note=note,
        version=note.version,
        account_id=note.account_id,
        body=note.body,
        visibility=note.visibility,
        observed_at=note.observed_at,
        contact_ids=[c.id for c in note.contacts],
        edited_by_id=editor_id,
    )


def _message(session: Session, sender: User, message_id: str) -> InboundMessage:
    item = session.scalar(
        select(InboundMessage).where(
            InboundMessage.user_id == sender.id, InboundMessage.message_id == message_id
        )
    )
    if item is None:  # pragma: no cover - inbound claims the message before drafting it
        raise Conflict(f"message {message_id} was not received first; retry")
    return item


def _file_message(
    session: Session, sender: User, message_id: str, note: Note, *, now: datetime
) -> None:
    """The message is this note now: a re-delivery replays it, and only the note holds its
    text."""
    item = _message(session, sender, message_id)
    item.note_id, item.resolved_at = note.id, now
    item.text = item.unresolved_reason = None
    session.flush()

"""Slack: who a Slack user is in Tacit, linking the two once, and a Slack message saved as a note.

- A Slack user acts as the Tacit user linked to them, and as nobody else: every answer is
  built for that user by the same rules as the API's (``access``). An unlinked, unknown or
  deactivated user is nobody, and gets nothing but how to link.
- Linking: ``/tacit link`` asks for a one-time link (``start_link``); the Tacit user who opens
  it, signed in to the web page, confirms it (``confirm_link``). Only the SHA-256 of the link's
  token is stored, and a link works once, before it expires. An admin may also set the Slack
  user id on a user (``users.update_user``). The workspace (team id) is part of the identity:
  a link made from one workspace does not answer another; an admin's link, which names no
  workspace, answers any.
- Saving a message goes through ``capture`` like every channel. Its dedupe key is the
  message (workspace, channel, timestamp) and the author, so that a double submission is one
  note, and nobody learns from a refusal that a colleague saved the same message.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import Account, Note, SlackLinkRequest, User, Visibility
from app.domain import audit
from app.domain.access import visible_notes
from app.domain.capture import NoteDraft, capture
from app.domain.security import hash_token
from app.domain.sensitivity import Categories, SensitiveWarning, note_warnings
from app.errors import Conflict, Gone, Invalid, NotFound
from app.schemas.common import MAX_NOTE_CHARS

SOURCE = "slack"
# Expired links are deleted when a new one is asked for, once this much older than their end.
KEEP_EXPIRED = timedelta(days=1)


@dataclass(frozen=True)
class SlackIdentity:
    """A Slack user, in their workspace."""

    team_id: str
    user_id: str


def linked_user(session: Session, who: SlackIdentity) -> User | None:
    """The active Tacit user linked to ``who``; None for anyone else."""
    user = session.scalar(select(User).where(User.slack_user_id == who.user_id))
    if user is None or not user.is_active:
        return None
    if user.slack_team_id is not None and user.slack_team_id != who.team_id:
        return None
    return user


# --- linking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewLink:
    """``token`` goes into the link and is never stored."""

    token: str
    expires_at: datetime


def start_link(
    session: Session,
    who: SlackIdentity,
    *,
    user_name: str,
    team_domain: str,
    lifetime: timedelta,
    now: datetime,
) -> NewLink:
    """A one-time link for ``who`` to confirm on the web page."""
    session.execute(
        delete(SlackLinkRequest).where(SlackLinkRequest.expires_at < now - KEEP_EXPIRED)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        SlackLinkRequest(
            token_hash=hash_token(token),
            slack_team_id=who.team_id,
            slack_user_id=who.user_id,
            slack_user_name=user_name[:255],
            slack_team_domain=team_domain[:255],
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return NewLink(token, now + lifetime)


def pending_link(session: Session, token: str, *, now: datetime) -> SlackLinkRequest:
    """The link ``token`` opens, while it may still be confirmed."""
    link = session.scalar(
        select(SlackLinkRequest).where(SlackLinkRequest.token_hash == hash_token(token))
    )
    if link is None:
        raise NotFound("this link is not one Tacit gave out; type /tacit link in Slack for one")
    if link.used_at is not None:
        raise Gone("this link was used already; type /tacit link in Slack for a new one")
    if link.expires_at <= now:
        raise Gone("this link has expired; type /tacit link in Slack for a new one")
    return link


def confirm_link(session: Session, user: User, token: str, *, now: datetime) -> SlackLinkRequest:
    """Link the Slack user who asked for ``token`` to ``user``, who confirmed it. The Slack user
    proved who they are by asking from Slack, so the identity moves here from any other Tacit
    user it was linked to (an admin's mistake, or an old account)."""
    link = pending_link(session, token, now=now)
    # Used once, even when two confirmations race: only one update finds it unused.
    claimed = session.execute(
        update(SlackLinkRequest)
        .where(SlackLinkRequest.id == link.id, SlackLinkRequest.used_at.is_(None))
        .values(used_at=now, user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Gone("this link was used already; type /tacit link in Slack for a new one")
    session.execute(
        update(User)
        .where(User.slack_user_id == link.slack_user_id, User.id != user.id)
        .values(slack_user_id=None, slack_team_id=None)
        .execution_options(synchronize_session=False)
    )
    me = session.get_one(User, user.id)
    me.slack_user_id, me.slack_team_id = link.slack_user_id, link.slack_team_id
    audit.record(
        session,
        me,
        "user.slack_link",
        target_type="user",
        target_id=me.id,
        slack_user_id=link.slack_user_id,
        slack_team_id=link.slack_team_id,
        by="self",
    )
    session.flush()
    session.refresh(link)
    return link


# --- saving a message -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SlackMessage:
    """A message someone chose to save: where it is, and its permalink."""

    team_id: str
    channel_id: str
    ts: str
    permalink: str | None


@dataclass(frozen=True)
class Saved:
    """What saving a message did. ``new`` False: it was saved before by the same person, as
    ``note`` (None when that note has since been deleted)."""

    note: Note | None
    new: bool
    warnings: list[SensitiveWarning]


def message_key(message: SlackMessage, author: User) -> str:
    """The draft's dedupe key (an external id): the message, for this author."""
    return f"slack:{message.team_id}/{message.channel_id}/{message.ts}/{author.id}"


def save_message(
    session: Session,
    author: User,
    message: SlackMessage,
    *,
    account_id: int,
    body: str,
    visibility: Visibility | None,
    sensitive_categories: Categories,
) -> Saved:
    """The message as a note by ``author``, or the note it became before."""
    body = body.strip()
    if not body:
        raise Invalid("the note is empty")
    if len(body) > MAX_NOTE_CHARS or "\x00" in body:
        raise Invalid(f"a note holds at most {MAX_NOTE_CHARS} characters, and no NUL")
    if message.permalink is not None and not message.permalink.startswith("https://"):
        raise Invalid("the message's permalink is not an https address")
    key = message_key(message, author)
    if (earlier := _saved_before(session, author, key)) is not None:
        return earlier
    account = session.get(Account, account_id)
    if account is None:  # chosen from the suggestions, and deleted since
        raise Invalid("that account no longer exists; choose another", field="account")
    draft = NoteDraft(
        source=SOURCE,
        author=author,
        account=account,
        body=body,
        visibility=visibility,
        external_id=key,
        source_url=message.permalink,
    )
    try:
        with session.begin_nested():
            note = capture(session, author, draft, sensitive_categories=sensitive_categories)
    except (Conflict, IntegrityError):
        # The same submission, sent twice at once, committed first: answer with its note.
        if (earlier := _saved_before(session, author, key)) is not None:
            return earlier
        raise
    return Saved(note, True, note_warnings(note))


def _saved_before(session: Session, author: User, key: str) -> Saved | None:
    note_id = session.scalar(select(Note.id).where(Note.external_id == key))
    if note_id is None:
        return None
    note = session.scalar(select(Note).where(Note.id == note_id, visible_notes(author)))
    return Saved(note, False, [])

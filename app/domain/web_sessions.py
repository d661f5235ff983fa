"""Signing in to the web page: e-mail and password, a server-side session per browser, and a
CSRF token per session.

- The cookie carries a random 256-bit token; the database keeps only its SHA-256, like API
  tokens, so a copy of the database signs no one in.
- A session expires ``lifetime`` after the last page seen, and never later than ``MAX_AGE``
  after sign-in. A deactivated user's sessions stop working at once; a password change ends
  them (``end_all``).
- A wrong password and an unknown e-mail get the same answer in the same time (argon2id
  runs either way). Failed attempts are audit events, and after ``MAX_FAILURES`` of them for one
  e-mail within ``FAILURE_WINDOW`` that e-mail is refused until the window has passed, on every
  server process alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.db.engine import Database
from app.db.models import AuditEvent, User, WebSession
from app.db.request import Transactions
from app.domain import audit
from app.domain.access import SYSTEM
from app.domain.security import check_password, hash_password, hash_token

MAX_AGE = timedelta(days=7)
TOUCH_AFTER = timedelta(seconds=60)  # how stale last_seen_at may get before a write
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
WRONG_CREDENTIALS = "The e-mail or the password is wrong."
_FAILED = "web.sign_in_failed"


@dataclass(frozen=True)
class NewSession:
    """``token`` goes into the cookie and is never stored."""

    token: str


@dataclass(frozen=True)
class Refused:
    reason: str


def _email_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def _recent_failures(session: Session, email: str, *, now: datetime) -> int:
    count = session.scalar(
        select(func.count()).where(
            AuditEvent.target_type == "email",
            AuditEvent.target_id == _email_key(email),
            AuditEvent.action == _FAILED,
            AuditEvent.at > now - FAILURE_WINDOW,
        )
    )
    return count or 0


def sign_in(
    db: Database,
    *,
    email: str,
    password: str,
    now: datetime,
    lifetime: timedelta,
    replaces: str | None = None,
) -> NewSession | Refused:
    """Check the password and open a session, or say why not. ``replaces`` is the token of
    the browser's current session, if any, which ends (a sign-in never reuses a token).

    The password is checked outside any transaction: argon2id takes tens of milliseconds, and
    on SQLite a write transaction would hold the database's one write lock that long. A hash of
    an older kind (scrypt) is replaced by an argon2id one in the sign-in's transaction."""
    email = email.strip().lower()[:320]
    with db.session(write=False) as session:
        if _recent_failures(session, email, now=now) >= MAX_FAILURES:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            return Refused(
                f"Too many failed sign-ins for this e-mail. Try again in {minutes} minutes."
            )
        user = session.scalar(select(User).where(User.email == email)) if email else None
    valid, upgraded = check_password(password, user.password_hash if user else None)
    with db.unit_of_work() as session:
        if not valid or user is None:
            # The e-mail only as a hash: people type passwords into the wrong box.
            audit.record(
                session,
                SYSTEM,  # nobody is signed in: the server records the attempt
                _FAILED,
                target_type="email",
                target_id=_email_key(email),
                user_id=user.id if user else None,
            )
            return Refused(WRONG_CREDENTIALS)
        if not user.is_active:
            return Refused("This user is deactivated; ask an admin.")
        if upgraded is not None:
            # Only if the hash is still the one checked: a password changed meanwhile stays.
            session.execute(
                update(User)
                .where(User.id == user.id, User.password_hash == user.password_hash)
                .values(password_hash=upgraded)
            )
        session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        if replaces:
            session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(replaces)))
        token = secrets.token_urlsafe(32)
        session.add(
            WebSession(
                token_hash=hash_token(token),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + min(lifetime, MAX_AGE),
                last_seen_at=now,
            )
        )
        audit.record(session, user, "web.sign_in", target_type="user", target_id=user.id)
        return NewSession(token=token)


def find_session(session: Session, token: str, *, now: datetime) -> WebSession | None:
    """The live session the cookie's token opens, with its (active) user; None otherwise."""
    if not token:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(token)))
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    return row


def needs_touch(row: WebSession, *, now: datetime) -> bool:
    return row.last_seen_at < now - TOUCH_AFTER


def touch(session: Session, session_id: int, *, now: datetime, lifetime: timedelta) -> None:
    """Slide the expiry: ``lifetime`` from now, capped at ``MAX_AGE`` after sign-in."""
    row = session.get(WebSession, session_id)
    if row is not None:
        row.last_seen_at = now
        row.expires_at = min(now + lifetime, row.created_at + MAX_AGE)


def sign_out(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))


def end_all(session: Session, user_id: int) -> None:
    """Sign the user out of every browser (after a password change)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def change_password(
    db: Transactions, user_id: int, *, current: str, new: str, keep: str
) -> Refused | None:
    """The user changes their own password, proving the current one; None when done. Every
    other browser of theirs is signed out; ``keep`` (this browser's session token) stays.

    As in ``sign_in``, the current password is checked outside any transaction (argon2id is
    slow, and SQLite has one write lock), and the new hash is written only if the stored one is
    still the one checked: two changes at once do not both win."""
    with db.unit_of_work(write=False) as session:
        user = session.get(User, user_id)
        stored = user.password_hash if user is not None else None
    valid, _ = check_password(current, stored)
    if not valid or user is None:
        return Refused("The current password is wrong. Nothing was changed.")
    with db.unit_of_work() as session:
        changed = session.execute(
            update(User)
            .where(User.id == user_id, User.password_hash == stored)
            .values(password_hash=hash_password(new))
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            return Refused("The password was changed meanwhile. Sign in again and retry.")
        session.execute(
            delete(WebSession).where(
                WebSession.user_id == user_id, WebSession.token_hash != hash_token(keep)
            )
        )
        audit.record(session, user, "user.password_change", target_type="user", target_id=user_id)
    return None

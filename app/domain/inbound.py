"""E-mail capture: a message becomes a note by its sender, on the account its other participants
point to; when they point nowhere (or nowhere in particular) it waits in the sender's inbox until
they file it. Shared by ``POST /v1/inbound/email`` and ``tacit import-mail``.

Re-delivery is the normal case for mail (gateways retry, people forward twice, imports re-run):
each accepted message has an ``InboundMessage`` row, unique per sender and Message-ID, claimed
before anything else is written, so a second delivery, even a concurrent one, finds the first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Account, Contact, InboundMessage, Note, User, Visibility
from app.domain.access import Principal, can_read, ensure_can_deliver_mail, replay_visible_to
from app.domain.accounts import account_for_address, pick_account
from app.domain.capture import NoteDraft, capture, ensure_message_unfiled
from app.domain.pagination import Page, paginate
from app.domain.sensitivity import SPECIAL_ONLY, Categories
from app.domain.suppressions import Screen
from app.errors import Conflict, Gone, Invalid, NotFound
from app.mail.note import note_body, shorten
from app.mail.parse import Address, Attachment, ParsedMail, parse_mail
from app.schemas.common import MAX_CONTACTS_PER_NOTE, MAX_NOTE_CHARS
from app.schemas.inbound import InboundFile

SOURCE = "email"
_MAX_SUBJECT = 1000
_MAX_REASON = 500

Outcome = Literal["created", "unresolved", "replayed"]


@dataclass(frozen=True)
class Capture:
    outcome: Outcome
    item: InboundMessage
    note: Note | None  # None while the message waits in the inbox, or when not shown
    shown: bool = True  # False: a replay whose caller may learn only that it was one


@dataclass(frozen=True)
class AccountChoice:
    account: Account | None
    contacts: list[Contact]
    reason: str | None  # why there is no account


def capture_email(
    session: Session,
    raw: bytes,
    *,
    caller: Principal,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> Capture:
    """File a raw message as a note by its sender, or keep it in their inbox.

    ``caller`` may send their own mail; an admin (the mail gateway's token) or the system
    (``tacit import-mail``) anyone's. Mail chooses no visibility: the note is the team's, or
    private when it states a sensitive fact."""
    mail = parse_mail(raw)
    ensure_can_deliver_mail(caller, mail.sender.email)
    sender = session.scalar(select(User).where(User.email == mail.sender.email))
    if sender is None:
        raise Invalid(
            f"the sender {mail.sender.email} is not a Tacit user; only users' mail is captured",
            sender=mail.sender.email,
        )
    if not sender.is_active:
        raise Invalid(f"the sender {mail.sender.email} is deactivated", sender=mail.sender.email)
    if (earlier := _find(session, sender.id, mail.message_id)) is not None:
        return _replay(session, earlier, caller)
    # Before anything of the message is kept: its note would be refused, and so is its stay in
    # the inbox. The text (what either would keep of it) is checked against names at every
    # account with a suppression, since which account it is about is not known yet.
    kept = f"{mail.subject}\n{shorten(mail.text, MAX_NOTE_CHARS)}"
    emails = [p.email for p in mail.participants]
    if (found := Screen(session).text(None, kept, emails)) is not None:
        raise found.refuse("the message")
    item = _claim(session, sender, mail)
    if item is None:  # a concurrent delivery of the same message claimed it first
        if (earlier := _find(session, sender.id, mail.message_id)) is None:
            raise Conflict("the same message is being captured right now; retry")
        return _replay(session, earlier, caller)
    choice = choose_account(session, mail.participants)
    if choice.account is None:
        item.text = shorten(mail.text, MAX_NOTE_CHARS)  # no note could hold more
        item.unresolved_reason = (choice.reason or "")[:_MAX_REASON]
        session.flush()
        return Capture("unresolved", item, None)
    note = _write_note(
        session,
        item,
        text=mail.text,
        author=sender,
        account=choice.account,
        contacts=choice.contacts,
        visibility=None,
        sensitive_categories=sensitive_categories,
    )
    return Capture("created", item, note)


def _find(session: Session, user_id: int, message_id: str) -> InboundMessage | None:
    return session.scalar(
        select(InboundMessage).where(
            InboundMessage.user_id == user_id, InboundMessage.message_id == message_id
        )
    )


def _claim(session: Session, sender: User, mail: ParsedMail) -> InboundMessage | None:
    """Insert the message's row in a savepoint; None if the unique constraint says another
    transaction has it (PostgreSQL; SQLite writers queue, so they find it with ``_find``)."""
    item = InboundMessage(
        user_id=sender.id,
        message_id=mail.message_id,
        subject=mail.subject[:_MAX_SUBJECT],
        text=None,
        participants=[{"name": p.name, "email": p.email} for p in mail.participants],
        attachments=[
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in mail.attachments
        ],
        sent_at=mail.sent_at,
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        return None
    return item


def _replay(session: Session, item: InboundMessage, caller: Principal) -> Capture:
    """A delivery of a message captured before: its sender gets what the first delivery made,
    as they may read it now; anyone else (the gateway) only that it was delivered before."""
    if not replay_visible_to(caller, item):
        return Capture("replayed", item, None, shown=False)
    if item.resolved_at is None:
        return Capture("replayed", item, None)
    note = session.get(Note, item.note_id) if item.note_id is not None else None
    if note is None or note.deleted_at is not None:
        raise Gone(
            f"message {item.message_id} was captured before, as a note since deleted; "
            "it is not captured again",
            inbound_id=item.id,
        )
    if not can_read(caller, note):
        return Capture("replayed", item, None, shown=False)
    return Capture("replayed", item, note)


def choose_account(session: Session, participants: list[Address]) -> AccountChoice:
    """The account most participants point to: a contact's e-mail names its account; otherwise
    the address's domain does, unless it is one of our own users' domains. A tie is no choice.
    """
    emails = [p.email for p in participants]
    if not emails:
        return AccountChoice(None, [], "the message names no one besides its sender")
    ours = _our_domains(session, emails)
    colleagues = set(session.scalars(select(User.email).where(User.email.in_(emails))))
    outside = [e for e in emails if e not in colleagues]
    contacts = list(
        session.scalars(select(Contact).where(Contact.email.in_(outside)).order_by(Contact.id))
    )
    contact_accounts: dict[str, set[int]] = {}
    for contact in contacts:
        contact_accounts.setdefault(contact.email or "", set()).add(contact.account_id)
    votes: Counter[int] = Counter()
    by_domain: dict[str, int | None] = {}
    for email in outside:
        if email in contact_accounts:  # a known person outranks their domain
            votes.update(contact_accounts[email])
            continue
        domain = email.rsplit("@", 1)[1]
        if domain in ours:
            continue
        if domain not in by_domain:
            account = account_for_address(session, email)
            by_domain[domain] = account.id if account else None
        if (account_id := by_domain[domain]) is not None:
            votes[account_id] += 1
    ranked = votes.most_common()
    if not ranked:
        return AccountChoice(
            None, [], "no participant is a known contact or writes from an account's domain"
        )
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        tied = [(session.get(Account, a), n) for a, n in ranked if n == ranked[0][1]]
        names = ", ".join(f"{a.name} ({n})" for a, n in tied if a is not None)
        return AccountChoice(None, [], f"the participants point to several accounts: {names}")
    account = session.get(Account, ranked[0][0])
    mentioned = [c for c in contacts if c.account_id == ranked[0][0]]
    return AccountChoice(account, mentioned[:MAX_CONTACTS_PER_NOTE], None)


def _our_domains(session: Session, emails: list[str]) -> set[str]:
    """Which of these addresses' domains our own users write from."""
    domains = {e.rsplit("@", 1)[1] for e in emails}
    users = session.scalars(
        select(User.email).where(
            or_(*(User.email.endswith(f"@{d}", autoescape=True) for d in domains))
        )
    )
    return {email.rsplit("@", 1)[1] for email in users if email}


def _write_note(
    session: Session,
    item: InboundMessage,
    *,
    text: str,
    author: User,
    account: Account,
    contacts: list[Contact],
    visibility: Visibility | None,
    sensitive_categories: Categories,
) -> Note:
    attachments = [Attachment(**a) for a in item.attachments]
    now = utcnow()
    # When the mail was sent is when its knowledge was had, and when it was written (an
    # archive replayed today was not written today); a sender's clock may run fast.
    sent = min(item.sent_at, now) if item.sent_at else now
    draft = NoteDraft(
        source=SOURCE,
        author=author,
        account=account,
        body=note_body(item.subject, text, attachments, max_chars=MAX_NOTE_CHARS),
        visibility=visibility,
        contact_ids=tuple(c.id for c in contacts),
        observed_at=sent,
        written_at=sent,
        message_id=item.message_id,
    )
    return capture(session, author, draft, sensitive_categories=sensitive_categories)


def list_unresolved(
    session: Session, user: User, *, limit: int, cursor: str | None
) -> Page[InboundMessage]:
    """The user's messages still waiting for an account, newest first."""
    return paginate(
        session,
        select(InboundMessage).where(
            InboundMessage.user_id == user.id, InboundMessage.resolved_at.is_(None)
        ),
        order=[(InboundMessage.received_at, True), (InboundMessage.id, True)],
        limit=limit,
        cursor=cursor,
    )


def get_message(
    session: Session, user: User, item_id: int, *, lock: bool = False
) -> InboundMessage:
    """One of the user's captured messages; anyone else's is as missing as a deleted one."""
    stmt = select(InboundMessage).where(
        InboundMessage.id == item_id, InboundMessage.user_id == user.id
    )
    item = session.scalar(stmt.with_for_update() if lock else stmt)
    if item is None:
        raise NotFound(f"no inbound message with id {item_id}")
    return item


def file_message(
    session: Session,
    user: User,
    item_id: int,
    data: InboundFile,
    *,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> tuple[InboundMessage, Note]:
    """File an unresolved message as a note on the account the user names."""
    item = get_message(session, user, item_id, lock=True)  # two filings queue, one wins
    ensure_message_unfiled(item)
    account = pick_account(session, data.account_id, data.account)
    emails = [p["email"] for p in item.participants]
    contacts = list(
        session.scalars(
            select(Contact)
            .where(Contact.account_id == account.id, Contact.email.in_(emails))
            .order_by(Contact.id)
            .limit(MAX_CONTACTS_PER_NOTE)
        )
    )
    note = _write_note(
        session,
        item,
        text=item.text or "",
        author=user,
        account=account,
        contacts=contacts,
        visibility=data.visibility,
        sensitive_categories=sensitive_categories,
    )
    return item, note

"""People's decisions on influence records: confirming a value (a suggestion, or one they vouch
for), rejecting a suggestion, setting values by hand, and reviewing an account's map.

Each decision is kept as a row with the sentences it cites (history), audited, and emitted as
``contact.influence_changed`` when the record changes. Who may decide what is
``access.ensure_can_edit_influence``'s: roles are a curator's, the other fields anyone's; a
rejection is anyone's (hiding the suggestion for everyone when a curator rejects it).

A record's first role is its contact's ``buying_role``, kept in step both ways: a change here
sets the contact's (general records only), and a change of the contact's role
(``contacts.update_contact``, ``roles.decide``) comes here (``follow_contact_role``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import (
    BuyingRole,
    Contact,
    InfluenceCitation,
    InfluenceDecision,
    InfluenceRecord,
    InfluenceReview,
    User,
)
from app.domain import audit, events
from app.domain.access import ensure_can_edit_influence, get_note
from app.domain.accounts import get_account
from app.domain.influence.fields import (
    LIST_FIELDS,
    MAX_OBJECTIVE,
    MAX_REASON,
    WORDED_FIELDS,
    check_list,
    check_value,
    same_value,
)
from app.domain.influence.records import find_record, load_contact, recorded_roles
from app.domain.influence.suggestions import states_sensitive
from app.errors import Conflict, Invalid
from app.search.influence import ROLES

SENSITIVE = (
    "states a sensitive fact; a record's words are shown to everyone who reads it, so they "
    "never hold one"
)


def decide(
    session: Session,
    actor: User,
    *,
    contact_id: int,
    objective: str | None,
    field: str,
    value: Any,
    confirm: bool,
    evidence: Sequence[tuple[int, str]] = (),
    reason: str | None = None,
) -> InfluenceRecord:
    """Confirm ``value`` of ``field`` on the record (added to a list field, set on another),
    or reject it as a suggestion (not suggested again); ``evidence`` is (note id, sentence)
    pairs of notes ``actor`` may read."""
    value = check_value(field, value)
    if confirm:
        ensure_can_edit_influence(actor, [field])
    contact = load_contact(session, contact_id)
    citations = _citations(session, actor, evidence)
    if confirm and field in WORDED_FIELDS | {"mode"}:
        for text in [str(value), reason or "", *(c.sentence for c in citations)]:
            if text and states_sensitive(text):
                raise Invalid(f"{field}: {text[:80]!r} {SENSITIVE}")
    record = _record(session, contact, objective)
    current = _current(record, field)
    if not confirm and any(same_value(v, value) for v in current):
        raise Conflict(
            f"{field} {value!r} is confirmed on this record: remove it with PATCH instead"
        )
    if confirm:
        if field in LIST_FIELDS:
            if not any(same_value(v, value) for v in current):
                setattr(record, field, [*current, value])
        else:
            setattr(record, field, value)
        if field == "mode":
            record.mode_reason = _reason(reason)
    _add(
        session,
        record,
        actor,
        field,
        value,
        "confirmed" if confirm else "rejected",
        citations=citations,
        reason=_reason(reason) if field == "mode" else None,
    )
    audit.record(
        session,
        actor,
        "contact.influence_decision",
        target_type="contact",
        target_id=contact.id,
        field=field,
        value=value,
        decision="confirmed" if confirm else "rejected",
        objective=objective,
        evidence=[c.note_id for c in citations],
    )
    if confirm:
        _changed(session, actor, contact, record)
    return record


def edit(
    session: Session,
    actor: User,
    *,
    contact_id: int,
    objective: str | None,
    changes: dict[str, Any],
) -> InfluenceRecord:
    """Set the fields in ``changes`` by hand: a list replaces the field's values, None clears a
    one-value field; ``mode_reason`` goes with the mode."""
    fields = {"mode" if name == "mode_reason" else name for name in changes}
    ensure_can_edit_influence(actor, fields)
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "mode_reason":
            cleaned[name] = _reason(value)
        elif name in LIST_FIELDS:
            cleaned[name] = check_list(name, list(value or []))
        else:
            cleaned[name] = None if value is None else check_value(name, value)
    for name in WORDED_FIELDS | {"mode_reason"}:
        for text in _texts(cleaned.get(name)):
            if states_sensitive(text):
                raise Invalid(f"{name}: {text[:80]!r} {SENSITIVE}")
    contact = load_contact(session, contact_id)
    record = _record(session, contact, objective)
    changed: list[str] = []
    for name, new in cleaned.items():
        if name == "mode_reason":
            continue
        old = _current(record, name)
        if name in LIST_FIELDS:
            added = [v for v in new if not any(same_value(v, o) for o in old)]
            removed = [o for o in old if not any(same_value(v, o) for v in new)]
            for value in added:
                _add(session, record, actor, name, value, "edited")
            for value in removed:
                _add(session, record, actor, name, value, "removed")
            if added or removed or new != old:
                setattr(record, name, new)
                changed.append(name)
        elif new is None and old:
            _add(session, record, actor, name, old[0], "removed")
            setattr(record, name, None)
            changed.append(name)
        elif new is not None and (not old or old[0] != new):
            _add(session, record, actor, name, new, "edited", reason=cleaned.get("mode_reason"))
            setattr(record, name, new)
            changed.append(name)
    if "mode_reason" in cleaned and cleaned["mode_reason"] != record.mode_reason:
        record.mode_reason = cleaned["mode_reason"] if record.mode is not None else None
        if record.mode is not None and "mode" not in changed:
            _add(session, record, actor, "mode", record.mode, "edited", reason=record.mode_reason)
            changed.append("mode")
    if record.mode is None:
        record.mode_reason = None
    if changed:
        audit.record(
            session,
            actor,
            "contact.influence_edit",
            target_type="contact",
            target_id=contact.id,
            fields=changed,
            objective=objective,
        )
        _changed(session, actor, contact, record)
    return record


def review(session: Session, actor: User, account_id: int) -> datetime:
    """``actor`` went over the account's map: new players are counted from now."""
    account = get_account(session, account_id)
    at = utcnow()
    session.add(InfluenceReview(account_id=account.id, user_id=actor.id, at=at))
    audit.record(
        session, actor, "account.influence_review", target_type="account", target_id=account.id
    )
    return at


def audit_role_change(
    session: Session, actor: User, contact: Contact, new: BuyingRole, *, via: str | None = None
) -> None:
    """The audit of a contact's buying role about to change, whichever way it came: a contact
    edit (no ``via``), a role suggestion answered, or the influence record."""
    details = {"old": contact.buying_role.value, "new": new.value}
    if via is not None:
        details["via"] = via
    audit.record(
        session,
        actor,
        "contact.buying_role_change",
        target_type="contact",
        target_id=contact.id,
        **details,
    )


def follow_contact_role(session: Session, actor: User, contact: Contact, old: BuyingRole) -> None:
    """The contact's buying role changed (from ``old``) by the contact itself: the general
    record's roles follow, the new one first and the old one gone."""
    record = find_record(session, contact.id, None)
    if record is None:
        return  # the record reads the contact's role until someone edits it
    roles = [r for r in record.roles or [] if r != old.value]
    new = contact.buying_role.value
    if new in ROLES:
        roles = [new, *(r for r in roles if r != new)]
    if roles == list(record.roles or []):
        return
    for value in roles:
        if value not in (record.roles or []):
            _add(session, record, actor, "roles", value, "edited")
    for value in record.roles or []:
        if value not in roles:
            _add(session, record, actor, "roles", value, "removed")
    record.roles = roles
    events.emit(
        session,
        "contact.influence_changed",
        actor=actor,
        contact_id=contact.id,
        account_id=contact.account_id,
    )


def _record(session: Session, contact: Contact, objective: str | None) -> InfluenceRecord:
    if objective is not None and len(objective) > MAX_OBJECTIVE:
        raise Invalid(f"objective: at most {MAX_OBJECTIVE} characters")
    record = find_record(session, contact.id, objective)
    if record is None:
        record = InfluenceRecord(
            contact_id=contact.id, objective=objective, roles=[], hot_buttons=[], cold_buttons=[]
        )
        session.add(record)
    if objective is None:
        # The role the contact holds without the record knowing becomes the record's.
        record.roles = recorded_roles(record, contact)
    session.flush()
    return record


def _current(record: InfluenceRecord, field: str) -> list[Any]:
    value = getattr(record, field)
    if field in LIST_FIELDS:
        return list(value or [])
    return [] if value is None else [value]


def _citations(
    session: Session, actor: User, evidence: Sequence[tuple[int, str]]
) -> list[InfluenceCitation]:
    found = []
    for note_id, sentence in evidence:
        note = get_note(session, actor, note_id)  # 404 for a note they may not read
        text = " ".join(sentence.split())
        if not text or text not in " ".join(note.body.split()):
            raise Invalid(f"note {note_id} does not contain the sentence {text[:80]!r}")
        found.append(InfluenceCitation(note_id=note.id, sentence=text))
    return found


def _add(
    session: Session,
    record: InfluenceRecord,
    actor: User,
    field: str,
    value: Any,
    decision: str,
    *,
    citations: list[InfluenceCitation] | None = None,
    reason: str | None = None,
) -> None:
    session.add(
        InfluenceDecision(
            record_id=record.id,
            contact_id=record.contact_id,
            field=field,
            value=value,
            decision=decision,
            reason=reason,
            user_id=actor.id,
            at=utcnow(),
            citations=citations or [],
        )
    )


def _changed(session: Session, actor: User, contact: Contact, record: InfluenceRecord) -> None:
    """Keep the contact's role in step with a general record, and tell the stream."""
    record.updated_at = utcnow()
    if record.objective is None:
        main = BuyingRole(record.roles[0]) if record.roles else BuyingRole.unknown
        if contact.buying_role != main:
            audit_role_change(session, actor, contact, main, via="influence")
            contact.buying_role = main
    session.flush()
    events.emit(
        session,
        "contact.influence_changed",
        actor=actor,
        contact_id=contact.id,
        account_id=contact.account_id,
    )


def _reason(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if len(text) > MAX_REASON:
        raise Invalid(f"mode_reason: at most {MAX_REASON} characters")
    return text or None


def _texts(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [value] if isinstance(value, str) else []

"""Buying-role suggestions: what colleagues' notes say about who decides, and a person's answer.

When sentences about a contact read like "has final say on anything over $50k" (economic
buyer), "tech eval is owned by him" (technical buyer), "his people live with it every day"
(user buyer) or "our inside guide" (coach), the contact's role is suggested, with those notes
as evidence: the influence suggester's reading (``app.search.influence``), the same one the
influence map shows. ``tally_roles`` only orders the evidence behind a role already recorded,
by the sentences' nearest topics. Suggestions are computed for each reader from the notes that
reader may see, so a private note suggests nothing to anyone but its author. A person confirms
(the contact's role is set: a manager's or admin's call) or rejects (the suggestion is not
made again: to anyone when a manager or admin rejects it, to the rep alone when a rep does;
``app.domain.access``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import BuyingRole, Contact, InfluenceDecision, RoleDecision, User
from app.domain import audit, events
from app.domain.access import (
    ensure_can_set_buying_role,
    influence_rejections_seen_by,
    rejections_seen_by,
)
from app.domain.accounts import get_account
from app.domain.contacts import get_contact
from app.domain.influence.decisions import audit_role_change, follow_contact_role
from app.domain.influence.decisions import decide as influence_decide
from app.domain.influence.suggestions import suggestions_for
from app.errors import Invalid
from app.search.topics import Classification
from app.taxonomy import TOPIC_BY_NAME

ROLES = (BuyingRole.economic, BuyingRole.technical, BuyingRole.user, BuyingRole.coach)


@dataclass
class RoleEvidence:
    """What the visible notes say about one contact's buying role."""

    contact_id: int
    votes: dict[BuyingRole, list[int]] = field(default_factory=lambda: defaultdict(list))
    strength: dict[BuyingRole, float] = field(default_factory=lambda: defaultdict(float))


@dataclass(frozen=True)
class Suggestion:
    contact: Contact
    role: BuyingRole
    evidence: list[int]  # note ids, newest first
    mentions: int


def tally_roles(mentions: Iterable[tuple[int, int, str, float]]) -> dict[int, RoleEvidence]:
    """Role votes from (contact, note, topic, score) of sentences naming one contact, newest
    note first."""
    evidence: dict[int, RoleEvidence] = {}
    for contact_id, note_id, topic, score in mentions:
        role = Classification(topic, score).role if topic in TOPIC_BY_NAME else None
        if role is None:
            continue
        entry = evidence.setdefault(contact_id, RoleEvidence(contact_id))
        if note_id not in entry.votes[role]:
            entry.votes[role].append(note_id)
        entry.strength[role] += score
    return evidence


def suggest_roles(
    session: Session, viewer: User, account_id: int, contacts: list[Contact]
) -> list[Suggestion]:
    """The roles the influence suggester (``app.search.influence``, through
    ``app.domain.influence.suggestions``: the notes ``viewer`` may read) reads for the account's
    contacts that differ from their recorded role, leaving out ones rejected for ``viewer`` and
    people who have left (a "Former" title). One method for the brief, this endpoint and the
    influence map, so that a suggestion means the same everywhere."""
    ids = [c.id for c in contacts]
    rejected = {
        (contact_id, role)
        for contact_id, role in session.execute(
            select(RoleDecision.contact_id, RoleDecision.role).where(
                RoleDecision.contact_id.in_(ids), rejections_seen_by(viewer)
            )
        )
    }
    # A role rejected on the influence map is rejected here too (one answer, two ways in).
    rejected |= {
        (contact_id, BuyingRole(str(value)))
        for contact_id, value in session.execute(
            select(InfluenceDecision.contact_id, InfluenceDecision.value).where(
                InfluenceDecision.contact_id.in_(ids),
                InfluenceDecision.field == "roles",
                influence_rejections_seen_by(viewer),
            )
        )
        if str(value) in BuyingRole.__members__
    }
    said = suggestions_for(session, viewer, contacts)
    suggestions = []
    for contact in contacts:
        if (contact.title or "").lower().startswith("former"):
            continue
        for found in said.get(contact.id, []):
            if found.field != "roles":
                continue
            role = BuyingRole(str(found.value))
            if role == contact.buying_role or (contact.id, role) in rejected:
                continue
            notes = list(dict.fromkeys(c.note_id for c in found.evidence))
            suggestions.append(Suggestion(contact, role, notes, len(found.evidence)))
    return suggestions


def account_suggestions(session: Session, viewer: User, account_id: int) -> list[Suggestion]:
    get_account(session, account_id)
    contacts = list(
        session.scalars(
            select(Contact).where(Contact.account_id == account_id).order_by(Contact.id)
        )
    )
    return suggest_roles(session, viewer, account_id, contacts)


def decide(
    session: Session,
    actor: User,
    *,
    contact_id: int,
    role: BuyingRole,
    confirm: bool,
    evidence: list[int],
) -> Contact:
    """Record a person's answer; a confirmation sets the contact's buying role (managers and
    admins), a rejection hides the suggestion (for everyone when they reject it)."""
    if role not in ROLES:
        raise Invalid(f"{role.value!r} is not a buying role that can be suggested")
    if confirm:
        ensure_can_set_buying_role(actor)
    contact = get_contact(session, contact_id)
    decision = "confirmed" if confirm else "rejected"
    session.add(
        RoleDecision(
            contact_id=contact.id,
            role=role,
            decision=decision,
            user_id=actor.id,
            evidence=evidence[:50],
        )
    )
    audit.record(
        session,
        actor,
        "contact.role_decision",
        target_type="contact",
        target_id=contact.id,
        role=role.value,
        decision=decision,
    )
    if not confirm and role != contact.buying_role:
        # The influence map hides it too: one answer, whichever way it came in.
        influence_decide(
            session,
            actor,
            contact_id=contact.id,
            objective=None,
            field="roles",
            value=role.value,
            confirm=False,
        )
    if confirm and contact.buying_role != role:
        audit_role_change(session, actor, contact, role, via="suggestion")
        old = contact.buying_role
        contact.buying_role = role
        follow_contact_role(session, actor, contact, old)
    if confirm:
        events.emit(
            session,
            "contact.role_confirmed",
            actor=actor,
            contact_id=contact.id,
            account_id=contact.account_id,
        )
    return contact

"""Folding a duplicate account into the one that stays: everything that names the merged
account moves to the survivor, and the merged account is deleted.

Deleted, not kept as a tombstone that redirects: a kept row would show in every list, count,
coverage figure, export and the search vocabulary unless every one of those queries learned
to leave it out, and one that forgot would show a ghost customer. Nothing is lost by deleting
it: its name joins the survivor's aliases and its domains move, so every way people name it
(name, alias, domain, e-mail address) finds the survivor, and the audit trail keeps its id,
name and external id (which the survivor adopts when it has none).

Every column that names an account is in exactly one of ``MOVED``, ``DROPPED`` or ``KEPT``;
``tests/integration/test_account_merge.py`` fails when a table with an account column is added
and not sorted here, so a merge can never leave a row pointing at a deleted account.
"""

from __future__ import annotations

from sqlalchemy import Column, delete, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.models import (
    Account,
    AccountDomain,
    Contact,
    Event,
    HandoverSuccession,
    InfluenceReview,
    Note,
    NoteRevision,
    Passage,
    Search,
    Suppression,
)
from app.domain import audit, events
from app.domain.access import Principal, ensure_can_merge_accounts
from app.domain.accounts import get_account, name_key
from app.errors import Invalid
from app.search import indexing

Columns = tuple[InstrumentedAttribute[int] | InstrumentedAttribute[int | None], ...]

# Rows about the customer: they follow it to the survivor. Revisions too, since the account is
# the same customer under one record now; a suppression must, or an erased person could be
# named again in the survivor's notes. A successor named for the merged account takes the
# survivor over too, unless one was named for the survivor already (that one stands).
MOVED: Columns = (
    AccountDomain.account_id,
    HandoverSuccession.account_id,
    Contact.account_id,
    Note.account_id,
    NoteRevision.account_id,
    Passage.account_id,
    Suppression.account_id,
    Search.account_id,
)
# Someone went over the merged account's influence map, not the survivor's: moving the review
# would date the survivor's last review later and hide its new players (``red_flags``).
DROPPED: Columns = (InfluenceReview.account_id,)
# What happened, as it happened: the outbox names the account the event was about then.
KEPT: Columns = (Event.account_id,)


def merge_accounts(session: Session, actor: Principal, into_id: int, merged_id: int) -> Account:
    """Fold account ``merged_id`` into ``into_id`` (a curator's, ``access``): its notes,
    contacts, domains and everything else naming it move, its name and aliases become aliases,
    and it is deleted; audited. Influence maps and red flags are read from the contacts and
    notes, so the survivor's reflect the merge at once."""
    ensure_can_merge_accounts(actor)
    into = get_account(session, into_id)
    merged = get_account(session, merged_id)
    if into.id == merged.id:
        raise Invalid("an account cannot be merged into itself", field="account_id")
    moved_domains = merged.domains
    first_position = len(into.domain_rows)
    note_ids = list(
        session.scalars(
            select(Note.id).where(Note.account_id == merged.id, Note.deleted_at.is_(None))
        )
    )
    contact_ids = list(session.scalars(select(Contact.id).where(Contact.account_id == merged.id)))
    record = {"id": merged.id, "name": merged.name, "external_id": merged.external_id}
    added_aliases = _fold_fields(session, into, merged)

    named = select(HandoverSuccession.user_id).where(HandoverSuccession.account_id == into.id)
    session.execute(
        delete(HandoverSuccession).where(
            HandoverSuccession.account_id == merged.id, HandoverSuccession.user_id.in_(named)
        )
    )
    for attribute in MOVED:
        column = column_of(attribute)
        session.execute(
            update(column.table).where(column == merged.id).values({column.name: into.id})
        )
    session.execute(
        update(AccountDomain)
        .where(AccountDomain.domain.in_(moved_domains))
        .values(position=AccountDomain.position + first_position)
    )
    for attribute in DROPPED:
        column = column_of(attribute)
        session.execute(delete(column.table).where(column == merged.id))
    # The bulk statements bypassed the loaded objects: reload what they changed.
    session.expire_all()
    session.delete(get_account(session, merged_id))
    session.flush()
    indexing.bump_search_seq(session, note_ids)  # in-memory indexes learn the new account

    for note_id in note_ids:
        events.emit(session, "note.updated", actor=actor, note_id=note_id, account_id=into_id)
    for contact_id in contact_ids:
        events.emit(
            session, "contact.updated", actor=actor, contact_id=contact_id, account_id=into_id
        )
    events.emit(session, "account.updated", actor=actor, account_id=into_id)
    # Notes are not counted: the trail would tell its readers of notes they may not read.
    audit.record(
        session,
        actor,
        "account.merge",
        target_type="account",
        target_id=into_id,
        merged=record,
        domains=moved_domains,
        aliases=added_aliases,
        contacts=len(contact_ids),
    )
    return get_account(session, into_id)


def _fold_fields(session: Session, into: Account, merged: Account) -> list[str]:
    """Give the survivor the merged account's names as aliases, and what it lacks (industry,
    region, external id); return the aliases added."""
    known = {into.name_key, *(name_key(a) for a in into.aliases)}
    added: list[str] = []
    for alias in [merged.name, *merged.aliases]:
        if name_key(alias) not in known:
            known.add(name_key(alias))
            added.append(alias)
    into.aliases = [*into.aliases, *added]
    into.industry = into.industry or merged.industry
    into.region = into.region or merged.region
    external_id, merged.external_id = merged.external_id, None
    session.flush()  # the external id is unique: free it before the survivor takes it
    into.external_id = into.external_id or external_id
    session.flush()
    return added


def column_of(
    attribute: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
) -> Column[int]:
    """The table column a mapped attribute stands for."""
    column = attribute.property.columns[0]
    assert isinstance(column, Column)
    return column

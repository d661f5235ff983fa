"""What the notes a reader may read suggest for an account's influence records.

The sentences that name one contact (``Mention`` rows, written when a note is embedded) of the
notes ``viewer`` may read, current ones only (not superseded), go to the suggester
(``app.search.influence.suggest``); each suggestion cites its notes and sentences. Then:

- a sentence that states a sensitive fact (``app.privacy``, every category: a button or a key
  win is shown to everyone who reads the record, whatever the deployment detects for a note's
  visibility) is never cited for a worded field or a mode's reason; a suggestion left without
  citations, or whose words state one themselves, is dropped;
- whether a suggestion is already confirmed or rejected is the record's business
  (``records``): this module knows nothing of decisions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import privacy
from app.db.models import Contact, Mention, Note, User
from app.domain.access import visible_notes
from app.domain.influence.fields import WORDED_FIELDS
from app.search import influence

_CATEGORIES = frozenset(privacy.ALL_CATEGORIES)


def suggestions_for(
    session: Session, viewer: User, contacts: Sequence[Contact]
) -> dict[int, list[influence.FieldSuggestion]]:
    """Per contact, the suggestions read from the notes ``viewer`` may read.

    Kept for the rest of the session: a brief reads them for the map and for its role
    suggestions, and reading costs about a millisecond a sentence. Mentions are written by the
    embedding worker in its own session, so they do not change under a request's feet."""
    if not contacts:
        return {}
    key = ("influence.suggestions", viewer.id, tuple(sorted(c.id for c in contacts)))
    cached: dict[int, list[influence.FieldSuggestion]] | None = session.info.get(key)
    if cached is not None:
        return cached
    rows = session.execute(
        select(Mention, Note.observed_at)
        .join(Note, Note.id == Mention.note_id)
        .where(
            Mention.contact_id.in_([c.id for c in contacts]),
            visible_notes(viewer),
            Note.superseded_by_id.is_(None),
        )
        .order_by(Note.observed_at.desc(), Note.id.desc(), Mention.ordinal)
    ).all()
    said = [
        influence.Sentence(
            contact_id=m.contact_id,
            note_id=m.note_id,
            text=m.text,
            observed_at=observed_at,
            topic=m.topic,
            score=m.score,
            named=m.named,
            roles=m.role_scores,
        )
        for m, observed_at in rows
    ]
    people = [influence.Person(c.id, c.name, c.title) for c in contacts]
    found: dict[int, list[influence.FieldSuggestion]] = defaultdict(list)
    for suggestion in influence.suggest(people, said):
        kept = _without_sensitive(suggestion)
        if kept is not None:
            found[kept.contact_id].append(kept)
    result = session.info[key] = dict(found)
    return result


def _without_sensitive(
    suggestion: influence.FieldSuggestion,
) -> influence.FieldSuggestion | None:
    if suggestion.field not in WORDED_FIELDS and suggestion.field != "mode":
        return suggestion
    evidence = tuple(c for c in suggestion.evidence if not states_sensitive(c.sentence))
    if not evidence:
        return None
    if isinstance(suggestion.value, str) and states_sensitive(suggestion.value):
        return None
    reason = suggestion.reason
    if reason is not None and states_sensitive(reason):
        reason = None
    return replace(suggestion, evidence=evidence, reason=reason)


@lru_cache(maxsize=8192)
def _detected(text: str) -> bool:
    return bool(privacy.detect(text, categories=_CATEGORIES))


def states_sensitive(text: str) -> bool:
    """Whether ``text`` states a sensitive fact of any category."""
    return _detected(text[:2000])

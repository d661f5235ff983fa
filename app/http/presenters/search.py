"""Search hits and answers (``app.domain.retrieval``, ``app.domain.answers``) as schemas, for
the API and the MCP server."""

from __future__ import annotations

from datetime import datetime

from app.domain.answers import Answer as Answered
from app.domain.retrieval import Hit, SearchResult
from app.http.presenters.who_knows import knower
from app.schemas.brief import PersonRef
from app.schemas.common import Ref
from app.schemas.search import Answer, AnswerEvidence, SearchGroup, SearchHit


def search_hit(hit: Hit, now: datetime) -> SearchHit:
    return SearchHit(
        note_id=hit.note.id,
        external_id=hit.note.external_id,
        account=Ref.model_validate(hit.note.account),
        author=Ref.model_validate(hit.note.author),
        observed_at=hit.note.observed_at,
        age_days=(now - hit.note.observed_at).days,
        visibility=hit.note.visibility.value,
        sensitive=hit.note.sensitive or [],
        snippet=hit.snippet,
        score=hit.score,
        matched=hit.matched,
        evidence=hit.evidence,
        stale=hit.note.stale,
        superseded=hit.note.superseded_by_id is not None,
        confidence=hit.confidence,
        weak=hit.weak,
        similar=hit.similar,
        group=hit.group,
    )


def search_groups(result: SearchResult) -> list[SearchGroup]:
    """The list's groups that the hits show, each named by its account as a hit shows it."""
    accounts = {hit.group: hit.note.account for hit in reversed(result.hits) if hit.group}
    return [
        SearchGroup(
            key=group.key,
            per="incident" if group.per == "incident" else "account",
            account=Ref.model_validate(accounts[group.key]),
            note_ids=group.note_ids,
        )
        for group in result.groups
        if group.key in accounts
    ]


def search_answer(answer: Answered | None, now: datetime) -> Answer | None:
    if answer is None:
        return None
    as_of = answer.as_of
    return Answer(
        intent=answer.intent,
        text=answer.text,
        basis=answer.basis,
        account=Ref.model_validate(answer.account),
        people=[PersonRef.model_validate(p) for p in answer.people],
        colleagues=[knower(k, now) for k in answer.colleagues],
        facts=answer.facts,
        evidence=[
            AnswerEvidence(
                note_id=e.note.id,
                external_id=e.note.external_id,
                author=Ref.model_validate(e.note.author),
                observed_at=e.note.observed_at,
                age_days=max(0, (now - e.note.observed_at).days),
                visibility=e.note.visibility.value,
                passage=e.text,
            )
            for e in answer.evidence
        ],
        confirmed_at=answer.confirmed_at,
        as_of=as_of,
        age_days=max(0, (now - as_of).days) if as_of is not None else None,
    )

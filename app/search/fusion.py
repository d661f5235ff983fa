"""Fusing retrievals into one score per note.

Each retrieval (keyword, identifier, meaning) returns passages; a note's evidence from it is
its best passage's score. Scores of different retrievals do not compare (BM25 against
cosines), so each is standardised over the question's candidates (a z-score: how many
standard deviations above the candidates' mean), and the weighted z-scores are added. Unlike
reciprocal ranks, this keeps how far ahead a note is, not only that it is ahead. Measured
with ``scripts/eval.py`` and ``scripts/eval_external.py`` against the reciprocal-rank fusion
it replaced: crm-dev's nDCG@10 0.783 to 0.793; with the whole-note evidence and the gates,
MED 0.787 to 0.824 and CISI 0.385 to 0.448.

Meaning is scored over every passage of a candidate, not only those the retrieval returned
(``SearchIndex.similarity``), so a note is not penalised for falling just outside a list.
For questions about no topic of a sale (``sale`` near 0), how close the note is as a whole
(the mean of its passage vectors) and its second-best passage count too: an abstract or a
report is about one thing throughout, while a meeting recap's sections are about different
things and only the one that answers should count.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.search.base import NoteSimilarity, PassageHit


@dataclass(frozen=True)
class Weights:
    """How much one standard deviation of each piece of evidence is worth, and the priors;
    tuned on crm-dev and on MED and CISI (``scripts/eval_external.py``), checked on
    Cranfield and ADI, which were not tuned on."""

    keyword: float = 0.7
    semantic: float = 1.0
    identifier: float = 1.0
    # How far a question about a sale moves toward its topics (``TopicModel.expand``), scaled
    # by its topicality; 0: not at all.
    pull: float = 0.3
    # Whole-note evidence, scaled by 1 - sale (see the module's docstring).
    whole: float = 1.0
    second: float = 0.3
    # Priors, added (see ``app.domain.retrieval._boost``).
    contact: float = 0.3
    year: float = 0.5
    freshness: float = 0.1
    freshness_days: float = 365.0
    # Subtracted. A note someone marked as replaced yields to the note that replaced it.
    # Contradiction and age are tie-breakers: an old fact is often still the best answer there
    # is, and a flag questions one sentence of a note that may hold many facts.
    superseded: float = 1.0
    contradicted: float = 0.05
    stale: float = 0.05


@dataclass
class Candidate:
    note_id: int
    score: float = 0.0
    best_passage: int | None = None
    best_rank: float = math.inf
    by: set[str] = field(default_factory=set)


def candidates(lists: Mapping[str, Sequence[PassageHit]]) -> dict[int, Candidate]:
    """Every note some retrieval returned, with the retrievals that found it and the passage
    ranked highest in any of them (what the hit quotes)."""
    found: dict[int, Candidate] = {}
    for name, hits in lists.items():
        rank = 0
        seen: set[int] = set()
        for hit in hits:
            if hit.note_id in seen:  # a note counts once per list, by its best passage
                continue
            seen.add(hit.note_id)
            rank += 1
            cand = found.setdefault(hit.note_id, Candidate(hit.note_id))
            cand.by.add(name)
            if rank < cand.best_rank:
                cand.best_rank, cand.best_passage = rank, hit.passage_id
    return found


def standardised(values: Mapping[int, float], ids: Sequence[int]) -> dict[int, float]:
    """z-scores of ``values`` over ``ids`` (a missing value counts as 0: no evidence)."""
    column = [values.get(i, 0.0) for i in ids]
    mean = statistics.fmean(column)
    spread = statistics.pstdev(column) or 1.0
    return {i: (v - mean) / spread for i, v in zip(ids, column, strict=True)}


def fuse(
    found: dict[int, Candidate],
    lists: Mapping[str, Sequence[PassageHit]],
    similarity: Mapping[int, NoteSimilarity],
    weights: Weights,
    *,
    sale: float,
) -> None:
    """Score the ``candidates`` of ``lists`` (``keyword``, ``semantic``, maybe
    ``identifier``) by their standardised evidence (see the module's docstring)."""
    ids = list(found)
    if not ids:
        return
    evidence: dict[str, dict[int, float]] = {}
    for name in ("keyword", "identifier"):
        if name in lists:
            best: dict[int, float] = {}
            for hit in lists[name]:
                best.setdefault(hit.note_id, hit.score)  # best first
            evidence[name] = best
    evidence["semantic"] = {i: s.best for i, s in similarity.items()}
    general = 1.0 - sale
    scale = {
        "keyword": weights.keyword,
        "identifier": weights.identifier,
        "semantic": weights.semantic,
    }
    if general > 0:
        evidence["whole"] = {i: s.whole for i, s in similarity.items()}
        evidence["second"] = {i: s.second for i, s in similarity.items()}
        scale["whole"] = weights.whole * general
        scale["second"] = weights.second * general
    for name, values in evidence.items():
        for note_id, z in standardised(values, ids).items():
            found[note_id].score += scale[name] * z

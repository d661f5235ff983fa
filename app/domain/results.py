"""What a search shows once its notes are ranked: how sure each hit is, which passage answers,
which notes say the same thing, and, for a question that asks for a list, one hit per account
(or per incident).

- **Confidence.** Every hit gets the probability that it answers the question, a logistic
  function of how close its best passage is to the question's meaning, how much of the
  question's words it holds, whether it holds a code the question names, and its place in the
  ranking, fitted on crm-dev's judgments (``scripts/calibrate_confidence.py`` prints the fit
  and how it holds on questions it was not fitted on). Below ``CONFIDENT`` a hit is ``weak``:
  a question nothing answers ("zzzqqq xylophone") has no confident hit, and the pages say so.
- **The answering passage.** The quoted passage is the one closest in meaning to the question,
  not the first one holding a word of it: "hobbies of Jill" quotes "Jill does competitive
  BBQ", not the attendee line that names her. A code the question names (a ticket number)
  still picks the passage that holds it.
- **Near-duplicates.** Notes on one account that restate each other passage for passage (and
  name the same numbers and codes) are one hit, the best ranked, with ``similar`` the others.
- **Lists.** A question asking for a list (``app.search.listing``) gets its hits grouped: by
  account across accounts, by incident (notes sharing a ticket or order number) at one. The
  hits lead with one note per group, in the groups' order; the groups' further notes follow.

Everything here works on the ranked candidates, which the retrievals already filtered by what
the reader may read; the notes are read again through the access rule before anything of them
(a passage, a place in a group, a ``similar`` id) is shown, so nothing hidden is counted.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Note, Passage, User
from app.domain.access import visible_notes
from app.search.base import KeywordQuery, Scope
from app.search.listing import ListQuestion
from app.search.query import Understanding, Vocabulary

# A hit is confident at this probability of answering the question, or above.
CONFIDENT = 0.5
# Notes restate each other when every passage of each has one in the other this close.
NEAR_DUPLICATE = 0.90
# A number, or a code holding one: "INC-52702", "ORD-2024-69791", "$62k", "Sev3".
_NUMBERED = re.compile(r"[A-Za-z]*\d(?:[\w/.-]*\w)?")
# How deep the ranking is read, per hit asked for, to fill groups and collapse duplicates.
DEPTH = 4
MIN_DEPTH = 40


@dataclass(frozen=True)
class Calibration:
    """Logistic regression coefficients of ``confidence``: an intercept and a weight per
    feature. ``keyword_only`` applies to a note not yet embedded (its meaning unknown)."""

    intercept: float
    dense: float
    contrast: float
    lexical: float
    identifier: float
    rank: float


# Fitted by scripts/calibrate_confidence.py on crm-dev's judgments plus 30 off-topic questions
# (every hit a 0). How it holds: on crm-dev five-fold by query, predicted 0.60 → observed
# 0.63, 0.79 → 0.76, 0.94 → 0.91 (ROC AUC 0.82); on the influence dev set, never fitted on,
# 0.60 → 0.61, 0.80 → 0.67 (AUC 0.83). The meaning of "contrast" carries most of it; the
# place in the ranking the rest. (The small negative weight of a code in KEYWORD_ONLY is
# noise: the share of words held already counts the code.)
CALIBRATION = Calibration(
    intercept=-3.216, dense=-0.105, contrast=5.417, lexical=3.159, identifier=0.084, rank=1.872
)
KEYWORD_ONLY = Calibration(
    intercept=-3.329, dense=0.0, contrast=0.0, lexical=3.449, identifier=-0.045, rank=2.973
)


@dataclass(frozen=True)
class Ranked:
    """A note as the ranking left it: its score and the passage that ranked it."""

    note_id: int
    score: float
    passage_id: int | None
    found_by: frozenset[str]
    evidence: bool = False


@dataclass(frozen=True)
class Features:
    dense: float | None  # the best passage's cosine similarity to the question
    contrast: float  # how far above the question's background (the ranking's median note)
    lexical: float  # the share of the question's terms the note holds
    identifier: bool  # holds a code the question names
    rank: float  # 1 / place in the ranking

    def as_row(self) -> list[float]:
        return [
            self.dense if self.dense is not None else 0.0,
            self.contrast,
            self.lexical,
            float(self.identifier),
            self.rank,
        ]


@dataclass
class Shown:
    note_id: int
    score: float
    passage_id: int | None  # the passage to quote; None: the note's text
    confidence: float
    features: Features
    similar: list[int] = field(default_factory=list)
    group: str | None = None
    evidence: bool = False
    found_by: frozenset[str] = frozenset()

    @property
    def weak(self) -> bool:
        return self.confidence < CONFIDENT and not self.evidence


@dataclass
class Group:
    """One item of a list: an account, or an incident at one account."""

    key: str
    per: str  # "account" or "incident"
    account_id: int
    note_ids: list[int]  # every note of it the ranking found, best first


@dataclass
class Shaped:
    hits: list[Shown]
    groups: list[Group]
    passages: dict[int, str]  # the quoted passages' texts

    @property
    def confident(self) -> bool:
        return any(not hit.weak for hit in self.hits)


@dataclass(frozen=True)
class _Passage:
    id: int
    text: str
    vector: np.ndarray | None


@dataclass
class _Note:
    id: int
    account_id: int
    passages: list[_Passage]
    _matrix: np.ndarray | None = None
    _facts: frozenset[str] | None = None

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.passages)

    @property
    def matrix(self) -> np.ndarray | None:
        """Its passages' vectors, one a row; None until every passage has one."""
        embedded = all(p.vector is not None for p in self.passages)
        if self._matrix is None and self.passages and embedded:
            self._matrix = np.stack([p.vector for p in self.passages])  # type: ignore[misc]
        return self._matrix

    @property
    def facts(self) -> frozenset[str]:
        """The numbers and codes it states: two notes alike but for them say different things
        ("INC-52702 opened" and "INC-31575 opened")."""
        if self._facts is None:
            self._facts = frozenset(t.lower() for t in _NUMBERED.findall(self.text))
        return self._facts


def shape(
    session: Session,
    viewer: User,
    ranked: Sequence[Ranked],
    *,
    question: np.ndarray | None,
    model: str,
    keywords: KeywordQuery,
    listing: ListQuestion | None,
    limit: int,
) -> Shaped:
    pool = list(ranked[: max(MIN_DEPTH, DEPTH * limit)])
    notes = _load(session, viewer, [r.note_id for r in pool], model)
    pool = [r for r in pool if r.note_id in notes]
    query = _normalised(question)
    terms = _term_patterns(keywords.terms)
    identifiers = _term_patterns(keywords.identifiers)
    best_passage: dict[int, tuple[float | None, int | None]] = {
        r.note_id: _best_passage(notes[r.note_id], query, identifiers, r.passage_id) for r in pool
    }
    background = _background([best_passage[r.note_id][0] for r in pool[:MIN_DEPTH]])
    shown = []
    for place, r in enumerate(pool, start=1):
        note = notes[r.note_id]
        dense, passage_id = best_passage[r.note_id]
        text = note.text
        features = Features(
            dense=dense,
            contrast=dense - background if dense is not None else 0.0,
            lexical=_coverage(terms, text),
            identifier=_coverage(identifiers, text) > 0,
            rank=1.0 / place,
        )
        shown.append(
            Shown(
                note_id=r.note_id,
                score=r.score,
                passage_id=passage_id,
                confidence=confidence(features),
                features=features,
                evidence=r.evidence,
                found_by=r.found_by,
            )
        )
    shown = _collapse_duplicates(shown, notes)
    groups: list[Group] = []
    if listing is not None:
        shown, groups = _grouped(shown, notes, listing)
    hits = shown[:limit]
    wanted = {h.passage_id for h in hits if h.passage_id is not None}
    texts = {p.id: p.text for n in notes.values() for p in n.passages if p.id in wanted}
    return Shaped(hits=hits, groups=_visible_groups(groups, hits), passages=texts)


def narrowed(scope: Scope, understanding: Understanding, vocabulary: Vocabulary) -> Scope:
    """A list question's scope: the industries it names ("which logistics accounts...", "each
    of our healthcare accounts") become its accounts, unless the asker chose accounts. (Its
    years stay a preference, as for any question: as a filter they measured no better on
    crm-dev, and would miss "went live in December" written in January.)"""
    if scope.account_ids is not None or not understanding.industries:
        return scope
    named = {
        account_id
        for industry in understanding.industries
        for account_id in vocabulary.accounts_by_industry.get(industry, [])
    }
    return replace(scope, account_ids=tuple(sorted(named)))


def confidence(features: Features) -> float:
    """The probability that a hit answers the question (``CALIBRATION``)."""
    c = CALIBRATION if features.dense is not None else KEYWORD_ONLY
    z = (
        c.intercept
        + c.dense * (features.dense or 0.0)
        + c.contrast * features.contrast
        + c.lexical * features.lexical
        + c.identifier * features.identifier
        + c.rank * features.rank
    )
    return 1.0 / (1.0 + math.exp(-z))


def _load(session: Session, viewer: User, note_ids: list[int], model: str) -> dict[int, _Note]:
    """The candidates' passages, through the access rule: a note the reader may not read
    (hidden or deleted since the retrievals) is left out of everything shown."""
    if not note_ids:
        return {}
    rows = session.execute(
        select(Note.id, Note.account_id, Passage.id, Passage.text, Passage.embedding, Passage.model)
        .outerjoin(Passage, Passage.note_id == Note.id)  # a note of no passage still shows
        .where(Note.id.in_(note_ids), visible_notes(viewer))
        .order_by(Note.id, Passage.ordinal)
    )
    notes: dict[int, _Note] = {}
    for note_id, account_id, passage_id, text, vector, passage_model in rows:
        note = notes.setdefault(note_id, _Note(note_id, account_id, []))
        if passage_id is None:
            continue
        # Stored normalised (the Embedder contract): a dot product is the cosine.
        usable = vector is not None and passage_model == model
        stored = np.asarray(vector, dtype=np.float32) if usable else None
        note.passages.append(_Passage(passage_id, text, stored))
    return notes


def _background(similarities: list[float | None]) -> float:
    """How close the question is to notes in general, here: the median similarity of the
    ranking's first notes. Every question is somewhat close to every note (MiniLM puts
    unrelated English texts at 0.1-0.3); an answer stands out from the notes around it, and a
    question that nothing answers ("zzzqqq xylophone") finds a flat field."""
    known = [s for s in similarities if s is not None]
    return float(np.median(known)) if known else 0.0


def _normalised(vector: np.ndarray | None) -> np.ndarray | None:
    if vector is None:
        return None
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else None


@dataclass(frozen=True)
class _Term:
    """A term's words as they may be written in a note: as ``snippet`` marks them, by stem,
    joined by any punctuation ("inc 40412" finds "INC-40412")."""

    stem: str  # its first word's stem, lower case: a cheap test before the pattern
    pattern: re.Pattern[str]

    def search(self, text: str, lowered: str) -> bool:
        return self.stem in lowered and self.pattern.search(text) is not None


def _term_patterns(terms: list[str]) -> list[_Term]:
    out = []
    for term in terms:
        stems = [w[: max(4, len(w) - 2)] for w in term.split()]
        words = [re.escape(stem) + r"\w*" for stem in stems]
        out.append(_Term(stems[0].lower(), re.compile(r"\b" + r"\W{0,3}".join(words), re.I)))
    return out


def _coverage(terms: list[_Term], text: str) -> float:
    lowered = text.lower()
    return sum(1 for t in terms if t.search(text, lowered)) / len(terms) if terms else 0.0


def _best_passage(
    note: _Note,
    query: np.ndarray | None,
    identifiers: list[_Term],
    ranked_by: int | None,
) -> tuple[float | None, int | None]:
    """The note's similarity to the question (its closest passage's) and the passage to
    quote: one holding a code the question names if any does, else the closest in meaning,
    else (no vectors yet) the passage the ranking found."""
    embedded = [p for p in note.passages if p.vector is not None]
    if query is None or not embedded:
        return None, ranked_by
    scores = {p.id: float(p.vector @ query) for p in embedded}
    dense = max(scores.values())
    coded = [p for p in embedded if _coverage(identifiers, p.text) > 0]
    candidates = coded or embedded
    return dense, max(candidates, key=lambda p: (scores[p.id], -p.id)).id


def _restate(a: _Note, b: _Note) -> bool:
    if a.facts != b.facts:
        return False
    ma, mb = a.matrix, b.matrix
    if ma is None or mb is None:
        return a.text.split() == b.text.split()  # not embedded yet: the same words only
    similarity = ma @ mb.T
    covered = min(float(similarity.max(axis=1).min()), float(similarity.max(axis=0).min()))
    return covered >= NEAR_DUPLICATE


def _collapse_duplicates(shown: list[Shown], notes: dict[int, _Note]) -> list[Shown]:
    """Each note that restates a better-ranked one on its account joins that one's
    ``similar`` instead of taking a place. The answer's evidence keeps its place."""
    kept: list[Shown] = []
    by_account: dict[int, list[Shown]] = defaultdict(list)
    for hit in shown:
        note = notes[hit.note_id]
        twin = None
        if not hit.evidence:
            twin = next(
                (k for k in by_account[note.account_id] if _restate(notes[k.note_id], note)),
                None,
            )
        if twin is not None:
            twin.similar.append(hit.note_id)
            continue
        kept.append(hit)
        by_account[note.account_id].append(hit)
    return kept


def _grouped(
    shown: list[Shown], notes: dict[int, _Note], listing: ListQuestion
) -> tuple[list[Shown], list[Group]]:
    """Groups in the order of their best note. The hits lead with the answer's evidence (as
    always), then each group's best note where it is a confident match, then every other
    note in the ranking's order: a weak lead does not jump ahead of another group's
    confident second note, which measured better on crm-dev than strict rounds."""
    keys = _incident_keys(shown, notes) if listing.per == "incident" else {}
    groups: dict[str, Group] = {}
    members: dict[str, list[Shown]] = defaultdict(list)
    for hit in shown:
        note = notes[hit.note_id]
        key = (
            f"account:{note.account_id}"
            if listing.per == "account"
            else f"incident:{keys[hit.note_id]}"
        )
        hit.group = key
        group = groups.setdefault(key, Group(key, listing.per, note.account_id, []))
        group.note_ids.append(hit.note_id)
        members[key].append(hit)
    # One confident note per group leads; after them, every other note in the ranking's order
    # (a weak group lead does not jump ahead of a group's confident second note).
    evidence = [h for h in shown if h.evidence]
    leads = [m[0] for m in members.values() if not m[0].weak and not m[0].evidence]
    first = {id(h) for h in evidence + leads}
    rest = [h for h in shown if id(h) not in first]
    return evidence + leads + rest, list(groups.values())


def _incident_keys(shown: list[Shown], notes: dict[int, _Note]) -> dict[int, int]:
    """At one account, notes naming a common ticket, order or RFP number are one incident,
    keyed by its best-ranked note; every other note is an incident of its own."""
    first_with: dict[str, int] = {}
    keys: dict[int, int] = {}
    for hit in shown:
        # A ticket, order or RFP number has several digits; "Sev3" or "Q2" is no incident.
        found = {c for c in notes[hit.note_id].facts if sum(map(str.isdigit, c)) >= 3}
        owner = next((first_with[c] for c in sorted(found) if c in first_with), hit.note_id)
        keys[hit.note_id] = owner
        for code in found:
            first_with.setdefault(code, owner)
    return keys


def _visible_groups(groups: list[Group], hits: list[Shown]) -> list[Group]:
    """The groups the hits show, in their order."""
    shown = {h.group for h in hits}
    return [g for g in groups if g.key in shown]

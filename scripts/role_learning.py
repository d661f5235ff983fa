"""What ``train_roles.py`` and ``roles_loso.py`` share: the labelled sentences of an influence
set, their embeddings, the classifiers' fit, and the role figures as ``brief_eval.py`` counts
them (per reader, then the mean over readers).

A set is imported into a throwaway SQLite database, and each reader's sentences are found as
``brief_eval.py --no-embed`` finds them (``find_mentions``, as the embedding worker does). A
training example is a sentence that names exactly one contact, with the contact's name replaced
by a placeholder (``influence_learned.neutral``); it is a positive for each role whose
``role_evidence`` for that contact is this sentence, a negative for the others.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db.engine import Database  # noqa: E402
from app.embedding import get_embedder  # noqa: E402
from app.search import influence  # noqa: E402
from app.search.influence import FieldSuggestion, Person, Sentence  # noqa: E402
from app.search.influence_learned import ROLES, RoleModel, as_mapping, fit, neutral  # noqa: E402

SETS = ("dev", "dev2", "dev3", "dev4", "dev5")
DATA = ROOT / "scripts" / "data" / "influence"


def _module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


brief_eval: Any = _module("brief_eval")


@dataclass
class RoleSet:
    """One labelled set, as every reader may read it."""

    name: str
    labels: Any  # brief_eval.Labels
    readers: list[Any]  # brief_eval.Reader
    ids: dict[str, dict[int, str]]
    people: dict[int, Person]
    texts: list[str]  # the neutral sentences naming one contact, each once
    targets: np.ndarray  # (len(texts), roles) of 0/1


def load_set(name: str) -> RoleSet:
    directory = DATA / name
    labels = brief_eval.read_labels(directory)
    args = argparse.Namespace(database_url=None, pgserver=False)
    with brief_eval.search_eval.database_url(args) as url:
        _, accounts, _, _ = brief_eval.search_eval.load(url, directory)
        db = Database(url)
        readers, ids = brief_eval.read_readers(db, list(accounts.values()), embedded=False)
        db.dispose()
    people = {p.id: p for r in readers for group, _ in r.accounts for p in group}
    found: dict[str, set[str]] = {}
    for s in _single(readers):
        roles = found.setdefault(neutral_text(s, people), set())
        contact, note = ids["contact"][s.contact_id], ids["note"][s.note_id]
        for role in ROLES:
            evidence = labels.evidence.get((contact, role), [])
            if any(n == note and same_sentence(e, s.text) for n, e in evidence):
                roles.add(role)
    texts = sorted(found)
    targets = np.asarray([[r in found[t] for r in ROLES] for t in texts], np.float64)
    return RoleSet(name, labels, readers, ids, people, texts, targets)


def _single(readers: Iterable[Any]) -> list[Sentence]:
    """Every sentence naming exactly one contact that any reader reads, each once."""
    seen: dict[tuple[int, int, str], Sentence] = {}
    for reader in readers:
        for _, sentences in reader.accounts:
            for s in sentences:
                if s.named == 1:
                    seen.setdefault((s.contact_id, s.note_id, s.text), s)
    return list(seen.values())


_SPACE = re.compile(r"\s+")


def same_sentence(labelled: str, found: str) -> bool:
    """Whether the labelled sentence is the one found (a label may keep a bullet or a line's
    tail that the sentence splitter trims, or the splitter may cut a label in two)."""
    a = _SPACE.sub(" ", labelled).strip(" -*\u2022").lower()
    b = _SPACE.sub(" ", found).strip(" -*\u2022").lower()
    return a == b or (len(b) >= 12 and b in a) or (len(a) >= 12 and a in b)


def neutral_text(s: Sentence, people: dict[int, Person]) -> str:
    person = people[s.contact_id]
    return neutral(s.text, person.name, person.title)


class Vectors:
    """The default model's vector of each text, embedded once."""

    def __init__(self) -> None:
        # the defaults, as brief_eval.py uses them: the weights read the configured model's vectors
        defaults = Settings.model_fields
        self.model = defaults["embedding_model"].default
        self.embedder = get_embedder(self.model, 0, defaults["embedding_backend"].default)
        self._cache: dict[str, np.ndarray] = {}

    def of(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for text, vector in zip(todo, self.embedder.embed(todo), strict=True):
                self._cache[text] = vector
        if not texts:
            return np.zeros((0, self.embedder.dims), np.float32)
        return np.stack([self._cache[t] for t in texts])


def scored(role_set: RoleSet, model: RoleModel, vectors: Vectors) -> Callable[..., Any]:
    """A suggester for ``brief_eval.score`` whose sentences carry ``model``'s role scores."""
    cache: dict[tuple[int, int, str], dict[str, float]] = {}

    def with_scores(sentences: list[Sentence]) -> list[Sentence]:
        single = [s for s in sentences if s.named == 1]
        todo = [s for s in single if (s.contact_id, s.note_id, s.text) not in cache]
        if todo:
            rows = model.scores(vectors.of([neutral_text(s, role_set.people) for s in todo]))
            for s, row in zip(todo, rows, strict=True):
                cache[(s.contact_id, s.note_id, s.text)] = as_mapping(row)
        return [
            replace(s, roles=cache[(s.contact_id, s.note_id, s.text)]) if s.named == 1 else s
            for s in sentences
        ]

    return with_scores


Figures = tuple[float, float]  # role precision, role recall: means over readers


def figures(
    role_set: RoleSet,
    add_scores: Callable[[list[Sentence]], list[Sentence]] | None,
    threshold: float,
    *,
    cues: bool = True,
) -> Figures:
    """Role precision and recall as ``brief_eval.py`` counts them; readers that read the same
    notes of an account are given the suggester's answer once."""
    memo: dict[tuple[int, tuple[tuple[int, int, str], ...]], list[FieldSuggestion]] = {}

    def suggester(people: list[Person], sentences: list[Sentence]) -> list[FieldSuggestion]:
        key = (id(people), tuple((s.contact_id, s.note_id, s.text) for s in sentences))
        if key not in memo:
            given = add_scores(sentences) if add_scores else sentences
            if cues:
                memo[key] = influence.suggest(people, given, learned_threshold=threshold)
            else:
                with brief_eval._cues(lambda c: c.field != "roles"):
                    memo[key] = influence.suggest(people, given, learned_threshold=threshold)
        return memo[key]

    found = brief_eval.score(role_set.labels, role_set.readers, role_set.ids, suggester)
    return statistics.fmean(found["role precision"]), statistics.fmean(found["role recall"])


GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99)
OFF = 2.0  # above every probability: the learned reader says nothing
PRECISION = 0.85  # the floor


@dataclass(frozen=True)
class Choice:
    threshold: float
    precision: float  # the mean, over the sets held out in turn, at that threshold
    recall: float


def trained(sets: list[RoleSet], vectors: Vectors, threshold: float = OFF) -> RoleModel:
    texts = [t for s in sets for t in s.texts]
    targets = np.concatenate([s.targets for s in sets])
    return fit(vectors.of(texts), targets, model=vectors.model, threshold=threshold)


def choose(sets: list[RoleSet], vectors: Vectors, *, cues: bool = True) -> Choice:
    """The threshold with the most recall at a precision of at least 0.85, each figure the
    mean over ``sets`` of a model trained on the others and tested on that one; with the
    cues, "off" (the cues alone) when no threshold keeps the precision."""
    results: dict[float, list[Figures]] = {}
    for held in sets:
        model = trained([s for s in sets if s is not held], vectors)
        add = scored(held, model, vectors)
        for threshold in (*GRID, OFF) if cues else GRID:
            results.setdefault(threshold, []).append(figures(held, add, threshold, cues=cues))
    means = {
        t: Choice(t, statistics.fmean(p for p, _ in f), statistics.fmean(r for _, r in f))
        for t, f in results.items()
    }
    kept = [c for c in means.values() if c.precision >= PRECISION]
    if kept:
        return max(kept, key=lambda c: (c.recall, c.threshold))
    if cues:
        return means[OFF]
    # alone and never precise enough: the best balance, to show what it reads
    return max(means.values(), key=lambda c: _f1(c.precision, c.recall))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0

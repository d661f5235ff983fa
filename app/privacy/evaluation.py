"""Scoring the detector against a labelled set (``scripts/data/sensitive/*.tsv``), shared by
``scripts/sensitive_eval.py`` and the quality gate in the unit tests."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.privacy.sensitive import ALL_CATEGORIES, detect


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class Miss:
    text: str
    missed: frozenset[str]
    spurious: frozenset[str]


@dataclass(slots=True)
class Scores:
    """Counts per category; precision and recall are micro-averaged over labels."""

    labelled: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)
    sentences: int = 0

    def precision(self, category: str | None = None) -> float:
        found = self.found[category] if category else sum(self.found.values())
        correct = self.correct[category] if category else sum(self.correct.values())
        return correct / found if found else 1.0

    def recall(self, category: str | None = None) -> float:
        labelled = self.labelled[category] if category else sum(self.labelled.values())
        correct = self.correct[category] if category else sum(self.correct.values())
        return correct / labelled if labelled else 1.0

    def f1(self) -> float:
        p, r = self.precision(), self.recall()
        return 2 * p * r / (p + r) if p + r else 0.0


def read_labelled(path: Path) -> list[Labelled]:
    """Rows of a two-column TSV with a header: ``text`` and comma-separated ``labels``."""
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = [
            Labelled(
                text=row["text"],
                labels=frozenset(label for label in (row["labels"] or "").split(",") if label),
            )
            for row in reader
        ]
    unknown = {label for row in rows for label in row.labels} - set(ALL_CATEGORIES)
    if unknown:
        raise ValueError(f"{path}: unknown labels {sorted(unknown)}")
    return rows


def score(rows: Iterable[Labelled]) -> Scores:
    """Runs the detector with every category on and compares it with the labels."""
    scores = Scores()
    everything = frozenset(ALL_CATEGORIES)
    for row in rows:
        found = frozenset(detect(row.text, categories=everything))
        scores.sentences += 1
        scores.labelled.update(row.labels)
        scores.found.update(found)
        scores.correct.update(found & row.labels)
        if found != row.labels:
            scores.misses.append(
                Miss(text=row.text, missed=row.labels - found, spurious=found - row.labels)
            )
    return scores

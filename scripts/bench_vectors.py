"""The vector cache of ``scripts/bench.py``: passage vectors computed once with the real model,
cached by text hash, or composed from canonicalised sentences (see ``bench.py``'s docstring)."""

from __future__ import annotations

import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import MONTHS

from app.embedding.base import Embedder
from app.search.passages import split_passages, text_hash

# --- the vector cache ---------------------------------------------------------------------


class VectorCache:
    """Passage vectors by text hash, in append-only parts written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.index: dict[str, int] = {}
        self._parts: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        for path in sorted(directory.glob("part-*.npz")):
            with np.load(path) as part:
                self._extend([str(h) for h in part["hashes"]], part["vectors"])

    def _extend(self, hashes: list[str], vectors: np.ndarray) -> None:
        for digest in hashes:
            self.index.setdefault(digest, len(self.index))
        self._parts.append(np.asarray(vectors, dtype=np.float32))
        self._matrix = None

    def add(self, hashes: list[str], vectors: np.ndarray) -> None:
        number = len(list(self.directory.glob("part-*.npz")))
        path = self.directory / f"part-{number:05d}.npz"
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            np.savez(out, hashes=np.array(hashes), vectors=vectors)
        os.replace(tmp, path)
        self._extend(hashes, vectors)

    def vector(self, digest: str) -> np.ndarray | None:
        if self._matrix is None:
            self._matrix = np.vstack(self._parts) if self._parts else np.zeros((0, 0), np.float32)
        i = self.index.get(digest)
        return None if i is None else self._matrix[i]


def passage_texts(notes: list[dict[str, Any]]) -> dict[str, str]:
    """Every distinct passage text of the notes, by hash, in note order."""
    return {text_hash(t): t for n in notes for t in split_passages(n["body"])}


def fill_cache(
    cache: VectorCache,
    texts: dict[str, str],
    embedder: Embedder,
    *,
    estimate_only: bool,
    what: str = "passages",
) -> dict[str, float]:
    missing = [h for h in texts if h not in cache.index]
    print(
        f"{what}: {len(texts)} distinct, {len(texts) - len(missing)} cached, "
        f"{len(missing)} to embed"
    )
    if not missing:
        return {}
    rng = random.Random(0)
    sample = rng.sample(missing, min(256, len(missing)))
    embedder.embed(["warm up"])
    started = time.perf_counter()
    cache.add(sample, embedder.embed([texts[h] for h in sample]))
    rate = len(sample) / (time.perf_counter() - started)
    left = len(missing) - len(sample)
    print(f"sample: {rate:.0f} {what}/s -> about {left / rate / 60:.1f} min for the other {left}")
    if estimate_only:
        return {f"sample_{what}_per_s": rate, "estimate_min": left / rate / 60}
    todo = [h for h in missing if h not in cache.index]
    started, done = time.perf_counter(), 0
    for start in range(0, len(todo), 4096):
        chunk = todo[start : start + 4096]
        cache.add(chunk, embedder.embed([texts[h] for h in chunk]))
        done += len(chunk)
        rate = done / (time.perf_counter() - started)
        print(
            f"  embedded {done}/{len(todo)}, {rate:.0f}/s, "
            f"~{(len(todo) - done) / rate / 60:.1f} min left",
            flush=True,
        )
    return {f"{what}_per_s": rate, "embed_s": time.perf_counter() - started}


# A passage is cut at sentence ends, at line ends and before a bullet that follows a heading
# ("Tech: - SSO through Okta...", as a recap section reads once joined into one window).
_PARTS = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=:)\s+(?=- )")
_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"20[2-3]\d")
_MONTH = re.compile(r"\b(?:" + "|".join(MONTHS) + r")\b")


def _sevens(match: re.Match[str]) -> str:
    number = match.group()
    return number if _YEAR.fullmatch(number) else "7" * len(number)


def sentences(passage: str) -> list[str]:
    """A passage's sentences and lines, canonicalised so that the ones made from the same
    template that differ only by an id, an amount, a date or a month share one vector. Names,
    titles, products and competitors are kept: they are what a question asks about."""
    parts = (p.strip().removeprefix("- ").strip() for p in _PARTS.split(passage))
    return [_MONTH.sub("June", _NUMBER.sub(_sevens, p)) for p in parts if p]


def sentence_texts(passages: dict[str, str]) -> dict[str, str]:
    """Every distinct canonical sentence of the passages, by hash."""
    return {text_hash(s): s for t in passages.values() for s in sentences(t)}


class ComposedVectors:
    """A passage's vector is the L2-normalised mean of its sentences' cached vectors.

    The sentence vectors share the passages' cache: both are keyed by the hash of the very
    text that was embedded, so a one-sentence passage already cached exactly is reused."""

    def __init__(self, cache: VectorCache, passages: dict[str, str]) -> None:
        self.cache = cache
        self.passages = passages

    def vector(self, digest: str) -> np.ndarray | None:
        text = self.passages.get(digest)
        if text is None:
            return None
        parts = [self.cache.vector(text_hash(s)) for s in sentences(text)]
        found = [p for p in parts if p is not None]
        if not found or len(found) < len(parts):
            return None
        mean: np.ndarray = np.mean(found, axis=0)
        return np.asarray(mean / np.linalg.norm(mean), dtype=np.float32)

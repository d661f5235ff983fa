"""The real model, remembered: every world is embedded once on SQLite and once on PostgreSQL,
and several tests embed the same texts, so the harness keeps what the model returned for each
batch of texts and gives it back when the same batch comes again. A batch, not a text: the
vectors are then byte for byte those the model gave for that very input."""

from __future__ import annotations

import threading
from functools import cache

import numpy as np

from app.embedding import get_embedder
from app.embedding.base import Embedder


class RememberingEmbedder:
    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, ...], np.ndarray] = {}

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dims(self) -> int:
        return self._inner.dims

    def embed(self, texts: list[str]) -> np.ndarray:
        key = tuple(texts)
        with self._lock:
            seen = self._seen.get(key)
        if seen is None:
            seen = self._inner.embed(texts)
            with self._lock:
                self._seen[key] = seen
        return seen.copy()


@cache
def remembering_embedder(model: str, threads: int = 0) -> Embedder:
    """The process's embedder for ``model`` (as ``get_embedder`` gives it), remembering; one
    per model, so that the topic prototypes built on it are built once too."""
    return RememberingEmbedder(get_embedder(model, threads))


class GatedEmbedder:
    """An embedder that holds every batch until its ``gate`` is set: a test that must act
    while a search is under way (the Slack app's acknowledgement before its answer)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.gate = inner, threading.Event()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dims(self) -> int:
        return self.inner.dims

    def embed(self, texts: list[str]) -> np.ndarray:
        assert self.gate.wait(120), "the test never let the batch through"
        return self.inner.embed(texts)

"""Embedders: text to normalised vectors. One model per process and use, loaded on first use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from app.embedding.backends import Backend
from app.embedding.base import Embedder


@lru_cache(maxsize=8)
def get_embedder(
    model: str, threads: int = 0, backend: Backend = "torch", cache_dir: Path | None = None
) -> Embedder:
    """The process-wide embedder for ``model`` (a sentence-transformers name or path) on
    ``backend``, using ``threads`` CPU threads (0: the backend's default, every core).
    ``cache_dir`` holds the ONNX exports (default: under the venv).

    ``fake:<dims>`` selects the deterministic hashing embedder, meant for unit tests only.
    """
    if model.startswith("fake:"):
        from app.embedding.fake import HashingEmbedder

        return HashingEmbedder(dims=int(model.split(":", 1)[1]))
    from app.embedding.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, threads=threads, backend=backend, cache_dir=cache_dir)

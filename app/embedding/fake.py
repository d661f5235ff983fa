"""A deterministic stand-in for unit tests: hashed word counts, normalised. Shares words, not
meaning; integration tests use the real model."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class HashingEmbedder:
    def __init__(self, dims: int = 64) -> None:
        self._dims = dims

    @property
    def name(self) -> str:
        return f"fake:{self._dims}"

    @property
    def dims(self) -> int:
        return self._dims

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest())
                out[row, bucket % self._dims] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

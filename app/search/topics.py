"""Topic prototypes: the mean embedding of each topic's phrasings (``app.taxonomy``).

Prototypes serve three purposes:

- classify: every passage, and every sentence that names a contact, gets its nearest fine
  topic when it is embedded;
- age: through its section, a classified fact gets a shelf life (``app.domain.freshness``);
- expand: a question is pulled a little toward the prototypes it resembles, so that "is their
  checkbook open again?" meets notes about a lifted spending freeze with no words in common.

How close a question comes to its nearest topic (``topicality``) also says whether it is a
question about a sale at all: what the pull, and the priors of ``app.domain.retrieval`` that
only hold for notes about accounts, may act on. Measured with ``scripts/eval_external.py``:
crm-dev's questions lie 0.18-0.74 from their nearest topic (median 0.36, nine in ten above
0.24); the questions of four public collections (medicine, library science, aeronautics,
documentation) lie below 0.38 (medians 0.06-0.20), and a pull toward the topic nearest them
moved them toward nothing they asked about.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np

from app.db.models import BuyingRole
from app.embedding.base import Embedder
from app.taxonomy import TOPIC_BY_NAME, TOPICS

SHARPNESS = 0.05  # softmax temperature over topic similarities
# Cosine to the nearest topic below which a question is about no topic of a sale, and from
# which it is wholly one; in between, a straight ramp.
TOPICAL_FROM = 0.2
TOPICAL_FULL = 0.3
# A sentence suggests a buying role only when its best topic is that role's and it is at least
# this close to it: measured on crm-dev (scripts/roles_eval.py), 0.35 balances precision
# and recall; 0.45 halves recall for no gain in precision.
ROLE_SIMILARITY = 0.35


@dataclass(frozen=True)
class Classification:
    topic: str
    score: float

    @property
    def section(self) -> str:
        return TOPIC_BY_NAME[self.topic].section

    @property
    def role(self) -> BuyingRole | None:
        topic = TOPIC_BY_NAME[self.topic]
        return topic.role if self.score >= ROLE_SIMILARITY else None


class TopicModel:
    """Topic prototypes for one embedder, computed on first use."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._prototypes: np.ndarray | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, embedder: Embedder) -> TopicModel:
        """The process's one model for this embedder (prototypes cost a model call)."""
        with _MODELS_LOCK:
            model = _MODELS.get(embedder)
            if model is None:
                model = _MODELS[embedder] = cls(embedder)
            return model

    @property
    def prototypes(self) -> np.ndarray:
        with self._lock:
            if self._prototypes is None:
                rows = [self._embedder.embed(list(t.exemplars)).mean(axis=0) for t in TOPICS]
                matrix = np.stack(rows)
                self._prototypes = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return self._prototypes

    def classify(self, vectors: np.ndarray) -> list[Classification]:
        """The nearest fine topic of each normalised vector."""
        if len(vectors) == 0:
            return []
        similarity = np.asarray(vectors, dtype=np.float32) @ self.prototypes.T
        best = similarity.argmax(axis=1)
        return [
            Classification(TOPICS[int(i)].name, round(float(row[i]), 4))
            for row, i in zip(similarity, best, strict=True)
        ]

    def weights(self, vector: np.ndarray) -> np.ndarray:
        """A distribution over ``TOPICS`` for one normalised vector."""
        similarity = self.prototypes @ vector
        scaled = np.exp((similarity - similarity.max()) / SHARPNESS)
        return np.asarray(scaled / scaled.sum(), dtype=np.float32)

    def topicality(self, vector: np.ndarray) -> float:
        """How much a normalised question vector is about a topic of a sale: 0 when its
        nearest topic is farther than ``TOPICAL_FROM``, 1 from ``TOPICAL_FULL``."""
        nearest = float((self.prototypes @ vector).max())
        return min(1.0, max(0.0, (nearest - TOPICAL_FROM) / (TOPICAL_FULL - TOPICAL_FROM)))

    def expand(self, vector: np.ndarray, pull: float) -> np.ndarray:
        """``vector`` moved ``pull`` of the way toward the topics it resembles."""
        if pull <= 0:
            return vector
        pulled = vector + pull * (self.weights(vector) @ self.prototypes)
        return np.asarray(pulled / np.linalg.norm(pulled), dtype=np.float32)


_MODELS: weakref.WeakKeyDictionary[Embedder, TopicModel] = weakref.WeakKeyDictionary()
_MODELS_LOCK = threading.Lock()

"""What customer knowledge is about: the topics of a complex sale, as meaning prototypes.

Each topic is described by a few plain phrasings of the kind of fact it covers, written from
sales practice (buying influences, objections, budget cycles...), not from any data set. Their
mean embedding is the topic's prototype. A question is pulled a little toward the prototypes
it resembles, so that "is their checkbook open again?" meets notes about a lifted spending
freeze even when the two share no words.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from app.embedding.base import Embedder


@dataclass(frozen=True)
class Topic:
    name: str
    exemplars: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "economic_buyer",
        (
            "has final approval on the budget",
            "signs off on spending over the threshold",
            "the executive who approves the purchase",
            "controls the money for this project",
            "the CFO makes the final call on price",
            "budget owner for the deal",
        ),
    ),
    Topic(
        "coach",
        (
            "our internal champion who guides us",
            "gave us the inside read on their process",
            "an ally on the inside coaching us how to win",
            "tipped us off about what the committee wants",
            "call her when we are unsure how to proceed",
            "our sponsor inside the account",
        ),
    ),
    Topic(
        "technical_buyer",
        (
            "IT has to approve the security review",
            "the architect screens vendors and can veto",
            "integration and single sign-on requirements",
            "must pass their technical evaluation",
            "data security questionnaire before purchase",
        ),
    ),
    Topic(
        "user_buyer",
        (
            "the managers who would use it every day",
            "frontline supervisors judge the impact on their work",
            "day-to-day owner of scheduling",
            "wants to see who is cross-trained",
        ),
    ),
    Topic(
        "objections",
        (
            "concerned about the price",
            "pushback on the implementation timeline",
            "worried it will be too complex for staff",
            "raised an objection about",
            "hesitant because of change fatigue",
        ),
    ),
    Topic(
        "competition",
        (
            "also evaluating a competing vendor",
            "the incumbent system they use today",
            "a rival undercut our price",
            "comparing us against another product",
            "currently on another scheduling tool",
        ),
    ),
    Topic(
        "vendor_failure",
        (
            "their previous vendor failed them",
            "the last implementation went badly",
            "lost months when the old system collapsed",
            "bad experience with a prior software rollout",
        ),
    ),
    Topic(
        "budget_timing",
        (
            "spending freeze on new purchases",
            "budget is frozen until next quarter",
            "the freeze has been lifted and funds released",
            "fiscal year starts in",
            "budget planning cycle and approval dates",
            "cash is tight this year",
        ),
    ),
    Topic(
        "politics",
        (
            "tension between two executives",
            "internal rivalry between departments",
            "they do not get along",
            "office politics around the decision",
            "a power struggle over who owns it",
        ),
    ),
    Topic(
        "personal",
        (
            "hobbies outside of work",
            "spends weekends with family",
            "likes to talk about sports",
            "personality and communication style",
            "has kids in college",
            "career background before joining",
        ),
    ),
    Topic(
        "logistics",
        (
            "prefers email over phone calls",
            "meet in the conference room on the third floor",
            "best time to reach him",
            "sign in at the security desk",
            "only uses Teams for meetings",
        ),
    ),
    Topic(
        "results",
        (
            "after go-live overtime dropped",
            "measurable improvement since adopting the platform",
            "saved hours each week",
            "reduced no-shows and turnover",
            "return on investment so far",
        ),
    ),
    Topic(
        "contract",
        (
            "signed a three-year agreement",
            "contract renews next year",
            "order form and annual contract value",
            "purchase order received",
            "terms of the master agreement",
        ),
    ),
    Topic(
        "support",
        (
            "support ticket about a bug",
            "outage affected their users",
            "problem with the product after the update",
            "incident root cause and resolution",
            "login issues reported",
        ),
    ),
    Topic(
        "people_change",
        (
            "left the company",
            "a new CFO replaced her",
            "changed roles internally",
            "just joined from another organization",
            "promoted to director",
        ),
    ),
)

PULL = 0.3  # how far a question moves toward its topics (0: not at all)
SHARPNESS = 0.05  # softmax temperature over topic similarities


class TopicModel:
    """Topic prototypes for one embedder, computed on first use."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._prototypes: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def prototypes(self) -> np.ndarray:
        with self._lock:
            if self._prototypes is None:
                rows = [self._embedder.embed(list(t.exemplars)).mean(axis=0) for t in TOPICS]
                matrix = np.stack(rows)
                self._prototypes = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return self._prototypes

    def weights(self, vector: np.ndarray) -> np.ndarray:
        """A distribution over ``TOPICS`` for one normalised vector."""
        similarity = self.prototypes @ vector
        scaled = np.exp((similarity - similarity.max()) / SHARPNESS)
        return np.asarray(scaled / scaled.sum(), dtype=np.float32)

    def expand(self, vector: np.ndarray) -> np.ndarray:
        pulled = vector + PULL * (self.weights(vector) @ self.prototypes)
        return np.asarray(pulled / np.linalg.norm(pulled), dtype=np.float32)

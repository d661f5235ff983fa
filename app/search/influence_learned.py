"""A learned complement to the role cues: how likely a sentence about one person says each
buying role, read from the sentence's embedding by one small linear classifier per role.

The cues (``app.search.influence_cues``) are precise, but every new writer words roles their own
way, and a cue list written for one set of writers missed half of the next set's roles. The
classifiers were fitted on the sentences careful readers labelled as role evidence in the
tuning sets (``scripts/data/influence``), with the person replaced by a placeholder so that a
name cannot stand for a role (``neutral``); ``scripts/train_roles.py`` rebuilds
``role_weights.json`` from them, and ``scripts/roles_loso.py`` measures them leave one set out.

Embedding is the worker's job, not a request's: the embedding worker scores each sentence that
names one contact when it embeds the note and stores the probabilities on its ``Mention`` row
(``role_scores``); the suggester only compares them to the threshold kept with the weights.
Pure numpy, no database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import numpy as np

from app.search import influence_text as text
from app.search.influence_read import Reading

ROLES = ("economic", "technical", "user", "coach")
WEIGHTS = Path(__file__).with_name("role_weights.json")
PLACEHOLDER = "the person"
# Titles a name carries in some writers' notes ("Tanaka-san", "Ms Whitcombe", "the Colm").
_HONORIFIC = r"(?:(?:Mr|Mrs|Ms|Dr|Mx)\.?\s+)?"
_SUFFIX = r"(?:-(?:san|sama|kun|chan))?"


@dataclass(frozen=True)
class RoleModel:
    """One logistic regression per role over the embedding: ``p = sigmoid(x @ coef + bias)``."""

    model: str  # the embedding model the weights were fitted on
    coef: np.ndarray  # (dims, roles)
    bias: np.ndarray  # (roles,)
    threshold: float  # a role is read where its probability reaches this

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """Per row of ``vectors``, each role's probability, in ``ROLES``' order."""
        if len(vectors) == 0:
            return np.zeros((0, len(ROLES)), np.float32)
        logits = np.asarray(vectors, np.float64) @ self.coef + self.bias
        probabilities: np.ndarray = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return probabilities

    def fits(self, model_name: str, dims: int) -> bool:
        """Whether vectors of ``model_name`` can be read: the weights mean nothing for another
        model's vectors (an int8 copy of the same model is close enough)."""
        return model_name.split("#")[0] == self.model and dims == self.coef.shape[0]

    def to_json(self) -> str:
        return json.dumps(
            {
                "model": self.model,
                "roles": list(ROLES),
                "threshold": round(self.threshold, 4),
                "bias": [round(float(b), 5) for b in self.bias],
                # per role, its coefficients over the embedding's dimensions
                "coef": {
                    role: [round(float(v), 5) for v in self.coef[:, i]]
                    for i, role in enumerate(ROLES)
                },
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> RoleModel:
        data = json.loads(text)
        if tuple(data["roles"]) != ROLES:
            raise ValueError(f"role weights for {data['roles']}, not {ROLES}")
        coef = np.asarray([data["coef"][role] for role in ROLES], np.float64).T
        return cls(data["model"], coef, np.asarray(data["bias"], np.float64), data["threshold"])


@cache
def load(path: Path = WEIGHTS) -> RoleModel | None:
    """The committed weights, or None where none are shipped."""
    if not path.exists():
        return None
    return RoleModel.from_json(path.read_text(encoding="utf-8"))


def fit(vectors: np.ndarray, targets: np.ndarray, *, model: str, threshold: float) -> RoleModel:
    """One logistic regression per role over ``vectors`` (``targets``: one 0/1 column per role),
    its classes weighted by their frequency, since a role's sentences are a few percent of all.
    lbfgs from zero weights: the same data give the same weights. For training only
    (``scripts/train_roles.py``): scikit-learn is imported here, never on a request's path."""
    from sklearn.linear_model import LogisticRegression

    coef, bias = [], []
    for i in range(len(ROLES)):
        classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        classifier.fit(vectors, targets[:, i])
        coef.append(classifier.coef_[0])
        bias.append(classifier.intercept_[0])
    return RoleModel(model, np.asarray(coef, np.float64).T, np.asarray(bias, np.float64), threshold)


def neutral(sentence: str, name: str, title: str | None = None) -> str:
    """``sentence`` with the person's name (full, first or last, with an honorific or "-san")
    replaced by a placeholder: a classifier that saw "Meg" as an economic buyer in training
    would otherwise read the next Meg so. Titles stay: "the CFO" is evidence a reader uses."""
    words = [w for w in name.split() if len(w) > 1]
    forms = sorted({name.strip(), *words}, key=len, reverse=True)
    if not forms or not forms[0]:
        return sentence
    alternatives = "|".join(re.escape(f) for f in forms)
    pattern = re.compile(rf"\b(?:the\s+)?{_HONORIFIC}(?:{alternatives}){_SUFFIX}\b", re.IGNORECASE)
    return pattern.sub(PLACEHOLDER, sentence)


def as_mapping(row: Sequence[float]) -> dict[str, float]:
    """One row of ``RoleModel.scores`` as stored on a ``Mention``: role to probability."""
    return {role: round(float(p), 4) for role, p in zip(ROLES, row, strict=True)}


# A learned reading is worth less than a cue's: one note saying it gives a confidence of 0.29
# (a cue's is 0.5), two notes 0.5.
STRENGTH = 0.5


def read_learned(
    *,
    contact_id: int,
    note_id: int,
    sentence: str,
    observed_at: datetime,
    scores: Mapping[str, float] | None,
    named: int,
    threshold: float,
) -> list[Reading]:
    """The roles the classifiers read in one sentence about one person. Nothing from a sentence
    naming two people (whose role would it be?), nor from one said with doubt or with a
    negation: the classifiers read topics, not polarity, and "she does not sign" is about
    signing as much as "she signs" is."""
    if scores is None or named != 1 or text.hedged(sentence) or text.denies(sentence):
        return []
    return [
        Reading(
            contact_id=contact_id,
            field="roles",
            value=role,
            strength=STRENGTH,
            denied=False,
            note_id=note_id,
            sentence=sentence,
            observed_at=observed_at,
        )
        for role in ROLES
        if scores.get(role, 0.0) >= threshold
    ]


def beside_cues(learned: list[Reading], cues: list[Reading]) -> list[Reading]:
    """The learned readings of roles the cues say nothing of, for that person: where a cue
    reads a role, affirmed or denied, its word stands."""
    said = {(r.contact_id, r.value) for r in cues if r.field == "roles"}
    return [r for r in learned if (r.contact_id, r.value) not in said]

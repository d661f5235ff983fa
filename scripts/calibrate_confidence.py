"""Fit the confidence of search hits (``app.domain.results.CALIBRATION``) and see how it holds.

    .venv/bin/python scripts/calibrate_confidence.py ../shared/eval/crm-dev \\
        --held-out scripts/data/influence/dev [--cache /tmp/tacit-cal]

Each data set (the crm-dev format) is imported into a SQLite database through the product's
import and embedded with the real model (``--cache`` keeps those databases between runs). Every
query is asked as its asker through ``app.domain.retrieval.search`` with 50 hits, and each hit
gives one row: its features (``app.domain.results.Features``) and whether the set grades it
relevant (1 or 2). A logistic regression is fitted on the first set's rows (a hit no query
grades, negatives' hits included, is a 0), and printed as the ``Calibration`` to paste into
``app/domain/results.py``, with one fitted without the meaning features (``KEYWORD_ONLY``, for
notes not yet embedded). Then, for the current coefficients in ``app/domain/results.py``:

- on the fitting set, five-fold cross-validation by query (each fold predicted by a fit on the
  other four), and on every ``--held-out`` set with the coefficients as they are: the Brier
  score, ROC AUC, a reliability table (predicted against observed share relevant), and the
  precision and recall of "confident" (``CONFIDENT``);
- per query type: the share of queries with at least one confident hit, and of the first
  hit being confident; negatives should have none;
- made-up nonsense questions (never fitted on): how many get a confident hit (should be 0).
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db.engine import Database
from app.db.migrate import upgrade
from app.db.models import Account, User
from app.domain import results, retrieval
from app.domain.access import SYSTEM
from app.domain.transfer.dataset_import import import_dataset
from app.services import open_services
from app.worker.embedding import run_once

DEPTH = 50
# Questions nothing in a base of customer notes answers, fitted on as such (every hit a 0):
# without them the fit never sees a question that is off the map, only crm-dev's plausible
# negatives. Gibberish, other fields, everyday life; none of them is reported on below.
OFF_THE_MAP = (
    "qwxz plorb",
    "ghhh jjj kkk",
    "vbnm tyui",
    "flibbertigibbet wobble",
    "snorkel marmalade quantum",
    "oooo aaaa eeee",
    "1234 5678 abcd",
    "the the the the",
    "capital of mongolia",
    "boiling point of nitrogen",
    "who won the 1966 world cup",
    "how to bake sourdough bread",
    "recipe for lemon meringue pie",
    "distance from earth to the sun",
    "lyrics of a famous christmas song",
    "how do volcanoes form",
    "best hiking trails in patagonia",
    "rules of cricket explained",
    "python list comprehension syntax",
    "how to fix a leaking tap",
    "symptoms of the common cold in cats",
    "when did the roman empire fall",
    "translate good morning into japanese",
    "how tall is mount kilimanjaro",
    "why is the sky blue",
    "chess opening for beginners",
    "how many legs does a spider have",
    "tips for growing tomatoes on a balcony",
    "what is the square root of 144",
    "plot of a shakespeare tragedy",
)
NONSENSE = (
    "zzzqqq xylophone",
    "asdfgh qwerty uiop",
    "purple elephant trampoline recipe",
    "lorem ipsum dolor sit amet",
    "best pizza topping on mars",
    "how many moons does neptune have",
    "xkcd 927 banana",
    "blorft snizzle wumpus",
    "kitten piano sunset",
    "how do penguins sleep",
    "ancient egyptian pyramid construction",
    "mmmmm zzzz",
)
FEATURES = ("dense", "contrast", "lexical", "identifier", "rank")


@dataclass
class Row:
    query: str
    kind: str
    features: list[float]
    embedded: bool
    relevant: bool
    confidence: float
    rank: int


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def embedded_database(directory: Path, cache: Path, model: str) -> Path:
    """A SQLite file holding ``directory`` imported and embedded, made once per cache."""
    target = cache / f"{directory.resolve().name}-{directory.resolve().parent.name}.db"
    if target.exists():
        return target
    building = target.with_suffix(".building")
    building.unlink(missing_ok=True)
    db = Database(f"sqlite:///{building}")
    upgrade(db.engine)
    with db.unit_of_work() as session:
        import_dataset(session, directory, actor=SYSTEM)
    services = open_services(_settings(f"sqlite:///{building}", model))
    while run_once(db, services.embedder):
        pass
    services.close()
    db.dispose()
    building.rename(target)
    return target


def _settings(url: str, model: str) -> Settings:
    return Settings(
        _env_file=None,
        env="test",
        database_url=url,  # type: ignore[call-arg]
        embedding_model=model,
        worker_threads=0,
    )


def collect(
    directory: Path, database: Path, model: str, *, off_the_map: bool = False
) -> tuple[list[Row], list[Row]]:
    """Every query's hits as rows (with ``off_the_map``, those questions' too, as kind
    ``off_the_map``), and the nonsense questions' (asked by the first user)."""
    work = Path(tempfile.mkdtemp(prefix="tacit-cal-")) / "run.db"
    shutil.copy(database, work)
    services = open_services(_settings(f"sqlite:///{work}", model))
    rows: list[Row] = []
    nonsense: list[Row] = []
    try:
        with services.database.session(write=False) as session:
            accounts = dict(session.execute(select(Account.external_id, Account.id)).all())
            users = {u.external_id: u for u in session.scalars(select(User))}
            for query in read_jsonl(directory / "queries.jsonl"):
                account = accounts[query["account_id"]] if query.get("account_id") else None
                asker = users[query["asker_id"]]
                rows += _ask(session, services, asker, query["text"], account, query)
            first = next(iter(users.values()))
            for text in OFF_THE_MAP if off_the_map else ():
                rows += _ask(session, services, first, text, None, {"type": "off_the_map"})
            for text in NONSENSE:
                nonsense += _ask(session, services, first, text, None, None)
    finally:
        services.close()
        shutil.rmtree(work.parent, ignore_errors=True)
    return rows, nonsense


def _ask(
    session: Any,
    services: Any,
    asker: User,
    text: str,
    account: int | None,
    query: dict[str, Any] | None,
) -> list[Row]:
    request = retrieval.SearchRequest(q=text, account_id=account, limit=DEPTH)
    found = retrieval.search(session, services.search, asker, request)
    relevant = (query or {}).get("relevant", {})
    out = []
    for rank, hit in enumerate(found.hits, start=1):
        if hit.features is None or hit.evidence:
            continue  # the answer's evidence is shown as such, whatever its features
        out.append(
            Row(
                query=text,
                kind=(query or {}).get("type", "nonsense"),
                features=hit.features.as_row(),
                embedded=hit.features.dense is not None,
                relevant=relevant.get(hit.note.external_id or "", 0) > 0,
                confidence=hit.confidence,
                rank=rank,
            )
        )
    return out


def fit(rows: list[Row], columns: list[int]) -> tuple[float, list[float]]:
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r.features[c] for c in columns] for r in rows])
    y = np.array([r.relevant for r in rows])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    return float(model.intercept_[0]), [float(w) for w in model.coef_[0]]


def predict(intercept: float, weights: list[float], columns: list[int], row: Row) -> float:
    z = intercept + sum(w * row.features[c] for w, c in zip(weights, columns, strict=True))
    return float(1 / (1 + np.exp(-z)))


def calibration_text(name: str, intercept: float, weights: list[float], columns: list[int]) -> str:
    named = dict.fromkeys(FEATURES, 0.0)
    for weight, column in zip(weights, columns, strict=True):
        named[FEATURES[column]] = weight
    parts = ", ".join(f"{k}={v:.3f}" for k, v in named.items())
    return f"{name} = Calibration(intercept={intercept:.3f}, {parts})"


def cross_validated(rows: list[Row], folds: int = 5) -> list[float]:
    """Each row's probability from a fit on the queries of the other folds."""
    queries = sorted({r.query for r in rows})
    fold_of = {q: i % folds for i, q in enumerate(queries)}
    out = [0.0] * len(rows)
    for fold in range(folds):
        train = [r for r in rows if fold_of[r.query] != fold]
        full = list(range(len(FEATURES)))
        lexical = [2, 3, 4]
        fitted = {
            True: fit([r for r in train if r.embedded], full),
            False: fit(train, lexical),
        }
        for i, r in enumerate(rows):
            if fold_of[r.query] == fold:
                columns = full if r.embedded else lexical
                intercept, weights = fitted[r.embedded]
                out[i] = predict(intercept, weights, columns, r)
    return out


def report(title: str, rows: list[Row], probabilities: list[float]) -> None:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    y = np.array([r.relevant for r in rows])
    p = np.array(probabilities)
    confident = p >= results.CONFIDENT
    precision = float(y[confident].mean()) if confident.any() else 0.0
    recall = float(confident[y].mean()) if y.any() else 0.0
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    print(f"\n## {title}: {len(rows)} hits, {int(y.sum())} relevant")
    print(
        f"Brier {brier_score_loss(y, p):.3f}, ROC AUC {auc:.3f}; confident (p >= "
        f"{results.CONFIDENT}): {int(confident.sum())} hits, precision {precision:.3f}, "
        f"recall {recall:.3f}"
    )
    print(f"{'predicted':<12}{'hits':>6}{'mean p':>8}{'observed':>10}")
    edges = [0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0001]
    for low, high in itertools.pairwise(edges):
        inside = (p >= low) & (p < high)
        if inside.any():
            print(
                f"{low:.1f}-{min(high, 1):.1f}{'':<5}{int(inside.sum()):>6}"
                f"{p[inside].mean():>8.3f}{y[inside].mean():>10.3f}"
            )
    by_kind: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for row, prob in zip(rows, probabilities, strict=True):
        by_kind[row.kind][row.query].append(prob >= results.CONFIDENT)
    print(f"{'type':<12}{'queries':>8}{'any confident':>15}")
    for kind in sorted(by_kind):
        per_query = by_kind[kind]
        share = statistics.fmean(any(v) for v in per_query.values())
        print(f"{kind:<12}{len(per_query):>8}{share:>15.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="the set to fit on (crm-dev format)")
    parser.add_argument("--held-out", type=Path, action="append", default=[])
    parser.add_argument("--cache", type=Path, help="keep the embedded databases here")
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    args = parser.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="tacit-cal-cache-"))
    cache.mkdir(parents=True, exist_ok=True)

    rows, nonsense = collect(
        args.directory,
        embedded_database(args.directory, cache, args.model),
        args.model,
        off_the_map=True,
    )
    full = list(range(len(FEATURES)))
    lexical = [2, 3, 4]
    print(f"# fitted on {args.directory} ({len(rows)} hits)")
    print(calibration_text("CALIBRATION", *fit([r for r in rows if r.embedded], full), full))
    print(calibration_text("KEYWORD_ONLY", *fit(rows, lexical), lexical))

    report(f"{args.directory} (5-fold cross-validation by query)", rows, cross_validated(rows))
    report(f"{args.directory} (current coefficients)", rows, [r.confidence for r in rows])
    for held_out in args.held_out:
        held, more = collect(held_out, embedded_database(held_out, cache, args.model), args.model)
        report(f"{held_out} (held out, current coefficients)", held, [r.confidence for r in held])
        nonsense += more
    confident = {r.query for r in nonsense if r.confidence >= results.CONFIDENT}
    sets = 1 + len(args.held_out)
    print(
        f"\nnonsense questions with a confident hit: {len(confident)} of {len(NONSENSE)} "
        f"(each asked on {sets} set{'s' if sets != 1 else ''})"
    )
    for text in sorted(confident):
        print(f"  {text!r}")


if __name__ == "__main__":
    main()

"""Measure the topic classifier against a hand-labelled sample.

    .venv/bin/python scripts/topics_eval.py [scripts/topic_sample.jsonl]

The sample holds 250 passages of crm-dev notes (one passage of each of 250 notes drawn with a
fixed seed), each labelled by reading it with the brief's section it belongs to (``section``)
and any other section it also clearly covers (``also``). Prints the strict accuracy (the
classifier's section is ``section``), the lenient one (it is ``section`` or in ``also``), and
per-section precision and recall, with the bundled model or ``--model``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.embedding import get_embedder
from app.search.topics import TopicModel
from app.taxonomy import SECTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(__file__).with_name("topic_sample.jsonl")
    parser.add_argument("sample", type=Path, nargs="?", default=default)
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    parser.add_argument("--errors", action="store_true", help="print every miss")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.sample.open(encoding="utf-8") if line.strip()]
    model = TopicModel(get_embedder(args.model))
    found = model.classify(model_vectors := model_embed(model, [r["text"] for r in rows]))
    del model_vectors
    strict = lenient = 0
    predicted: Counter[str] = Counter()
    labelled: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for row, guess in zip(rows, found, strict=True):
        labelled[row["section"]] += 1
        predicted[guess.section] += 1
        if guess.section == row["section"]:
            strict += 1
            correct[guess.section] += 1
        if guess.section == row["section"] or guess.section in row["also"]:
            lenient += 1
        elif args.errors:
            print(f"  {row['section']:>16} ← {guess.section:<16} {row['text'][:90]!r}")
    n = len(rows)
    print(f"passages {n}: strict accuracy {strict / n:.3f}, lenient accuracy {lenient / n:.3f}")
    print(f"{'section':<18}{'labelled':>9}{'predicted':>10}{'precision':>10}{'recall':>8}")
    for section in SECTIONS:
        name = section.name
        precision = correct[name] / predicted[name] if predicted[name] else 0.0
        recall = correct[name] / labelled[name] if labelled[name] else 0.0
        print(f"{name:<18}{labelled[name]:>9}{predicted[name]:>10}{precision:>10.3f}{recall:>8.3f}")


def model_embed(model: TopicModel, texts: list[str]):  # type: ignore[no-untyped-def]
    return model._embedder.embed(texts)


if __name__ == "__main__":
    main()

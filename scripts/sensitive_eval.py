"""Measure the sensitive-facts detector on the labelled sentences.

    .venv/bin/python scripts/sensitive_eval.py [FILE.tsv ...] [--errors] [--bench]

Without files, scores every labelled set (development, held-out, then the four probes), each
on its own: per category the sentences labelled with it (support), those the detector flags,
precision and recall, then micro-averaged precision, recall and F1 over all labels.
``--errors`` lists every sentence the detector gets wrong; use it on the development set only,
so that the other figures stay an honest estimate. ``--bench`` times ``detect`` with every
category on, per note of about 60 words: realistic notes (passages of the topic samples, half
of them with one labelled sentence) and adversarial ones (labelled sentences only), and prints
the median and 95th percentile.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.privacy.evaluation import Labelled, Scores, read_labelled, score
from app.privacy.sensitive import ALL_CATEGORIES, detect

SCRIPTS = Path(__file__).resolve().parent
DATA = SCRIPTS / "data" / "sensitive"
# Tuned on, then the sets that only report; see scripts/data/sensitive/README.md for the order
# in which the probes were written and first scored.
DEFAULT_FILES = ("dev.tsv", "heldout.tsv", "probe.tsv", "probe2.tsv", "probe3.tsv", "probe4.tsv")
TARGET_RECALL = 0.90
TARGET_PRECISION = 0.85


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="*")
    parser.add_argument("--errors", action="store_true", help="list every wrong sentence")
    parser.add_argument("--bench", action="store_true", help="time detect() per note")
    args = parser.parse_args()
    files = args.files or [DATA / name for name in DEFAULT_FILES]

    for path in files:
        rows = read_labelled(path)
        scores = score(rows)
        report(path, rows, scores)
        if args.errors:
            for miss in scores.misses:
                missed = ",".join(sorted(miss.missed)) or "-"
                spurious = ",".join(sorted(miss.spurious)) or "-"
                print(f"  missed {missed:<28} spurious {spurious:<22} {miss.text}")
        print()
    if args.bench:
        bench([row for path in files for row in read_labelled(path)])


def report(path: Path, rows: list[Labelled], scores: Scores) -> None:
    sensitive = sum(1 for row in rows if row.labels)
    print(f"{path.name}: {len(rows)} sentences, {sensitive} with a sensitive fact")
    print(f"  {'category':<20}{'support':>8}{'flagged':>8}{'precision':>10}{'recall':>8}")
    for category in ALL_CATEGORIES:
        print(
            f"  {category:<20}{scores.labelled[category]:>8}{scores.found[category]:>8}"
            f"{scores.precision(category):>10.3f}{scores.recall(category):>8.3f}"
        )
    p, r = scores.precision(), scores.recall()
    met = "meets" if p >= TARGET_PRECISION and r >= TARGET_RECALL else "misses"
    print(
        f"  {'overall (micro)':<20}{sum(scores.labelled.values()):>8}"
        f"{sum(scores.found.values()):>8}{p:>10.3f}{r:>8.3f}   F1 {scores.f1():.3f}"
        f"  ({met} the target P >= {TARGET_PRECISION}, R >= {TARGET_RECALL})"
    )


def bench(labelled: list[Labelled], *, words: int = 60, notes: int = 2000) -> None:
    rng = random.Random(7)
    passages = [
        json.loads(line)["text"]
        for name in ("topic_sample.jsonl", "topic_heldout.jsonl")
        for line in (SCRIPTS / name).open(encoding="utf-8")
        if line.strip()
    ]
    sentences = [row.text for row in labelled]
    # What reps write: passages of real-looking CRM notes, every other note with one labelled
    # sentence (sensitive or a hard negative) in it.
    realistic = [
        _note(rng, passages, words, extra=rng.choice(sentences) if i % 2 else None)
        for i in range(notes)
    ]
    # The worst case: every sentence a labelled one, so nearly every category's words occur.
    adversarial = [_note(rng, sentences, words) for _ in range(notes)]
    everything = frozenset(ALL_CATEGORIES)
    for name, batch in (("realistic", realistic), ("adversarial", adversarial)):
        timings = []
        cpu_started = time.process_time()
        for text in batch:
            started = time.perf_counter_ns()
            detect(text, categories=everything)
            timings.append((time.perf_counter_ns() - started) / 1000)
        # CPU time as well: on a shared machine the wall clock also counts other processes.
        cpu = (time.process_time() - cpu_started) / notes * 1e6
        timings.sort()
        mean_words = statistics.mean(len(text.split()) for text in batch)
        print(
            f"bench {name}: {notes} notes of {mean_words:.0f} words on average, every category "
            f"on: median {statistics.median(timings):.0f} µs, p95 {timings[int(0.95 * notes)]:.0f}"
            f" µs, CPU {cpu:.0f} µs a note on average"
        )


def _note(rng: random.Random, pieces: list[str], words: int, extra: str | None = None) -> str:
    parts = [extra] if extra else []
    while sum(len(part.split()) for part in parts) < words:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(pieces).rstrip(".") + ".")
    return " ".join(parts)


if __name__ == "__main__":
    main()

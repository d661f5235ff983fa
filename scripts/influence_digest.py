"""Every influence suggestion made on labelled sets, written out to compare two versions.

    .venv/bin/python scripts/influence_digest.py --out /tmp/before.jsonl \
        scripts/data/influence/dev scripts/data/influence/dev2 ../shared/eval/crm-dev
    # change the suggester, then
    .venv/bin/python scripts/influence_digest.py --compare /tmp/before.jsonl <the same sets>

A change that must not alter what is suggested (a faster path to the same readings) is checked
by this: each set is imported as ``brief_eval.py --no-embed`` does, ``suggest`` runs for every
reader and account, and each suggestion (contact, field, value, confidence, evidence, reason)
is one line. ``--compare`` exits 1 and prints the first differences when any line differs. It
also prints how long ``suggest`` took per account (median of the readers) for the account
with the most sentences. The sentences carry their learned role scores, as the embedding
worker stores them (``brief_eval.with_learned_scores``), unless ``--no-learned``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db.engine import Database
from app.search.influence import suggest

_spec = importlib.util.spec_from_file_location(
    "brief_eval", Path(__file__).with_name("brief_eval.py")
)
assert _spec and _spec.loader
brief_eval: Any = importlib.util.module_from_spec(_spec)
sys.modules["brief_eval"] = brief_eval  # its dataclasses look their module up
_spec.loader.exec_module(brief_eval)


def lines_of(directory: Path, *, learned: bool = True) -> tuple[list[str], list[float]]:
    """One line per suggestion, per reader and account; and the seconds ``suggest`` took on
    the account with the most sentences, per reader."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/digest.db"
        _, accounts, _, _ = brief_eval.search_eval.load(url, directory)
        db = Database(url)
        readers, ids = brief_eval.read_readers(db, list(accounts.values()), embedded=False)
        db.dispose()
    if learned:
        readers = brief_eval.with_learned_scores(
            readers, Settings.model_fields["embedding_model"].default
        )
    out: list[str] = []
    largest = max(range(len(readers[0].accounts)), key=lambda i: len(readers[0].accounts[i][1]))
    took: list[float] = []
    for reader in readers:
        for index, (people, sentences) in enumerate(reader.accounts):
            started = time.perf_counter()
            found = suggest(people, sentences)
            if index == largest:
                took.append(time.perf_counter() - started)
            for s in found:
                row = {
                    "set": directory.name,
                    "reader": reader.name,
                    "contact": ids["contact"][s.contact_id],
                    "field": s.field,
                    "value": s.value,
                    "confidence": s.confidence,
                    "evidence": [[ids["note"][c.note_id], c.sentence] for c in s.evidence],
                    "reason": s.reason,
                }
                out.append(json.dumps(row, sort_keys=True))
    return out, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directories", type=Path, nargs="+")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path, help="write the suggestions here")
    group.add_argument("--compare", type=Path, help="compare with a file --out wrote")
    parser.add_argument("--no-learned", action="store_true", help="without learned role scores")
    args = parser.parse_args()
    lines: list[str] = []
    for directory in args.directories:
        found, took = lines_of(directory, learned=not args.no_learned)
        lines += found
        print(
            f"{directory.name}: {len(found)} suggestions over every reader; suggest() on the "
            f"largest account: median {statistics.median(took) * 1000:.1f} ms over "
            f"{len(took)} readers"
        )
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
        print(f"wrote {len(lines)} lines to {args.out}")
        return
    before = args.compare.read_text().splitlines()
    if before == lines:
        print(f"identical: {len(lines)} suggestions")
        return
    missing = [line for line in before if line not in set(lines)]
    added = [line for line in lines if line not in set(before)]
    print(f"DIFFERENT: {len(missing)} gone, {len(added)} new (order may differ too)")
    for line in missing[:10]:
        print(f"- {line}")
    for line in added[:10]:
        print(f"+ {line}")
    sys.exit(1)


if __name__ == "__main__":
    main()

"""How well the learned role reader generalises to writers it never saw: leave one set out.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/roles_loso.py              # all five folds
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/roles_loso.py --folds dev5 # one

For each of the five tuning sets (``scripts/data/influence/dev`` .. ``dev5``, each by its own
writers), the classifiers (``app.search.influence_learned``, fitted as ``train_roles.py`` fits
them) are trained on the other four and the held-out set is read three ways: the cues alone
(today's suggester), the learned reader alone, and the union (cues first, learned readings of
the roles the cues say nothing of). Role precision and recall are counted as ``brief_eval.py``
counts them, per reader and then the mean over readers.

The threshold of each fold is chosen inside its four training sets only (nested): each of them
is held out in turn from a model fitted on the other three, and the threshold with the most
recall at a mean precision of at least 0.85 wins (for the union, "off" if none keeps it).

The cues were written while reading dev .. dev4 (dev5 only since its round), so their own
figures here are tuning figures, not held-out ones: a held-out figure for the cues is the
round's (issue 17's notes), and the union's gain over them is the learned reader's only.
"""

from __future__ import annotations

import argparse
import statistics
import time

from role_learning import OFF, SETS, Vectors, choose, figures, load_set, scored, trained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", nargs="*", default=list(SETS), help="the sets to hold out")
    args = parser.parse_args()
    started = time.perf_counter()
    sets = [load_set(name) for name in SETS]
    vectors = Vectors()
    vectors.of([t for s in sets for t in s.texts])
    print(f"{sum(len(s.texts) for s in sets)} sentences naming one contact, "
          f"{int(sum(s.targets.sum() for s in sets))} of them role evidence")  # fmt: skip
    header = f"{'held out':<9}{'cues P':>8}{'cues R':>8}  {'learned P':>9}{'R':>7}{'at':>6}"
    print(header + f"  {'union P':>8}{'R':>7}{'at':>6}")
    rows = []
    for held in [s for s in sets if s.name in args.folds]:
        train = [s for s in sets if s is not held]
        alone, union = choose(train, vectors, cues=False), choose(train, vectors)
        model = trained(train, vectors)
        add = scored(held, model, vectors)
        row = (
            *figures(held, None, OFF),
            *figures(held, add, alone.threshold, cues=False),
            *figures(held, add, union.threshold),
        )
        rows.append(row)
        print(f"{held.name:<9}{row[0]:>8.3f}{row[1]:>8.3f}  {row[2]:>9.3f}{row[3]:>7.3f}"
              f"{alone.threshold:>6.2f}  {row[4]:>8.3f}{row[5]:>7.3f}"
              f"{_at(union.threshold):>6}", flush=True)  # fmt: skip
    mean = [statistics.fmean(r[i] for r in rows) for i in range(6)]
    print(f"{'mean':<9}{mean[0]:>8.3f}{mean[1]:>8.3f}  {mean[2]:>9.3f}{mean[3]:>7.3f}{'':>6}"
          f"  {mean[4]:>8.3f}{mean[5]:>7.3f}")  # fmt: skip
    print(f"({time.perf_counter() - started:.0f} s)")


def _at(threshold: float) -> str:
    return "off" if threshold >= OFF else f"{threshold:.2f}"


if __name__ == "__main__":
    main()

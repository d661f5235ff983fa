"""Rebuild the learned role reader's weights (``app/search/role_weights.json``) from the tuning
sets, deterministically: the same sets and model give the same file.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_roles.py          # writes the weights
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_roles.py --check  # compares, writes nothing

The sentences naming one contact of ``scripts/data/influence/dev`` .. ``dev5`` (``role_learning``
says how they are found and labelled) are embedded with the configured model, and one logistic
regression per role is fitted on all of them (``influence_learned.fit``). The threshold shipped
with them is chosen leave one set out over the five sets, by the rule ``roles_loso.py`` applies
inside each of its folds: the most recall at a mean precision of at least 0.85 for the cues and
the learned reader together, or "off" (above every probability) if no threshold keeps it.
"""

from __future__ import annotations

import argparse
import sys

from role_learning import OFF, SETS, Vectors, choose, load_set, trained

from app.search.influence_learned import WEIGHTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args()
    sets = [load_set(name) for name in SETS]
    vectors = Vectors()
    choice = choose(sets, vectors)
    at = "off" if choice.threshold >= OFF else f"{choice.threshold:.2f}"
    print(f"threshold {at}: leave-one-set-out role precision {choice.precision:.3f}, "
          f"recall {choice.recall:.3f} (mean of the five sets held out in turn)")  # fmt: skip
    text = trained(sets, vectors, choice.threshold).to_json() + "\n"
    if args.check:
        same = WEIGHTS.exists() and WEIGHTS.read_text(encoding="utf-8") == text
        print(
            "identical to the committed weights" if same else "differs from the committed weights"
        )
        sys.exit(0 if same else 1)
    WEIGHTS.write_text(text, encoding="utf-8")
    print(f"wrote {WEIGHTS} ({len(text.encode())} bytes)")


if __name__ == "__main__":
    main()

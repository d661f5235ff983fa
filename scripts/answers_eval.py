"""How often search answers directly, and how often the answer is right, on a labelled set.

    .venv/bin/python scripts/answers_eval.py ../shared/eval/crm-dev [--pgserver] [--verbose]
    .venv/bin/python scripts/answers_eval.py scripts/data/influence/dev

Loads the directory as ``scripts/eval.py`` does (the product's import, an embedding worker,
every query asked as its asker over HTTP) and judges each ``answer`` of ``POST /v1/search``:

- a role answer (economic, technical, user buyer, coach) is right when every person it names
  holds that role in the set's ``contacts.jsonl`` and is of the query's account;
- a hot or cold button answer is right when every evidence note it cites is graded relevant
  (1 or 2) for the query in ``queries.jsonl``;
- a who-knows answer is right when the colleague it names wrote the most of the graded notes
  the asker may read (or, without graded notes, it is not judged);
- a query may also carry ``"answer": {"intent": ..., "contacts": [ids]}`` (or
  ``"answer": null`` for a question that must get none): then that is the truth.

Prints per intent the questions answered, right, wrong and not judged, and the answers given
to questions that expect none (``answer: null``, or of type ``negative``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval import database_url, load, read_jsonl, readable, served

from app.config import Settings

ROLES = {
    "economic_buyer": "economic",
    "technical_buyer": "technical",
    "user_buyer": "user",
    "coach": "coach",
}


def judge(
    query: dict[str, Any],
    answer: dict[str, Any],
    *,
    contacts: dict[str, dict[str, Any]],
    notes: dict[str, dict[str, Any]],
    asker: dict[str, Any],
    teams: dict[str, str],
    users: dict[str, dict[str, Any]],
) -> bool | None:
    """Right (True), wrong (False) or not judged (None)."""
    named = [p["external_id"] for p in answer["people"]]
    if "answer" in query:
        truth = query["answer"]
        if truth is None:
            return False
        if truth.get("intent") and truth["intent"] != answer["intent"]:
            return False
        if "contacts" in truth:
            return bool(named) and set(named) <= set(truth["contacts"])
        if "colleagues" in truth:
            best = answer["colleagues"][0]["user"]["external_id"] if answer["colleagues"] else None
            return best in truth["colleagues"]
    intent = answer["intent"]
    if intent in ROLES:
        account = query.get("account_id") or (
            contacts[named[0]]["account_id"] if named and named[0] in contacts else None
        )
        return bool(named) and all(
            n in contacts
            and contacts[n]["buying_role"] == ROLES[intent]
            and contacts[n]["account_id"] == account
            for n in named
        )
    relevant = {n for n, grade in query.get("relevant", {}).items() if grade > 0}
    if intent in ("hot_buttons", "cold_buttons"):
        cited = [e["external_id"] for e in answer["evidence"]]
        if not relevant:
            return None if query.get("type") != "negative" else False
        return bool(cited) and set(cited) <= relevant
    if intent == "who_knows":
        seen = [n for n in relevant if readable(asker, notes[n], teams)]
        by_author = Counter(
            notes[n]["author_id"] for n in seen if notes[n]["author_id"] != asker["id"]
        )
        if not by_author or not answer["colleagues"]:
            return None
        top = max(by_author.values())
        best = answer["colleagues"][0]["user"]["external_id"]
        return by_author.get(best, 0) == top
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--database-url", help="an empty database to use (default: temporary)")
    parser.add_argument("--pgserver", action="store_true", help="use a throwaway PostgreSQL")
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    parser.add_argument("--verbose", action="store_true", help="print every answer")
    args = parser.parse_args()

    users = {u["id"]: u for u in read_jsonl(args.directory / "users.jsonl")}
    teams = {u["id"]: u["team"] for u in users.values()}
    notes = {n["id"]: n for n in read_jsonl(args.directory / "notes.jsonl")}
    contacts = {c["id"]: c for c in read_jsonl(args.directory / "contacts.jsonl")}
    queries = read_jsonl(args.directory / "queries.jsonl")

    with database_url(args) as url:
        tokens, accounts, _, _ = load(url, args.directory)
        with served(url, tokens, model=args.model) as (http, _):
            answers = []
            for query in queries:
                body: dict[str, Any] = {"q": query["text"], "limit": 10}
                if query.get("account_id"):
                    body["account_id"] = accounts[query["account_id"]]
                response = http.post(
                    "/v1/search",
                    json=body,
                    headers={"Authorization": f"Bearer {tokens[query['asker_id']]}"},
                )
                response.raise_for_status()
                answers.append(response.json()["answer"])

    tally: dict[str, Counter[str]] = defaultdict(Counter)
    unexpected = 0
    for query, answer in zip(queries, answers, strict=True):
        expects_none = ("answer" in query and query["answer"] is None) or query.get(
            "type"
        ) == "negative"
        if answer is None:
            if "answer" in query and query["answer"] is not None:
                tally[query["answer"].get("intent", "?")]["missed"] += 1
            continue
        asker = users[query["asker_id"]]
        verdict = judge(
            query, answer, contacts=contacts, notes=notes, asker=asker, teams=teams, users=users
        )
        if expects_none:
            unexpected += 1
            verdict = False
        row = tally[answer["intent"]]
        row["answered"] += 1
        row[{True: "right", False: "wrong", None: "unjudged"}[verdict]] += 1
        if args.verbose or verdict is False:
            mark = {True: "ok", False: "WRONG", None: "?"}[verdict]
            cited = [e["external_id"] for e in answer["evidence"]]
            print(f"{mark:<5} {query['id']} {query['text']!r}\n      {answer['text']} {cited}")

    print(f"\n{len(queries)} questions, {sum(a is not None for a in answers)} answered")
    print(f"{'intent':<16}{'answered':>9}{'right':>7}{'wrong':>7}{'unjudged':>10}{'missed':>8}")
    for intent in sorted(tally):
        row = tally[intent]
        print(
            f"{intent:<16}{row['answered']:>9}{row['right']:>7}{row['wrong']:>7}"
            f"{row['unjudged']:>10}{row['missed']:>8}"
        )
    total = sum((c for c in tally.values()), Counter())
    judged = total["right"] + total["wrong"]
    precision = total["right"] / judged if judged else 0.0
    print(
        f"{'all':<16}{total['answered']:>9}{total['right']:>7}{total['wrong']:>7}"
        f"{total['unjudged']:>10}{total['missed']:>8}   precision {precision:.2f}"
    )
    print(f"answers to questions that expect none: {unexpected}")


if __name__ == "__main__":
    main()

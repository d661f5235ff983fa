"""Validate a labelled influence set and print its counts.

    python scripts/data/influence/check.py        # every set present: dev/, dev2/, dev3/, unseen/
    python scripts/data/influence/check.py scripts/data/influence/dev

A set is a directory in the crm-dev format (users, accounts, contacts, notes, queries) plus
``influence.jsonl``, one label record per contact (see README.md beside this file). The check
needs nothing but the standard library, so it runs before anything is installed. It exits 1
and lists every problem when one is found.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROLES = {"economic", "technical", "user", "coach"}
DEGREES = {"high", "medium", "low", None}
MODES = {"growth", "trouble", "even_keel", "overconfident", None}
VISIBILITIES = {"company", "team", "private"}
QUERY_TYPES = {"role", "button", "who_knows", "negative", "aggregate"}
MAX_BUTTONS = 4
# How far back a pronoun sentence may look for the person it stands for: bullets and recap
# lines split a paragraph into short pieces, so "He ..." can sit a few pieces below the name.
LOOKBACK = 4
PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|himself|herself|they|them|their)\b", re.I)
PIECE = re.compile(r"(?<=[.!?])\s+|\n")

Record = dict[str, Any]


def read(directory: Path, name: str) -> list[Record]:
    with (directory / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def names_of(contact: Record, label: Record) -> list[str]:
    """The ways a note may name the contact: full name, first and last name, aliases."""
    parts = contact["name"].split()
    return [contact["name"], parts[0], parts[-1], *label.get("aliases", [])]


def mentions(text: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.I) for n in names)


def cites_contact(body: str, sentence: str, names: list[str]) -> bool:
    """The sentence names the contact, or is a pronoun sentence right after a piece that
    does (within its paragraph and ``LOOKBACK`` pieces)."""
    if mentions(sentence, names):
        return True
    if not PRONOUN.search(sentence):
        return False
    start = body.index(sentence)
    paragraph = body[body.rfind("\n\n", 0, start) + 1 : start]
    before = [p for p in PIECE.split(paragraph) if p.strip()]
    return any(mentions(p, names) for p in before[-LOOKBACK:])


def readable(note: Record, asker: Record, users: dict[str, Record]) -> bool:
    """Tacit's rule (``app.domain.access.readable_by``): company notes to everyone, team notes
    to the author's team, private notes to the author; no role reads more."""
    if note["visibility"] == "company" or note["author_id"] == asker["id"]:
        return True
    same_team: bool = users[note["author_id"]]["team"] == asker["team"]
    return note["visibility"] == "team" and same_team


def check(directory: Path) -> tuple[list[str], list[str]]:
    """Problems and counts for one set."""
    problems: list[str] = []
    users = {u["id"]: u for u in read(directory, "users.jsonl")}
    accounts = {a["id"]: a for a in read(directory, "accounts.jsonl")}
    contacts = {c["id"]: c for c in read(directory, "contacts.jsonl")}
    notes = {n["id"]: n for n in read(directory, "notes.jsonl")}
    labels = {r["contact_id"]: r for r in read(directory, "influence.jsonl")}
    queries = read(directory, "queries.jsonl")

    for c in contacts.values():
        if c["account_id"] not in accounts:
            problems.append(f"contact {c['id']}: unknown account {c['account_id']}")
        boss = c.get("reports_to")
        if boss is not None and contacts.get(boss, {}).get("account_id") != c["account_id"]:
            problems.append(f"contact {c['id']}: reports_to {boss} is not of its account")
        if c["id"] not in labels:
            problems.append(f"contact {c['id']}: no influence record")
    for n in notes.values():
        if n["account_id"] not in accounts or n["author_id"] not in users:
            problems.append(f"note {n['id']}: unknown account or author")
        if n["visibility"] not in VISIBILITIES:
            problems.append(f"note {n['id']}: visibility {n['visibility']!r}")
        for cid in n["contact_ids"]:
            if contacts.get(cid, {}).get("account_id") != n["account_id"]:
                problems.append(f"note {n['id']}: contact {cid} is not of its account")

    def evidence(cid: str, what: str, ev: Record | None) -> None:
        if ev is None:
            return
        note = notes.get(ev["note_id"])
        where = f"{cid} {what} ({ev['note_id']})"
        if note is None:
            problems.append(f"{where}: no such note")
            return
        contact = contacts[cid]
        if note["account_id"] != contact["account_id"]:
            problems.append(f"{where}: the note is of another account")
        if ev["sentence"] not in note["body"]:
            problems.append(f"{where}: sentence not in the note: {ev['sentence'][:60]!r}")
        elif not cites_contact(note["body"], ev["sentence"], names_of(contact, labels[cid])):
            problems.append(f"{where}: the sentence neither names them nor follows their name")

    for cid, lab in labels.items():
        if cid not in contacts:
            problems.append(f"influence record for unknown contact {cid}")
            continue
        roles = lab["roles"]
        if not set(roles) <= ROLES or len(set(roles)) != len(roles):
            problems.append(f"{cid}: roles {roles}")
        main = roles[0] if roles else "unknown"
        if contacts[cid]["buying_role"] != main:
            problems.append(f"{cid}: buying_role {contacts[cid]['buying_role']} is not {main}")
        if lab["degree"] not in DEGREES or lab["mode"] not in MODES:
            problems.append(f"{cid}: degree {lab['degree']!r} or mode {lab['mode']!r}")
        if (lab["mode"] is None) != (lab["mode_note"] is None):
            problems.append(f"{cid}: mode and mode_note go together")
        if lab["mode_evidence"] and lab["mode_evidence"]["note_id"] != lab["mode_note"]:
            problems.append(f"{cid}: mode_evidence is not from mode_note")
        rating = lab["rating"]
        if rating is not None and (not isinstance(rating, int) or not -5 <= rating <= 5):
            problems.append(f"{cid}: rating {rating!r}")
        for role in roles:
            if not any(e["role"] == role for e in lab["role_evidence"]):
                problems.append(f"{cid}: role {role} has no sentence")
        for e in lab["role_evidence"]:
            if e["role"] not in roles:
                problems.append(f"{cid}: evidence for role {e['role']} not in roles")
            evidence(cid, f"role {e['role']}", e)
        for kind in ("mode", "rating", "key_win"):
            evidence(cid, kind, lab[f"{kind}_evidence"])
        for kind in ("hot_buttons", "cold_buttons"):
            if len(lab[kind]) > MAX_BUTTONS:
                problems.append(f"{cid}: more than {MAX_BUTTONS} {kind}")
            for b in lab[kind]:
                if not b["phrase"].strip():
                    problems.append(f"{cid}: a {kind} entry without a phrase")
                evidence(cid, kind, b)

    for q in queries:
        asker = users.get(q["asker_id"])
        if asker is None or q["type"] not in QUERY_TYPES:
            problems.append(f"query {q['id']}: unknown asker or type")
            continue
        if q["account_id"] is not None and q["account_id"] not in accounts:
            problems.append(f"query {q['id']}: unknown account {q['account_id']}")
        for nid, grade in q["relevant"].items():
            note = notes.get(nid)
            if note is None or grade not in (1, 2):
                problems.append(f"query {q['id']}: {nid} unknown or graded {grade!r}")
            elif not readable(note, asker, users):
                problems.append(f"query {q['id']}: {nid} is not readable by {asker['id']}")
            elif q["account_id"] not in (None, note["account_id"]):
                problems.append(f"query {q['id']}: {nid} is outside account {q['account_id']}")
        has_answer = 2 in q["relevant"].values()
        if has_answer == (q["type"] == "negative"):
            problems.append(f"query {q['id']}: a negative has no relevant notes, others a 2")

    return problems, counts(users, accounts, contacts, notes, labels, queries)


def counts(
    users: dict[str, Record],
    accounts: dict[str, Record],
    contacts: dict[str, Record],
    notes: dict[str, Record],
    labels: dict[str, Record],
    queries: list[Record],
) -> list[str]:
    def show(counter: Counter[Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=str))

    per_account = Counter(n["account_id"] for n in notes.values())
    people = Counter(c["account_id"] for c in contacts.values())
    vis = Counter(n["visibility"] for n in notes.values())
    pairs = Counter(r for lab in labels.values() for r in lab["roles"])
    with_role = [lab for lab in labels.values() if lab["roles"]]
    hot = sum(len(lab["hot_buttons"]) for lab in labels.values())
    cold = sum(len(lab["cold_buttons"]) for lab in labels.values())
    return [
        f"users {len(users)}: {show(Counter(u['role'] for u in users.values()))}; "
        f"teams: {show(Counter(u['team'] for u in users.values()))}",
        f"accounts {len(accounts)}: {', '.join(a['industry'] for a in accounts.values())}",
        f"notes {len(notes)} ({min(per_account.values())}-{max(per_account.values())} an "
        f"account): "
        + ", ".join(f"{k} {v} ({v / len(notes):.0%})" for k, v in sorted(vis.items())),
        f"contacts {len(contacts)} ({min(people.values())}-{max(people.values())} an account): "
        f"{len(with_role)} with a role, {len(contacts) - len(with_role)} without, "
        f"{sum(len(lab['roles']) > 1 for lab in labels.values())} with several, "
        f"{sum(c['title'].startswith('Former') for c in contacts.values())} former",
        f"(contact, role) pairs {sum(pairs.values())}: {show(pairs)}; role sentences "
        f"{sum(len(lab['role_evidence']) for lab in labels.values())}",
        f"modes: {show(Counter(lab['mode'] for lab in labels.values() if lab['mode']))}; "
        f"ratings {sum(lab['rating'] is not None for lab in labels.values())}; degrees "
        f"{sum(lab['degree'] is not None for lab in labels.values())}; key wins "
        f"{sum(lab['key_win_result'] is not None for lab in labels.values())}",
        f"buttons: hot {hot}, cold {cold}",
        f"queries {len(queries)}: {show(Counter(q['type'] for q in queries))}; "
        f"{sum(q['account_id'] is not None for q in queries)} account-scoped; "
        f"grade 2: {sum(list(q['relevant'].values()).count(2) for q in queries)}, "
        f"grade 1: {sum(list(q['relevant'].values()).count(1) for q in queries)}",
    ]


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    present = [
        here / name
        for name in ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "unseen")
        if (here / name).is_dir()
    ]
    parser.add_argument("sets", nargs="*", type=Path, default=present)
    args = parser.parse_args()
    failed = False
    for directory in args.sets:
        problems, lines = check(directory)
        print(f"== {directory.name}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
        for line in lines:
            print("  " + line)
        for problem in problems:
            print("  PROBLEM " + problem)
        failed = failed or bool(problems)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

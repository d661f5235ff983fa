"""Contribution, reuse and coverage analytics on both databases with the real model.

A scripted history (notes by several people, searches, briefs, opens and helpful marks by
others) is played through the API while the test keeps its own log of what each request showed
to whom; every figure is then recomputed from that log in plain Python and compared with what
the API reports. Only which notes the embedding worker judged duplicate or trivial, and which
sentences it classified as personal context, are read back from the database: the aggregation
is under test here, the classifiers are measured elsewhere.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.db.engine import Database
from app.db.models import AuditEvent, Mention, Note, Role
from app.domain.analytics import PERSONAL_TOPICS, bus_factor
from tests.factories import (
    Person,
    embed_everything,
    import_csv,
    make_account,
    make_contact,
    make_user,
    post_note,
)
from tests.worlds import Site, world_template

ORIGINAL = "Jill Oyelaran has final say on any spend over $25k and signs vendor contracts herself."
# Twenty copies in other words: posting them must not raise anyone's contribution.
COPIES = [
    "Jill Oyelaran has the final say on spend above $25k and signs the vendor contracts herself.",
    "Any spend over $25k needs Jill Oyelaran's final say; she signs vendor contracts herself.",
    "Jill Oyelaran signs vendor contracts herself and has final say on spend over $25k.",
    "Final say on spend over $25k: Jill Oyelaran. She signs vendor contracts herself.",
    "FYI Jill Oyelaran has final say on any spending over $25k and personally signs vendor "
    "contracts.",
    "Reminder: Jill Oyelaran has final say on spend over $25k, and she signs vendor contracts "
    "herself.",
    "Jill Oyelaran makes the final call on any spend over $25k and signs vendor contracts herself.",
    "Jill Oyelaran has the last word on spend over $25k and signs vendor contracts herself.",
    "Spend over $25k? Jill Oyelaran has final say, and she signs the vendor contracts herself.",
    "As noted: Jill Oyelaran has final say on all spend over $25k and signs vendor contracts "
    "personally.",
    "Jill Oyelaran has final say on every spend over $25k; vendor contracts are signed by her.",
    "Jill Oyelaran personally signs vendor contracts and has the final say on spend over $25k.",
    "Heads up - Jill Oyelaran has final say on spend over $25k and signs vendor contracts herself.",
    "Jill Oyelaran has final approval on any spend over $25k and signs vendor contracts herself.",
    "Jill Oyelaran decides on any spend over $25k and signs vendor contracts herself.",
    "Update: Jill Oyelaran still has final say on spend over $25k and signs vendor contracts "
    "herself.",
    "Jill Oyelaran has final say on spend greater than $25k and signs all vendor contracts "
    "herself.",
    "On spend over $25k Jill Oyelaran has final say; she also signs vendor contracts herself.",
    "Jill Oyelaran, final say on spend over $25k, signs vendor contracts herself.",
    "Jill Oyelaran has final say over any spend beyond $25k and signs vendor contracts herself.",
]
FIGURES = (
    "notes", "credited_notes", "accounts", "contacts", "roles_documented", "personal_context",
    "verifications", "updates", "impressions_by_others", "opens_by_others", "helpful_by_others",
    "colleagues_helped",
)  # fmt: skip


@dataclass
class Written:
    id: int
    author: str
    account: str
    visibility: str
    contacts: set[str]  # contacts the body names in full


@dataclass
class History:
    """What happened, as the test saw it."""

    people: dict[str, Person]
    accounts: dict[str, int]
    contacts: dict[str, int]
    start: datetime
    notes: dict[str, Written] = field(default_factory=dict)
    shown: list[tuple[str, int]] = field(default_factory=list)  # (viewer, note id)
    opened: list[tuple[str, int]] = field(default_factory=list)
    helpful: list[tuple[str, int]] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)

    def write(
        self, client: TestClient, key: str, author: str, account: str, body: str,
        *, visibility: str = "company", contacts: tuple[str, ...] = (),
    ) -> int:  # fmt: skip
        note_id = post_note(
            client, self.people[author], self.accounts[account], body,
            visibility=visibility, contact_ids=[self.contacts[c] for c in contacts],
        )  # fmt: skip
        self.notes[key] = Written(note_id, author, account, visibility, set(contacts))
        return note_id

    def author_of(self, note_id: int) -> str:
        return next(w.author for w in self.notes.values() if w.id == note_id)


@world_template
def history(site: Site) -> History:
    """Six people, three accounts, 29 notes (twenty of them copies of one), embedded; then
    searches, briefs, opens, helpful marks, a verification, an edit and a role decision."""
    db, client = site.db, site.client
    people = {
        "alice": make_user(db, "Alice Moreau", team="east"),
        "bob": make_user(db, "Bob Lindgren", team="east"),
        "mia": make_user(db, "Mia <Chen>", team="east", role=Role.manager),
        "carol": make_user(db, "Carol Diaz", team="west"),
        "wen": make_user(db, "Wen Okafor", team="west", role=Role.manager),
        "root": make_user(db, "Root Admin", team=None, role=Role.admin),
    }
    accounts = {
        "bramblewood": make_account(db, "Bramblewood Bank"),
        "coldwater": make_account(db, "Coldwater College"),
        "quiet": make_account(db, "Quiet Quarry"),
    }
    contacts = {
        "jill": make_contact(db, accounts["bramblewood"], "Jill Oyelaran", title="CFO",
                             buying_role="economic"),
        "reggie": make_contact(db, accounts["bramblewood"], "Reggie Zielinski", title="CIO",
                               buying_role="technical"),
        "wes": make_contact(db, accounts["bramblewood"], "Wes Devlin", title="Training Manager"),
        "doug": make_contact(db, accounts["coldwater"], "Doug Pham", title="CIO"),
    }  # fmt: skip
    h = History(people, accounts, contacts, start=datetime.now(UTC))

    # Before the period: Alice's old note, moved back in time as an import would have it.
    old = h.write(client, "old", "alice", "bramblewood",
                  "Jill Oyelaran grew up on a farm and values plain talk over slides.",
                  contacts=("jill",))  # fmt: skip
    with db.unit_of_work() as session:
        then = datetime(2025, 1, 6, tzinfo=UTC)
        session.execute(update(Note).where(Note.id == old).values(written_at=then))
    h.start = datetime.now(UTC)

    h.write(client, "final_say", "alice", "bramblewood", ORIGINAL, contacts=("jill",))
    for n, copy in enumerate(COPIES):
        h.write(client, f"copy{n}", "alice", "bramblewood", copy, contacts=("jill",))
    h.write(client, "voicemail", "alice", "bramblewood", "Left a voicemail for Jill.")
    h.write(client, "sax", "alice", "coldwater",
            "Doug Pham plays saxophone in a jazz band and loves talking about it.",
            visibility="private", contacts=("doug",))  # fmt: skip
    h.write(client, "veto", "bob", "bramblewood",
            "Reggie Zielinski screens every vendor and has a veto on anything technical.",
            contacts=("reggie",))  # fmt: skip
    h.write(client, "marathon", "bob", "bramblewood",
            "Wes Devlin runs marathons and loves talking about his training plan.",
            visibility="team", contacts=("wes",))  # fmt: skip
    h.write(client, "ferpa", "carol", "coldwater",
            "Doug Pham worries most about FERPA compliance and wants the data kept in the US.",
            contacts=("doug",))  # fmt: skip
    h.write(
        client,
        "fiscal",
        "carol",
        "bramblewood",
        "Bramblewood's fiscal year starts in July and budgets lock in May.",
    )
    embed_everything(db, site.settings)

    def as_(name: str) -> dict[str, str]:
        return people[name].headers

    # Searches and briefs: whatever they showed is what the history records.
    for viewer, q in [("carol", "who signs vendor contracts at Bramblewood"),
                      ("bob", "who signs vendor contracts at Bramblewood"),
                      ("mia", "FERPA worries at Coldwater"),
                      ("alice", "vendor veto Bramblewood")]:  # fmt: skip
        hits = client.post("/v1/search", json={"q": q}, headers=as_(viewer)).json()["hits"]
        assert hits, q
        h.shown += [(viewer, hit["note_id"]) for hit in hits]
    for viewer in ("carol", "mia"):
        brief = client.get(f"/v1/accounts/{accounts['bramblewood']}/brief", headers=as_(viewer))
        assert brief.status_code == 200, brief.text
        quoted = {i["id"] for part in brief.json()["topics"].values() for i in part}
        quoted |= {i["id"] for i in brief.json()["changes"] + brief.json()["stale"]}
        h.shown += [(viewer, note_id) for note_id in quoted]

    def open_(viewer: str, key: str) -> None:
        response = client.get(f"/v1/notes/{h.notes[key].id}", headers=as_(viewer))
        assert response.status_code == 200, response.text
        h.opened.append((viewer, h.notes[key].id))

    for viewer, key in [("carol", "final_say"), ("carol", "final_say"), ("bob", "final_say"),
                        ("alice", "final_say"), ("mia", "veto"), ("carol", "copy3")]:  # fmt: skip
        open_(viewer, key)
    for viewer, key in [("carol", "final_say"), ("carol", "copy5"), ("alice", "ferpa")]:
        response = client.post(f"/v1/notes/{h.notes[key].id}/helpful", headers=as_(viewer))
        assert response.status_code == 204, response.text
        h.helpful.append((viewer, h.notes[key].id))
    # Marking twice is one mark.
    again = client.post(f"/v1/notes/{h.notes['final_say'].id}/helpful", headers=as_("carol"))
    assert again.status_code == 204
    own = client.post(f"/v1/notes/{h.notes['veto'].id}/helpful", headers=as_("bob"))
    assert own.status_code == 422

    # A rep vouches for their own notes only; a colleague's verify is refused and not counted.
    refused = client.post(f"/v1/notes/{h.notes['final_say'].id}/verify", headers=as_("bob"))
    assert refused.status_code == 403
    assert client.post(f"/v1/notes/{h.notes['marathon'].id}/verify", headers=as_("bob")).is_success
    h.verified.append("bob")
    fiscal = h.notes["fiscal"].id
    edit = client.patch(
        f"/v1/notes/{fiscal}",
        json={"body": "Bramblewood's fiscal year starts in July; budgets lock in late May."},
        headers={**as_("carol"), "If-Match": '"v1"'},
    )
    assert edit.status_code == 200, edit.text
    h.edited.append("carol")
    decided = client.post(
        f"/v1/contacts/{contacts['wes']}/role-decisions",
        json={"role": "coach", "decision": "confirm"},
        headers=as_("mia"),
    )
    assert decided.status_code == 200, decided.text
    h.confirmed.append("mia")
    embed_everything(db, site.settings)  # the edit is judged again
    return h


def judged(db: Database) -> tuple[dict[int, str], dict[int, set[int]]]:
    """The worker's verdicts, and per note the contacts its personal-context sentences name."""
    with db.session(write=False) as session:
        credit = dict(session.execute(select(Note.id, Note.credit)).all())
        personal: defaultdict[int, set[int]] = defaultdict(set)
        for note_id, contact_id in session.execute(
            select(Mention.note_id, Mention.contact_id).where(Mention.topic.in_(PERSONAL_TOPICS))
        ):
            personal[note_id].add(contact_id)
    return credit, personal


def expected(h: History, db: Database) -> dict[str, dict[str, int]]:
    credit, personal = judged(db)
    in_period = {k: w for k, w in h.notes.items() if k != "old"}
    counted = {w.id for w in h.notes.values() if credit[w.id] == "credited"}
    reusable = {w.id for w in h.notes.values() if credit[w.id] not in ("duplicate", "trivial")}
    # Who first wrote personal context about each contact, in shared credited notes.
    first: dict[int, str] = {}
    for w in h.notes.values():  # written in order
        if w.id in counted and w.visibility != "private":
            for contact in personal[w.id]:
                first.setdefault(contact, w.author if w in in_period.values() else "")
    figures: dict[str, dict[str, int]] = {}
    for name in h.people:
        mine = [w for w in in_period.values() if w.author == name]
        credited = [w for w in mine if w.id in counted]

        def others(events: list[tuple[str, int]], name: str = name) -> list[tuple[str, int]]:
            return [
                (v, n) for v, n in events if n in reusable and h.author_of(n) == name and v != name
            ]

        figures[name] = {
            "notes": len(mine),
            "credited_notes": len(credited),
            "accounts": len({w.account for w in credited}),
            "contacts": len({c for w in credited for c in w.contacts}),
            "roles_documented": h.confirmed.count(name),
            "personal_context": sum(1 for author in first.values() if author == name),
            "verifications": h.verified.count(name),
            "updates": h.edited.count(name),
            "impressions_by_others": len(others(h.shown)),
            "opens_by_others": len(others(h.opened)),
            "helpful_by_others": len(others(h.helpful)),
            "colleagues_helped": len({v for v, _ in others(h.opened) + others(h.helpful)}),
        }
    return figures


def report(client: TestClient, person: Person, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/analytics/contributions", params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def figures_of(body: dict[str, Any]) -> dict[int, dict[str, int]]:
    return {row["user"]["id"]: {f: row[f] for f in FIGURES} for row in body["rows"]}


def test_every_figure_matches_the_history(
    history: History, client: TestClient, db: Database
) -> None:
    want = expected(history, db)
    since = (history.start - timedelta(seconds=1)).isoformat()
    got = figures_of(report(client, history.people["root"], since=since))
    assert got == {history.people[name].id: want[name] for name in history.people}
    # The figures the history was built to produce, so that the expectation is not vacuous.
    alice, bob, carol = want["alice"], want["bob"], want["carol"]
    assert alice["notes"] == 23 and alice["credited_notes"] == 2  # 20 copies, 1 voicemail
    assert alice["accounts"] == 2 and alice["contacts"] == 2  # her private note counts for her
    assert alice["opens_by_others"] == 3 and alice["helpful_by_others"] == 1
    assert alice["colleagues_helped"] == 2
    assert bob["personal_context"] == 1 and bob["verifications"] == 1
    assert carol["updates"] == 1 and want["mia"]["roles_documented"] == 1
    assert alice["impressions_by_others"] > 0 and bob["impressions_by_others"] > 0


def test_twenty_paraphrased_copies_do_not_raise_contribution(
    history: History, client: TestClient, db: Database
) -> None:
    since = (history.start - timedelta(seconds=1)).isoformat()
    alice = history.people["alice"]
    row = report(client, alice, since=since)["rows"][0]
    assert (row["notes"], row["credited_notes"], row["duplicates"], row["trivial"]) == (
        23,
        2,
        20,
        1,
    )
    with db.session(write=False) as session:
        targets = set(
            session.scalars(
                select(Note.duplicate_of_id).where(
                    Note.credit == "duplicate", Note.author_id == alice.id
                )
            )
        )
    # Each copy points at the original or at an earlier copy, never at an unrelated note.
    copies = {history.notes[f"copy{n}"].id for n in range(len(COPIES))}
    assert targets <= copies | {history.notes["final_say"].id}


def test_the_period_bounds_notes_and_events(history: History, client: TestClient) -> None:
    root = history.people["root"]
    everything = figures_of(report(client, root, since="2024-01-01T00:00:00Z"))
    alice = everything[history.people["alice"].id]
    assert alice["notes"] == 24  # the old note too
    # Jill's personal context came first from the old note, written before the period.
    since = (history.start - timedelta(seconds=1)).isoformat()
    assert (
        figures_of(report(client, root, since=since))[history.people["alice"].id][
            "personal_context"
        ]
        == 0
    )
    assert alice["personal_context"] == 1
    before = figures_of(report(client, root, since="2024-01-01T00:00:00Z", until=since))
    assert before[history.people["alice"].id]["notes"] == 1
    assert all(row["opens_by_others"] == 0 for row in before.values())
    bad = client.get(
        "/v1/analytics/contributions",
        params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        headers=root.headers,
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_who_sees_whose_figures(history: History, client: TestClient) -> None:
    p = history.people
    ids = lambda body: {row["user"]["id"] for row in body["rows"]}  # noqa: E731
    assert ids(report(client, p["mia"])) == {p["alice"].id, p["bob"].id, p["mia"].id}
    assert ids(report(client, p["carol"])) == {p["carol"].id}
    assert ids(report(client, p["root"], team="west")) == {p["carol"].id, p["wen"].id}
    assert ids(report(client, p["root"])) == {person.id for person in p.values()}
    for who, team in [("mia", "west"), ("carol", "east")]:
        refused = client.get(
            "/v1/analytics/contributions", params={"team": team}, headers=p[who].headers
        )
        assert refused.status_code == 403, refused.text
    unknown = client.get("/v1/analytics/contributions", params={"team": "north"},
                         headers=p["root"].headers)  # fmt: skip
    assert unknown.status_code == 422
    # Figures only: no note text, title or account leaves through analytics.
    body = json.dumps(report(client, p["mia"]))
    assert "saxophone" not in body and "Coldwater" not in body and "Jill" not in body


def test_csv_export_has_the_same_figures_and_is_audited(
    history: History, client: TestClient, db: Database
) -> None:
    mia = history.people["mia"]
    since = (history.start - timedelta(seconds=1)).isoformat()
    response = client.get(
        "/v1/analytics/contributions.csv", params={"since": since}, headers=mia.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    as_json = figures_of(report(client, mia, since=since))
    assert {int(r["user_id"]): {f: int(r[f]) for f in FIGURES} for r in rows} == as_json
    assert {r["user_name"] for r in rows} == {"Alice Moreau", "Bob Lindgren", "Mia <Chen>"}
    with db.session(write=False) as session:
        exports = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "export", AuditEvent.target_type == "analytics.contributions"
            )
        ).all()
    assert [(e.actor_id, e.details["rows"]) for e in exports] == [(mia.id, 3)]


def test_coverage_counts_shared_notes_only(
    history: History, client: TestClient, db: Database
) -> None:
    credit, personal = judged(db)
    shared = [
        w for w in history.notes.values()
        if w.visibility != "private" and credit[w.id] not in ("duplicate", "trivial")
    ]  # fmt: skip
    response = client.get("/v1/analytics/coverage", headers=history.people["mia"].headers)
    assert response.status_code == 200, response.text
    rows = {row["account"]["name"]: row for row in response.json()["accounts"]}
    for name, key in [("Bramblewood Bank", "bramblewood"), ("Coldwater College", "coldwater")]:
        authors = Counter(w.author for w in shared if w.account == key)
        row = rows[name]
        assert row["notes"] == sum(authors.values())
        assert row["contributors"] == len(authors)
        assert row["bus_factor"] == bus_factor(authors.values())
    described = {c for w in shared for c in personal[w.id]}
    without = lambda name: {c["id"] for c in rows[name]["contacts_without_personal_context"]}  # noqa: E731
    c = history.contacts
    assert without("Bramblewood Bank") == {c["jill"], c["reggie"], c["wes"]} - described
    # Doug's hobby is in Alice's private note: for everyone else it is still a gap.
    assert without("Coldwater College") == {c["doug"]}
    assert rows["Bramblewood Bank"]["missing_roles"] == ["user"]  # Wes confirmed as coach
    assert rows["Coldwater College"]["missing_roles"] == ["economic", "technical", "user", "coach"]
    quiet = rows["Quiet Quarry"]
    assert (quiet["notes"], quiet["bus_factor"]) == (0, 0)
    assert {"no_recent_notes", "single_source", "missing_role"} <= set(quiet["gaps"])
    assert rows["Coldwater College"]["bus_factor"] == 1  # Carol alone, shared
    assert "single_source" in rows["Coldwater College"]["gaps"]
    assert "saxophone" not in response.text
    only = client.get("/v1/analytics/coverage", params={"gap": "single_source"},
                      headers=history.people["mia"].headers).json()["accounts"]  # fmt: skip
    assert {row["account"]["name"] for row in only} == {
        name for name, row in rows.items() if "single_source" in row["gaps"]
    }
    refused = client.get("/v1/analytics/coverage", headers=history.people["carol"].headers)
    assert refused.status_code == 403


def test_imported_history_counts_at_its_own_dates_not_the_imports(
    client: TestClient, db: Database
) -> None:
    rhea = make_user(db, "Rhea Mover", email="rhea@tacit.example")
    larkspur = make_account(db, "Larkspur Freight")
    first_call = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    rows = [
        {
            "external_id": f"old-crm-{n}",
            "activity_date": (first_call + timedelta(days=n)).isoformat(),
            "owner_email": "rhea@tacit.example",
            "company": "Larkspur Freight",
            "visibility": "team",
            "body": f"Call {n} with Larkspur: the dock schedule slipped by {n} days again.",
        }
        for n in range(80)
    ]
    imported = import_csv(client, rhea, rows, dry_run=False)
    assert imported.status_code == 201, imported.text
    assert imported.json()["created"] == {"notes": 80}
    post_note(client, rhea, larkspur, "Today the COO asked for a pilot before the renewal.")

    this_quarter = figures_of(report(client, rhea))[rhea.id]  # the last 90 days
    back_then = figures_of(report(client, rhea, since="2025-03-01T00:00:00Z",
                                  until="2025-06-01T00:00:00Z"))[rhea.id]  # fmt: skip

    assert this_quarter["notes"] == 1
    assert back_then["notes"] == 80
    with db.session(write=False) as session:
        written = session.scalars(select(Note.written_at).where(Note.source == "import")).all()
    assert min(written) == first_call and max(written) == first_call + timedelta(days=79)

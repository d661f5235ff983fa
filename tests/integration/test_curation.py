"""Curation over HTTP on both databases: readers' flags, the managers' queue (stale,
duplicates, flagged, unfiled) and its actions (merge, archive, reassign). A curator gets no
extra read access: what they may not read never shows, in any queue, on any page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.db.engine import Database
from app.db.models import AuditEvent, Note, NoteFlag, NoteRevision, Role, User
from tests.factories import Person, make_account, make_contact, make_user, post_note
from tests.integration.test_inbound_email import deliver, message

KINDS = ("stale", "duplicates", "flagged", "unfiled")


@dataclass
class Team:
    people: dict[str, Person]
    account: int
    other_account: int

    def h(self, who: str) -> dict[str, str]:
        return self.people[who].headers

    def write(self, client: TestClient, who: str, body: str, **fields: Any) -> int:
        """A note by ``who`` on the team's account, company-wide unless ``fields`` say
        otherwise; its id."""
        account = fields.pop("account_id", self.account)
        return post_note(
            client, self.people[who], account, body, **{"visibility": "company", **fields}
        )


@pytest.fixture
def team(db: Database) -> Team:
    people = {
        "alice": make_user(db, "Alice Moreau", team="east", email="alice@tacit.example"),
        "bob": make_user(db, "Bob Lindgren", team="east", email="bob@tacit.example"),
        "carol": make_user(db, "Carol Diaz", team="west", email="carol@tacit.example"),
        "mona": make_user(
            db, "Mona Field", team="east", role=Role.manager, email="mona@tacit.example"
        ),
        "adam": make_user(db, "Adam Root", team="west", role=Role.admin),
    }
    account = make_account(db, "Bramblewood Bank", domains=["bramblewood.example"])
    other = make_account(db, "Coldwater College", domains=["coldwater.edu"])
    return Team(people, account, other)


def queue(client: TestClient, team: Team, who: str, kind: str, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/curation", params={"kind": kind, **params}, headers=team.h(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def whole_queue(client: TestClient, team: Team, who: str, kind: str) -> list[dict[str, Any]]:
    """Every item, one page of one at a time."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        page = queue(client, team, who, kind, limit=1, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the queue does not end")


def file_under(client: TestClient, team: Team, who: str, note_id: int, *topics: str) -> None:
    response = client.put(
        f"/v1/notes/{note_id}/topics", json={"topics": list(topics)}, headers=team.h(who)
    )
    assert response.status_code == 200, response.text


def audit_actions(
    db: Database, target_id: int, target_type: str = "note"
) -> list[tuple[str, int | None, dict[str, Any]]]:
    with db.session(write=False) as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == target_type, AuditEvent.target_id == str(target_id))
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.actor_id, e.details) for e in rows]


# -- reader flags ------------------------------------------------------------------------------


def test_a_reader_flags_a_note_once_and_cannot_flag_what_they_cannot_read(
    client: TestClient, team: Team, db: Database
) -> None:
    note = team.write(client, "alice", "Jill signs off on anything over $25k.")
    hidden = team.write(client, "alice", "Jill may retire.", visibility="team")

    flagged = client.post(
        f"/v1/notes/{note}/flags", json={"reason": "  Jill left in May.  "}, headers=team.h("bob")
    )
    assert flagged.status_code == 201, flagged.text
    flag = flagged.json()
    assert flag["kind"] == "reader" and flag["reason"] == "Jill left in May."
    assert flag["flagged_by"]["id"] == team.people["bob"].id and flag["resolved_at"] is None
    with db.session(write=False) as session:
        row = session.get(NoteFlag, flag["id"])
        assert row is not None
        assert (row.note_id, row.kind, row.by_user_id, row.by_note_id) == (
            note,
            "reader",
            team.people["bob"].id,
            None,
        )

    again = client.post(
        f"/v1/notes/{note}/flags", json={"reason": "still wrong"}, headers=team.h("bob")
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["flag_id"] == flag["id"]
    other_reader = client.post(
        f"/v1/notes/{note}/flags", json={"reason": "me too"}, headers=team.h("carol")
    )
    assert other_reader.status_code == 201

    refused = client.post(
        f"/v1/notes/{hidden}/flags", json={"reason": "?"}, headers=team.h("carol")
    )
    missing = client.post("/v1/notes/999999/flags", json={"reason": "?"}, headers=team.h("carol"))
    assert refused.status_code == missing.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k not in ("detail", "instance")}  # noqa: E731
    assert strip(refused.json()) == strip(missing.json())
    for bad in ({"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {}):
        response = client.post(f"/v1/notes/{note}/flags", json=bad, headers=team.h("alice"))
        assert response.status_code == 422, bad
    assert "note.flag" in [a for a, _, _ in audit_actions(db, note)]


def test_resolving_a_flag(client: TestClient, team: Team, db: Database) -> None:
    note = team.write(client, "alice", "Budget is frozen until spring.", visibility="team")
    flag = client.post(
        f"/v1/notes/{note}/flags", json={"reason": "thawed?"}, headers=team.h("bob")
    ).json()
    url = f"/v1/flags/{flag['id']}/resolve"
    assert client.post(url, headers=team.h("carol")).status_code == 404  # west: cannot read it
    assert client.post("/v1/flags/999999/resolve", headers=team.h("bob")).status_code == 404
    outsider = make_user(db, "Eve East", team="east")
    assert client.post(url, headers=outsider.headers).status_code == 403

    resolved = client.post(url, headers=team.h("mona"))
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolved_by_id"] == team.people["mona"].id
    assert resolved.json()["resolved_at"] is not None
    assert client.post(url, headers=team.h("bob")).json() == resolved.json()  # idempotent
    assert [a for a, _, _ in audit_actions(db, flag["id"], "flag")] == ["flag.resolve"]
    # Resolved, the reader may flag the note again.
    again = client.post(f"/v1/notes/{note}/flags", json={"reason": "x"}, headers=team.h("bob"))
    assert again.status_code == 201


# -- the queue ---------------------------------------------------------------------------------


def test_only_managers_and_admins_see_the_queue(client: TestClient, team: Team) -> None:
    refused = client.get("/v1/curation", params={"kind": "stale"}, headers=team.h("alice"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    for who in ("mona", "adam"):
        for kind in KINDS:
            assert queue(client, team, who, kind)["items"] == []
    assert client.get("/v1/curation", params={"kind": "stale"}).status_code == 401
    for params in ({}, {"kind": "everything"}, {"kind": "stale", "cursor": "not-ours"}):
        response = client.get("/v1/curation", params=params, headers=team.h("mona"))
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_stale_queue_oldest_first_with_reasons(
    client: TestClient, team: Team, db: Database
) -> None:
    def stale_note(who: str, observed: str, **fields: Any) -> int:
        note = team.write(
            client, who, f"Deal status as of {observed}.", observed_at=observed, **fields
        )
        file_under(client, team, who, note, "deal_status")  # a shelf life of 42 days
        return note

    older = stale_note("alice", "2023-06-01T12:00:00Z", visibility="team")
    old = stale_note("bob", "2024-01-01T12:00:00Z")
    hidden = stale_note("carol", "2022-01-01T12:00:00Z", visibility="private")
    west = stale_note("carol", "2022-02-01T12:00:00Z", visibility="team")
    replaced = stale_note("alice", "2023-01-01T12:00:00Z")
    fresh = team.write(client, "alice", "Deal status today.")
    file_under(client, team, "alice", fresh, "deal_status")
    newer = team.write(
        client, "alice", "Everything changed.", observed_at="2024-06-01T12:00:00Z",
        supersedes=[replaced],
    )  # fmt: skip
    contradicted = team.write(client, "bob", "Reggie owns the budget.")  # not classified
    with db.unit_of_work() as session:
        session.add(
            NoteFlag(
                note_id=contradicted,
                kind="contradicted",
                by_note_id=newer,
                reason=f"a newer note (#{newer}) about the same person says something changed",
            )
        )

    items = whole_queue(client, team, "mona", "stale")
    assert [i["note"]["id"] for i in items] == [older, old, contradicted]
    assert {i["kind"] for i in items} == {"stale"}
    by_id = {i["note"]["id"]: i for i in items}
    assert (
        by_id[older]["reason"] == "not verified since 2023-06-01; its shelf life ended 2023-07-13"
    )
    assert by_id[older]["since"].startswith("2023-07-13")
    assert by_id[contradicted]["reason"].startswith(f"a newer note (#{newer})")
    assert queue(client, team, "mona", "stale", limit=50)["items"] == items
    # Carol's own view (she is no curator); as an admin in her team, Adam sees west's note only.
    admin_view = [i["note"]["id"] for i in whole_queue(client, team, "adam", "stale")]
    assert admin_view == [west, old, contradicted]
    assert hidden not in admin_view

    verified = client.post(f"/v1/notes/{old}/verify", headers=team.h("mona"))
    assert verified.status_code == 200
    assert old not in [i["note"]["id"] for i in whole_queue(client, team, "mona", "stale")]


def mark_duplicates(db: Database, root: int, *notes: int) -> None:
    """What the embedding worker decides (``app.domain.credit``), set directly."""
    with db.unit_of_work() as session:
        session.execute(
            update(Note).where(Note.id.in_(notes)).values(credit="duplicate", duplicate_of_id=root)
        )


def test_duplicate_clusters_hold_only_what_the_curator_may_read(
    client: TestClient, team: Team, db: Database
) -> None:
    root = team.write(client, "alice", "Jill has final say on spend.")
    copy = team.write(client, "bob", "Jill has the final say on spending.")
    hidden_copy = team.write(client, "carol", "Jill decides spend.", visibility="private")
    hidden_root = team.write(client, "carol", "Wes coaches us.", visibility="private")
    restates_hidden = team.write(client, "alice", "Wes is our coach.")
    restates_hidden_too = team.write(client, "bob", "Wes coaches.", visibility="team")
    lone_root = team.write(client, "alice", "Reggie vetoes tech.")
    lone_copy = team.write(client, "carol", "Reggie can veto.", visibility="private")
    mark_duplicates(db, root, copy, hidden_copy)
    mark_duplicates(db, hidden_root, restates_hidden, restates_hidden_too)
    mark_duplicates(db, lone_root, lone_copy)

    clusters = whole_queue(client, team, "mona", "duplicates")
    shown = [
        (c["root"]["id"] if c["root"] else None, [d["id"] for d in c["duplicates"]])
        for c in clusters
    ]
    assert shown == [(root, [copy]), (None, [restates_hidden, restates_hidden_too])]
    text = json.dumps(clusters)
    for secret in ("Jill decides spend", "Wes coaches us", "Reggie can veto"):
        assert secret not in text
    for hidden in (hidden_copy, hidden_root, lone_copy):
        assert f'"id": {hidden},' not in text

    merged = client.post(
        "/v1/curation/merge", json={"into": root, "notes": [copy]}, headers=team.h("mona")
    )
    assert merged.status_code == 200, merged.text
    after = [c["duplicates"] for c in whole_queue(client, team, "mona", "duplicates")]
    assert [[d["id"] for d in ds] for ds in after] == [[restates_hidden, restates_hidden_too]]


def test_flagged_queue_lists_open_reader_flags_with_who(client: TestClient, team: Team) -> None:
    note = team.write(client, "alice", "Renewal is in March.")
    own_private = team.write(client, "carol", "I doubt this.", visibility="private")
    bob_flag = client.post(
        f"/v1/notes/{note}/flags", json={"reason": "renewal moved to June"}, headers=team.h("bob")
    ).json()
    client.post(f"/v1/notes/{own_private}/flags", json={"reason": "mine"}, headers=team.h("carol"))

    items = whole_queue(client, team, "mona", "flagged")
    assert [(i["flag"]["id"], i["note"]["id"]) for i in items] == [(bob_flag["id"], note)]
    assert items[0]["flag"]["reason"] == "renewal moved to June"
    assert items[0]["flag"]["flagged_by"] == {
        "id": team.people["bob"].id,
        "name": "Bob Lindgren",
        "external_id": None,
    }
    client.post(f"/v1/flags/{bob_flag['id']}/resolve", headers=team.h("alice"))
    assert whole_queue(client, team, "mona", "flagged") == []


def test_unfiled_queue_shows_the_team_but_not_their_mail(client: TestClient, team: Team) -> None:
    def unfiled(who: str, subject: str) -> int:
        raw = message(
            f"Private words of {who}.",
            sender=f"{who} <{who}@tacit.example>",
            to="Someone <someone@nowhere.example>",
            subject=subject,
            message_id=f"<{who}-1@mail.example>",
        )
        response = deliver(client, team.people[who], raw)
        assert response.status_code == 202, response.text
        return int(response.json()["id"])

    alices = unfiled("alice", "Alice's secret subject")
    carols = unfiled("carol", "Carol's secret subject")
    monas = unfiled("mona", "Mona's own subject")

    items = whole_queue(client, team, "mona", "unfiled")
    assert [i["id"] for i in items] == [alices, monas]
    alice_item, mona_item = items
    assert alice_item["sender"]["id"] == team.people["alice"].id
    assert alice_item["subject"] is None and alice_item["text"] is None
    assert alice_item["unresolved_reason"].startswith("no participant is a known contact")
    assert mona_item["subject"] == "Mona's own subject"
    assert "Private words of mona" in mona_item["text"]
    text = json.dumps(items)
    assert "Alice's secret subject" not in text and "Private words of alice" not in text
    assert carols not in [i["id"] for i in items]
    assert [i["id"] for i in whole_queue(client, team, "adam", "unfiled")] == [carols]


def test_no_queue_shows_a_private_note_of_another_user(
    client: TestClient, team: Team, db: Database
) -> None:
    """Carol's private note is stale, flagged, contradicted and a duplicate: to Mona it is
    nowhere, on no page of any queue."""
    secret = "Carol's private aside about Jill's health"
    public = team.write(client, "alice", "Jill runs the budget.")
    private = team.write(
        client, "carol", secret, visibility="private", observed_at="2020-01-01T00:00:00Z"
    )
    file_under(client, team, "carol", private, "deal_status")
    client.post(f"/v1/notes/{private}/flags", json={"reason": "old"}, headers=team.h("carol"))
    mark_duplicates(db, public, private)
    with db.unit_of_work() as session:
        session.add(NoteFlag(note_id=private, kind="contradicted", by_note_id=public, reason="x"))
    team.write(client, "bob", "A visible note, to have something listed.")
    for kind in KINDS:
        text = json.dumps(whole_queue(client, team, "mona", kind))
        assert secret not in text, kind
        assert f'"id": {private},' not in text, kind
    # Carol herself, made a manager, does see it: the rule is who may read, not the role.
    with db.unit_of_work() as session:
        session.execute(
            update(User).where(User.id == team.people["carol"].id).values(role=Role.manager)
        )
    assert private in [i["note"]["id"] for i in whole_queue(client, team, "carol", "stale")]
    assert private in [i["note"]["id"] for i in whole_queue(client, team, "carol", "flagged")]


# -- actions -----------------------------------------------------------------------------------


def test_merge_supersedes_closes_flags_and_is_audited(
    client: TestClient, team: Team, db: Database
) -> None:
    into = team.write(client, "alice", "Jill approves spend over $25k.")
    first = team.write(client, "bob", "Jill approves anything over $25k.")
    second = team.write(client, "bob", "Over $25k, Jill approves.", visibility="team")
    flag = client.post(
        f"/v1/notes/{first}/flags", json={"reason": "dupe"}, headers=team.h("alice")
    ).json()

    merged = client.post(
        "/v1/curation/merge",
        json={"into": into, "notes": [first, second, first]},
        headers=team.h("mona"),
    )
    assert merged.status_code == 200, merged.text
    result = merged.json()
    assert result["into"]["id"] == into
    assert result["merged"] == [first, second] and result["flags_resolved"] == 1
    for old in (first, second):
        note = client.get(f"/v1/notes/{old}", headers=team.h("bob")).json()
        assert note["superseded_by_id"] == into
    with db.session(write=False) as session:
        row = session.get(NoteFlag, flag["id"])
        assert row is not None and row.resolved_by_id == team.people["mona"].id
    merges = [(a, who, d) for a, who, d in audit_actions(db, into) if a == "note.merge"]
    assert merges == [
        ("note.merge", team.people["mona"].id, {"merged": [first, second], "flags_resolved": 1})
    ]
    assert ("note.supersede", team.people["mona"].id, {"superseded_by": into}) in audit_actions(
        db, first
    )


def test_merge_refuses_what_it_may_not_do_and_changes_nothing(
    client: TestClient, team: Team
) -> None:
    into = team.write(client, "alice", "Current picture.", visibility="team")
    old = team.write(client, "bob", "Old picture.", visibility="team")
    company = team.write(client, "bob", "Company-wide picture.")
    hidden = team.write(client, "carol", "West's picture.", visibility="private")
    elsewhere = team.write(
        client, "bob", "Other account.", account_id=team.other_account, visibility="team"
    )
    cases = [
        ("mona", {"into": into, "notes": [old, hidden]}, 404),  # all or nothing: old unmarked
        ("mona", {"into": hidden, "notes": [old]}, 404),
        ("mona", {"into": into, "notes": [into]}, 422),
        ("mona", {"into": into, "notes": [elsewhere]}, 422),
        ("mona", {"into": into, "notes": [company]}, 422),  # fewer readers than the old note
        ("mona", {"into": into, "notes": []}, 422),
        ("mona", {"into": into}, 422),
        ("mona", {"into": 0, "notes": [old]}, 422),
        ("bob", {"into": into, "notes": [old]}, 403),  # a rep, and not into's author
        ("alice", {"into": into, "notes": [old]}, 403),  # into's author, but old is bob's
    ]
    for who, body, status in cases:
        response = client.post("/v1/curation/merge", json=body, headers=team.h(who))
        assert response.status_code == status, (who, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(f"/v1/notes/{old}", headers=team.h("bob")).json()["superseded_by_id"] is None
    own_old = team.write(client, "alice", "My old picture.", visibility="team")
    by_author = client.post(
        "/v1/curation/merge", json={"into": into, "notes": [own_old]}, headers=team.h("alice")
    )
    assert by_author.status_code == 200, by_author.text
    by_curator = client.post(
        "/v1/curation/merge", json={"into": into, "notes": [old]}, headers=team.h("mona")
    )
    assert by_curator.status_code == 200, by_curator.text


def test_archive_is_a_curators_delete(client: TestClient, team: Team, db: Database) -> None:
    note = team.write(client, "bob", "Stale rumour about a merger.")
    hidden = team.write(client, "carol", "West only.", visibility="team")
    client.post(f"/v1/notes/{note}/flags", json={"reason": "rumour"}, headers=team.h("alice"))

    assert client.post(f"/v1/notes/{note}/archive", headers=team.h("alice")).status_code == 403
    assert client.post(f"/v1/notes/{hidden}/archive", headers=team.h("mona")).status_code == 404
    archived = client.post(f"/v1/notes/{note}/archive", headers=team.h("mona"))
    assert archived.status_code == 204, archived.text
    assert client.get(f"/v1/notes/{note}", headers=team.h("bob")).status_code == 404
    listed = client.get("/v1/notes", headers=team.h("bob")).json()["items"]
    assert note not in [n["id"] for n in listed]
    hits = client.post("/v1/search", json={"q": "merger rumour"}, headers=team.h("bob"))
    assert note not in [h["note_id"] for h in hits.json()["hits"]]
    assert ("note.archive", team.people["mona"].id, {"author_id": team.people["bob"].id}) in (
        audit_actions(db, note)
    )
    with db.session(write=False) as session:
        open_flags = session.scalars(
            select(NoteFlag).where(NoteFlag.note_id == note, NoteFlag.resolved_at.is_(None))
        )
        assert list(open_flags) == []
    assert client.post(f"/v1/notes/{note}/archive", headers=team.h("mona")).status_code == 404


def test_reassign_moves_a_note_as_patch_does(client: TestClient, team: Team, db: Database) -> None:
    jill = make_contact(db, team.account, "Jill Oyelaran")
    old = team.write(client, "alice", "Budget frozen.")
    note = team.write(client, "alice", "Budget thawed.", contact_ids=[jill], supersedes=[old])
    hidden = team.write(client, "carol", "West only.", visibility="team")
    url = f"/v1/notes/{note}/reassign"

    elsewhere = {"account_id": team.other_account}
    assert client.post(url, json=elsewhere, headers=team.h("bob")).status_code == 403
    hidden_url = f"/v1/notes/{hidden}/reassign"
    assert client.post(hidden_url, json=elsewhere, headers=team.h("mona")).status_code == 404
    for bad in ({"account_id": 999999}, {"account_id": "x"}, {}):
        response = client.post(url, json=bad, headers=team.h("mona"))
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"

    moved = client.post(url, json=elsewhere, headers=team.h("mona"))
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["account"]["id"] == team.other_account
    assert body["contacts"] == [] and body["version"] == 2
    assert moved.headers["ETag"] == '"v2"'
    # The note it superseded stayed on the first account: the mark is undone, as on PATCH.
    assert client.get(f"/v1/notes/{old}", headers=team.h("bob")).json()["superseded_by_id"] is None
    with db.session(write=False) as session:
        revisions = session.scalars(
            select(NoteRevision).where(NoteRevision.note_id == note).order_by(NoteRevision.version)
        ).all()
        assert [(r.account_id, r.edited_by_id) for r in revisions] == [
            (team.account, team.people["alice"].id),
            (team.other_account, team.people["mona"].id),
        ]
    assert (
        "note.reassign",
        team.people["mona"].id,
        {"old": team.account, "new": team.other_account},
    ) in audit_actions(db, note)
    same = client.post(url, json=elsewhere, headers=team.h("alice"))
    assert same.status_code == 200 and same.json()["version"] == 2  # nothing to move
    back = client.post(url, json={"account_id": team.account}, headers=team.h("alice"))
    assert back.status_code == 200 and back.json()["account"]["id"] == team.account

"""Folding a duplicate account into another: every row naming it moves, the rule on who may,
and the audit."""

from __future__ import annotations

import pytest
from sqlalchemy import ForeignKey, func, select

from app.db.base import Base
from app.db.engine import Database
from app.db.models import Account, AuditEvent, HandoverSuccession, Role, Search
from app.domain.access import SYSTEM
from app.domain.account_merge import DROPPED, KEPT, MOVED, column_of, merge_accounts
from tests.factories import Person, make_account, make_contact, make_user, post_note


def _names(columns: tuple[object, ...]) -> set[str]:
    return {f"{c.table.name}.{c.name}" for c in map(column_of, columns)}  # type: ignore[arg-type]


def test_every_account_column_is_handled_by_the_merge() -> None:
    # A table naming an account that the merge does not know would keep pointing at the
    # deleted account (or make the delete fail): sort it into MOVED, DROPPED or KEPT.
    naming_accounts = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.name == "account_id"
        or any(
            isinstance(fk, ForeignKey) and fk.column.table.name == "accounts"
            for fk in column.foreign_keys
        )
    }
    moved, dropped, kept = _names(MOVED), _names(DROPPED), _names(KEPT)
    assert not (moved & dropped or moved & kept or dropped & kept)
    assert naming_accounts == moved | dropped | kept, (
        "a column naming an account is not handled by app.domain.account_merge: "
        f"{sorted(naming_accounts - (moved | dropped | kept))}"
    )


@pytest.fixture
def people(db: Database) -> dict[str, Person]:
    return {
        "rep": make_user(db, "Priya"),
        "other": make_user(db, "Omar"),
        "manager": make_user(db, "Dana", role=Role.manager),
        "admin": make_user(db, "Ada", role=Role.admin, team="ops"),
    }


def _account(client, who: Person, **body: object) -> int:
    response = client.post("/v1/accounts", headers=who.headers, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _rows_naming(db: Database, account_id: int) -> dict[str, int]:
    counts = {}
    with db.engine.connect() as conn:
        for attribute in (*MOVED, *DROPPED):
            column = column_of(attribute)
            counts[f"{column.table.name}.{column.name}"] = conn.scalar(
                select(func.count()).select_from(column.table).where(column == account_id)
            )
    return counts


def test_merge_moves_everything_naming_the_account_and_is_audited(
    client, db: Database, people: dict[str, Person]
) -> None:
    rep, manager, admin = people["rep"], people["manager"], people["admin"]
    into = _account(
        client, rep, name="Harbor Freightways", domains=["harbor.example"], aliases=["HFW"]
    )
    merged = _account(
        client,
        rep,
        name="Harbour Freight Ways Ltd",
        domains=["hfw.example"],
        aliases=["hfw", "Harbour"],
        industry="logistics",
        external_id="crm-9",
    )
    cfo = make_contact(db, merged, "Gus Coyle", title="CFO", buying_role="economic")
    gone = make_contact(db, merged, "Zed Quill", email="zed@hfw.example")
    post_note(client, rep, into, "Meg signs off on spend over $50k.", visibility="company")
    shared = post_note(
        client, rep, merged, "Gus Coyle decides on budget.", contact_ids=[cfo], visibility="company"
    )
    private = post_note(client, people["other"], merged, "Gus prefers calls.", visibility="private")
    etag = client.get(f"/v1/notes/{shared}", headers=rep.headers).headers["etag"]
    edited = client.patch(
        f"/v1/notes/{shared}",
        headers={**rep.headers, "If-Match": etag},
        json={"body": "Gus Coyle decides on the budget."},
    )
    assert edited.status_code == 200, edited.text
    assert (
        client.post(f"/v1/accounts/{merged}/influence/review", headers=manager.headers).status_code
        < 300
    )
    assert (
        client.post(
            f"/v1/contacts/{gone}/erase", headers=admin.headers, json={"reason": "their request"}
        ).status_code
        == 200
    )
    client.post("/v1/search", headers=rep.headers, json={"q": "budget", "account_id": merged})
    flags = client.get(f"/v1/accounts/{into}/red-flags", headers=manager.headers).json()
    assert "economic" in {f["role"] for f in flags["red_flags"] if f["code"] == "missing_role"}
    before = _rows_naming(db, merged)
    assert all(
        before[t]
        for t in (
            "notes.account_id",
            "note_revisions.account_id",
            "passages.account_id",
            "contacts.account_id",
            "account_domains.account_id",
            "suppressions.account_id",
            "searches.account_id",
            "influence_reviews.account_id",
        )
    )

    response = client.post(
        f"/v1/accounts/{into}/merge", headers=manager.headers, json={"account_id": merged}
    )

    assert response.status_code == 200, response.text
    survivor = response.json()
    assert survivor["id"] == into
    assert survivor["domains"] == ["harbor.example", "hfw.example"]
    # The merged name becomes an alias; "hfw" is "HFW" already, in another case.
    assert survivor["aliases"] == ["HFW", "Harbour Freight Ways Ltd", "Harbour"]
    assert survivor["industry"] == "logistics" and survivor["external_id"] == "crm-9"
    assert set(_rows_naming(db, merged).values()) == {0}
    after = _rows_naming(db, into)
    for table in (
        "notes.account_id",
        "note_revisions.account_id",
        "passages.account_id",
        "contacts.account_id",
        "suppressions.account_id",
        "searches.account_id",
    ):
        assert after[table] >= before[table], table
    assert after["influence_reviews.account_id"] == 0  # the merged map's review is not its
    assert client.get(f"/v1/accounts/{merged}", headers=rep.headers).status_code == 404
    for ref in ("Harbour Freight Ways Ltd", "ops@hfw.example", "crm-9", "harbour"):
        found = client.get("/v1/accounts/resolve", headers=rep.headers, params={"ref": ref})
        assert found.json()["id"] == into, ref
    listed = client.get(
        "/v1/notes", headers=people["other"].headers, params={"account_id": into}
    ).json()["items"]
    assert private in {n["id"] for n in listed}
    # The keyword index and any in-memory vector index see the note at its new account.
    hits = client.post(
        "/v1/search", headers=rep.headers, json={"q": "Gus budget", "account_id": into}
    ).json()["hits"]
    assert shared in {hit["note_id"] for hit in hits}
    contact = client.get(f"/v1/contacts/{cfo}", headers=rep.headers).json()
    assert contact["account"]["id"] == into
    flags = client.get(f"/v1/accounts/{into}/red-flags", headers=manager.headers).json()
    assert "economic" not in {f["role"] for f in flags["red_flags"] if f["code"] == "missing_role"}
    with db.session(write=False) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "account.merge"))
        assert session.scalar(select(func.count()).select_from(Account)) == 1
        assert session.scalar(select(Search.account_id)) == into
    assert event is not None and event.actor_id == manager.id
    assert event.target_type == "account" and event.target_id == str(into)
    assert event.details["merged"] == {
        "id": merged,
        "name": "Harbour Freight Ways Ltd",
        "external_id": "crm-9",
    }
    assert (
        event.details["domains"] == ["hfw.example"] and event.details["contacts"] == 1
    )  # Zed was erased
    assert "notes" not in event.details  # a count would tell of notes the reader may not read


def test_only_curators_merge_and_unknown_accounts_are_404(
    client, db: Database, people: dict[str, Person]
) -> None:
    rep, manager = people["rep"], people["manager"]
    into = _account(client, rep, name="Harbor")
    merged = _account(client, rep, name="Harbor Ltd")

    def merge(who: Person, path_id: int, body_id: int):
        return client.post(
            f"/v1/accounts/{path_id}/merge", headers=who.headers, json={"account_id": body_id}
        )

    refused = merge(rep, into, merged)
    assert refused.status_code == 403 and "manager" in refused.json()["detail"]
    assert merge(manager, 999999, merged).status_code == 404
    assert merge(manager, into, 999999).status_code == 404
    assert merge(manager, into, into).status_code == 422
    assert merge(people["admin"], into, merged).status_code == 200
    assert merge(manager, into, merged).status_code == 404  # gone now
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 1


def test_a_successor_named_for_the_merged_account_takes_the_survivor_unless_one_was_named(
    db: Database,
) -> None:
    leaver = make_user(db, "Lee Leaving")
    other = make_user(db, "Olga Other")
    first, second = make_user(db, "Sam First"), make_user(db, "Sue Second")
    into, merged = make_account(db, "Harbor Freightways"), make_account(db, "Harbour Freight")
    with db.unit_of_work() as session:
        session.add_all(
            [
                HandoverSuccession(user_id=leaver.id, account_id=into, successor_id=first.id),
                HandoverSuccession(user_id=leaver.id, account_id=merged, successor_id=second.id),
                HandoverSuccession(user_id=other.id, account_id=merged, successor_id=second.id),
            ]
        )
    with db.unit_of_work() as session:
        merge_accounts(session, SYSTEM, into, merged)
    with db.session(write=False) as session:
        rows = session.execute(
            select(
                HandoverSuccession.user_id,
                HandoverSuccession.account_id,
                HandoverSuccession.successor_id,
            )
        ).all()
    # the survivor's own successor stands; the other leaver's moves with the customer
    assert sorted(rows) == sorted([(leaver.id, into, first.id), (other.id, into, second.id)])

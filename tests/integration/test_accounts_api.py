"""Accounts and contacts: the people and companies notes are about."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import AuditEvent, Role
from tests.factories import Person, make_user


@pytest.fixture
def rep(db: Database) -> Person:
    return make_user(db, "Priya")


@pytest.fixture
def manager(db: Database) -> Person:
    return make_user(db, "Dana", role=Role.manager)


def create_account(client, who: Person, **body: object) -> dict:
    response = client.post("/v1/accounts", headers=who.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def create_contact(client, who: Person, **body: object):
    return client.post("/v1/contacts", headers=who.headers, json=body)


def test_account_crud_and_filters(client, rep) -> None:
    harbor = create_account(
        client,
        rep,
        name="Harbor Freightways",
        external_id="crm-1",
        domains=["HarborFreightways.example", "hfw.example"],
        aliases=["HFW"],
    )
    create_account(client, rep, name="Ridgeline Cartage")
    assert harbor["domains"] == ["harborfreightways.example", "hfw.example"]

    def get(**params: str) -> list[str]:
        response = client.get("/v1/accounts", headers=rep.headers, params=params)
        return [a["name"] for a in response.json()["items"]]

    assert get() == ["Harbor Freightways", "Ridgeline Cartage"]
    assert get(external_id="crm-1") == ["Harbor Freightways"]
    assert get(domain="hfw.example") == ["Harbor Freightways"]
    assert get(q="ridge") == ["Ridgeline Cartage"]
    patched = client.patch(
        f"/v1/accounts/{harbor['id']}",
        headers=rep.headers,
        json={"name": "Harbor Freight", "domains": ["harbor.example"]},
    )
    assert patched.json()["name"] == "Harbor Freight"
    assert get(domain="hfw.example") == []
    resolved = client.get(
        "/v1/accounts/resolve", headers=rep.headers, params={"ref": "ops@harbor.example"}
    )
    assert resolved.json()["id"] == harbor["id"]


def test_a_domain_belongs_to_one_account(client, rep) -> None:
    create_account(client, rep, name="Harbor", domains=["harbor.example"])
    clash = client.post(
        "/v1/accounts", headers=rep.headers, json={"name": "Other", "domains": ["harbor.example"]}
    )
    assert clash.status_code == 409 and "harbor.example" in clash.json()["detail"]
    bad = client.post("/v1/accounts", headers=rep.headers, json={"name": "X", "domains": ["no"]})
    assert bad.status_code == 422


def test_contacts_with_reporting_lines(client, rep) -> None:
    harbor = create_account(client, rep, name="Harbor Freightways", domains=["harbor.example"])
    other = create_account(client, rep, name="Ridgeline")
    ceo = create_contact(
        client, rep, account="harbor.example", name="Ann CEO", buying_role="economic"
    ).json()
    cfo = create_contact(
        client,
        rep,
        account_id=harbor["id"],
        name="Meg",
        title="CFO",
        email="Meg@Harbor.example",
        reports_to_id=ceo["id"],
    ).json()
    assert (cfo["account"]["id"], cfo["reports_to_id"], cfo["email"]) == (
        harbor["id"],
        ceo["id"],
        "meg@harbor.example",
    )
    stranger = create_contact(client, rep, account_id=other["id"], name="Sam").json()
    cross = client.patch(
        f"/v1/contacts/{cfo['id']}", headers=rep.headers, json={"reports_to_id": stranger["id"]}
    )
    assert cross.status_code == 422
    cycle = client.patch(
        f"/v1/contacts/{ceo['id']}", headers=rep.headers, json={"reports_to_id": cfo["id"]}
    )
    assert cycle.status_code == 422 and "cycle" in cycle.json()["detail"]
    listed = client.get(
        "/v1/contacts",
        headers=rep.headers,
        params={"account_id": harbor["id"], "buying_role": "economic"},
    ).json()
    assert [c["name"] for c in listed["items"]] == ["Ann CEO"]


def test_buying_role_changes_are_a_curators_and_audited(client, db, rep, manager) -> None:
    harbor = create_account(client, rep, name="Harbor")
    meg = create_contact(client, rep, account_id=harbor["id"], name="Meg").json()
    url = f"/v1/contacts/{meg['id']}"
    refused = client.patch(url, headers=rep.headers, json={"buying_role": "coach"})
    assert refused.status_code == 403, refused.text
    assert client.patch(url, headers=rep.headers, json={"title": "CFO"}).status_code == 200
    client.patch(url, headers=manager.headers, json={"buying_role": "coach"})
    with db.session(write=False) as session:
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "contact.buying_role_change")
        )
    assert event is not None and event.actor_id == manager.id
    assert event.details == {"old": "unknown", "new": "coach"}


def test_an_account_with_notes_cannot_be_deleted(client, rep, manager) -> None:
    harbor = create_account(client, rep, name="Harbor")
    empty = create_account(client, rep, name="Empty")
    client.post("/v1/notes", headers=rep.headers, json={"body": "x", "account_id": harbor["id"]})
    assert client.delete(f"/v1/accounts/{empty['id']}", headers=rep.headers).status_code == 403
    refused = client.delete(f"/v1/accounts/{harbor['id']}", headers=manager.headers)
    assert refused.status_code == 409 and "1 of them you can read" in refused.json()["detail"]
    assert client.delete(f"/v1/accounts/{empty['id']}", headers=manager.headers).status_code == 204
    assert client.get(f"/v1/accounts/{empty['id']}", headers=rep.headers).status_code == 404


def test_deleting_a_contact_keeps_the_notes_that_mention_them(client, rep, manager) -> None:
    harbor = create_account(client, rep, name="Harbor")
    meg = create_contact(client, rep, account_id=harbor["id"], name="Meg").json()
    report = create_contact(
        client, rep, account_id=harbor["id"], name="Lee", reports_to_id=meg["id"]
    ).json()
    note = client.post(
        "/v1/notes",
        headers=rep.headers,
        json={"body": "Meg likes golf", "account_id": harbor["id"], "contact_ids": [meg["id"]]},
    ).json()
    assert client.delete(f"/v1/contacts/{meg['id']}", headers=manager.headers).status_code == 204
    kept = client.get(f"/v1/notes/{note['id']}", headers=rep.headers).json()
    assert kept["body"] == "Meg likes golf" and kept["contacts"] == []
    assert (
        client.get(f"/v1/contacts/{report['id']}", headers=rep.headers).json()["reports_to_id"]
        is None
    )


def test_an_existing_name_is_a_409_naming_the_account_unless_forced(client, rep) -> None:
    harbor = create_account(client, rep, name="Harbor Freightways", domains=["harbor.example"])
    for name in ("Harbor Freightways", "  harbor   FREIGHTWAYS "):
        clash = client.post("/v1/accounts", headers=rep.headers, json={"name": name})
        assert clash.status_code == 409, clash.text
        assert clash.headers["content-type"] == "application/problem+json"
        assert clash.json()["existing"] == {
            "id": harbor["id"],
            "name": "Harbor Freightways",
            "domains": ["harbor.example"],
        }
        assert f"(id {harbor['id']})" in clash.json()["detail"]
    by_query = client.post(
        "/v1/accounts", headers=rep.headers, params={"force": "true"},
        json={"name": "Harbor Freightways"},
    )  # fmt: skip
    assert by_query.status_code == 201, by_query.text
    by_body = create_account(client, rep, name="HARBOR FREIGHTWAYS", force=True)
    assert len({harbor["id"], by_query.json()["id"], by_body["id"]}) == 3
    assert "force" not in by_body
    assert create_account(client, rep, name="Harbor Freight")["name"] == "Harbor Freight"


def test_an_existing_domain_is_a_409_naming_the_account_even_when_forced(client, rep) -> None:
    harbor = create_account(client, rep, name="Harbor", domains=["harbor.example"])
    for force in (False, True):
        clash = client.post(
            "/v1/accounts", headers=rep.headers,
            json={"name": "Other", "domains": ["other.example", "HARBOR.example"], "force": force},
        )  # fmt: skip
        assert clash.status_code == 409, clash.text
        assert clash.json()["existing"]["id"] == harbor["id"]
        assert "harbor.example" in clash.json()["detail"]
    names = [a["name"] for a in client.get("/v1/accounts", headers=rep.headers).json()["items"]]
    assert names == ["Harbor"]


def test_renaming_onto_a_taken_domain_names_the_owner(client, rep) -> None:
    harbor = create_account(client, rep, name="Harbor", domains=["harbor.example"])
    other = create_account(client, rep, name="Other")
    clash = client.patch(
        f"/v1/accounts/{other['id']}", headers=rep.headers, json={"domains": ["harbor.example"]}
    )
    assert clash.status_code == 409
    assert clash.json()["existing"] == {"id": harbor["id"], "name": "Harbor",
                                        "domains": ["harbor.example"]}  # fmt: skip

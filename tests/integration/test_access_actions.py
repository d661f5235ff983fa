"""Who may change what: roles (rep, manager, admin) x ownership (own note, a same-team
colleague's, another team's, a hidden one) x every action that takes an id or a reference.

The expected answers are written here from the rule as the README states it, independently of
``app.domain.access``: a change there that lets someone demote, rewrite or learn of a note they
should not fails here. A sibling of ``test_access_matrix`` (which covers reading by visibility).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db.engine import Database
from app.db.models import Role
from tests.factories import (
    Person,
    deliver_mail,
    import_csv,
    make_account,
    make_contact,
    make_user,
    post_note,
    raw_mail,
    with_token,
)

ROLES = ("rep", "manager", "admin")
OWNERSHIP = ("own", "colleague", "other_team", "hidden")
CURATE = ("supersede", "merge", "verify", "resolve_flag", "topics")


@dataclass
class World:
    client: TestClient
    db: Database
    actors: dict[str, Person]  # by role, all in team east
    cole: Person  # a rep in east: the colleague
    wes: Person  # a rep in west: the other team
    account: int
    serial: itertools.count[int]

    def target(self, role: str, owner: str) -> tuple[int, Person]:
        """A fresh note of this ownership, seen from the actor of this role; its author."""
        author, visibility = {
            "own": (self.actors[role], "team"),
            "colleague": (self.cole, "team"),
            "other_team": (self.wes, "company"),
            "hidden": (self.wes, "team"),  # west's team note: no one in east may read it
        }[owner]
        n = next(self.serial)
        note = post_note(
            self.client,
            author,
            self.account,
            f"Meg signs off on spend, note {n}.",
            visibility=visibility,
            external_id=f"x-{n}",
        )
        return note, author

    def own_company_note(self, role: str) -> int:
        """A note of the actor's that every reader of any note can read (for supersede/merge)."""
        n = next(self.serial)
        actor = self.actors[role]
        return post_note(self.client, actor, self.account, f"Newer {n}.", visibility="company")


@pytest.fixture
def world(db: Database, client: TestClient) -> World:
    actors = {
        "rep": make_user(db, "Rita Rep", team="east"),
        "manager": make_user(db, "Mia Manager", team="east", role=Role.manager),
        "admin": make_user(db, "Ada Admin", team="east", role=Role.admin),
    }
    cole = make_user(db, "Cole East", team="east")
    wes = make_user(db, "Wes West", team="west")
    account = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    make_contact(db, account, "Meg Ortiz", email="meg@harbor.example")
    return World(client, db, actors, cole, wes, account, itertools.count(1))


# --- the rule, written out -------------------------------------------------------------------


def expected(action: str, role: str, owner: str) -> int:
    if owner == "hidden":
        return 404  # as missing as a note that never was, whatever the action
    if action == "read" or owner == "own":
        return 200
    if action == "edit":
        return 200 if role == "admin" else 403
    if action in CURATE:
        return 200 if role in ("manager", "admin") else 403
    raise AssertionError(action)


def act(w: World, action: str, role: str, note: int, author: Person) -> Any:
    client, actor = w.client, w.actors[role]
    h = actor.headers
    if action == "read":
        return client.get(f"/v1/notes/{note}", headers=h)
    if action == "edit":
        version = client.get(f"/v1/notes/{note}", headers=author.headers).headers["ETag"]
        return client.patch(
            f"/v1/notes/{note}", headers={**h, "If-Match": version}, json={"body": "rewritten"}
        )
    if action == "supersede":
        by = w.own_company_note(role)
        return client.post(f"/v1/notes/{note}/supersede", headers=h, json={"by": by})
    if action == "merge":
        into = w.own_company_note(role)
        return client.post("/v1/curation/merge", headers=h, json={"into": into, "notes": [note]})
    if action == "verify":
        return client.post(f"/v1/notes/{note}/verify", headers=h)
    if action == "topics":
        return client.put(f"/v1/notes/{note}/topics", headers=h, json={"topics": ["personal"]})
    if action == "resolve_flag":
        # The author raises it, so that on the actor's own note the actor raised it too.
        flag = client.post(f"/v1/notes/{note}/flags", headers=author.headers, json={"reason": "?"})
        assert flag.status_code == 201, flag.text
        return client.post(f"/v1/flags/{flag.json()['id']}/resolve", headers=h)
    raise AssertionError(action)


def changed(w: World, action: str, note: int, author: Person) -> bool:
    """Whether the action left its mark, read as the note's author."""
    body = w.client.get(f"/v1/notes/{note}", headers=author.headers).json()
    return {
        "read": True,
        "edit": body["body"] == "rewritten",
        "supersede": body["superseded_by_id"] is not None,
        "merge": body["superseded_by_id"] is not None,
        "verify": body["verified_at"] is not None,
        "topics": body["topics_corrected"],
        "resolve_flag": True,  # the flag itself is checked by the status alone
    }[action]


@pytest.mark.parametrize("action", ["read", "edit", *CURATE])
def test_note_actions_follow_the_rule(world: World, action: str) -> None:
    for role, owner in itertools.product(ROLES, OWNERSHIP):
        note, author = world.target(role, owner)
        response = act(world, action, role, note, author)
        want = expected(action, role, owner)
        assert response.status_code == want, (action, role, owner, response.text)
        if want != 200:
            assert response.headers["content-type"] == "application/problem+json"
            assert "Meg signs" not in response.text  # a refusal quotes nothing of the note
            if action not in ("read", "resolve_flag"):
                assert not changed(world, action, note, author), (action, role, owner)
        elif action != "read":
            assert changed(world, action, note, author), (action, role, owner)


def test_a_hidden_note_refuses_every_action_as_a_missing_one_does(world: World) -> None:
    for action, role in itertools.product(["read", "edit", *CURATE], ROLES):
        note, author = world.target(role, "hidden")
        hidden = act(world, action, role, note, author)
        assert hidden.status_code == 404, (action, role)
        assert hidden.json()["title"] == "Not found" and "Meg" not in hidden.text


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry_run", "real"])
def test_an_import_row_may_rewrite_only_the_importers_own_note(world: World, dry_run: bool) -> None:
    """The reported attack: a row with someone else's external id and the importer as owner.
    Every role gets the same three words for a colleague's, another team's or a hidden note,
    and the note is untouched; only the importer's own note is updated."""
    for role, owner in itertools.product(ROLES, OWNERSHIP):
        actor = world.actors[role]
        note, author = world.target(role, owner)
        before = world.client.get(f"/v1/notes/{note}", headers=author.headers).json()
        row = {
            "external_id": before["external_id"],
            "activity_date": "2025-01-10",
            "owner_email": f"{actor.name.lower().replace(' ', '.')}@tacit.example",
            "company": "Harbor Freightways",
            "visibility": "company",
            "body": "Imported over it.",
        }
        response = import_csv(world.client, actor, [row], dry_run=dry_run)
        if owner == "own":
            assert response.status_code == (200 if dry_run else 201), response.text
            assert response.json()["updated"]["notes"] == 1
        else:
            assert response.status_code == (200 if dry_run else 422), (role, owner, response.text)
            problems = response.json()["problems"]
            assert [p["problem"] for p in problems] == ["not yours to change"], (role, owner)
            assert author.name not in response.text and "Meg signs" not in response.text
        after = world.client.get(f"/v1/notes/{note}", headers=author.headers).json()
        rewritten = owner == "own" and not dry_run
        assert (after["body"] == "Imported over it.") == rewritten, (role, owner)
        assert after["author"]["id"] == author.id


def test_a_mail_replay_answers_only_to_its_sender(world: World) -> None:
    """Each sender's message is captured, then edited (the hidden one made private); a replay
    by each role shows the note to its sender only. Others (only an admin may post others'
    mail) learn that it was a replay, and nothing of the note."""
    senders = {"colleague": world.cole, "other_team": world.wes, "hidden": world.wes}
    for role, owner in itertools.product(ROLES, OWNERSHIP):
        actor = world.actors[role]
        sender = actor if owner == "own" else senders[owner]
        n = next(world.serial)
        raw = raw_mail(
            sender=f"{sender.name} <{sender.name.lower().replace(' ', '.')}@tacit.example>",
            to="Meg Ortiz <meg@harbor.example>",
            message_id=f"<m{n}@mail.example>",
            body=f"Meg signs the renewal, message {n}.",
        )
        first = deliver_mail(world.client, sender, raw)
        assert first.status_code == 201, first.text
        note = first.json()["id"]
        version = f'"v{first.json()["version"]}"'
        # Hidden: made private since; the others stay readable to the actor, yet only the
        # sender is answered with the note.
        visibility = "private" if owner in ("own", "hidden") else "company"
        private = world.client.patch(
            f"/v1/notes/{note}",
            headers={**sender.headers, "If-Match": version},
            json={"visibility": visibility, "body": f"Edited since, message {n}."},
        )
        assert private.status_code == 200, private.text
        replay = deliver_mail(world.client, actor, raw)
        if owner == "own":
            assert replay.status_code == 200 and replay.json()["body"].startswith("Edited since")
        elif role == "admin":
            assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
            assert replay.json() == {"message_id": f"<m{n}@mail.example>", "replayed": True}
            assert "location" not in replay.headers
        else:
            assert replay.status_code == 403, (role, owner, replay.text)
            assert "Edited since" not in replay.text and '"id"' not in replay.text


def test_a_token_never_outlives_the_token_that_made_it(world: World) -> None:
    """Each role, holding a token that expires in a day, asks for one that never expires: for
    themselves, a colleague and another team's user. Only an admin makes others' tokens."""
    owners = {"own": None, "colleague": world.cole, "other_team": world.wes}
    for role, owner in itertools.product(ROLES, owners):
        short = with_token(world.db, world.actors[role], expires_in_days=1)
        person = owners[owner]
        body = {} if person is None else {"user_id": person.id}
        for extra in ({}, {"expires_in_days": 3650}):
            response = world.client.post("/v1/tokens", headers=short.headers, json=body | extra)
            if owner != "own" and role != "admin":
                assert response.status_code == 403, (role, owner, response.text)
                continue
            assert response.status_code == 201, (role, owner, response.text)
            expires = datetime.fromisoformat(response.json()["expires_at"])
            assert expires <= datetime.now(expires.tzinfo) + timedelta(days=1), (role, owner)
    # A token that never expires may still make one that never expires.
    lasting = world.client.post("/v1/tokens", headers=world.actors["rep"].headers, json={})
    assert lasting.status_code == 201 and lasting.json()["expires_at"] is None


def test_buying_roles_are_a_curators_call(world: World) -> None:
    """Confirming a role suggestion or setting a contact's buying role: managers and admins;
    anyone may reject a suggestion (for themselves; see test_brief for who else it hides)."""
    for role in ROLES:
        contact = make_contact(world.db, world.account, f"Deb {role}")
        actor = world.actors[role]
        decide = f"/v1/contacts/{contact}/role-decisions"
        reject = world.client.post(
            decide, headers=actor.headers, json={"role": "coach", "decision": "reject"}
        )
        assert reject.status_code == 200, (role, reject.text)
        confirm = world.client.post(
            decide, headers=actor.headers, json={"role": "coach", "decision": "confirm"}
        )
        patch = world.client.patch(
            f"/v1/contacts/{contact}", headers=actor.headers, json={"buying_role": "economic"}
        )
        curator = role != "rep"
        assert confirm.status_code == (200 if curator else 403), (role, confirm.text)
        assert patch.status_code == (200 if curator else 403), (role, patch.text)
        now = world.client.get(f"/v1/contacts/{contact}", headers=actor.headers).json()
        assert now["buying_role"] == ("economic" if curator else "unknown")

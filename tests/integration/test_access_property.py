"""A property test of the read rule: random writes by random users, and after each step every
read path agrees with a plain-Python model of who may read what.

Writes: create, edit, change visibility, move a user to another team, import a CSV row (over
any note, or new), capture and re-deliver mail, supersede, merge, delete, and run the
embedding worker. Reads, for every user: get, list, export (JSON Lines and CSV), search and
its direct answers, who-knows, the account's brief, and the counts in status and coverage.
The model is written here from the README's table, not from ``app.domain.access``.

One database per test (each kind): every example adds its own users and account to it, and
the model remembers everything earlier examples wrote, since the global counts (status) see it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import hypothesis.strategies as st
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as run_settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app.config import Settings
from app.db.engine import Database
from app.db.models import Note, Role
from tests.factories import (
    Person,
    deliver_mail,
    embed_everything,
    import_csv,
    make_account,
    make_contact,
    make_user,
    raw_mail,
)

TEAMS = ("east", "west")
VISIBILITIES = ("private", "team", "company")
# Distinct sentences, so that the worker's near-duplicate credit rarely pairs them; each note
# also carries the example's search word.
SENTENCES = (
    "Meg approves any purchase above fifty thousand dollars herself",
    "Their dispatchers plan every route by hand each morning",
    "Legal wants sixty days to review any vendor contract",
    "Deb screens new vendors before procurement sees them",
    "The fleet renewal is planned for the third quarter",
    "Sam coaches youth football on weekends and loves the Packers",
)


@dataclass
class ModelUser:
    person: Person
    email: str
    role: Role
    team: str


@dataclass
class ModelNote:
    id: int
    external_id: str
    author: int
    team: str | None  # the author's team when the note was written
    visibility: str
    account: int
    deleted: bool = False


@dataclass
class Universe:
    """What every example has written so far into the one database."""

    users: dict[int, ModelUser] = field(default_factory=dict)
    notes: dict[int, ModelNote] = field(default_factory=dict)
    serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def may_read(self, viewer: int, note: ModelNote) -> bool:
        """The rule as the README states it."""
        if note.deleted:
            return False
        return (
            note.visibility == "company"
            or note.author == viewer
            or (note.visibility == "team" and note.team == self.users[viewer].team)
        )

    def readable(self, viewer: int, account: int | None = None) -> set[int]:
        return {
            n.id
            for n in self.notes.values()
            if self.may_read(viewer, n) and (account is None or n.account == account)
        }


class AccessMachine(RuleBasedStateMachine):
    universe: Universe
    client: TestClient
    db: Database
    settings: Settings
    admin: Person  # an admin outside the examples: moves users, plays the mail gateway

    def __init__(self) -> None:
        super().__init__()
        self.example = next(self.universe.serial)
        self.word = f"quokka{self.example}"
        self.domain = f"acct{self.example}.example"
        self.account = make_account(self.db, f"Acct {self.example}", domains=[self.domain])
        # The people SENTENCES name, so that notes suggest roles and direct answers cite them.
        for name in ("Meg Ames", "Deb Cole", "Sam Ruiz"):
            make_contact(self.db, self.account, name)
        self.users: list[int] = []
        self.mail: list[tuple[int, bytes]] = []  # (sender, raw message) delivered so far

    # --- writes ---------------------------------------------------------------------------

    @initialize(
        people=st.lists(
            st.tuples(st.sampled_from(list(Role)), st.sampled_from(TEAMS)), min_size=2, max_size=4
        )
    )
    def people(self, people: list[tuple[Role, str]]) -> None:
        for k, (role, team) in enumerate(people):
            name = f"P{self.example}x{k}"
            email = f"p{self.example}x{k}@tacit.example"
            person = make_user(self.db, name, team=team, role=role, email=email)
            self.universe.users[person.id] = ModelUser(person, email, role, team)
            self.users.append(person.id)

    def _user(self, pick: int) -> ModelUser:
        return self.universe.users[self.users[pick % len(self.users)]]

    def _notes(self) -> list[ModelNote]:
        return sorted(
            (n for n in self.universe.notes.values() if n.account == self.account),
            key=lambda n: n.id,
        )

    def _note(self, pick: int) -> ModelNote:
        notes = self._notes()
        return notes[pick % len(notes)]

    def _body(self, pick: int) -> str:
        return f"{SENTENCES[pick % len(SENTENCES)]}; {self.word} {next(self.universe.serial)}."

    def _add(self, note_id: int, external_id: str, author: ModelUser, visibility: str) -> None:
        self.universe.notes[note_id] = ModelNote(
            note_id, external_id, author.person.id, author.team, visibility, self.account
        )

    @rule(who=st.integers(0, 3), visibility=st.sampled_from(VISIBILITIES), text=st.integers(0, 5))
    def create(self, who: int, visibility: str, text: int) -> None:
        user = self._user(who)
        external_id = f"p-{next(self.universe.serial)}"
        response = self.client.post(
            "/v1/notes",
            headers=user.person.headers,
            json={
                "account_id": self.account,
                "body": self._body(text),
                "visibility": visibility,
                "external_id": external_id,
            },
        )
        assert response.status_code == 201, response.text
        self._add(response.json()["id"], external_id, user, visibility)

    @precondition(lambda self: self._notes())
    @rule(who=st.integers(0, 3), pick=st.integers(0, 50), visibility=st.sampled_from(VISIBILITIES))
    def change_visibility(self, who: int, pick: int, visibility: str) -> None:
        user, note = self._user(who), self._note(pick)
        response = self._patch(user, note, {"visibility": visibility, "body": self._body(pick)})
        if response.status_code == 200:
            note.visibility = visibility

    def _patch(self, user: ModelUser, note: ModelNote, changes: dict[str, Any]) -> Any:
        current = self.client.get(f"/v1/notes/{note.id}", headers=user.person.headers)
        if current.status_code != 200:
            assert not self.universe.may_read(user.person.id, note)
            return current
        return self.client.patch(
            f"/v1/notes/{note.id}",
            headers={**user.person.headers, "If-Match": current.headers["ETag"]},
            json=changes,
        )

    @precondition(lambda self: self._notes())
    @rule(who=st.integers(0, 3), pick=st.integers(0, 50), text=st.integers(0, 5))
    def edit(self, who: int, pick: int, text: int) -> None:
        self._patch(self._user(who), self._note(pick), {"body": self._body(text)})

    @rule(who=st.integers(0, 3), team=st.sampled_from(TEAMS))
    def move_user(self, who: int, team: str) -> None:
        user = self._user(who)
        response = self.client.patch(
            f"/v1/users/{user.person.id}", headers=self.admin.headers, json={"team": team}
        )
        assert response.status_code == 200, response.text
        user.team = team

    @rule(
        who=st.integers(0, 3),
        pick=st.integers(0, 50) | st.none(),
        visibility=st.sampled_from(VISIBILITIES),
        text=st.integers(0, 5),
        dry_run=st.booleans(),
    )
    def import_row(
        self, who: int, pick: int | None, visibility: str, text: int, dry_run: bool
    ) -> None:
        """A row owned by the importer, over an existing note of the account (any author) or a
        new one."""
        user = self._user(who)
        named = [n for n in self._notes() if n.external_id]
        target = named[pick % len(named)] if pick is not None and named else None
        external_id = target.external_id if target else f"p-{next(self.universe.serial)}"
        row = {
            "external_id": external_id,
            "activity_date": "2025-01-10",
            "owner_email": user.email,
            "company": f"Acct {self.example}",
            "visibility": visibility,
            "body": self._body(text),
        }
        response = import_csv(self.client, user.person, [row], dry_run=dry_run)
        assert response.status_code in (200, 201, 422), response.text
        problems = response.json().get("problems") or []
        if target is not None and target.author != user.person.id:
            # Someone else's note, readable or not: the same three words, and nothing written.
            assert [p["problem"] for p in problems] == ["not yours to change"], response.text
            return
        if problems or dry_run:
            return
        if target is not None:
            if not target.deleted:
                target.visibility = visibility
            return
        found = self.client.get(
            "/v1/notes", headers=user.person.headers, params={"external_id": external_id}
        ).json()["items"]
        assert len(found) == 1
        self._add(found[0]["id"], external_id, user, visibility)

    @rule(who=st.integers(0, 3), text=st.integers(0, 5))
    def capture_mail(self, who: int, text: int) -> None:
        user = self._user(who)
        raw = raw_mail(
            sender=user.email,
            to=f"buyer@{self.domain}",
            message_id=f"<m{next(self.universe.serial)}@mail.example>",
            body=self._body(text),
        )
        response = deliver_mail(self.client, self.admin, raw)  # the gateway
        assert response.status_code == 201, response.text
        self._add(response.json()["id"], "", user, "team")  # a captured note has no external id
        self.mail.append((user.person.id, raw))

    @precondition(lambda self: self.mail)
    @rule(pick=st.integers(0, 50), by_sender=st.booleans())
    def replay_mail(self, pick: int, by_sender: bool) -> None:
        sender, raw = self.mail[pick % len(self.mail)]
        caller = self.universe.users[sender].person if by_sender else self.admin
        response = deliver_mail(self.client, caller, raw)
        if response.status_code == 410:  # deleted since: said to its sender only
            assert by_sender
            return
        assert response.status_code == 200, response.text
        if not by_sender:
            assert set(response.json()) == {"message_id", "replayed"}

    @precondition(lambda self: len(self._notes()) >= 2)
    @rule(who=st.integers(0, 3), old=st.integers(0, 50), new=st.integers(0, 50))
    def supersede(self, who: int, old: int, new: int) -> None:
        user = self._user(who)
        response = self.client.post(
            f"/v1/notes/{self._note(old).id}/supersede",
            headers=user.person.headers,
            json={"by": self._note(new).id},
        )
        assert response.status_code in (200, 403, 404, 422), response.text

    @precondition(lambda self: len(self._notes()) >= 2)
    @rule(who=st.integers(0, 3), into=st.integers(0, 50), merged=st.integers(0, 50))
    def merge(self, who: int, into: int, merged: int) -> None:
        user = self._user(who)
        response = self.client.post(
            "/v1/curation/merge",
            headers=user.person.headers,
            json={"into": self._note(into).id, "notes": [self._note(merged).id]},
        )
        assert response.status_code in (200, 403, 404, 422), response.text

    @precondition(lambda self: self._notes())
    @rule(who=st.integers(0, 3), pick=st.integers(0, 50))
    def delete(self, who: int, pick: int) -> None:
        user, note = self._user(who), self._note(pick)
        response = self.client.delete(f"/v1/notes/{note.id}", headers=user.person.headers)
        if response.status_code == 204:
            note.deleted = True

    @rule()
    def embed(self) -> None:
        embed_everything(self.db, self.settings)

    # --- reads ----------------------------------------------------------------------------

    @invariant()
    def every_read_path_shows_only_readable_notes(self) -> None:
        mine = {n.id for n in self._notes()}
        for user_id in self.users:
            user = self.universe.users[user_id]
            h = user.person.headers
            readable = self.universe.readable(user_id, self.account)
            context = (user.person.name, user.role, user.team)
            listed = self.client.get(
                "/v1/notes", headers=h, params={"account_id": self.account, "limit": 200}
            ).json()["items"]
            assert {n["id"] for n in listed} == readable, context
            exported = {
                json.loads(line)["id"]
                for line in self.client.get("/v1/export/notes", headers=h).text.splitlines()
            }
            assert {self._id_of(x) for x in exported} & mine == readable, context
            rows = csv.DictReader(
                io.StringIO(
                    self.client.get("/v1/export/notes.csv", headers=h).text.lstrip("\ufeff")
                )
            )
            in_csv = {r["body"] for r in rows}
            for note_id in mine - readable:
                assert self._body_of(note_id) not in in_csv, context
            found = self.client.post(
                "/v1/search",
                headers=h,
                json={"q": f"{self.word} vendors purchase", "account_id": self.account},
            ).json()
            assert _search_note_ids(found) <= readable, context
            # A list question: one hit per account across the base, every group's notes and
            # every folded near-duplicate readable, the others' accounts included.
            listed = self.client.post(
                "/v1/search", headers=h, json={"q": f"which accounts mention {self.word}?"}
            ).json()
            assert _search_note_ids(listed) & mine <= readable, context
            assert _search_note_ids(listed) <= self.universe.readable(user_id), context
            self._check_answers(user_id, readable, context)
            brief = self.client.get(f"/v1/accounts/{self.account}/brief", headers=h).json()
            assert brief["notes"] == len(readable), context
            assert _brief_note_ids(brief) <= readable, context
            for expert in brief["experts"]:
                wrote = {
                    i for i in readable if self.universe.notes[i].author == expert["user"]["id"]
                }
                assert expert["notes"] <= len(wrote), context
            # The database holds only what the examples wrote: the model knows every note.
            status = self.client.get("/v1/status", headers=h).json()
            assert status["notes"] == len(self.universe.readable(user_id)), context
            if user.role != Role.rep:
                self._check_coverage(user_id, readable, context)

    def _check_answers(self, user_id: int, readable: set[int], context: Any) -> None:
        """Direct answers and who-knows: every note cited is readable, every colleague named
        wrote readable notes on it, and counts stop at what the reader may read."""
        h = self.universe.users[user_id].person.headers
        for question in ("who approves purchases here?", "who knows Meg Ames best?"):
            found = self.client.post(
                "/v1/search", headers=h, json={"q": question, "account_id": self.account}
            ).json()
            answer = found["answer"]
            if answer is None:
                continue
            assert {e["note_id"] for e in answer["evidence"]} <= readable, context
            assert {h["note_id"] for h in found["hits"] if h["evidence"]} <= readable, context
            self._check_colleagues(user_id, readable, answer["colleagues"], context)
        known = self.client.get("/v1/who-knows", headers=h, params={"account": self.domain})
        assert known.status_code == 200, context
        self._check_colleagues(user_id, readable, known.json()["people"], context)
        assert known.json()["notes"] <= len(readable), context

    def _check_colleagues(
        self, user_id: int, readable: set[int], people: list[dict[str, Any]], context: Any
    ) -> None:
        for person in people:
            wrote = {i for i in readable if self.universe.notes[i].author == person["user"]["id"]}
            assert person["user"]["id"] != user_id, context
            assert 1 <= person["notes"] <= len(wrote), context
            assert person["meetings"] <= person["notes"], context

    def _check_coverage(self, user_id: int, readable: set[int], context: Any) -> None:
        rows = self.client.get(
            "/v1/analytics/coverage", headers=self.universe.users[user_id].person.headers
        ).json()["accounts"]
        row = next(r for r in rows if r["account"]["id"] == self.account)
        with self.db.session(write=False) as session:
            credit = dict(
                session.execute(select(Note.id, Note.credit).where(Note.id.in_(readable))).all()
            )
        shared = {
            i
            for i in readable
            if self.universe.notes[i].visibility != "private"
            and credit.get(i) in (None, "credited")
        }
        assert row["notes"] == len(shared), context
        assert row["contributors"] == len({self.universe.notes[i].author for i in shared}), context

    def _id_of(self, exported_id: str) -> int:
        for note in self.universe.notes.values():
            if exported_id in (note.external_id, f"tacit-note-{note.id}"):
                return note.id
        return -1

    def _body_of(self, note_id: int) -> str:
        body = self.client.get(
            f"/v1/notes/{note_id}",
            headers=self.universe.users[self.universe.notes[note_id].author].person.headers,
        )
        return str(body.json().get("body", "\x00"))


def _search_note_ids(found: dict[str, Any]) -> set[int]:
    """Every note a search names: its hits, the near-duplicates they fold, its groups'."""
    hits = found["hits"]
    return (
        {hit["note_id"] for hit in hits}
        | {i for hit in hits for i in hit["similar"]}
        | {i for group in found["groups"] for i in group["note_ids"]}
    )


def _brief_note_ids(brief: dict[str, Any]) -> set[int]:
    ids = {item["id"] for items in brief["topics"].values() for item in items}
    ids |= {item["id"] for item in brief["changes"] + brief["stale"]}
    ids |= {n for influence in brief["buying_influences"] for n in influence["evidence"]}
    return ids


def test_no_read_path_shows_a_note_its_reader_may_not_read(
    client: TestClient, db: Database, settings: Settings
) -> None:
    """Bounded: a few steps per example, a couple of dozen examples, on each database."""

    class Machine(AccessMachine):
        pass

    Machine.universe = Universe()
    Machine.client, Machine.db, Machine.settings = client, db, settings
    Machine.admin = make_user(
        db, "Root Admin", team=None, role=Role.admin, email="root@tacit.example"
    )
    run_state_machine_as_test(
        Machine,
        settings=settings_for_machine(),
    )


def settings_for_machine() -> run_settings:
    return run_settings(
        max_examples=20,
        stateful_step_count=8,
        deadline=None,
        derandomize=True,  # the same sequences on every run and both databases
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )

"""A property test of the read rule's three compilations: whatever the users, their teams,
the notes' visibilities, the team moves, deactivations and deletes, every user is shown the
same notes by

- the SQL predicate (``visible_notes``),
- the check on one loaded note (``can_read``),
- the search backend's semantic retrieval, which on SQLite is the in-memory mask over the
  vectors' note columns (asked for more hits than there are passages, it returns every one
  the mask lets through),
- search itself (``retrieval.search``, for a word every note holds),

and these are the notes a plain-Python model of the README's rule says. It runs on both
databases, through the backend ``open_index`` builds for each.

One database per test (each kind): every example adds its own users and account, and every
read is scoped to that account. The real model embeds each of the few distinct bodies once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import hypothesis.strategies as st
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

from app.db.engine import Database
from app.db.models import Note, Role, User, Visibility
from app.domain import notes, retrieval, users
from app.domain.access import can_read, readable_by, visible_notes
from app.embedding.base import Embedder
from app.embedding.sentence_transformers import DEFAULT_MODEL
from app.schemas.notes import NoteCreate
from app.schemas.users import UserUpdate
from app.search.base import Scope
from app.search.factory import open_index
from app.worker.embedding import run_once
from tests.embedders import remembering_embedder
from tests.factories import make_account, make_user

WORD = "quokka"
BODIES = (
    f"Meg approves any purchase above fifty thousand dollars herself; {WORD}.",
    f"Their dispatchers plan every route by hand each morning; {WORD}.",
    f"Legal wants sixty days to review any vendor contract; {WORD}.",
)
TEAMS = ("east", "west", None)
EVERY_PASSAGE = 1000  # more than an example writes: a retrieval then returns all it may


@dataclass
class ModelUser:
    id: int
    team: str | None
    active: bool = True


@dataclass
class ModelNote:
    id: int
    author: int
    team: str | None  # the author's team when the note was written
    visibility: Visibility
    deleted: bool = False


class VisibilityMachine(RuleBasedStateMachine):
    db: Database
    search: retrieval.SearchServices
    embedder: Embedder
    admin: int
    serial: itertools.count[int]

    def __init__(self) -> None:
        super().__init__()
        self.example = next(self.serial)
        self.account = make_account(self.db, f"Acct {self.example}")
        self.users: list[ModelUser] = []
        self.notes: list[ModelNote] = []

    def may_read(self, viewer: ModelUser, note: ModelNote) -> bool:
        """The rule as the README states it."""
        if not viewer.active or note.deleted:
            return False
        shares_team = note.team is not None and note.team == viewer.team
        return (
            note.visibility == Visibility.company
            or note.author == viewer.id
            or (note.visibility == Visibility.team and shares_team)
        )

    # --- writes ---------------------------------------------------------------------------

    @initialize(
        people=st.lists(
            st.tuples(st.sampled_from(list(Role)), st.sampled_from(TEAMS)), min_size=2, max_size=4
        )
    )
    def people(self, people: list[tuple[Role, str | None]]) -> None:
        for k, (role, team) in enumerate(people):
            person = make_user(self.db, f"V{self.example}x{k}", team=team, role=role)
            self.users.append(ModelUser(person.id, team))

    def _user(self, pick: int) -> ModelUser:
        return self.users[pick % len(self.users)]

    @rule(
        who=st.integers(0, 3),
        visibility=st.sampled_from(list(Visibility)),
        body=st.integers(0, len(BODIES) - 1),
    )
    def create(self, who: int, visibility: Visibility, body: int) -> None:
        author = self._user(who)
        with self.db.unit_of_work() as session:
            note = notes.create_note(
                session,
                session.get_one(User, author.id),
                NoteCreate(body=BODIES[body], account_id=self.account, visibility=visibility),
            )
            session.flush()
            self.notes.append(ModelNote(note.id, author.id, author.team, visibility))

    @rule(who=st.integers(0, 3), team=st.sampled_from(TEAMS))
    def move(self, who: int, team: str | None) -> None:
        user = self._user(who)
        self._update(user, UserUpdate(team=team))
        user.team = team

    @rule(who=st.integers(0, 3), active=st.booleans())
    def activate(self, who: int, active: bool) -> None:
        user = self._user(who)
        self._update(user, UserUpdate(is_active=active))
        user.active = active

    def _update(self, user: ModelUser, changes: UserUpdate) -> None:
        with self.db.unit_of_work() as session:
            users.update_user(session, session.get_one(User, self.admin), user.id, changes)

    def _deletable(self) -> list[ModelNote]:
        """Live notes whose author may still sign in: the author deletes them."""
        active = {u.id for u in self.users if u.active}
        return [n for n in self.notes if not n.deleted and n.author in active]

    @precondition(lambda self: self._deletable())
    @rule(pick=st.integers(0, 50))
    def delete(self, pick: int) -> None:
        live = self._deletable()
        note = live[pick % len(live)]
        with self.db.unit_of_work() as session:
            author = session.get_one(User, note.author)
            notes.delete_note(session, author, note.id, expected_version=None)
        note.deleted = True

    # --- reads ----------------------------------------------------------------------------

    @invariant()
    def every_compilation_of_the_rule_agrees(self) -> None:
        # Every note embedded first, so that the mask is asked about all of them. Search before
        # any embedding (keywords alone) is test_search_contract.py's.
        while run_once(self.db, self.embedder):
            pass
        vector = self.embedder.embed([WORD])[0]
        with self.db.session(write=False) as session:
            loaded = {
                note.id: note
                for note in session.scalars(select(Note).where(Note.account_id == self.account))
            }
            for user in self.users:
                viewer = session.get_one(User, user.id)
                expected = {n.id for n in self.notes if self.may_read(user, n)}
                context = (user, self.notes)
                by_sql = session.scalars(
                    select(Note.id).where(Note.account_id == self.account, visible_notes(viewer))
                )
                assert set(by_sql) == expected, context
                by_note = {i for i, note in loaded.items() if can_read(viewer, note)}
                assert by_note == expected, context
                scope = Scope(readable=readable_by(viewer), account_ids=(self.account,))
                masked = self.search.index.semantic(session, vector, scope, EVERY_PASSAGE)
                assert {hit.note_id for hit in masked} == expected, context
                found = retrieval.search(
                    session,
                    self.search,
                    viewer,
                    retrieval.SearchRequest(q=WORD, account_id=self.account, limit=EVERY_PASSAGE),
                )
                # A near-duplicate is folded into the hit it restates (``similar``), and is
                # still a note shown to this reader: only ever one they may read.
                shown = {hit.note.id for hit in found.hits}
                shown |= {i for hit in found.hits for i in hit.similar}
                assert shown == expected, context


def test_sql_predicate_mask_and_search_show_each_user_the_same_notes(db: Database) -> None:
    class Machine(VisibilityMachine):
        pass

    Machine.db, Machine.embedder = db, remembering_embedder(DEFAULT_MODEL)
    Machine.search = retrieval.SearchServices(
        index=open_index(db, Machine.embedder), embedder=Machine.embedder
    )
    Machine.admin = make_user(db, "Root Admin", team=None, role=Role.admin).id
    Machine.serial = itertools.count(1)
    run_state_machine_as_test(
        Machine,
        settings=run_settings(
            max_examples=20,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,  # the same sequences on every run and both databases
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,
        ),
    )

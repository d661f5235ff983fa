"""One way in: every channel hands ``app.domain.capture`` a draft, and every captured note is
searchable by keyword at once, has its embedding job queued and is announced once; repeats are
refused or replayed by their dedupe key as before, and a draft naming an account or contacts
its author may not use is refused with nothing written (both databases, at the domain level)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import Account, EmbeddingJob, Event, Note, NoteRevision, Role, User, Visibility
from app.domain import inbound, notes, slack
from app.domain.access import SYSTEM, readable_by
from app.domain.capture import AccountRef, NoteDraft, capture, capture_many
from app.domain.sensitivity import SPECIAL_ONLY
from app.domain.transfer import dispatch
from app.domain.transfer.report import ImportFile
from app.embedding.fake import HashingEmbedder
from app.errors import Conflict, Invalid
from app.schemas.inbound import InboundFile
from app.schemas.notes import NoteCreate
from app.search.base import Scope, keyword_query
from app.search.factory import open_index
from tests.factories import (
    Person,
    make_account,
    make_contact,
    make_user,
    notes_csv,
    raw_mail,
)

DOMAIN = "harborfreightways.example"


@dataclass(frozen=True)
class World:
    ana: Person  # a rep, who writes
    root: Person  # an admin, who imports data sets
    harbor: int
    meg: int  # a contact of harbor
    ridge: int
    gus: int  # a contact of ridge


@pytest.fixture
def world(db: Database) -> World:
    harbor = make_account(db, "Harbor Freightways", domains=[DOMAIN])
    ridge = make_account(db, "Ridgeline Cartage", domains=["ridgeline.example"])
    with db.unit_of_work() as session:
        session.get_one(Account, harbor).external_id = "a-harbor"  # for the data set's notes
    return World(
        ana=make_user(db, "Ana Reyes", email="ana@tacit.example", external_id="u-ana"),
        root=make_user(db, "Root Admin", team=None, role=Role.admin),
        harbor=harbor,
        meg=make_contact(db, harbor, "Meg Ortiz", email=f"meg@{DOMAIN}"),
        ridge=ridge,
        gus=make_contact(db, ridge, "Gus Coyle", email="gus@ridgeline.example"),
    )


def as_user(session: Session, person: Person) -> User:
    return session.get_one(User, person.id)


# --- every channel ------------------------------------------------------------------------


def through_api(session: Session, w: World, word: str) -> None:
    data = NoteCreate(account_id=w.harbor, body=f"Meg wants {word}.", contact_ids=[w.meg])
    notes.create_note(session, as_user(session, w.ana), data)


def through_email(session: Session, w: World, word: str) -> None:
    raw = raw_mail(
        sender="ana@tacit.example", to=f"meg@{DOMAIN}", message_id="<m1@x>", body=f"{word}."
    )
    captured = inbound.capture_email(session, raw, caller=as_user(session, w.ana))
    assert captured.outcome == "created"


def csv_files(word: str) -> list[ImportFile]:
    rows = [{"activity_date": "2025-03-04", "company": "Harbor Freightways", "body": word}]
    return [ImportFile("notes.csv", notes_csv(rows))]


def dataset_files(word: str) -> list[ImportFile]:
    note = {
        "id": "n1",
        "account_id": "a-harbor",
        "author_id": "u-ana",
        "contact_ids": [],
        "created_at": "2025-01-10T09:00:00Z",
        "visibility": "company",  # an admin imports again only over notes they may read
        "body": word,
    }
    return [ImportFile("notes.jsonl", json.dumps(note).encode())]


def through_csv(session: Session, w: World, word: str) -> None:
    ana = as_user(session, w.ana)
    report = dispatch.import_files(session, csv_files(word), caller=ana, dry_run=False)
    assert report.created["notes"] == 1


def through_dataset(session: Session, w: World, word: str) -> None:
    root = as_user(session, w.root)
    report = dispatch.import_files(session, dataset_files(word), caller=root, dry_run=False)
    assert report.created["notes"] == 1


def through_slack(session: Session, w: World, word: str) -> None:
    message = slack.SlackMessage(
        team_id="T0TACIT01",
        channel_id="C0DEALS01",
        ts="1733472000.000200",
        permalink="https://tacit-test.slack.com/archives/C0DEALS01/p1733472000000200",
    )
    saved = slack.save_message(
        session,
        as_user(session, w.ana),
        message,
        account_id=w.harbor,
        body=word,
        visibility=Visibility.team,
        sensitive_categories=SPECIAL_ONLY,
    )
    assert saved.new


def directly(session: Session, w: World, word: str) -> None:
    draft = NoteDraft(
        source="slack",
        author=as_user(session, w.ana),
        account=AccountRef(name=DOMAIN),
        body=word,
        visibility=Visibility.team,
        contact_ids=(w.meg,),
    )
    capture(session, SYSTEM, draft)


CHANNELS: dict[str, Callable[[Session, World, str], None]] = {
    "api": through_api,
    "email": through_email,
    "csv": through_csv,
    "dataset": through_dataset,
    "slack": through_slack,
    "direct": directly,
}


def keyword_hits(db: Database, viewer: Person, word: str) -> list[int]:
    index = open_index(db, HashingEmbedder())
    with db.session(write=False) as session:
        scope = Scope(readable=readable_by(as_user(session, viewer)))
        return [hit.note_id for hit in index.keyword(session, keyword_query(word), scope, 10)]


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_a_captured_note_is_searchable_queued_and_announced_once(
    db: Database, world: World, channel: str
) -> None:
    word = f"zanzibar{channel}"
    with db.unit_of_work() as session:
        CHANNELS[channel](session, world, word)

    with db.session(write=False) as session:
        (note,) = session.scalars(select(Note))
        jobs = session.scalar(select(func.count()).where(EmbeddingJob.note_id == note.id))
        created = list(session.scalars(select(Event).where(Event.type == "note.created")))
        revisions = list(session.scalars(select(NoteRevision.note_id)))
    assert keyword_hits(db, world.ana, word) == [note.id]
    assert jobs == 1
    assert [e.note_id for e in created] == [note.id]
    assert revisions == [note.id]
    assert note.author_id == world.ana.id
    assert note.account_id == world.harbor


def test_the_system_is_recorded_as_no_one_and_the_author_credited(
    db: Database, world: World
) -> None:
    with db.unit_of_work() as session:
        directly(session, world, "zanzibar")

    with db.session(write=False) as session:
        event = session.scalars(select(Event).where(Event.type == "note.created")).one()
        note = session.scalars(select(Note)).one()
    assert event.actor_id is None
    assert note.author_id == world.ana.id


# --- repeats, by each dedupe key ----------------------------------------------------------


def count_notes(db: Database) -> int:
    with db.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Note)) or 0)


def test_a_taken_external_id_is_refused_whoever_holds_it(db: Database, world: World) -> None:
    post_as = NoteCreate(account_id=world.harbor, body="First.", external_id="crm-1")
    with db.unit_of_work() as session:
        notes.create_note(session, as_user(session, world.root), post_as)

    with pytest.raises(Conflict, match="'crm-1' is already in use"), db.unit_of_work() as session:
        notes.create_note(session, as_user(session, world.ana), post_as)
    assert count_notes(db) == 1


def test_one_batch_may_not_give_one_external_id_twice(db: Database, world: World) -> None:
    with pytest.raises(Conflict, match="'crm-2'"), db.unit_of_work() as session:
        author = as_user(session, world.ana)
        draft = NoteDraft(
            source="import",
            author=author,
            account=AccountRef(id=world.harbor),
            body="Twice.",
            visibility=Visibility.team,
            external_id="crm-2",
        )
        capture_many(session, SYSTEM, [draft, draft])
    assert count_notes(db) == 0


def test_a_message_is_one_note_however_often_delivered_or_filed(db: Database, world: World) -> None:
    with db.unit_of_work() as session:
        through_email(session, world, "zanzibar")
    raw = raw_mail(sender="ana@tacit.example", to=f"meg@{DOMAIN}", message_id="<m1@x>", body=".")

    with db.unit_of_work() as session:
        again = inbound.capture_email(session, raw, caller=as_user(session, world.ana))
    assert again.outcome == "replayed"
    assert again.note is not None
    with pytest.raises(Conflict, match="already filed"), db.unit_of_work() as session:
        inbound.file_message(
            session, as_user(session, world.ana), again.item.id, InboundFile(account_id=world.ridge)
        )
    assert count_notes(db) == 1


def test_an_import_run_again_adds_nothing(db: Database, world: World) -> None:
    with db.unit_of_work() as session:
        through_csv(session, world, "quokka")
        through_dataset(session, world, "zanzibar")

    with db.unit_of_work() as session:
        ana, root = as_user(session, world.ana), as_user(session, world.root)
        reports = [
            dispatch.import_files(session, csv_files("quokka"), caller=ana, dry_run=False),
            dispatch.import_files(session, dataset_files("zanzibar"), caller=root, dry_run=False),
        ]
    assert [(r.created["notes"], r.unchanged["notes"]) for r in reports] == [(0, 1), (0, 1)]
    assert count_notes(db) == 2


def test_a_retry_with_the_same_idempotency_key_replays(
    client: TestClient, db: Database, world: World
) -> None:
    headers = {**world.ana.headers, "Idempotency-Key": "k-1"}
    body = {"account_id": world.harbor, "body": "Once."}

    first = client.post("/v1/notes", headers=headers, json=body)
    second = client.post("/v1/notes", headers=headers, json=body)

    assert first.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert count_notes(db) == 1


# --- refused drafts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "contacts", "problem"),
    [
        (AccountRef(id=999_999), (), "no account with id 999999"),
        (AccountRef(name="Nowhere Holdings"), (), "no account matches"),
        (None, ("gus",), "are not contacts of this note's account"),
        (None, (0,), "are not contacts of this note's account"),
    ],
)
def test_a_draft_naming_what_its_author_may_not_use_writes_nothing(
    db: Database,
    world: World,
    account: AccountRef | None,
    contacts: tuple[str | int, ...],
    problem: str,
) -> None:
    contact_ids = tuple(world.gus if c == "gus" else int(c) for c in contacts)
    with pytest.raises(Invalid, match=problem), db.unit_of_work() as session:
        draft = NoteDraft(
            source="api",
            author=as_user(session, world.ana),
            account=account or AccountRef(id=world.harbor),
            body="Nope.",
            visibility=Visibility.team,
            contact_ids=contact_ids,
        )
        capture(session, as_user(session, world.ana), draft)

    with db.session(write=False) as session:
        assert session.scalars(select(Event).where(Event.type == "note.created")).all() == []
    assert count_notes(db) == 0


def test_a_fact_from_the_future_is_refused(db: Database, world: World) -> None:
    with pytest.raises(Invalid, match="in the future"), db.unit_of_work() as session:
        draft = NoteDraft(
            source="api",
            author=as_user(session, world.ana),
            account=AccountRef(id=world.harbor),
            body="Tomorrow.",
            visibility=Visibility.team,
            observed_at=utcnow() + timedelta(hours=1),
        )
        capture(session, as_user(session, world.ana), draft)
    assert count_notes(db) == 0

"""The influence map on both databases: suggestions cite their sentences; confirmations,
edits and rejections are kept, audited and emitted; red flags appear and disappear as the
facts change; bad input is a 4xx problem.

The suggester (``app.search.influence.suggest``, improved elsewhere) is replaced here by a
small deterministic reader of three phrasings, so that these tests check this layer (which
sentences reach it, what its suggestions become) whatever the suggester learns. Mentions are
written as the embedding worker writes them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import AuditEvent, Contact, Event, InfluenceDecision, Mention, Role
from app.search import influence
from app.search.mentions import Person as Named
from app.search.mentions import find_mentions
from tests.factories import Person, make_account, make_contact, make_user, post_note

PHRASES = {
    "has final say": ("roles", "economic"),
    "cares about ": ("hot_buttons", None),
    "hates ": ("cold_buttons", None),
}


def fake_suggest(
    people: Sequence[influence.Person], sentences: Iterable[influence.Sentence]
) -> list[influence.FieldSuggestion]:
    """A suggestion per phrase found: "Jill cares about frameworks." -> hot button
    "frameworks", citing the sentence."""
    found: dict[tuple[int, str, str | int], list[influence.Citation]] = {}
    for s in sentences:
        for phrase, (field, value) in PHRASES.items():
            if phrase in s.text:
                said = value or s.text.split(phrase, 1)[1].rstrip(".").strip()
                found.setdefault((s.contact_id, field, said), []).append(
                    influence.Citation(s.note_id, s.text)
                )
    return [
        influence.FieldSuggestion(contact_id, field, value, 0.9, tuple(cited))  # type: ignore[arg-type]
        for (contact_id, field, value), cited in found.items()
    ]


@pytest.fixture(autouse=True)
def suggester(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(influence, "suggest", fake_suggest)


@dataclass
class Site:
    db: Database
    client: TestClient
    people: dict[str, Person]
    account: int
    contacts: dict[str, int]

    def note(self, author: str, body: str, **fields: Any) -> int:
        """A note, with the mentions the embedding worker would write for it."""
        note_id = post_note(self.client, self.people[author], self.account, body, **fields)
        with self.db.unit_of_work() as session:
            people = [
                Named(c.id, c.name, c.title)
                for c in session.scalars(select(Contact).where(Contact.account_id == self.account))
            ]
            for found in find_mentions(body, people):
                for contact_id in found.contact_ids:
                    session.add(
                        Mention(
                            note_id=note_id,
                            contact_id=contact_id,
                            ordinal=found.ordinal,
                            text=found.text,
                            topic="personal_interest",
                            score=0.8,
                            named=len(found.contact_ids),
                        )
                    )
        return note_id

    def get(self, who: str, path: str, **params: Any) -> Any:
        response = self.client.get(path, headers=self.people[who].headers, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def record(self, who: str, contact: str) -> Any:
        return self.get(who, f"/v1/contacts/{self.contacts[contact]}/influence")

    def flags(self, who: str) -> list[tuple[str, list[int]]]:
        found = self.get(who, f"/v1/accounts/{self.account}/red-flags")["red_flags"]
        return [(f["code"], f["contact_ids"]) for f in found]

    def decide(self, who: str, contact: str, **body: Any) -> Any:
        return self.client.post(
            f"/v1/contacts/{self.contacts[contact]}/influence/decisions",
            headers=self.people[who].headers,
            json=body,
        )

    def status(self, who: str, contact: str, field: str, value: Any, decision: str) -> int:
        response = self.decide(who, contact, field=field, value=value, decision=decision)
        return int(response.status_code)

    def patch(self, who: str, contact: str, **body: Any) -> Any:
        return self.client.patch(
            f"/v1/contacts/{self.contacts[contact]}/influence",
            headers=self.people[who].headers,
            json=body,
        )


@pytest.fixture
def site(db: Database, client: TestClient) -> Site:
    people = {
        "alice": make_user(db, "Alice Moreau", team="east"),
        "bob": make_user(db, "Bob Lindgren", team="east"),
        "carol": make_user(db, "Carol Diaz", team="west"),
        "wen": make_user(db, "Wen Okafor", team="west", role=Role.manager),
    }
    account = make_account(db, "Bramblewood Bank", domains=["bramblewood.example"])
    contacts = {
        "jill": make_contact(db, account, "Jill Oyelaran", title="CFO"),
        "wes": make_contact(db, account, "Wes Devlin", title="Training Manager"),
        "hugo": make_contact(db, account, "Hugo Brandt", title="Branch Ops"),
    }
    return Site(db, client, people, account, contacts)


def values(record: Any, field: str, status: str) -> list[Any]:
    return [v["value"] for v in record["fields"][field] if v["status"] == status]


def test_suggested_fields_cite_their_sentences_from_notes_the_reader_may_read(
    site: Site,
) -> None:
    shared = site.note(
        "alice", "Jill cares about frameworks. Lunch is at noon.", visibility="company"
    )
    hidden = site.note("carol", "Jill hates cold calls.", visibility="private")
    site.note("bob", "Jill has final say on anything over $25k.", visibility="team")

    bob = site.record("bob", "jill")
    hot = bob["fields"]["hot_buttons"]
    assert [(v["value"], v["status"]) for v in hot] == [("frameworks", "suggested")]
    assert hot[0]["evidence"] == [{"note_id": shared, "sentence": "Jill cares about frameworks."}]
    assert bob["fields"]["cold_buttons"] == []  # carol's private note says nothing to bob
    assert values(bob, "roles", "suggested") == ["economic"]
    assert bob["suggested_fields"] == ["roles", "hot_buttons"]

    carol = site.record("carol", "jill")
    assert carol["fields"]["cold_buttons"][0]["evidence"] == [
        {"note_id": hidden, "sentence": "Jill hates cold calls."}
    ]
    assert values(carol, "roles", "suggested") == []  # bob's team note is east's


def test_a_sensitive_sentence_never_becomes_a_button(site: Site) -> None:
    site.note("alice", "Hugo cares about his chemotherapy schedule.", visibility="company")
    site.note("alice", "Hugo cares about data ownership.", visibility="company")
    record = site.record("alice", "hugo")
    assert values(record, "hot_buttons", "suggested") == ["data ownership"]
    sentence = "Hugo cares about his chemotherapy schedule."
    note = site.note("alice", sentence, visibility="private")
    refused = site.decide(
        "alice", "hugo", field="hot_buttons", value="his schedule", decision="confirm",
        evidence=[{"note_id": note, "sentence": sentence}],
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    typed = site.patch("alice", "hugo", cold_buttons=["asking about his chemotherapy"])
    assert typed.status_code == 422, typed.text


def test_confirm_edit_and_reject_are_kept_audited_and_emitted(site: Site, db: Database) -> None:
    final = site.note("alice", "Jill has final say on anything over $25k.", visibility="company")
    site.note("alice", "Jill cares about frameworks. Jill cares about golf.", visibility="company")
    cited = {"note_id": final, "sentence": "Jill has final say on anything over $25k."}

    # A rep may not confirm a role (a curator's call), but may confirm a button.
    assert site.status("bob", "jill", "roles", "economic", "confirm") == 403
    confirmed = site.decide(
        "wen", "jill", field="roles", value="economic", decision="confirm", evidence=[cited]
    )
    assert confirmed.status_code == 200, confirmed.text
    role = confirmed.json()["fields"]["roles"][0]
    assert role["status"] == "confirmed" and role["evidence"] == [cited]
    assert role["decided_by"]["name"] == "Wen Okafor" and role["stale"] is False
    assert site.get("bob", f"/v1/contacts/{site.contacts['jill']}")["buying_role"] == "economic"

    assert site.status("bob", "jill", "hot_buttons", "frameworks", "confirm") == 200
    # A rep's rejection hides the suggestion from that rep alone.
    assert site.status("bob", "jill", "hot_buttons", "golf", "reject") == 200
    assert values(site.record("bob", "jill"), "hot_buttons", "suggested") == []
    assert values(site.record("alice", "jill"), "hot_buttons", "suggested") == ["golf"]
    # A curator's, from everyone.
    assert site.status("wen", "jill", "hot_buttons", "golf", "reject") == 200
    assert values(site.record("alice", "jill"), "hot_buttons", "suggested") == []
    # Rejecting what is confirmed is refused: it is removed with PATCH.
    assert site.status("bob", "jill", "hot_buttons", "Frameworks", "reject") == 409

    edited = site.patch(
        "bob", "jill", hot_buttons=[], rating=2, mode="growth", mode_reason="new CFO mandate"
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["confirmed"] | {"roles": None} == {
        "roles": None, "degree": None, "mode": "growth", "mode_reason": "new CFO mandate",
        "rating": 2, "key_win_result": None, "hot_buttons": [], "cold_buttons": [],
    }  # fmt: skip
    assert site.patch("bob", "jill", roles=["coach"]).status_code == 403
    assert site.patch("wen", "jill", roles=["coach", "economic"]).status_code == 200
    assert site.get("bob", f"/v1/contacts/{site.contacts['jill']}")["buying_role"] == "coach"
    # The contact's own role change reaches the record, first.
    site.client.patch(
        f"/v1/contacts/{site.contacts['jill']}",
        headers=site.people["wen"].headers,
        json={"buying_role": "technical"},
    )
    assert site.record("alice", "jill")["confirmed"]["roles"] == ["technical", "economic"]

    with db.unit_of_work() as session:
        history = [
            (d.field, d.value, d.decision)
            for d in session.scalars(select(InfluenceDecision).order_by(InfluenceDecision.id))
        ]
        audited = list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "contact"))
        )
        emitted = list(
            session.scalars(select(Event.type).where(Event.type == "contact.influence_changed"))
        )
    assert history[:4] == [
        ("roles", "economic", "confirmed"),
        ("hot_buttons", "frameworks", "confirmed"),
        ("hot_buttons", "golf", "rejected"),
        ("hot_buttons", "golf", "rejected"),
    ]
    assert ("hot_buttons", "frameworks", "removed") in history
    assert ("rating", 2, "edited") in history and ("roles", "coach", "edited") in history
    assert audited.count("contact.influence_decision") == 4
    assert audited.count("contact.influence_edit") == 2
    assert len(emitted) >= 5


def test_red_flags_appear_and_disappear_as_the_facts_change(site: Site) -> None:
    codes = lambda: {code for code, _ in site.flags("alice")}  # noqa: E731
    assert codes() == {"missing_role", "no_coach"}
    for role, who in (("economic", "jill"), ("technical", "wes"), ("user", "hugo")):
        assert site.patch("wen", who, roles=[role]).status_code == 200
    assert ("no_coach", []) in site.flags("alice")
    assert "missing_role" not in codes()
    # Nobody has met any of them: one flag each.
    assert sorted(ids[0] for code, ids in site.flags("alice") if code == "not_met") == sorted(
        site.contacts.values()
    )
    site.note("alice", "Met Jill on site. Lunch with Wes and Hugo.", visibility="company")
    assert "not_met" not in codes()
    # Only Alice covers them all.
    assert ("single_coverage", sorted(site.contacts.values())) in [
        (c, sorted(i)) for c, i in site.flags("alice")
    ]
    site.note("bob", "Called Hugo about the rollout plan.", visibility="company")
    assert "single_coverage" not in codes()

    assert site.patch("wen", "wes", roles=["technical", "coach"]).status_code == 200
    assert "no_coach" not in codes()
    site.patch("alice", "wes", rating=-4)
    assert ("hostile_rating", [site.contacts["wes"]]) in site.flags("alice")
    site.patch("alice", "wes", rating=1)
    assert "hostile_rating" not in codes()
    site.patch("alice", "jill", mode="even_keel", mode_reason="happy with spreadsheets")
    assert ("complacent_economic_buyer", [site.contacts["jill"]]) in site.flags("alice")
    site.patch("alice", "jill", mode="trouble")
    assert "complacent_economic_buyer" not in codes()

    review = site.client.post(
        f"/v1/accounts/{site.account}/influence/review", headers=site.people["alice"].headers
    )
    assert review.status_code == 200 and review.json()["red_flags"] == []
    tariq = make_contact(site.db, site.account, "Tariq Haddad", title="COO")
    site.note("bob", "Hugo Brandt resigned last week.", visibility="company")
    assert sorted(ids[0] for c, ids in site.flags("alice") if c == "new_player") == sorted(
        [tariq, site.contacts["hugo"]]
    )
    site.client.post(
        f"/v1/accounts/{site.account}/influence/review", headers=site.people["alice"].headers
    )
    assert "new_player" not in codes()


def test_the_account_map_and_the_brief_show_every_record(site: Site) -> None:
    site.note("alice", "Jill cares about frameworks.", visibility="company")
    site.patch("wen", "jill", roles=["economic"], rating=3, cold_buttons=["late calls"])
    amap = site.get("alice", f"/v1/accounts/{site.account}/influence")
    assert amap["influences"][0]["contact"]["name"] == "Jill Oyelaran"
    assert amap["influences"][0]["confirmed"]["cold_buttons"] == ["late calls"]
    assert {f["code"] for f in amap["red_flags"]} >= {"missing_role", "no_coach", "not_met"}
    brief = site.get("alice", f"/v1/accounts/{site.account}/brief")
    jill = next(b for b in brief["buying_influences"] if b["role"] == "economic")
    assert jill["record"]["confirmed"]["rating"] == 3
    assert jill["record"]["suggested_fields"] == ["hot_buttons"]
    assert jill["record"]["covered_by"] == [
        {"id": site.people["alice"].id, "name": "Alice Moreau", "external_id": None}
    ]
    assert {f["code"] for f in brief["red_flags"]} == {f["code"] for f in amap["red_flags"]}


def test_the_coverage_analytics_filter_by_red_flag(site: Site, db: Database) -> None:
    other = make_account(db, "Coldwater College")
    site.patch("wen", "jill", roles=["economic", "coach"])
    site.patch("wen", "wes", roles=["technical"])
    site.patch("wen", "hugo", roles=["user"])
    headers = site.people["wen"].headers
    listed = lambda flag: [  # noqa: E731
        row["account"]["id"]
        for row in site.client.get(
            "/v1/analytics/coverage", headers=headers, params={"red_flag": flag}
        ).json()["accounts"]
    ]
    assert listed("no_coach") == [other]
    assert listed("not_met") == [site.account]
    bad = site.client.get("/v1/analytics/coverage", headers=headers, params={"red_flag": "x"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("alice", {"field": "rating", "value": 9, "decision": "confirm"}, 422),
        ("alice", {"field": "rating", "value": "high", "decision": "confirm"}, 422),
        ("alice", {"field": "degree", "value": "huge", "decision": "confirm"}, 422),
        ("alice", {"field": "wishes", "value": "x", "decision": "confirm"}, 422),
        ("alice", {"field": "mode", "value": "growth", "decision": "maybe"}, 422),
        ("alice", {"field": "hot_buttons", "value": "  ", "decision": "confirm"}, 422),
        ("alice", {"field": "hot_buttons", "value": "x" * 300, "decision": "confirm"}, 422),
        ("alice", {"field": "degree", "value": "high", "decision": "confirm"}, 200),
    ],
)
def test_bad_decisions_are_4xx_problems(site: Site, who: str, body: Any, status: int) -> None:
    response = site.decide(who, "jill", **body)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


def test_evidence_must_be_a_readable_note_that_holds_the_sentence(site: Site) -> None:
    private = site.note("carol", "Jill cares about golf.", visibility="private")
    cite = {"note_id": private, "sentence": "Jill cares about golf."}
    golf = {"field": "hot_buttons", "value": "golf", "decision": "confirm"}
    hidden = site.decide("alice", "jill", **golf, evidence=[cite])
    missing = site.decide("alice", "jill", **golf, evidence=[cite | {"note_id": 99999}])
    assert hidden.status_code == missing.status_code == 404
    wrong = site.decide("carol", "jill", **golf, evidence=[cite | {"sentence": "Jill hates it."}])
    assert wrong.status_code == 422
    assert site.decide("carol", "jill", **golf, evidence=[cite]).status_code == 200
    # The value is shared; the private sentence it cites is its author's alone.
    assert site.record("alice", "jill")["fields"]["hot_buttons"][0]["evidence"] == []
    assert site.record("carol", "jill")["fields"]["hot_buttons"][0]["evidence"] == [cite]
    for path in ("/v1/contacts/99999/influence", "/v1/accounts/99999/red-flags"):
        assert site.client.get(path, headers=site.people["alice"].headers).status_code == 404
    long = site.client.get(
        f"/v1/contacts/{site.contacts['jill']}/influence",
        headers=site.people["alice"].headers,
        params={"objective": "x" * 201},
    )
    assert long.status_code == 422


def test_a_record_per_objective_is_separate(site: Site) -> None:
    renewal = {"objective": "Renewal 2027"}
    response = site.client.patch(
        f"/v1/contacts/{site.contacts['jill']}/influence",
        headers=site.people["alice"].headers,
        params=renewal,
        json={"mode": "trouble"},
    )
    assert response.status_code == 200 and response.json()["objective"] == "Renewal 2027"
    assert site.record("alice", "jill")["confirmed"]["mode"] is None
    again = site.get("alice", f"/v1/contacts/{site.contacts['jill']}/influence", **renewal)
    assert again["confirmed"]["mode"] == "trouble"


def test_a_role_rejected_either_way_is_rejected_on_the_map_and_in_role_suggestions(
    site: Site,
) -> None:
    site.note("alice", "Jill has final say on anything over $25k.", visibility="company")
    site.note("alice", "Hugo has final say on the branch budget.", visibility="company")
    path = f"/v1/accounts/{site.account}/role-suggestions"

    def suggested(who: str) -> set[tuple[int, str]]:
        return {(s["contact"]["id"], s["role"]) for s in site.get(who, path)}

    jill, hugo = site.contacts["jill"], site.contacts["hugo"]
    assert suggested("wen") == {(jill, "economic"), (hugo, "economic")}
    # Through the older endpoint: the map stops suggesting it too.
    old = site.client.post(
        f"/v1/contacts/{jill}/role-decisions",
        headers=site.people["wen"].headers,
        json={"role": "economic", "decision": "reject"},
    )
    assert old.status_code == 200, old.text
    assert values(site.record("alice", "jill"), "roles", "suggested") == []
    # Through the map: the role suggestions stop too.
    assert site.status("wen", "hugo", "roles", "economic", "reject") == 200
    assert suggested("alice") == set()

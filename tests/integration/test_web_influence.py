"""The influence map on the web pages, over plain HTTP, on both databases with the real model:
the account page's compact map and red flags, the contact page's record with its evidence,
and its forms (confirm, reject, set by hand) going through the same domain functions and
rules as ``/v1/contacts/{id}/influence``. Forms are submitted as a browser would, from the
fields the page itself holds."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import AuditEvent, Contact, InfluenceDecision, InfluenceRecord, Role
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_user,
    post_note,
)
from tests.web_html import Form, Forms, map_row, part, value_item
from tests.worlds import Site, world_template

PASSWORD = "correct horse battery"
JILL_SAYS = "Jill Oyelaran has final say on anything over $25k."
MET_JILL = "Met Jill Oyelaran on site to walk through the renewal."
# Walt's own note: were it shown to Erin, its sentence would be on her page.
WALT_PRIVATE = "Tariq Haddad screens every vendor and runs the technical evaluation."


@dataclass
class World:
    mona: Person  # the east team's manager
    erin: Person  # a rep in the east team
    walt: Person  # a rep in the west team
    account: int
    jill: int
    tariq: int
    reggie: int
    notes: dict[str, int]


@world_template
def world(site: Site) -> World:
    """Bramblewood: Jill (CFO), Tariq (IT) and Reggie; a company note that reads as Jill's
    budget authority, Erin's meeting with Jill, and Walt's private note on Tariq; embedded, so
    that the notes suggest roles."""
    client, db = site.client, site.db
    mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
    erin = make_user(db, "Erin East", team="east", password=PASSWORD)
    walt = make_user(db, "Walt West", team="west", password=PASSWORD)
    account = make_account(db, "Bramblewood Supply", domains=["bramblewood.example"])
    jill = make_contact(db, account, "Jill Oyelaran", title="CFO")
    tariq = make_contact(db, account, "Tariq Haddad", title="IT Director")
    reggie = make_contact(db, account, "Reggie Moss", title="Warehouse lead")
    notes = {
        "final_say": post_note(client, erin, account, JILL_SAYS, visibility="company"),
        "met_jill": post_note(client, erin, account, MET_JILL, visibility="company"),
        "walt_private": post_note(client, walt, account, WALT_PRIVATE, visibility="private"),
    }
    embed_everything(db, site.settings)
    return World(mona, erin, walt, account, jill, tariq, reggie, notes)


def sign_in(client: TestClient, person: Person) -> None:
    client.cookies.clear()
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
    assert token
    email = f"{person.name.lower().replace(' ', '.')}@tacit.example"
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def post(client: TestClient, form: Form, data: dict[str, object]) -> httpx.Response:
    return client.post(form.action, data=data, follow_redirects=False)  # type: ignore[arg-type]


def decisions_count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(InfluenceDecision)) or 0


def records_count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(InfluenceRecord)) or 0


def audited(db: Database, action: str) -> list[AuditEvent]:
    with db.session(write=False) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# The contact page


def test_a_suggestion_shows_its_sentence_and_note_and_hidden_notes_show_nothing(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.erin)
    page = client.get(f"/contacts/{world.jill}")
    assert page.status_code == 200
    economic = value_item(page.text, "roles", "economic")
    assert 'data-status="suggested"' in economic
    assert f"<q>{JILL_SAYS}</q>" in economic
    assert f'<a href="/notes/{world.notes["final_say"]}">' in economic
    coverage = part(page.text, "coverage-title")
    assert "Erin East" in coverage and "met them 1 time" in coverage

    # Walt's private note suggests Tariq's role to Walt alone, with its sentence.
    tariq = client.get(f"/contacts/{world.tariq}").text
    assert WALT_PRIVATE not in tariq and f"/notes/{world.notes['walt_private']}" not in tariq
    assert "Walt West" not in tariq  # not even as someone who wrote about him
    assert 'data-status="suggested"' not in part(tariq, "field-roles")
    sign_in(client, world.walt)
    own = client.get(f"/contacts/{world.tariq}").text
    assert f"<q>{WALT_PRIVATE}</q>" in part(own, "field-roles")


def test_the_contact_page_lists_the_notes_naming_them_and_whom_they_report_to(
    client: TestClient, db: Database, world: World
) -> None:
    with db.unit_of_work() as session:
        session.get(Contact, world.tariq).reports_to_id = world.jill
    sign_in(client, world.erin)
    jill = client.get(f"/contacts/{world.jill}").text
    named = part(jill, "named-title")
    assert f"/notes/{world.notes['final_say']}" in named
    assert f"/notes/{world.notes['met_jill']}" in named
    assert f'Their reports: <a href="/contacts/{world.tariq}">Tariq Haddad</a>' in jill
    tariq = client.get(f"/contacts/{world.tariq}").text
    assert f'Reports to <a href="/contacts/{world.jill}">Jill Oyelaran</a> (CFO)' in tariq
    # Walt's private note names Tariq: listed for Walt, not even a trace for Erin.
    assert f"/notes/{world.notes['walt_private']}" not in tariq
    assert "No note you may read names Tariq Haddad." in part(tariq, "named-title")
    sign_in(client, world.walt)
    own = part(client.get(f"/contacts/{world.tariq}").text, "named-title")
    assert f"/notes/{world.notes['walt_private']}" in own


def test_a_manager_confirms_a_suggested_role_and_it_is_kept_audited_and_mapped(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, world.mona)
    before = client.get(f"/accounts/{world.account}").text
    assert "No economic buyer confirmed (the notes suggest Jill Oyelaran)." in part(
        before, "red-flags-title"
    )
    form = Forms(client.get(f"/contacts/{world.jill}").text).find("roles", "economic")

    refused = post(
        client, form, {k: v for k, v in form.data("confirm").items() if k != "csrf_token"}
    )
    assert refused.status_code == 403 and decisions_count(db) == 0  # no CSRF token, no change

    answer = post(client, form, form.data("confirm"))
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/contacts/{world.jill}?done=confirmed#field-roles"
    page = client.get(answer.headers["location"]).text
    assert "Confirmed. It is on the record" in page
    economic = value_item(page, "roles", "economic")
    assert 'data-status="confirmed"' in economic and "confirmed by Mona Manager" in economic
    assert f"<q>{JILL_SAYS}</q>" in economic  # the cited sentence stays with the value
    assert not Forms(page).has("roles", "economic")  # nothing left to decide
    [event] = audited(db, "contact.influence_decision")
    assert event.details["decision"] == "confirmed"
    assert event.details["evidence"] == [world.notes["final_say"]]

    after = client.get(f"/accounts/{world.account}").text
    row = map_row(after, world.jill)
    assert '<span class="chip confirmed" data-field="roles" data-status="confirmed"' in row
    assert "Economic" in row and "Erin East" in row and "met" in row
    assert "economic buyer confirmed" not in part(after, "red-flags-title")
    assert 'data-code="missing_role"' in part(after, "red-flags-title")  # technical, user


def test_a_rep_sees_why_she_may_not_confirm_a_role_and_may_reject_it_for_herself(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, world.erin)
    page = client.get(f"/contacts/{world.jill}").text
    economic = value_item(page, "roles", "economic")
    assert "Only a manager or an admin confirms or changes a buying role" in economic
    form = Forms(page).find("roles", "economic")
    assert [v for _, v in form.buttons] == ["reject"]  # no Confirm button to press
    roles = part(page, "field-roles")
    assert "<select" not in roles and 'name="values"' not in roles  # nor a form to set them

    forged = post(client, form, form.data(decision="confirm"))
    assert forged.status_code == 403
    error = re.search(
        r'<p class="field-error" role="alert" id="field-roles-error">([^<]*)', forged.text
    )
    assert error and error.group(1).startswith("Only a manager or an admin confirms")
    assert decisions_count(db) == 0 and records_count(db) == 0  # nothing written, not even a record
    assert not audited(db, "contact.influence_decision")

    rejected = post(client, form, form.data("reject"))
    assert rejected.status_code == 303
    assert rejected.headers["location"].endswith("?done=rejected_for_me#field-roles")
    page = client.get(rejected.headers["location"]).text
    assert "Rejected for you." in page and not Forms(page).has("roles", "economic")
    sign_in(client, world.mona)  # a rep's "no" is her own opinion
    assert Forms(client.get(f"/contacts/{world.jill}").text).has("roles", "economic")


def test_fields_set_by_hand_are_kept_audited_and_raise_and_clear_red_flags(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, world.erin)
    forms = Forms(client.get(f"/contacts/{world.reggie}").text)
    hot = forms.find("hot_buttons")
    saved = post(client, hot, hot.data(value="fewer forklifts idle\n\n  night-shift safety  \n"))
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/contacts/{world.reggie}?done=saved#field-hot_buttons"
    rating = forms.find("rating")
    assert post(client, rating, rating.data(value="-4")).status_code == 303
    mode = forms.find("mode")
    assert (
        post(client, mode, mode.data(value="trouble", reason="the audit failed")).status_code == 303
    )

    page = client.get(f"/contacts/{world.reggie}").text
    assert value_item(page, "hot_buttons", "fewer forklifts idle")
    assert "confirmed by Erin East" in value_item(page, "hot_buttons", "night-shift safety")
    assert "Why: the audit failed" in value_item(page, "mode", "trouble")
    assert ">night-shift safety</textarea>" not in page  # both lines, in order
    assert "fewer forklifts idle\nnight-shift safety</textarea>" in page
    events = audited(db, "contact.influence_edit")
    assert [e.details["fields"] for e in events] == [["hot_buttons"], ["rating"], ["mode"]]
    assert {e.actor_id for e in events} == {world.erin.id}

    account = client.get(f"/accounts/{world.account}").text
    flags = part(account, "red-flags-title")
    assert '<li data-code="hostile_rating">Reggie Moss rates us -4.</li>' in flags
    row = map_row(account, world.reggie)
    assert 'class="flagged"' in row
    assert 'chip confirmed against" data-field="rating"' in row and ">-4<" in row
    assert "fewer forklifts idle" in row and "trouble" in row

    assert post(client, rating, rating.data(value="+1")).status_code == 303
    account = client.get(f"/accounts/{world.account}").text
    assert "hostile_rating" not in part(account, "red-flags-title")
    assert 'class="flagged"' not in map_row(account, world.reggie)
    cleared = post(client, hot, hot.data(value=""))
    assert cleared.status_code == 303
    assert (
        'data-field="hot_buttons"'
        not in part(client.get(f"/contacts/{world.reggie}").text, "field-hot_buttons")
        .split("</h3>", 1)[1]
        .split("<details", 1)[0]
    )


def test_bad_values_are_shown_beside_their_field_and_write_nothing(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, world.erin)
    forms = Forms(client.get(f"/contacts/{world.reggie}").text)
    rating = forms.find("rating")
    for typed in ("7", "three", "2.5"):
        answer = post(client, rating, rating.data(value=typed))
        assert answer.status_code == 422
        assert 'id="field-rating-error">Give a whole number from -5 to +5.' in answer.text
    mode = forms.find("mode")
    answer = post(client, mode, mode.data(value="furious"))
    assert answer.status_code == 422 and "is not one of growth" in answer.text
    cold = forms.find("cold_buttons")
    sensitive = post(client, cold, cold.data(value="pushy sales calls\nher cancer treatment"))
    assert sensitive.status_code == 422
    assert "states a sensitive fact" in part(sensitive.text, "field-cold_buttons")
    long = post(client, cold, cold.data(value="x" * 201))
    assert long.status_code == 422 and "at most 200 characters" in long.text
    unknown = post(client, cold, cold.data(field="budget"))
    assert unknown.status_code == 422 and "Choose one of the record&#39;s fields." in unknown.text
    assert decisions_count(db) == 0 and records_count(db) == 0
    assert not audited(db, "contact.influence_edit")


def test_unknown_ids_and_notes_the_viewer_may_not_read_are_404(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, world.erin)
    for url in ("/contacts/999999", "/contacts/0", "/contacts/x", "/accounts/999999"):
        assert client.get(url).status_code == 404
    form = Forms(client.get(f"/contacts/{world.reggie}").text).find("hot_buttons")
    assert post(client, form, form.data()).status_code == 303  # the same form works here
    moved = Form("/contacts/999999/influence", form.field, "", form.inputs)
    assert post(client, moved, form.data(value="anything")).status_code == 404

    # Citing Walt's private note, by its id and its very sentence: as if it did not exist.
    citing = {
        **form.data(),
        "field": "hot_buttons",
        "value": "vendor screening",
        "decision": "confirm",
        "note_id": str(world.notes["walt_private"]),
        "sentence": WALT_PRIVATE,
    }
    decide = f"/contacts/{world.tariq}/influence/decisions"
    hidden = client.post(decide, data=citing, follow_redirects=False)
    missing = client.post(decide, data={**citing, "note_id": "999999"}, follow_redirects=False)
    assert hidden.status_code == missing.status_code == 404
    message = re.compile(r'id="field-hot_buttons-error">([^<]*)<')
    assert message.search(hidden.text).group(1).replace(  # type: ignore[union-attr]
        str(world.notes["walt_private"]), "N"
    ) == message.search(missing.text).group(1).replace("999999", "N")  # type: ignore[union-attr]
    assert WALT_PRIVATE not in hidden.text
    before = decisions_count(db)

    # Walt confirms it himself, citing his note: Erin sees the value, never the sentence.
    sign_in(client, world.walt)
    assert client.post(decide, data=citing, follow_redirects=False).status_code == 403  # CSRF
    csrf = Forms(client.get(f"/contacts/{world.tariq}").text).find("hot_buttons").data()
    confirmed = client.post(
        decide, data={**citing, "csrf_token": csrf["csrf_token"]}, follow_redirects=False
    )
    assert confirmed.status_code == 303 and decisions_count(db) == before + 1
    sign_in(client, world.erin)
    page = client.get(f"/contacts/{world.tariq}").text
    item = value_item(page, "hot_buttons", "vendor screening")
    assert "confirmed by Walt West" in item
    assert "No sentence of a note you may read is cited for it." in item
    assert WALT_PRIVATE not in page and f"/notes/{world.notes['walt_private']}" not in page
    account = client.get(f"/accounts/{world.account}").text
    assert WALT_PRIVATE not in account
    row = map_row(account, world.tariq)  # he confirmed the value; he covers Tariq for nobody
    assert "Walt West" not in row[row.index('data-field="coverage"') :]
    assert "nobody yet" in row


def test_a_review_starts_the_count_of_new_players(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, world.mona)
    page = client.get(f"/accounts/{world.account}").text
    assert "never reviewed" in page and "new_player" not in page
    review = re.search(r'<form method="post" action="([^"]*/influence/review)"', page)
    assert review
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert csrf
    assert client.post(review.group(1), follow_redirects=False).status_code == 403
    answer = client.post(
        review.group(1), data={"csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/accounts/{world.account}?reviewed=1#map-title"
    assert len(audited(db, "account.influence_review")) == 1
    elsewhere = client.post(
        "/accounts/999999/influence/review",
        data={"csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert elsewhere.status_code == 404 and len(audited(db, "account.influence_review")) == 1
    make_contact(db, world.account, "Nadia Brook", title="Procurement")
    page = client.get(answer.headers["location"]).text
    assert "Marked reviewed" in page and re.search(r"reviewed <time[^>]*>today</time>", page)
    flags = part(page, "red-flags-title")
    assert re.search(
        r'<li data-code="new_player">Nadia Brook was added after the last review', flags
    )
    assert "Nadia Brook</a>" in part(page, "map")  # listed among those with nothing known


# The coverage analytics


def coverage_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-account-id="(\d+)"', page)]


def test_the_coverage_view_filters_accounts_by_red_flag_from_what_the_viewer_may_read(
    client: TestClient, db: Database, world: World
) -> None:
    quiet = make_account(db, "Quiet Mills")
    post_note(client, world.erin, quiet, "Quiet Mills orders twice a year.", visibility="company")
    tariq = f"/v1/contacts/{world.tariq}/influence"
    patched = client.patch(tariq, headers=world.mona.headers, json={"roles": ["technical"]})
    assert patched.status_code == 200, patched.text
    # Walt met Tariq, in a note only Walt may read: for Mona, nobody has met him.
    post_note(client, world.walt, world.account, "Met Tariq Haddad on site today.")
    sign_in(client, world.mona)

    def shown(**params: str) -> str:
        page = client.get("/analytics", params=params)
        assert page.status_code == 200
        return part(page.text, "coverage-title")

    everyone = shown()
    assert 'data-red-flag="hostile_rating"' in everyone and "Any or none" in everyone
    assert coverage_ids(shown(red_flag="not_met")) == [world.account]
    assert set(coverage_ids(shown(red_flag="no_coach"))) == {world.account, quiet}
    assert 'aria-current="true">No coach</a>' in shown(red_flag="no_coach")
    assert "No account has that red flag." in shown(red_flag="hostile_rating")
    reggie = f"/v1/contacts/{world.reggie}/influence"
    assert client.patch(reggie, headers=world.erin.headers, json={"rating": -4}).is_success
    hostile = shown(red_flag="hostile_rating")
    assert coverage_ids(hostile) == [world.account]
    assert "gap=single_source&amp;red_flag=hostile_rating" in hostile  # a gap keeps the flag
    assert coverage_ids(shown(red_flag="hostile_rating", gap="no_recent_notes")) == []
    assert coverage_ids(shown(red_flag="bogus")) == coverage_ids(everyone)  # unknown: ignored

    sign_in(client, world.erin)  # a rep sees no coverage, filtered or not
    refused = client.get("/analytics", params={"red_flag": "hostile_rating"}).text
    assert 'id="coverage-refused"' in refused and not coverage_ids(refused)


def test_a_record_per_sales_objective_is_kept_apart_from_the_general_one(
    client: TestClient, db: Database, world: World
) -> None:
    """A deal's own record: opened by name, listed once it exists, and every form on it
    writes to it alone (the general record and the map are untouched)."""
    sign_in(client, world.mona)
    objective = "Renewal  2027 "  # typed loosely: kept as "Renewal 2027"
    page = client.get(f"/contacts/{world.jill}", params={"objective": objective}).text
    assert "Influence record for “Renewal 2027”" in page
    confirm = Forms(page).find("roles", "economic")
    assert confirm.data("confirm")["objective"] == ["Renewal 2027"]
    answer = post(client, confirm, confirm.data("confirm"))
    assert answer.status_code == 303
    assert answer.headers["location"] == (
        f"/contacts/{world.jill}?objective=Renewal+2027&done=confirmed#field-roles"
    )
    hot = Forms(client.get(answer.headers["location"]).text).find("hot_buttons")
    assert post(client, hot, hot.data(value="a three-year price lock")).status_code == 303

    headers = world.mona.headers
    deal = client.get(
        f"/v1/contacts/{world.jill}/influence", params={"objective": "Renewal 2027"},
        headers=headers,
    ).json()  # fmt: skip
    assert deal["objective"] == "Renewal 2027"
    assert deal["confirmed"]["roles"] == ["economic"]
    assert deal["confirmed"]["hot_buttons"] == ["a three-year price lock"]
    general = client.get(f"/v1/contacts/{world.jill}/influence", headers=headers).json()
    assert general["confirmed"]["roles"] == [] and general["confirmed"]["hot_buttons"] == []

    general_page = client.get(f"/contacts/{world.jill}").text
    assert "Influence record</h2>" in general_page
    assert (
        f'<a href="/contacts/{world.jill}?objective=Renewal+2027#record-title">Renewal 2027</a>'
        in general_page
    )
    assert "objective" not in Forms(general_page).find("hot_buttons").data()
    assert "No economic buyer confirmed (the notes suggest Jill Oyelaran)." in part(
        client.get(f"/accounts/{world.account}").text, "red-flags-title"
    )  # the map reads the general records: Jill is not its economic buyer there yet


def test_an_objective_too_long_is_refused_beside_the_form_and_writes_nothing(
    client: TestClient, db: Database, world: World
) -> None:
    sign_in(client, world.erin)
    long = "x" * 201
    shown = client.get(f"/contacts/{world.reggie}", params={"objective": long})
    assert shown.status_code == 422
    assert "A sales objective is at most 200 characters." in shown.text
    hot = Forms(client.get(f"/contacts/{world.reggie}").text).find("hot_buttons")
    before = records_count(db)
    refused = post(client, hot, {**hot.data(value="quiet night shifts"), "objective": long})
    assert refused.status_code == 422
    assert "A sales objective is at most 200 characters." in refused.text
    assert records_count(db) == before

"""The web page over plain HTTP, on both databases: signing in and out, sessions and their
expiry, CSRF, redirects, inline form errors, escaping, and the same access rules as the API.
What a browser does with the pages (htmx, layout) is tested in tests/browser."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, HelpfulMark, Note, NoteView, Role, User, WebSession
from app.domain import web_sessions
from app.domain.security import hash_token
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_user,
    post_note,
)

PASSWORD = "correct horse battery"


class Users:
    def __init__(self, db: Database) -> None:
        self.erin = make_user(db, "Erin East", team="east", password=PASSWORD)
        self.bob = make_user(db, "Bob East", team="east", password=PASSWORD)
        self.walt = make_user(db, "Walt West", team="west", password=PASSWORD)


@pytest.fixture
def people(db: Database) -> Users:
    return Users(db)


@pytest.fixture
def harbor(db: Database) -> int:
    return make_account(db, "Harbor Freightways", domains=["harborfreightways.example"])


def email_of(person: Person) -> str:
    return f"{person.name.lower().replace(' ', '.')}@tacit.example"


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return found.group(1)


def sign_in(
    client: TestClient, person: Person, *, password: str = PASSWORD, next_url: str = "/"
) -> httpx.Response:
    form = client.get("/login", params={"next": next_url})
    assert form.status_code == 200
    return client.post(
        "/login",
        data={
            "email": email_of(person),
            "password": password,
            "csrf_token": hidden(form.text, "csrf_token"),
            "next": hidden(form.text, "next"),
        },
        follow_redirects=False,
    )


def signed_in(client: TestClient, person: Person) -> str:
    """Signs in and returns the session's CSRF token."""
    assert sign_in(client, person).status_code == 303
    return hidden(client.get("/notes/new").text, "csrf_token")


def note_count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(Note)) or 0


def submit_note_form(client: TestClient, csrf: str | None, **fields: Any) -> httpx.Response:
    """``POST /notes/new`` as the web form sends it (with ``csrf`` unless None); the answer."""
    data = {"visibility": "team", **fields}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/notes/new", data=data, follow_redirects=False)


# Signing in


def test_a_page_sends_the_signed_out_to_sign_in_and_back(
    client: TestClient, people: Users, harbor: int
) -> None:
    page = client.get(f"/accounts/{harbor}?cursor=", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=/accounts/{harbor}%3Fcursor%3D"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"

    answer = sign_in(client, people.erin, next_url=f"/accounts/{harbor}?cursor=")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/accounts/{harbor}?cursor="
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("tacit_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # only when TACIT_ENV=prod
    page = client.get(f"/accounts/{harbor}")
    assert page.status_code == 200 and "Harbor Freightways" in page.text
    assert client.get("/login", follow_redirects=False).headers["location"] == "/"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_sign_in_never_sends_the_browser_to_another_site(
    client: TestClient, people: Users, target: str
) -> None:
    answer = sign_in(client, people.erin, next_url=target)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, people: Users
) -> None:
    wrong = sign_in(client, people.erin, password="not the password")
    nobody = sign_in(client, Person(0, "No Body", ""), password=PASSWORD)
    for answer in (wrong, nobody):
        assert answer.status_code == 401
        assert "tacit_session" not in answer.headers.get("set-cookie", "")
        assert web_sessions.WRONG_CREDENTIALS in answer.text
    assert 'value="erin.east@tacit.example"' in wrong.text  # the e-mail is kept, never the password
    assert "not the password" not in wrong.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_password_kept_as_scrypt_signs_in_once_and_is_then_argon2id(
    client: TestClient, db: Database, people: Users
) -> None:
    """Hashes written before argon2id (scrypt) keep working, and the first sign-in with the
    right password replaces them; a wrong one changes nothing."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1)
    legacy = (
        f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    )
    with db.unit_of_work() as session:
        session.execute(update(User).where(User.id == people.erin.id).values(password_hash=legacy))

    def stored() -> str:
        with db.session(write=False) as session:
            return session.get_one(User, people.erin.id).password_hash or ""

    assert sign_in(client, people.erin, password="not the password").status_code == 401
    assert stored() == legacy
    assert sign_in(client, people.erin).status_code == 303
    assert stored().startswith("$argon2id$")
    client.cookies.clear()
    assert sign_in(client, people.erin).status_code == 303  # the new hash signs in too


def test_repeated_failures_lock_the_email_for_a_while(
    client: TestClient, db: Database, people: Users
) -> None:
    for _ in range(web_sessions.MAX_FAILURES):
        assert sign_in(client, people.erin, password="guess guess").status_code == 401
    locked = sign_in(client, people.erin)  # even the right password, for now
    assert locked.status_code == 401 and "Too many failed sign-ins" in locked.text
    assert sign_in(client, people.bob).status_code == 303  # other e-mails are not affected
    with db.unit_of_work() as session:  # the window passes
        session.execute(update(AuditEvent).values(at=utcnow() - timedelta(hours=1)))
    client.cookies.clear()  # no longer Bob's browser
    assert sign_in(client, people.erin).status_code == 303


def test_sign_in_form_without_its_own_token_is_refused(client: TestClient, people: Users) -> None:
    form = client.get("/login")
    token = hidden(form.text, "csrf_token")
    data = {"email": email_of(people.erin), "password": PASSWORD, "next": "/"}
    for sent in ({}, {"csrf_token": "forged." + "0" * 64}):
        answer = client.post("/login", data={**data, **sent}, follow_redirects=False)
        assert answer.status_code == 403
        assert "tacit_session" not in answer.headers.get("set-cookie", "")
    client.cookies.clear()  # a page on another site cannot send our cookie along
    answer = client.post("/login", data={**data, "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 403


# Sessions


def test_session_expires_slides_and_is_capped(
    client: TestClient, db: Database, people: Users
) -> None:
    signed_in(client, people.erin)
    token = client.cookies["tacit_session"]
    now = utcnow()
    with db.unit_of_work() as session:  # an hour since the last page
        session.execute(
            update(WebSession).values(
                last_seen_at=now - timedelta(hours=1), expires_at=now + timedelta(hours=11)
            )
        )
    page = client.get("/")
    assert page.status_code == 200
    assert "tacit_session=" in page.headers["set-cookie"]  # the cookie's expiry slides too
    with db.session(write=False) as session:
        row = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(token)))
        assert row is not None
        assert row.expires_at > now + timedelta(hours=11, minutes=59)
    with db.unit_of_work() as session:  # a week after sign-in it ends, however busy
        session.execute(
            update(WebSession).values(
                created_at=now - timedelta(days=7),
                last_seen_at=now - timedelta(hours=1),
            )
        )
    client.get("/")
    with db.session(write=False) as session:
        row = session.scalar(select(WebSession))
        assert row is not None and row.expires_at <= utcnow()
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_expired_session_goes_back_to_sign_in(
    client: TestClient, db: Database, people: Users
) -> None:
    signed_in(client, people.erin)
    with db.unit_of_work() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    page = client.get("/notes/new", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/notes/new"
    fragment = client.get(
        "/pick/accounts?account=harb",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/notes/new"},
    )  # htmx is sent to sign in, and back to the page, not to the fragment
    assert fragment.status_code == 401
    assert fragment.headers["HX-Redirect"] == "/login?next=/notes/new"


def test_sign_out_ends_the_session_on_the_server(
    client: TestClient, db: Database, people: Users
) -> None:
    csrf = signed_in(client, people.erin)
    cookie = client.cookies["tacit_session"]
    refused = client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    answer = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
    client.cookies.set("tacit_session", cookie)  # a copy of the old cookie opens nothing
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_password_change_and_deactivation_end_sessions(
    client: TestClient, db: Database, people: Users
) -> None:
    admin = make_user(db, "Ada Admin", team=None, role=Role.admin)
    signed_in(client, people.erin)
    changed = client.patch(
        f"/v1/users/{people.erin.id}", headers=admin.headers, json={"password": "a new one 123"}
    )
    assert changed.status_code == 200
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(client, people.erin, password="a new one 123").status_code == 303
    client.patch(f"/v1/users/{people.erin.id}", headers=admin.headers, json={"is_active": False})
    assert client.get("/", follow_redirects=False).status_code == 303
    refused = sign_in(client, people.erin, password="a new one 123")
    assert refused.status_code == 401 and "deactivated" in refused.text


# CSRF and writing notes


def test_post_without_the_csrf_token_is_refused_and_writes_nothing(
    client: TestClient, db: Database, people: Users, harbor: int
) -> None:
    csrf = signed_in(client, people.erin)
    fields = {"body": "Meg signs anything over 50k", "account": "Harbor Freightways"}
    for token in (None, "", "not-the-token"):
        refused = submit_note_form(client, token, **fields)
        assert refused.status_code == 403, token
        assert "Nothing was saved" in refused.text
        assert refused.headers["content-type"].startswith("text/html")
    assert note_count(db) == 0
    # Another signed-in user's token is no good either.
    other = TestClient(client.app)
    assert submit_note_form(client, signed_in(other, people.bob), **fields).status_code == 403
    assert note_count(db) == 0
    by_header = client.post(
        "/notes/new", data=fields, headers={"X-CSRF-Token": csrf}, follow_redirects=False
    )
    assert by_header.status_code == 303  # htmx sends the token as a header
    assert note_count(db) == 1


def test_posting_a_note_goes_through_the_domain_like_the_api(
    client: TestClient, db: Database, people: Users, harbor: int
) -> None:
    meg = make_contact(db, harbor, "Meg Alvarez", title="CFO", buying_role="economic")
    csrf = signed_in(client, people.erin)
    key = hidden(client.get(f"/notes/new?account_id={harbor}").text, "form_key")
    answer = submit_note_form(
        client,
        csrf,
        body="  Meg signs anything over 50k.  ",
        account_id=str(harbor),
        contact_ids=[str(meg)],
        visibility="company",
        observed_on="2026-03-02",
        form_key=key,
    )
    assert answer.status_code == 303
    note_id = int(answer.headers["location"].removeprefix("/notes/").removesuffix("?saved=1"))
    note = client.get(f"/v1/notes/{note_id}", headers=people.bob.headers).json()
    assert note["body"] == "Meg signs anything over 50k."
    assert note["source"] == "web"
    assert note["visibility"] == "company"
    assert note["author"]["id"] == people.erin.id
    assert note["account"]["id"] == harbor
    assert [c["id"] for c in note["contacts"]] == [meg]
    assert note["observed_at"].startswith("2026-03-02T12:00:00")
    # Searchable by keyword at once: the write went through the indexing.
    found = client.post("/v1/search", headers=people.bob.headers, json={"q": "signs anything"})
    assert [hit["note_id"] for hit in found.json()["hits"]] == [note_id]
    # The same form sent twice (a double tap) is one note.
    again = submit_note_form(
        client,
        csrf,
        body="  Meg signs anything over 50k.  ",
        account_id=str(harbor),
        contact_ids=[str(meg)],
        visibility="company",
        observed_on="2026-03-02",
        form_key=key,
    )
    assert again.headers["location"] == answer.headers["location"]
    assert note_count(db) == 1


def test_a_refused_post_frees_the_form_key_and_another_note_needs_a_new_one(
    client: TestClient, db: Database, people: Users, harbor: int
) -> None:
    stranger = make_contact(db, make_account(db, "Vantor Robotics"), "Nadia Osei")
    csrf = signed_in(client, people.erin)
    key = hidden(client.get(f"/notes/new?account_id={harbor}").text, "form_key")
    fields = {"body": "Meg decides.", "account_id": str(harbor), "form_key": key}

    refused = submit_note_form(client, csrf, **fields, contact_ids=[str(stranger)])
    assert refused.status_code == 422 and note_count(db) == 0
    saved = submit_note_form(client, csrf, **fields)  # corrected, with the same key
    assert saved.status_code == 303 and note_count(db) == 1
    other = submit_note_form(client, csrf, **{**fields, "body": "Meg decides everything."})
    assert other.status_code == 409
    assert "This form already posted a note" in other.text
    assert hidden(other.text, "form_key") != key  # saving again posts it as a new note
    assert note_count(db) == 1


def test_form_errors_show_beside_their_fields_and_keep_what_was_typed(
    client: TestClient, db: Database, people: Users, harbor: int
) -> None:
    csrf = signed_in(client, people.erin)
    vantor = make_account(db, "Vantor Robotics")
    stranger = make_contact(db, vantor, "Nadia Osei")
    harbor_note = {"body": "Meg decides", "account": "Harbor Freightways"}
    cases = [
        ({"body": "   ", "account": "Harbor Freightways"}, "Write the note."),
        ({"body": "Meg decides", "account": ""}, "Choose the account this note is about."),
        ({"body": "Meg decides", "account": "Harbr Freightway"}, "did you mean Harbor Freightways"),
        ({**harbor_note, "visibility": "world"}, "Choose who may read"),
        ({**harbor_note, "observed_on": "2999-01-01"}, "in the future"),
        ({**harbor_note, "observed_on": "31/12/2025"}, "Give a date like"),
        ({**harbor_note, "contact_ids": [str(stranger)]}, "not contacts of this note"),
        ({"body": "x" * 20_001, "account": "Harbor Freightways"}, "at most 20,000 characters"),
    ]
    for fields, message in cases:
        page = submit_note_form(client, csrf, **fields)
        assert page.status_code == 422, fields
        assert page.headers["content-type"].startswith("text/html")
        assert message in page.text, (fields, page.text)
        assert 'aria-invalid="true"' in page.text or "field-error" in page.text
        if fields["account"]:
            assert f'value="{fields["account"]}"' in page.text
        if fields["body"].strip():
            assert f">{fields['body']}</textarea>" in page.text
    assert note_count(db) == 0


def test_two_accounts_of_one_name_are_offered_as_choices(
    client: TestClient, db: Database, people: Users
) -> None:
    first = make_account(db, "Acme", domains=["acme.example"])
    second = make_account(db, "Acme", domains=["acme.co.example"], force=True)
    csrf = signed_in(client, people.erin)
    page = submit_note_form(client, csrf, body="Two of them", account="acme")
    assert page.status_code == 422
    for account_id in (first, second):
        assert f'name="account_id" value="{account_id}"' in page.text
    chosen = submit_note_form(
        client, csrf, body="Two of them", account="acme", account_id=str(second)
    )
    assert chosen.status_code == 303
    note_id = chosen.headers["location"].split("/")[2].split("?")[0]
    note = client.get(f"/v1/notes/{note_id}", headers=people.erin.headers).json()
    assert note["account"]["id"] == second


# Reading: escaping and access


def test_a_note_body_is_text_never_markup(client: TestClient, people: Users, harbor: int) -> None:
    script = post_note(
        client, people.bob, harbor, '<script>alert("x")</script> Meg & "Tom"', visibility="company"
    )
    # Searched by a word before the markup: PostgreSQL's text parser can drop the words of a
    # note whose text looks like markup from its keyword index (a search-side issue).
    image = post_note(
        client,
        people.bob,
        harbor,
        "Meg haggled: <img src=x onerror=alert(1)>",
        visibility="company",
    )
    signed_in(client, people.erin)
    pages = {
        "note": client.get(f"/notes/{script}").text,
        "image note": client.get(f"/notes/{image}").text,
        "account": client.get(f"/accounts/{harbor}").text,
        "latest": client.get("/").text,
        "search": client.get("/", params={"q": "haggled"}).text,
    }
    for name, page in pages.items():
        assert "<script>alert" not in page and "<img src=x" not in page, name
    # Rendered as Markdown with raw HTML off (app.web.markdown): markdown-it escapes quotes
    # as &quot;, where Jinja wrote &#34;.
    script_text = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Meg &amp; &quot;Tom&quot;"
    for name in ("note", "account", "latest"):
        assert script_text in pages[name], name
    image_text = "&lt;img src=x onerror=alert(1)&gt;"
    assert image_text in pages["image note"] and image_text in pages["account"]
    # The snippet is escaped by the search, and <mark> is the only markup it adds.
    assert f"Meg <mark>haggled</mark>: {image_text}" in pages["search"]


def test_a_note_the_viewer_may_not_read_is_a_404_page_everywhere(
    client: TestClient, people: Users, harbor: int
) -> None:
    private = post_note(
        client, people.walt, harbor, "West private: the CFO hates golf", visibility="private"
    )
    team = post_note(
        client, people.walt, harbor, "West team: the CFO hates golf", visibility="team"
    )
    mine = post_note(
        client, people.erin, harbor, "Erin private: the CFO hates golf", visibility="private"
    )
    signed_in(client, people.erin)
    for note_id in (private, team, 999_999):
        page = client.get(f"/notes/{note_id}")
        assert page.status_code == 404 and "Not found" in page.text
        assert "golf" not in page.text
    assert client.get(f"/notes/{mine}").status_code == 200
    for path in ("/notes/abc", "/notes/0", f"/notes/{2**40}", "/accounts/999999"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html"), path
    listed = client.get(f"/accounts/{harbor}").text + client.get("/").text
    searched = client.get("/", params={"q": "CFO golf"}).text
    for page in (listed, searched):
        assert "West private" not in page and "West team" not in page
        assert "Erin private" in page


def test_search_filters_narrow_the_results(
    client: TestClient, db: Database, people: Users, harbor: int
) -> None:
    coldwater = make_account(db, "Coldwater College", domains=["coldwater.edu"])
    at_harbor = post_note(
        client, people.erin, harbor, "Renewal discount capped at ten percent", visibility="company"
    )
    at_coldwater = post_note(
        client, people.bob, coldwater, "Renewal discount needs the provost", visibility="company"
    )
    signed_in(client, people.erin)

    def shown(**params: str) -> set[int]:
        page = client.get("/", params={"q": "renewal discount", **params})
        assert page.status_code == 200, page.text
        return {int(i) for i in re.findall(r'class="hit" data-note-id="(\d+)"', page.text)}

    assert shown() == {at_harbor, at_coldwater}
    assert shown(account="coldwater.edu") == {at_coldwater}
    assert shown(account=str(harbor)) == {at_harbor}
    assert shown(author_id=str(people.erin.id)) == {at_harbor}
    today = utcnow().date()
    assert shown(since=(today + timedelta(days=1)).isoformat()) == set()
    assert shown(until=today.isoformat()) == {at_harbor, at_coldwater}  # the end day counts
    assert shown(until=(today - timedelta(days=1)).isoformat()) == set()
    bad = client.get("/", params={"q": "renewal", "account": "Nowhere Inc", "since": "soon"})
    assert bad.status_code == 422
    assert "no account matches" in bad.text and "Give a date like" in bad.text
    assert 'value="Nowhere Inc"' in bad.text
    backwards = client.get("/", params={"since": "2026-02-01", "until": "2026-01-01"})
    assert backwards.status_code == 422 and "before the start date" in backwards.text
    latest = client.get("/", params={"account": "coldwater.edu"}).text  # no question: latest
    assert "Latest notes" in latest and f'data-note-id="{at_coldwater}"' in latest
    assert f'data-note-id="{at_harbor}"' not in latest


def test_pickers_offer_accounts_and_only_the_chosen_accounts_contacts(
    client: TestClient, db: Database, people: Users, harbor: int
) -> None:
    vantor = make_account(db, "Vantor Robotics", domains=["vantor.io"])
    meg = make_contact(db, harbor, "Meg Alvarez", title="CFO", buying_role="economic")
    tom = make_contact(db, harbor, "Tom Reyes", title="IT Director", reports_to_id=meg)
    nadia = make_contact(db, vantor, "Nadia Osei", title="CTO")
    signed_in(client, people.erin)
    options = client.get("/pick/accounts", params={"account": "harb"}).text
    assert '<option value="Harbor Freightways">harborfreightways.example</option>' in options
    assert "Vantor" not in options
    by_email = client.get("/pick/accounts", params={"account": "nadia@vantor.io"}).text
    assert 'value="Vantor Robotics"' in by_email
    listed = client.get("/pick/contacts", params={"account": "harborfreightways.example"}).text
    assert "Meg Alvarez" in listed and "Tom Reyes" in listed and "Nadia" not in listed
    filtered = client.get(
        "/pick/contacts",
        params={
            "account": "Harbor Freightways",
            "contact_q": "director",
            "contact_ids": [str(meg), str(nadia)],
        },
    ).text
    assert f'value="{meg}" checked' in filtered  # kept: ticked before
    assert f'value="{tom}">' in filtered  # matches the filter
    assert f'value="{nadia}"' not in filtered  # another account's contact is dropped
    unknown = client.get("/pick/contacts", params={"account": "Nowhere"}).text
    assert "no account matches" in unknown


def part(page: str, title_id: str) -> str:
    """The HTML of one section of the account page, by its heading's id."""
    start = page.index(f'aria-labelledby="{title_id}"')
    return page[start : page.index("</section>", start)]


def test_account_page_shows_the_brief(
    client: TestClient, db: Database, settings: Settings, people: Users, harbor: int
) -> None:
    meg = make_contact(db, harbor, "Meg Alvarez", title="CFO", buying_role="economic")
    tom = make_contact(
        db, harbor, "Tom Reyes", title="IT Director", buying_role="technical", reports_to_id=meg
    )
    sam = make_contact(db, harbor, "Sam <Park>", reports_to_id=tom)
    final_say = post_note(
        client,
        people.bob,
        harbor,
        "Meg Alvarez has final say on anything over $50k.",
        visibility="company",
    )
    older = post_note(client, people.bob, harbor, "The renewal is due in March.", visibility="team")
    newer = client.post(
        "/v1/notes",
        headers=people.bob.headers,
        json={"body": "The renewal moved to June.", "account_id": harbor, "supersedes": [older]},
    ).json()["id"]
    walts = post_note(
        client,
        people.walt,
        harbor,
        "West private: Meg Alvarez is leaving in March.",
        visibility="private",
    )
    embed_everything(db, settings)
    signed_in(client, people.erin)

    page = client.get(f"/accounts/{harbor}").text

    assert "3 notes you may read" in page and "harborfreightways.example" in page
    meg_row = part(page, "map-title")  # the influence map, one row per influence
    meg_row = meg_row[meg_row.index(f'<tr data-contact-id="{meg}"') :]
    meg_row = meg_row[: meg_row.index("</tr>")]
    assert f'<a href="/contacts/{meg}">Meg Alvarez</a>' in meg_row and "CFO" in meg_row
    assert 'class="chip confirmed" data-field="roles"' in meg_row and ">Economic<" in meg_row
    assert f"/notes/{walts}" not in page and "West private" not in page
    flags = part(page, "red-flags-title")
    assert '<li data-code="missing_role">No user buyer confirmed.</li>' in flags
    assert (
        '<li data-code="no_coach">No coach: nobody inside is confirmed to guide us.</li>' in flags
    )
    chart = part(page, "chart-title")  # Sam under Tom under Meg
    assert (
        chart.index(f'data-contact-id="{meg}"')
        < chart.index(f'data-contact-id="{tom}"')
        < chart.index(f'data-contact-id="{sam}"')
        < chart.index("</ul>")
    )
    assert "Sam &lt;Park&gt;" in chart and "Sam <Park>" not in page
    gaps = part(page, "gaps-title")
    assert '<li data-kind="missing_role">no user buyer known</li>' in gaps
    assert '<li data-kind="missing_role">no coach known</li>' in gaps
    changes = part(page, "changes-title")  # all learned lately: shown here, not again below
    assert f'data-note-id="{newer}"' in changes and "replaces an older note" in changes
    assert f'data-note-id="{final_say}"' in changes and "Bob East" in changes
    assert 'aria-labelledby="topic-decision_process"' not in page
    # Each note once, in the first section that quotes it; the superseded one marked calmly.
    assert 'Due a check <span class="count">1</span>' in page
    shown = re.findall(r'<li class="brief-note[^"]*" data-note-id="(\d+)"', page)
    assert sorted(shown) == sorted(str(n) for n in (older, newer, final_say))
    older_item = page[page.index(f'data-note-id="{older}"') :]
    older_item = older_item[: older_item.index("</li>")]
    assert '<span class="badge calm">superseded</span>' in older_item
    assert f"superseded by note #{newer}" in older_item
    assert "<strong>Bob East</strong>" in part(page, "experts-title")
    listed = part(page, "notes-title")  # the notes the brief did not show: none here
    assert "data-note-id" not in listed and "Every note you may read is shown above." in listed


def test_verify_needs_the_csrf_token_then_the_note_says_who_verified_it(
    client: TestClient, db: Database, people: Users, harbor: int
) -> None:
    note_id = post_note(
        client, people.erin, harbor, "Meg signs anything over $50k", visibility="company"
    )
    bobs = post_note(client, people.bob, harbor, "Bob's: Deb screens vendors", visibility="company")
    walts = post_note(client, people.walt, harbor, "West private: golf", visibility="private")
    csrf = signed_in(client, people.erin)
    # A colleague's note: Erin (a rep) may read it but not vouch for it, so no button.
    assert f'action="/notes/{bobs}/verify"' not in client.get(f"/notes/{bobs}").text
    before = client.get(f"/notes/{note_id}").text
    assert "Not verified since it was learned." in before
    assert f'action="/notes/{note_id}/verify"' in before and hidden(before, "csrf_token") == csrf

    for sent in ({}, {"csrf_token": "forged"}):
        refused = client.post(f"/notes/{note_id}/verify", data=sent, follow_redirects=False)
        assert refused.status_code == 403 and "Nothing was saved" in refused.text
    with db.session(write=False) as session:
        note = session.get(Note, note_id)
        assert note is not None and note.verified_at is None

    answer = client.post(
        f"/notes/{note_id}/verify", data={"csrf_token": csrf}, follow_redirects=False
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/notes/{note_id}?verified=1"
    page = client.get(answer.headers["location"]).text
    today = utcnow()
    assert "Verified. The note counts as current again." in page
    assert "Verified by Erin East on <time datetime=" in page
    assert f">{today.day} {today:%b %Y}</time>" in page
    with db.session(write=False) as session:
        note = session.get(Note, note_id)
        assert note is not None and note.verified_by_id == people.erin.id
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "note.verify")).all()
        assert [(e.actor_id, e.target_id) for e in events] == [(people.erin.id, str(note_id))]
    # A note Erin may not read cannot be verified, nor learned of.
    hidden_note = client.post(
        f"/notes/{walts}/verify", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert hidden_note.status_code == 404 and "golf" not in hidden_note.text


def test_reading_and_marking_a_colleagues_note_counts_as_reuse(
    client: TestClient, db: Database, people: Users, harbor: int
) -> None:
    bobs = post_note(
        client, people.bob, harbor, "Meg signs anything over $50k", visibility="company"
    )
    erins = post_note(
        client, people.erin, harbor, "Dock 4 closes at noon on Fridays", visibility="company"
    )
    csrf = signed_in(client, people.erin)
    assert f'action="/notes/{erins}/helpful"' not in client.get(f"/notes/{erins}").text
    page = client.get(f"/notes/{bobs}").text
    assert "Tell Bob East this note helped you" in page
    refused = client.post(f"/notes/{bobs}/helpful", data={}, follow_redirects=False)
    assert refused.status_code == 403
    marked = client.post(
        f"/notes/{bobs}/helpful", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert marked.status_code == 303
    assert "You marked this note helpful." in client.get(f"/notes/{bobs}").text
    with db.session(write=False) as session:
        views = session.execute(select(NoteView.note_id, NoteView.user_id, NoteView.kind)).all()
        marks = session.execute(select(HelpfulMark.note_id, HelpfulMark.user_id)).all()
    # Two opens of Bob's note by Erin; her own note's page is not a reuse.
    assert sorted(views) == [(bobs, people.erin.id, "opened")] * 2
    assert marks == [(bobs, people.erin.id)]
    undo = {"csrf_token": csrf, "undo": "1"}
    assert client.post(f"/notes/{bobs}/helpful", data=undo, follow_redirects=False).is_redirect
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(HelpfulMark)) == 0


def test_pages_are_not_cached_framed_or_in_the_api_schema(
    client: TestClient, people: Users
) -> None:
    signed_in(client, people.erin)
    for path in ("/", "/login", "/notes/new", "/notes/999"):
        page = client.get(path)
        assert page.headers["cache-control"] == "no-store", path
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"], path
        assert '<meta name="viewport"' in page.text
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/v1", "/livez", "/readyz"))]
    css = client.get("/static/tacit.css")
    assert css.status_code == 200 and "overflow-wrap" in css.text

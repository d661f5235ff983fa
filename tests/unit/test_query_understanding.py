"""Understanding a question (accounts, people, years), keyword terms, and the quoted snippet.

The vocabulary is loaded from a real, migrated SQLite database: names go in through the
domain layer, so the test sees the forms ``Vocabulary`` builds from them, not hand-made ones.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.db.engine import Database
from app.domain.retrieval import SNIPPET_CHARS, snippet
from app.search.base import KeywordQuery, keyword_query
from app.search.query import Understanding, Vocabulary, person_by_first_name, understand
from tests.factories import make_account, make_contact


@pytest.fixture
def db_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: the vocabulary is dialect-neutral SQL, so one database says enough."""
    path = tmp_path / "vocabulary.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    accounts = {
        "westbrook": make_account(db, "Westbrook State University", domains=["wsu-online.edu"]),
        "vantor": make_account(db, "Vantor Robotics", domains=["vantor.io"]),
        "aldric": make_account(db, "Saint Aldric Hospital", domains=["aldric-health.org"]),
        "summit": make_account(db, "Summit Ridge Logistics", domains=["srl-freight.com"]),
        "coldwater": make_account(db, "Coldwater College", domains=["coldwater.example"]),
        "orrin": make_account(db, "Orrin Castings Inc", domains=["orrincast.example"]),
    }
    contacts = {
        "kara": make_contact(db, accounts["orrin"], "Kara Lindqvist", title="VP Finance"),
        "tomas": make_contact(db, accounts["orrin"], "Tomas Berg", title="Plant Manager"),
        "nadia": make_contact(db, accounts["vantor"], "Nadia Osei", title="CTO"),
    }
    return accounts | contacts


@pytest.fixture
def vocabulary(db: Database, ids: dict[str, int]) -> Vocabulary:
    vocabulary = Vocabulary()
    with db.session(write=False) as session:
        vocabulary.refresh(session)
    return vocabulary


def ask(vocabulary: Vocabulary, question: str) -> Understanding:
    return understand(vocabulary, question)


def text_words(understood: Understanding) -> list[str]:
    """The words left in ``text``, whatever its casing and punctuation."""
    return re.findall(r"[a-z0-9]+", understood.text.lower())


# keyword_query


def test_keyword_query_drops_filler_words_and_folds_case() -> None:
    assert keyword_query("Who approves the BUDGET at the plant?").terms == [
        "approves",
        "budget",
        "plant",
    ]


def test_keyword_query_turns_an_id_into_a_phrase() -> None:
    assert keyword_query("what happened with INC-43399?").terms == ["happened", "inc 43399"]
    assert keyword_query("ORD-2024-18861").terms == ["ord 2024 18861"]


def test_keyword_query_removes_duplicates_keeping_first_order() -> None:
    query = keyword_query("Budget budget INC-43399 inc-43399 BUDGET renewal")
    assert query.terms == ["budget", "inc 43399", "renewal"]


def test_keyword_query_of_filler_only_is_empty() -> None:
    query = keyword_query("who is the one that would have been there?")
    assert "who" not in query.terms and "the" not in query.terms
    assert keyword_query("what was it about?").terms == []
    assert not keyword_query("what was it about?")


# Accounts


def test_account_by_full_name_is_taken_out_of_the_text(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    understood = ask(vocabulary, "Who approves the budget at Westbrook State University?")
    assert understood.account_ids == [ids["westbrook"]]
    assert "budget" in text_words(understood)
    assert not {"westbrook", "state", "university"} & set(text_words(understood))


def test_account_name_is_case_insensitive_when_complete(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    understood = ask(vocabulary, "who approves the budget at westbrook state university")
    assert understood.account_ids == [ids["westbrook"]]


def test_account_by_distinctive_leading_word_when_capitalised(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    understood = ask(vocabulary, "what does Vantor use for CI?")
    assert understood.account_ids == [ids["vantor"]]
    assert "vantor" not in text_words(understood)


def test_account_by_initials(vocabulary: Vocabulary, ids: dict[str, int]) -> None:
    understood = ask(vocabulary, "who signs contracts at WSU?")
    assert understood.account_ids == [ids["westbrook"]]
    assert not {"wsu", "online", "edu"} & set(text_words(understood))


@pytest.mark.parametrize(
    "question", ["any news from St. Aldric Hospital?", "any news from Saint Aldric Hospital?"]
)
def test_st_means_saint(vocabulary: Vocabulary, ids: dict[str, int], question: str) -> None:
    understood = ask(vocabulary, question)
    assert understood.account_ids == [ids["aldric"]]
    assert not {"st", "saint", "aldric", "hospital"} & set(text_words(understood))


@pytest.mark.parametrize("question", ["who runs IT at vantor.io?", "who runs IT at VANTOR.IO"])
def test_account_by_domain(vocabulary: Vocabulary, ids: dict[str, int], question: str) -> None:
    assert ask(vocabulary, question).account_ids == [ids["vantor"]]


def test_account_by_domain_that_shares_no_word_with_the_name(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    understood = ask(vocabulary, "who approves purchases at wsu-online.edu")
    assert understood.account_ids == [ids["westbrook"]]
    assert not {"wsu", "online", "edu"} & set(text_words(understood))


@pytest.mark.parametrize(
    ("question", "account"),
    [
        ("who signs off on spend at Coldwatter Colege?", "coldwater"),
        ("who signs off on spend at westbrok state university?", "westbrook"),
    ],
)
def test_account_by_misspelt_name(
    vocabulary: Vocabulary, ids: dict[str, int], question: str, account: str
) -> None:
    understood = ask(vocabulary, question)
    assert understood.account_ids == [ids[account]]
    assert "spend" in text_words(understood)


@pytest.mark.parametrize(
    "question",
    ["who signs off on spend at Coldwatter Colege?", "who signs off at westbrok state univrsity?"],
)
def test_misspelt_account_name_is_taken_out_of_the_text(
    vocabulary: Vocabulary, question: str
) -> None:
    # Every word of the misspelt name goes, not just the one closest to a one-word form
    # such as the domain label "coldwater".
    text = text_words(ask(vocabulary, question))
    assert text[:3] == ["who", "signs", "off"]
    assert not {"coldwatter", "colege", "westbrok", "state", "univrsity"} & set(text)


def test_lone_lower_case_common_word_is_not_an_account(vocabulary: Vocabulary) -> None:
    understood = ask(vocabulary, "when is the summit with their board?")
    assert understood.account_ids == []
    assert "summit" in text_words(understood)


def test_capitalised_leading_word_is_an_account(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    assert ask(vocabulary, "when is the board meeting at Summit?").account_ids == [ids["summit"]]


def test_unrelated_question_names_nothing(vocabulary: Vocabulary) -> None:
    understood = ask(vocabulary, "who approves the budget?")
    assert understood.account_ids == []
    assert understood.contact_ids == []
    assert understood.years == []
    assert text_words(understood) == ["who", "approves", "the", "budget"]


# People


def test_contact_by_full_name_implies_the_account(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    understood = ask(vocabulary, "what does Kara Lindqvist think of the proposal?")
    assert understood.contact_ids == [ids["kara"]]
    assert understood.account_ids == [ids["orrin"]]


def test_contact_by_first_name_with_the_account(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    understood = ask(vocabulary, "what did Kara say at Orrin Castings about pricing?")
    assert understood.account_ids == [ids["orrin"]]
    assert understood.contact_ids == [ids["kara"]]
    assert understood.contact_names == ["kara"]


def test_first_name_alone_without_the_account_is_not_a_contact(vocabulary: Vocabulary) -> None:
    assert ask(vocabulary, "what did Kara say about pricing?").contact_ids == []


def test_contact_by_title_with_the_account(vocabulary: Vocabulary, ids: dict[str, int]) -> None:
    understood = ask(vocabulary, "what does the VP Finance at Orrin Castings care about?")
    assert understood.account_ids == [ids["orrin"]]
    assert understood.contact_ids == [ids["kara"]]
    assert understood.contact_names == ["kara"]


def test_title_at_another_account_is_not_a_contact(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    understood = ask(vocabulary, "what does the VP Finance at Vantor care about?")
    assert understood.account_ids == [ids["vantor"]]
    assert understood.contact_ids == []


# Years


def test_years_are_parsed() -> None:
    understood = understand(Vocabulary(), "renewals in 2024 versus 2025, and 2024 again")
    assert understood.years == [2024, 2025]


@pytest.mark.parametrize(
    "question", ["status of ORD-2024-18861", "ticket 2024-18861", "order ORD-2024", "room 12024"]
)
def test_years_are_not_read_from_inside_ids(question: str) -> None:
    assert understand(Vocabulary(), question).years == []


def test_vocabulary_sees_accounts_added_later(db: Database, vocabulary: Vocabulary) -> None:
    assert ask(vocabulary, "who decides at Quillfeather Press?").account_ids == []
    quill = make_account(db, "Quillfeather Press")
    with db.session(write=False) as session:
        vocabulary.refresh(session)
    assert ask(vocabulary, "who decides at Quillfeather Press?").account_ids == [quill]


# Snippets


def test_snippet_marks_every_match_case_insensitively() -> None:
    out = snippet("Budget talks: the budget owner is Deb.", KeywordQuery(["budget", "deb"]))
    assert out == "<mark>Budget</mark> talks: the <mark>budget</mark> owner is <mark>Deb</mark>."


def test_snippet_marks_each_word_of_a_phrase() -> None:
    out = snippet("Outage INC-40412 hit the depot.", keyword_query("INC-40412"))
    assert "<mark>INC</mark>-<mark>40412</mark>" in out


def test_snippet_escapes_html_outside_and_inside_marks() -> None:
    out = snippet('<b>pilot</b> & "dashboard" <script>x</script>', KeywordQuery(["pilot"]))
    assert out == (
        "&lt;b&gt;<mark>pilot</mark>&lt;/b&gt; &amp; &quot;dashboard&quot; "
        "&lt;script&gt;x&lt;/script&gt;"
    )


def test_snippet_without_terms_is_escaped_text() -> None:
    assert snippet("a <i>b</i>", KeywordQuery()) == "a &lt;i&gt;b&lt;/i&gt;"


def test_long_snippet_is_a_window_around_the_first_match() -> None:
    before = " ".join(f"filler{i}" for i in range(120))
    after = " ".join(f"trailing{i}" for i in range(120))
    out = snippet(f"{before} the renewal is due in May. {after}", KeywordQuery(["renewal"]))
    assert out.startswith("… ") and out.endswith(" …")
    assert "<mark>renewal</mark>" in out
    assert "filler0 " not in out and "trailing119" not in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= SNIPPET_CHARS + 4


def test_long_snippet_with_an_early_match_starts_at_the_beginning() -> None:
    text = "Renewal is due in May. " + " ".join(f"filler{i}" for i in range(200))
    out = snippet(text, KeywordQuery(["renewal"]))
    assert out.startswith("<mark>Renewal</mark> is due")
    assert out.endswith(" …")


def test_short_text_is_whole_with_no_ellipsis() -> None:
    out = snippet("Deb holds   the\npurse strings.", KeywordQuery(["purse"]))
    assert out == "Deb holds the <mark>purse</mark> strings."


def test_a_first_name_no_other_contact_has_names_the_person(
    vocabulary: Vocabulary, ids: dict[str, int]
) -> None:
    assert person_by_first_name(vocabulary, "what does Kara care about?") == ids["kara"]
    # Lower case is a word, not a name; an unknown name is nobody.
    assert person_by_first_name(vocabulary, "what does kara care about?") is None
    assert person_by_first_name(vocabulary, "what does Zebulon care about?") is None

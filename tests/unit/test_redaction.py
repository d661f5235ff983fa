"""Taking a person out of text: every form the notes name them by goes, nothing else does; and
the keyed fingerprints that recognise them later without keeping their name."""

from __future__ import annotations

import pytest

from app.privacy.fingerprint import Fingerprints, emails_in, name_words
from app.privacy.redaction import (
    PLACEHOLDER,
    Person,
    anyone,
    forms_of,
    only_about,
    phones_near,
)

X = PLACEHOLDER
DANA = Person("Dana Whitfield", "dana.whitfield@harbor.example")
COLLEAGUES = ["Bob Lindgren", "Raj Patel"]


def redact(text: str, person: Person = DANA, **kwargs: object) -> str:
    others = kwargs.pop("others", COLLEAGUES)
    return forms_of(person, others=others, **kwargs).redact(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dana Whitfield has final say.", f"{X} has final say."),
        ("DANA   WHITFIELD\nsigned", f"{X}\nsigned"),
        ("dana whitfield signed", f"{X} signed"),
        ("Ask Dana's assistant", f"Ask {X}'s assistant"),
        ("Ms Whitfield agreed", f"Ms {X} agreed"),
        ("DW wants a discount; D.W. and D. W. too", f"{X} wants a discount; {X} and {X} too"),
        ("Mail dana.whitfield@harbor.example today", f"Mail {X} today"),
        ("a Dana-led review", f"a {X}-led review"),
        ("@Dana please confirm", f"@{X} please confirm"),
    ],
)
def test_every_form_of_the_name_goes(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Danaher is a competitor; we flew to Adana.",
        "dw is not initials in lower case",  # initials only in capitals
        "Bob Lindgren and Raj Patel agreed.",
        "Visit whitfield.example for the brochure.",  # a domain is not the person
    ],
)
def test_nothing_else_goes(text: str) -> None:
    assert redact(text) == text


def test_a_short_form_someone_else_shares_stays() -> None:
    others = ["Dana Cole", "Wendy Whitfield", "Dirk Wagner"]
    text = "Dana said DW and Whitfield agreed; Dana Whitfield signed."
    assert redact(text, others=others) == f"Dana said DW and Whitfield agreed; {X} signed."


def test_without_short_forms_only_the_full_name_and_address_go() -> None:
    text = "Dana Whitfield, Dana, DW, dana.whitfield@harbor.example"
    assert redact(text, short=False) == f"{X}, Dana, DW, {X}"


def test_initials_that_spell_an_abbreviation_are_not_hers() -> None:
    ivan = Person("Ivan Torres")
    assert forms_of(ivan).redact("IT signed off; Ivan agreed") == f"IT signed off; {X} agreed"


def test_a_name_that_is_an_everyday_word_goes_only_when_capitalised() -> None:
    will = Person("Will Price")
    text = "Will says the price will hold; Price agreed."
    assert forms_of(will).redact(text) == f"{X} says the price will hold; {X} agreed."


def test_phones_written_next_to_the_name_go_everywhere_in_any_punctuation() -> None:
    forms = forms_of(DANA, others=COLLEAGUES)
    phones = phones_near("Dana's cell is +1 (555) 123-4567. Office: 555 000 1111.", forms)
    assert phones == ["+1 (555) 123-4567"]
    later = forms_of(DANA, others=COLLEAGUES, phones=phones)
    assert later.redact("Call +1 555.123.4567 after 5") == f"Call {X} after 5"
    # A date beside the name is not a phone number.
    assert phones_near("Dana starts 2025-03-04.", forms) == []


def test_a_note_is_only_about_them_when_half_its_sentences_name_only_them() -> None:
    forms = forms_of(DANA, others=COLLEAGUES)
    others = anyone(COLLEAGUES)
    assert only_about("Dana is going through a divorce. Her son is ill.", forms, others=others)
    assert only_about("Call Dana.", forms, others=others)
    assert not only_about(
        "Met Dana, Bob and Raj. Budget approved for Q3. Procurement wants a W-9.",
        forms,
        others=others,
    )
    assert not only_about(
        "Dana Whitfield prefers calls. Renewal is due in May. The pilot went well.",
        forms,
        others=others,
    )
    assert not only_about("Renewal is due in May.", forms, others=others)


def test_fingerprints_are_keyed_and_normalised() -> None:
    one, other = Fingerprints(b"key one"), Fingerprints(b"key two")
    assert one.name("Dana Whitfield") == one.name("  dana   WHITFIELD ")
    assert one.name("Dána Whitfield") == one.name("Dana Whitfield")
    assert one.name("Dana Whitfield") != one.name("Dana Whitfeld")
    assert one.name("Dana Whitfield") != other.name("Dana Whitfield")
    assert one.email(" Dana@Harbor.Example") == one.email("dana@harbor.example")
    assert one.email("dana@harbor.example") != one.name("dana@harbor.example")
    assert "Dana" not in one.name("Dana") and len(one.email("x@y.z")) == 64


def test_a_name_is_recognised_anywhere_in_free_text() -> None:
    prints = Fingerprints(b"k")
    wanted = prints.name("Dana Whitfield")
    assert wanted in set(prints.names_in("Spoke with DANA whitfield's team, twice.", [2]))
    assert wanted not in set(prints.names_in("Spoke with Dana and the Whitfield team.", [1, 2, 3]))
    assert emails_in("cc: <Dana@Harbor.example>, bob@x.io.") == ["dana@harbor.example", "bob@x.io"]
    assert name_words("O'Brien-Smith, Zoë") == ["o", "brien", "smith", "zoe"]

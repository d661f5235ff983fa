"""Taking one person out of text: every way the notes name them becomes ``[erased person]``.

The forms, matched at word boundaries and regardless of case (initials aside):

- the full name, whatever whitespace or line breaks sit between its words;
- their e-mail address;
- phone numbers written in a sentence that names them (a contact record holds no phone, so
  the notes themselves say which numbers are theirs), in any punctuation;
- with ``short=True`` (the notes of their own account): the first name, the last name and
  the initials ("DW", "D.W.", "D. W."), each only when no other person given shares it, as
  ``app.search.mentions`` attributes sentences. Names shorter than three letters are left
  alone, initials are matched in capitals only and never when they spell a common
  abbreviation ("IT", "VP"), and a name that is also an everyday word ("Will", "Grace",
  "Price") is matched only when capitalised, so "we will ship" keeps its verb.

"Dana's" becomes "[erased person]'s"; "Danaher" and "Adana" stay.

A note is *only about them* (``only_about``) when at least half of its sentences name them
and nobody else: what is left after redaction is then still about them ("Her son is ill"),
so the whole note goes. A sentence naming them alongside other people is a fact about the
meeting, not about them, and is kept, redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PLACEHOLDER = "[erased person]"

_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
# Seven digits or more, with the punctuation people write numbers in; not an ISO date.
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s().-]{0,2}\d){6,16}(?![\w])")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_SHORT = 3


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Not inside a word, an address or a number: "Dana-led" is hers, the "Anne" of "Anne-Marie"
# and the "whitfield" of "whitfield.example" are not.
_BEFORE, _AFTER = r"(?<![\w.+-])", r"(?![\w@]|\.\w|(?-i:-[A-Z]))"
_ABBREVIATIONS = _words(
    """AM PM IT HR VP PR QA US UK EU OK AI ID TV PO PA CC BC AD IP OS UI UX ML BI CS CX GM MD DC
    NY LA SF TX CA FY SVP EVP CEO CFO CTO COO CIO CMO CRO CSO CPO CISO SLA ROI KPI CRM ERP POC
    RFP RFI NDA MSA SOW API SSO SAP AWS GCP USA EMEA APAC PDF FAQ ETA TBD EOD EOW OOO"""
)
# Names that are also words reps write in lower case; matched only when capitalised.
_EVERYDAY = _words(
    """will mark bill grace may june april august rose hope joy faith frank sue pat chip rich
    dean guy summer lane king young brown green white black gray grey long price cash case
    ward hall wood page bell banks cook fisher hunter mason miller parker porter turner walker
    baker carter cooper hill rivers storm sterling gold silver day knight major little"""
)


@dataclass(frozen=True)
class Person:
    """Who is to be taken out: the name and e-mail address their contact record holds."""

    name: str
    email: str | None = None


@dataclass(frozen=True)
class Forms:
    """The compiled forms of one person (``forms_of``)."""

    pattern: re.Pattern[str] | None

    def names(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None

    def redact(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(PLACEHOLDER, text)


def forms_of(
    person: Person,
    *,
    others: Iterable[str] = (),
    phones: Iterable[str] = (),
    short: bool = True,
) -> Forms:
    """The forms of ``person`` (see the module docstring). ``others`` are the names of everyone
    a short form could also mean: the account's other contacts, the users writing the notes."""
    alternatives: list[str] = []
    if person.email and person.email.strip():
        alternatives.append(re.escape(person.email.strip()))
    alternatives += [_digits_pattern(p) for p in dict.fromkeys(phones) if _digits(p)]
    words = person.name.split()
    if words:
        alternatives.append(r"\s+".join(re.escape(w) for w in words))
    if short and len(words) > 1:
        alternatives += _short_forms(words, [o.split() for o in others])
    # Longest first: the full name wins over the first name it starts with.
    alternatives.sort(key=len, reverse=True)
    if not alternatives:
        return Forms(None)
    body = "|".join(alternatives)
    return Forms(re.compile(f"{_BEFORE}(?:{body}){_AFTER}", re.IGNORECASE))


def _short_forms(words: list[str], others: list[list[str]]) -> list[str]:
    taken_first = {o[0].casefold() for o in others if o}
    taken_last = {o[-1].casefold() for o in others if len(o) > 1}
    taken_initials = {_initials(o) for o in others if len(o) > 1}
    found: list[str] = []
    for word, taken in ((words[0], taken_first), (words[-1], taken_last)):
        if len(word) >= _MIN_SHORT and word.casefold() not in taken:
            found.append(_name_word(word))
    initials = _initials(words)
    if initials not in taken_initials and initials not in _ABBREVIATIONS and initials.isalpha():
        # D W, D.W., D. W.: capitals only, whatever the rest of the pattern's case rule.
        found.append("(?-i:" + r"\.?\s?".join(initials) + r"\.?)")
    return found


def _name_word(word: str) -> str:
    escaped = re.escape(word)
    if word.casefold() not in _EVERYDAY:
        return escaped
    first, rest = re.escape(word[0].upper()), re.escape(word[1:])
    return f"(?-i:{first})(?i:{rest})"


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w).upper()


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _digits_pattern(phone: str) -> str:
    prefix = r"\+?" if phone.strip().startswith("+") else ""
    return prefix + r"[\s().-]{0,2}".join(_digits(phone))


def sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENTENCES.split(text)) if any(c.isalnum() for c in s)]


def phones_near(text: str, forms: Forms) -> list[str]:
    """The phone numbers written in sentences of ``text`` that name the person."""
    return [
        match.group()
        for sentence in sentences(text)
        if forms.names(sentence)
        for match in _PHONE.finditer(sentence)
        if not _ISO_DATE.fullmatch(match.group())
    ]


def only_about(text: str, forms: Forms, *, others: Forms) -> bool:
    """Whether at least half of the sentences of ``text`` name the person and nobody in
    ``others`` (see the module docstring)."""
    found = sentences(text)
    about = sum(1 for s in found if forms.names(s) and not others.names(forms.redact(s)))
    return bool(found) and about * 2 >= len(found)


def anyone(names: Iterable[str]) -> Forms:
    """Forms matching any of ``names`` in full, or by first name: who else a sentence names."""
    parts = sorted(
        {re.escape(w) for name in names for w in {name.strip(), *name.split()[:1]} if len(w) > 1},
        key=len,
        reverse=True,
    )
    if not parts:
        return Forms(None)
    return Forms(re.compile(f"{_BEFORE}(?:{'|'.join(parts)}){_AFTER}", re.IGNORECASE))

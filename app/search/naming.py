"""When a text names a person: the rule by which subject access (``app.domain.subject_access``)
finds what is held about a contact beyond the notes linked to them.

- **Anywhere**, ignoring case: their full name, its words separated by any white space, or
  their e-mail address, as whole words ("Jill Oyelaran" is not found in "Jill Oyelarana", nor
  "jill@harbor.example" in "jill@harbor.example.com"). A one-word name counts only as written,
  since a single word in any case is often an ordinary word ("Will", "Grant").
- **In the texts of their own account** (its notes and their revisions) also the short forms
  the mention finder accepts (``app.search.mentions``): a first or last name of three letters
  or more that no other contact of the account has, as written, and their title after "the",
  "our", "their" or "new" when no other contact holds it.

Deliberately wider than the mention finder: a sentence naming three or more people, or a very
short one, still names each of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.search.mentions import Person, name_patterns, sentences

# The rule above in a sentence, for the dossier and its archive to state.
RULE = (
    "A text names the person when it holds, in any case, their full name (its words separated "
    "by any white space) or their e-mail address, as whole words; a one-word name only as "
    "written. In the notes and revisions of their own account also a first or last name of "
    "three letters or more that no other contact of the account has, as written, or their "
    "title after 'the', 'our', 'their' or 'new' when no other contact holds it."
)
_MIN_HINT = 3
_ASCII_RUN = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Naming:
    """How texts name one person. ``hints`` are lower-case fragments one of which every text
    that names them anywhere holds, for SQL to narrow the texts before the exact test."""

    anywhere: re.Pattern[str]
    at_account: re.Pattern[str]
    hints: tuple[str, ...]

    def names(self, text: str, *, at_account: bool) -> bool:
        return (self.at_account if at_account else self.anywhere).search(text) is not None

    def sentences(self, text: str, *, at_account: bool) -> list[str]:
        """The sentences of ``text`` that name the person, in order."""
        return [s for s in sentences(text) if self.names(s, at_account=at_account)]


def naming(person: Person, email: str | None, account_people: Sequence[Person]) -> Naming:
    """The rule for ``person``; ``account_people`` are every contact of their account (them
    included), which decide the short forms that are theirs alone."""
    forms: list[str] = []
    words = person.name.split()
    if len(words) > 1:
        spaced = r"\s+".join(map(re.escape, words))
        forms.append(rf"(?i:(?<!\w){spaced}(?!\w))")
    elif words:
        forms.append(rf"(?<!\w){re.escape(words[0])}(?!\w)")
    if email:
        # Not inside a longer address: "jill@harbor.example" is not "jill@harbor.example.com".
        forms.append(rf"(?i:(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w))")
    anywhere = "|".join(forms) or r"(?!x)x"
    short = name_patterns(account_people)
    at_account = anywhere + (f"|{short[person.id].pattern}" if person.id in short else "")
    return Naming(re.compile(anywhere), re.compile(at_account), _hints(words, email))


def _hints(words: list[str], email: str | None) -> tuple[str, ...]:
    # A run of ASCII letters, because SQLite's lower() folds only ASCII: "Ångström" is found
    # by "ngstr" whatever the case it was written in.
    runs = [run for word in words for run in _ASCII_RUN.findall(word)]
    longest = max(runs, key=len, default="")
    if len(longest) < _MIN_HINT:
        longest = max(words, key=len, default="")
    hints = [longest.lower()] if longest else []
    if email:
        hints.append(email.lower())
    return tuple(hints)

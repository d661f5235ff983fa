"""Finding the sentences of a note that name one of its account's contacts.

Notes name people the way colleagues talk: the full name once ("Jill Oyelaran (CFO)"), then the
first name ("Jill has final say"), sometimes the title alone ("the CFO wants..."). A first or
last name counts only when no other contact of the account shares it, and a title only when it
belongs to one current contact: a wrong attribution would put a fact on the wrong person.
A sentence naming three or more contacts is an attendee list, not a fact about anyone, unless
it is a roster of buying roles ("EB Helena, TB Owen, user Ruth, coach Jonah"), which says
something of each.
A sentence that opens with "she" or "he" ("She signs anything over 50k"; "She warned that
Kofi will block it", which names Kofi too), or that names nobody but speaks of "she", "her" or
"him" ("Never call her before 9", "When I showed the numbers he went quiet"), is also about the
one contact the sentence before it named alone, as a reader takes it: after a sentence naming
two people, or none, the pronoun is anyone's guess and names nobody. Someone named only as
the source of what is said ("as Jenna advised", "per Jenna") is not who the next "he" is.
Writers who do not capitalise ("talked to jerome vance", "gary signed himself") name people
in lower case: a sentence that opens in lower case is read without case, except for the names
that are also common words ("bill", "grace", "price").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_MAX_NAMED = 2
_MIN_CHARS = 12  # "call w/ Jill." says nothing about Jill...
# ...but "User Megan." or "Bobby coach." gives a role.
_ROLE_LABEL = re.compile(
    r"(?-i:\b(?:EB|TB|UB)\b)|\b(?:coach|champion|economic|technical|users?|sponsor)\b",
    re.IGNORECASE,
)
# Names that are also common words: in a sentence written in lower case ("bill goes to
# finance", "grace period", "price per station") they are words, not people.
_WORD_NAMES = frozenset(
    [
        "april",
        "art",
        "ash",
        "august",
        "autumn",
        "baker",
        "banks",
        "bell",
        "best",
        "bill",
        "black",
        "bob",
        "brook",
        "brown",
        "buck",
        "bush",
        "case",
        "cash",
        "chase",
        "clay",
        "cliff",
        "cook",
        "crystal",
        "daisy",
        "dawn",
        "dean",
        "drew",
        "eve",
        "faith",
        "field",
        "fields",
        "ford",
        "fox",
        "frank",
        "gene",
        "glen",
        "good",
        "grace",
        "grant",
        "green",
        "hall",
        "hardy",
        "head",
        "heath",
        "hill",
        "holly",
        "hope",
        "hunter",
        "iris",
        "ivy",
        "jack",
        "jasmine",
        "joy",
        "june",
        "king",
        "lamb",
        "lane",
        "lily",
        "little",
        "long",
        "love",
        "major",
        "mark",
        "marsh",
        "mason",
        "may",
        "miles",
        "moss",
        "north",
        "park",
        "pat",
        "penny",
        "power",
        "price",
        "ray",
        "rich",
        "rose",
        "ruby",
        "rush",
        "sandy",
        "sharp",
        "short",
        "sky",
        "small",
        "snow",
        "stone",
        "strong",
        "summer",
        "sweet",
        "swift",
        "violet",
        "ward",
        "well",
        "wells",
        "west",
        "white",
        "will",
        "wise",
        "wood",
        "young",
    ]
)
_TITLE_WORDS = 4
# "She signs anything over 50k", "He'll push back", "Her team uses it daily": a sentence led by
# a singular personal pronoun continues the sentence before it ("they" is usually the company).
_PRONOUN_START = re.compile(
    r"^(?:(?:and|but|also|plus|so|btw|fyi|ps|though|still|heads up|note|update|afterwards|"
    r"later|then),?:?\s+)?(?:she|he|her|his)"
    r"(?:['\u2019](?:s|ll|d))?\b",
    re.IGNORECASE,
)
# "Never bring up the layoffs with her", "sent him the deck": "her" as an object, not "her team".
_PRONOUN_OBJECT = re.compile(
    r"\b(?:him|her)(?=\s*(?:$|[.,;:!?)]|(?:on|in|at|about|abt|before|after|with|w/|for|to|"
    r"until|unless|if|when|directly|first|again|back|know|up|out|over|off|a|an|the|that|this|"
    r"our|some|any|anything|everything|and|or)\b))",
    re.IGNORECASE,
)
_CONTRASTED = re.compile(
    r"\b(?:from|than|unlike|like|instead of|except|besides|not|replacing|replaced|after)\s*$",
    re.IGNORECASE,
)
# "Printed proposal, as Jenna advised": Jenna is the source, not who the sentence is about.
_SOURCE = re.compile(r"\b(?:as|per|according to|via|thanks to)\s*$", re.IGNORECASE)
# "Jamal set up a call with Amara", "Megan to loop in Priscilla": a second person brought in.
_INTRODUCED = re.compile(
    r"\b(?:with|w/|meet|met|meeting|intro(?:duced)?(?:\s+us)?\s+to|introduced|loop(?:ed)? in|"
    r"brought in|bring in|cc['\u2019]?d)\s*$",
    re.IGNORECASE,
)
# "When I put the numbers on the table he went quiet": "he" or "she" anywhere.
_PRONOUN_SUBJECT = re.compile(r"\b(?:she|he|his|her|him|hers|herself|himself)\b", re.IGNORECASE)
_JOINED = re.compile(r"\s*(?:and|&|\+|,|/|or)\s*", re.IGNORECASE)
_NEUTRAL_OPENINGS = frozenset(
    (
        "the",
        "a",
        "an",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "we",
        "i",
        "our",
        "their",
        "they",
        "one",
        "two",
        "also",
        "then",
        "so",
        "but",
        "and",
        "after",
        "before",
        "since",
        "when",
        "once",
        "in",
        "on",
        "at",
        "for",
        "with",
        "overall",
        "still",
        "plus",
        "twice",
    )
)
# "EB Helena, TB Owen (veto), user Ruth, coach Jonah": role labels, not an attendee list.
_ROSTER = re.compile(
    r"(?-i:\b(?:EB|TB|UB)\b)|\b(?:coach|champion|economic buyer|technical buyer|user buyer)\b",
    re.IGNORECASE,
)
_ATTENDEES = re.compile(r"^\s*(?:attendees|attending|present|participants|invitees)\b", re.I)
# "Rosa resigned as COO", "Wade has stepped down": the named person left their post...
_LEFT = (
    r"(?:\s+(?:has|had|just|recently|already|apparently|finally|officially))*\s+(?:resigned|left|"
    r"retired|departed|stepped down|moved on|is leaving|is retiring|is out|is gone|is no longer|"
    r"no longer|was (?:let go|laid off|replaced|fired|promoted|moved))\b"
)
# ...or someone took it: "Met Tariq (COO, replaced Rosa)", "took over from Wade".
_TOOK_FROM = (
    r"\b(?:replaced|replacing|replaces|succeeded|succeeding|successor to|took over from|"
    r"taking over from|in place of)\s+"
)
# A word of every sentence those two match, in lower case: lets SQL narrow the sentences that
# ``departures`` must read (``app.domain.retention``). Keep it in step with them.
DEPARTURE_WORDS = (
    "resign",
    "left",
    "retir",
    "depart",
    "stepped down",
    "moved",
    "leaving",
    "is out",
    "gone",
    "no longer",
    "let go",
    "laid off",
    "replac",
    "fired",
    "promoted",
    "succe",
    "took over",
    "taking over",
    "in place of",
)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    title: str | None = None


@dataclass(frozen=True)
class SentenceMention:
    ordinal: int
    text: str
    contact_ids: tuple[int, ...]


def sentences(body: str) -> list[str]:
    return [s.strip(" -*•\t") for s in _SENTENCES.split(body) if s.strip(" -*•\t")]


def writes_lowercase(sentence: str) -> bool:
    """Whether ``sentence`` opens in lower case, as written by someone who does not capitalise
    (and so may not capitalise names either)."""
    first = re.search(r"[^\W\d_]", sentence)
    return first is not None and first.group(0).islower()


def _patterns(people: Sequence[Person], *, lowercase: bool = False) -> dict[int, re.Pattern[str]]:
    parts = [p.name.split() for p in people]
    firsts = Counter(words[0].lower() for words in parts if words)
    lasts = Counter(words[-1].lower() for words in parts if len(words) > 1)
    titles = Counter((p.title or "").strip().lower() for p in people)
    patterns: dict[int, re.Pattern[str]] = {}
    for person, words in zip(people, parts, strict=True):
        if not words:
            continue
        names = [re.escape(person.name.strip())]
        if firsts[words[0].lower()] == 1 and len(words[0]) > 2 and _name_ok(words[0], lowercase):
            names.append(re.escape(words[0]))
        if (
            len(words) > 1
            and lasts[words[-1].lower()] == 1
            and len(words[-1]) > 2
            and _name_ok(words[-1], lowercase)
        ):
            names.append(re.escape(words[-1]))
        alternatives = [rf"\b(?:{'|'.join(names)})\b"]
        title = (person.title or "").strip()
        if (
            title
            and titles[title.lower()] == 1
            and len(title.split()) <= _TITLE_WORDS
            and not title.lower().startswith("former")
        ):
            # "the CFO", "our VP Finance": a title stands for its holder only with an article.
            alternatives.append(rf"\b(?i:the|their|our|new)\s+{re.escape(title)}\b")
        patterns[person.id] = re.compile("|".join(alternatives), re.I if lowercase else 0)
    return patterns


def _name_ok(word: str, lowercase: bool) -> bool:
    return not lowercase or word.lower() not in _WORD_NAMES


def departures(sentence: str, people: Sequence[Person]) -> set[int]:
    """The people ``sentence`` says have left their post. Only the one who left: in "Met Tariq
    (replaced Rosa)" Tariq's older notes still hold, Rosa's role is history."""
    return {
        pid
        for pid, pattern in _patterns(people).items()
        if re.search(rf"(?:{pattern.pattern}){_LEFT}|{_TOOK_FROM}(?:{pattern.pattern})", sentence)
    }


def find_mentions(body: str, people: Sequence[Person]) -> list[SentenceMention]:
    """The sentences of ``body`` that name one or two of ``people``, in order, and the
    sentences a pronoun attributes to the one person named just before them."""
    by_case = {False: _patterns(people), True: _patterns(people, lowercase=True)}
    found = []
    alone: int | None = None  # the contact the sentences before are about
    for ordinal, sentence in enumerate(sentences(body)):
        patterns = by_case[writes_lowercase(sentence)]
        found_at = {
            pid: match.span()
            for pid, pattern in patterns.items()
            if (match := pattern.search(sentence))
        }
        named = tuple(found_at)
        led = _PRONOUN_START.match(sentence) is not None
        if (
            alone is not None
            and alone not in named
            and (led or (not named and refers_back(sentence)))
        ):
            if len(named) < _MAX_NAMED:
                # the chain goes on: "Meg is the CFO. She signs. She warned that Kofi..."
                named = (alone, *named)
        elif (named or not _neutral(sentence)) and not _only_a_source(sentence, found_at):
            alone = _subject(sentence, found_at)
        roster = len(named) > _MAX_NAMED and is_roster(sentence)
        long_enough = len(sentence) >= _MIN_CHARS or _ROLE_LABEL.search(sentence)
        if long_enough and (0 < len(named) <= _MAX_NAMED or roster):
            found.append(SentenceMention(ordinal, sentence[:1000], named))
    return found


def _subject(sentence: str, found_at: dict[int, tuple[int, int]]) -> int | None:
    """Who the next pronoun is about: the one person named, or of two, the one named first,
    most often the subject ("Lucy called me, she was at the demo when Graham was here"); but
    not someone named to be contrasted ("Very different from Sylvia: he came from audit"),
    nor either of two named together ("Meg and Vera joined") or of two where the second is
    brought in ("Jamal set up a call w/ Amara")."""
    if not found_at or len(found_at) > _MAX_NAMED:
        return None
    # "Per Leah: nothing over $250k happens without Keisha": Leah is the source, not the subject
    if len(found_at) > 1:
        found_at = {
            pid: span for pid, span in found_at.items() if not _SOURCE.search(sentence[: span[0]])
        } or found_at
    (first, (start, end)), *rest = sorted(found_at.items(), key=lambda item: item[1])
    if _CONTRASTED.search(sentence[:start]):
        return None
    if rest and _JOINED.fullmatch(sentence[end : rest[0][1][0]]):
        return None
    if rest and _INTRODUCED.search(sentence[: rest[0][1][0]]):
        return None  # "Jamal set up a call w/ Amara. She decides": either may be "she"
    return first


def _only_a_source(sentence: str, found_at: dict[int, tuple[int, int]]) -> bool:
    """Whether the one person ``sentence`` names is only the source of what it says: "Printed
    proposal, as Jenna advised" leaves the sentences after it about whom they were before."""
    spans = list(found_at.values())
    return len(spans) == 1 and _SOURCE.search(sentence[: spans[0][0]]) is not None


def _neutral(sentence: str) -> bool:
    """A sentence that brings in nobody new, so that a pronoun after it still means the person
    before it: "Ines did the talking. The rota is a paper binder. She wants it fair." Any
    capitalised word might be someone who is not a contact ("Tom from IT joined"), but not "I",
    an acronym ("ARB", "Q2") or the first word of a description ("Tough, direct, ex-Army")."""
    words = sentence.split()
    return bool(words) and (
        (words[0].lower() in _NEUTRAL_OPENINGS or words[0][:1].islower() or _described(sentence))
        and not any(_may_be_a_name(w) for w in words[1:])
    )


def _described(sentence: str) -> bool:
    """Whether ``sentence`` opens with a description, not a subject: "Tough, direct, ex-Army."
    or "Straight talker, ex-miner." go on about the person before them."""
    return "," in sentence and len(sentence.split(",")[0].split()) <= 2


def _may_be_a_name(word: str) -> bool:
    letters = re.sub(r"['\u2019].*|[^\w]", "", word)
    return letters[:1].isupper() and letters != "I" and not letters.isupper()


def is_roster(sentence: str) -> bool:
    """Whether a sentence naming several people gives their buying roles, rather than listing
    who attended."""
    return _ROSTER.search(sentence) is not None and not _ATTENDEES.match(sentence)


def refers_back(sentence: str) -> bool:
    """Whether ``sentence`` opens with "she", "he", "her" or "his", or speaks of "she", "he",
    "her" or "him" (``find_mentions`` gives such a sentence to the person named alone before
    it)."""
    return bool(
        _PRONOUN_START.match(sentence)
        or _PRONOUN_OBJECT.search(sentence)
        or _PRONOUN_SUBJECT.search(sentence)
    )


def opens_with_pronoun(sentence: str) -> bool:
    return _PRONOUN_START.match(sentence) is not None


def name_patterns(
    people: Sequence[Person], *, lowercase: bool = False
) -> dict[int, re.Pattern[str]]:
    """Per person, the pattern by which a sentence names them among ``people`` (the module's
    docstring says which forms count); ``lowercase``: for a sentence ``writes_lowercase``."""
    return _patterns(people, lowercase=lowercase)

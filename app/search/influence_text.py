"""Who a sentence says something about, and where a phrase in it ends.

The influence suggester (``app.search.influence``) reads cues ("owns the budget", "hates
surprise fees") in sentences that name contacts. A cue counts for a contact only when that
contact is who the sentence says it of: its subject ("Meg owns the budget"), a slot the cue
names ("EB = Meg", "don't mention the lawsuit around Colin"), or the "she" that opens a
sentence ``app.search.mentions`` gave to the person named just before. The sentence is first
*marked*: each contact's name, as ``app.search.mentions`` finds it, becomes a marker ``⟨id⟩``,
so that cue patterns can say where a person stands without knowing any name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.search.mentions import opens_with_pronoun

MARKER = re.compile(r"⟨(\d+)⟩")
PERSON = r"⟨\d+⟩"  # a marker, inside cue patterns

# "Meg's the EB" is "Meg is"; "Meg's budget" is a possessive, whose noun is the subject.
_CONTRACTION = re.compile(
    r"['\u2019]s\s+(?:the|a|an|our|their|not|very|also|clearly|definitely|really|been|got|"
    r"basically|always|never|still|just|totally|super|so|pretty|quite|in|on|big|huge|keen)\b",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
# "Jill says finance signs off": what follows a reporting verb is somebody else's fact unless
# it is about "she" or "he" again ("Jill told me she signs").
_REPORTED = re.compile(
    r"(?<!final )(?<!last )(?<!the )(?<!a )(?<!no )(?<!any )(?<!some )"  # "the final say"
    r"\b(?:says?|said|tells?|told|mentions?|mentioned|thinks?|thought|heard|hears|reckons?|"
    r"claims?|claimed|according to|per|warned|noted|believes?|suspects?|feels?|felt|"
    r"explained|confirmed|admitted|hinted|implied|asked|wrote|emailed|texted)\b"
    r"(?!\s+(?:me\s+|us\s+)?(?:that\s+)?(?:she|he)\b)",
    re.IGNORECASE,
)
# "Ahmed says she signs" is Ahmed's own word on himself only when nobody else is named: after
# "Intro to Naomi (VP Finance)", "she" may be Naomi.
_REPORTED_PRONOUN = re.compile(
    r"\b(?:says?|said|tells?|told|mentions?|mentioned|thinks?|thought|reckons?|claims?|"
    r"claimed|believes?|confirmed|admitted)\s+(?:me\s+|us\s+)?(?:that\s+)?(?:she|he)\b",
    re.IGNORECASE,
)
# A clause of the gap that starts with another subject: "Meg is great but IT signs off".
_OTHER_SUBJECT = re.compile(
    r"(?:^|[,;:(\u2013\u2014]|\s-\s|\b(?:and|but|so|because|b/c|while|whereas|that|since|although|"
    r"though|cause|cuz|if|when|whereas|then)\b)\s*"
    r"(?:the\s+|their\s+|our\s+|his\s+|her\s+|its\s+|a\s+|an\s+|every\s+|all\s+)?"
    r"(?:I|we|you|they|it|everyone|everybody|nobody|no one|someone|somebody|anyone|team|"
    r"staff|people|folks|finance|IT|procurement|purchasing|legal|security|board|boss|CEO|CFO|"
    r"CIO|COO|CTO|management|leadership|users|supervisors|managers|vendor|company|committee|"
    r"HR|ops|operations|engineering|dept|department|group|others|rest|system|tool|app|product|"
    r"platform|software)\b",
)
_MAX_GAP_WORDS = 16
# The word just before a cue must leave it the subject's: "Bev is worried charge nurses hate
# clunky UIs" is the nurses' cold button, not Bev's.
_LAST_OK = re.compile(
    r"(?:^|[,(\-\u2013\u2014:=/&+]|\b(?:is|was|are|were|'s|\u2019s|has|had|have|does|did|do|"
    r"will|would|"
    r"'ll|\u2019ll|'d|\u2019d|can|could|should|must|may|might|also|really|very|just|still|"
    r"always|never|"
    r"not|n't|n\u2019t|no|only|who|that|and|plus|then|so|be|been|being|to|too|now|both|ever|even|"
    r"already|finally|the|our|their|a|an|my|her|his|quite|pretty|super|\w+ly)|\b(?:said|says|"
    r"say|told (?:me|us)|tells? (?:me|us)|made it clear|"
    r"(?:was|is) clear|thinks?|feels?|mentioned|admitted|confirmed|warned)\s+(?:that\s+)?(?:she|"
    r"he))\s*$",
    re.IGNORECASE,
)
# After a hard stop inside the gap, the same subject goes on only in a clause that opens with
# a verb ("Vince is analytical - wants data, hates fluff"), not with a noun ("Bev judges it on
# one thing: charge nurses hate clunky UIs").
_HARD_STOP = re.compile(r"[:;\u2013\u2014]|\s-\s")
_VERB_LED = re.compile(
    r"\s*(?:is|was|are|has|had|does|did|will|would|can|could|should|must|may|might|'s|also|"
    r"really|very|just|still|always|never|not|only|basically|totally|and|plus|then|\w+s|\w+ed|"
    r"\w+ly|⟨\d+⟩)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|no|nor|hardly|barely|neither|without)\b|n['\u2019]t\b",
    re.IGNORECASE,
)
# Said with doubt: a suggestion wants what the writer states.
_HEDGE = re.compile(
    r"\?|\b(?:not sure|unsure|unclear|unknown|might|maybe|perhaps|possibly|probably|"
    r"likely|guess|guessing|rumou?r(?:ed|s)?|supposedly|allegedly|TBD|TBC|to be confirmed|"
    r"need to (?:confirm|find out|check|verify)|wondering|whether|(?:ask|asking|find out|"
    r"figure out|know|sure|unclear|confirm|check|learn)\s+who (?:signs|decides|owns|"
    r"approves)|if (?:she|he) is|assume|assuming|seems to think|wants to be|wishes|"
    r"pretends?|acts like|used to|formerly|previously|hypothetically)\b",
    re.IGNORECASE,
)
_ATTENDEES = re.compile(
    r"^\s*(?:attendees|attending|present|participants|people|who was there|on the call|"
    r"invitees|cc|to|from)\s*[:=-]",
    re.IGNORECASE,
)
_LEAD_PRONOUN = re.compile(
    r"^((?:(?:and|but|also|plus|so|btw|fyi|ps|though|still|heads up|note|update|afterwards|"
    r"later|then),?:?\s+)?)(she|he|her|his)"
    r"((?:['\u2019](?:s|ll|d))?)\b",
    re.IGNORECASE,
)


# "Go through Luis, not around Dana - she hates being escalated over": after a stop, "she" or
# "he" goes on about the person named just before it.
_INNER_PRONOUN = re.compile(
    r"((?:[;:\u2013\u2014]|\s-\s|,\s*(?:and|but|so|as|because)?|\b(?:because|b/c|since|so|but|"
    r"and)\b)\s*)"
    r"(?:she|he)\b",
    re.IGNORECASE,
)


# "When I put the numbers on the table he went quiet": the sentence names nobody else.
_ANY_PRONOUN = re.compile(r"()\b(?:she|he)\b", re.IGNORECASE)

_CONTRASTED = re.compile(
    r"\b(?:from|than|unlike|like|instead of|except|besides|replacing|replaced|after)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Marked:
    """A sentence with its contacts' names replaced by markers (``⟨id⟩``)."""

    text: str
    surfaces: Mapping[str, str]  # marker -> the words it stands for

    def unmark(self, text: str) -> str:
        return MARKER.sub(lambda m: self.surfaces.get(m.group(0), m.group(0)), text)

    def people(self) -> set[int]:
        return {int(m.group(1)) for m in MARKER.finditer(self.text)}


def mark(text: str, patterns: Mapping[int, re.Pattern[str]], about: int) -> Marked:
    """``text`` with each contact named in it (``patterns``, from
    ``app.search.mentions.name_patterns``) replaced by its marker; a sentence that names nobody
    and opens with a pronoun was attributed to ``about``, whose marker then takes the
    pronoun's place ("Her team uses it daily" -> "⟨7⟩'s team uses it daily")."""
    spans: list[tuple[int, int, int]] = []
    for pid, pattern in patterns.items():
        spans += [(m.start(), m.end(), pid) for m in pattern.finditer(text) if m.end() > m.start()]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, int]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    surfaces: dict[str, str] = {}
    out, at = [], 0
    for start, end, pid in kept:
        marker = f"⟨{pid}⟩"
        surfaces.setdefault(marker, text[start:end])
        out += [text[at:start], marker]
        at = end
    out.append(text[at:])
    marked = "".join(out)
    if about not in {pid for _, _, pid in kept}:
        # The sentence was given to ``about`` for its pronoun: "She signs", "Sylvia left: she..."
        lead = _LEAD_PRONOUN.match(marked) if opens_with_pronoun(text) else None
        if lead:
            marker = f"⟨{about}⟩"
            surfaces[marker] = lead.group(2)
            possessive = "'s" if lead.group(2).lower() in ("her", "his") else ""
            marked = lead.group(1) + marker + possessive + lead.group(3) + marked[lead.end() :]
        elif not kept:  # "Walk him through it, gently: he does not like being corrected"
            inner = _INNER_PRONOUN.search(marked) or _ANY_PRONOUN.search(marked)
            if inner:
                surfaces[f"⟨{about}⟩"] = inner.group(0)[len(inner.group(1)) :]
                marked = (
                    f"{marked[: inner.start()]}{inner.group(1)}⟨{about}⟩{marked[inner.end() :]}"
                )
    marked = _INNER_PRONOUN.sub(lambda m: _nearest(marked, m), marked)
    return Marked(marked, surfaces)


def _nearest(marked: str, pronoun: re.Match[str]) -> str:
    """The marker of the person named last before ``pronoun``, unless that person was only
    named to be contrasted ("Very different from Sylvia: he came from audit")."""
    before = list(MARKER.finditer(marked, 0, pronoun.start()))
    if not before or _CONTRASTED.search(marked[: before[-1].start()]):
        return pronoun.group(0)
    return pronoun.group(1) + before[-1].group(0)


def is_attendee_list(text: str) -> bool:
    return _ATTENDEES.match(text) is not None


def subject_before(marked: str, at: int) -> int | None:
    """The contact a cue starting at ``at`` is said of: the nearest marker before it, when
    nothing between them hands the sentence to someone else (another subject, reported
    speech, or the marker being a possessive: "Vera's team hates it")."""
    markers = list(MARKER.finditer(marked, 0, at))
    if not markers:
        return None
    last = markers[-1]
    after = marked[last.end() : at]
    if _POSSESSIVE.match(after) and not _CONTRACTION.match(after):
        return None
    gap = _PARENTHESES.sub(" ", after)
    # "Meg, our CFO, signs": an apposition is no other subject.
    gap = re.sub(r"^\s*,\s*(?:the|our|their|a|an)\s[^,]{1,40},", " ", gap)
    if (
        len(gap.split()) > _MAX_GAP_WORDS
        or _REPORTED.search(gap)
        or (_REPORTED_PRONOUN.search(gap) and len(MARKER.findall(marked)) > 1)
        or _OTHER_SUBJECT.search(gap)
        or MARKER.search(gap)
        or not _LAST_OK.search(gap)
        or any(part.strip() and not _VERB_LED.match(part) for part in _HARD_STOP.split(gap)[1:])
    ):
        return None
    return int(last.group(1))


# the next of a list of people; not "EB Helena, TB Owen", where "TB" begins another label
_LIST_NEXT = re.compile(r"\s*(?:\([^()]*\))?\s*(?:\+|&|/|,|\band\b)\s*⟨(\d+)⟩")


def listed_after(marked: str, end: int) -> list[int]:
    """The people listed after the one whose marker ends at ``end``: "⟨1⟩ (security) + ⟨2⟩
    (ARB), ⟨3⟩" gives [2, 3]."""
    found = []
    while m := _LIST_NEXT.match(marked, end):
        found.append(int(m.group(1)))
        end = m.end()
    return found


def negated(marked: str, start: int, subject_end: int | None = None) -> bool:
    """Whether the cue at ``start`` is denied: a negation in the words just before it, back to
    its subject at most ("Meg does not sign", "Wes is no longer our coach")."""
    begin = max(subject_end or 0, start - 40)
    window = marked[begin:start]
    window = re.split(r"[,;:(\u2013\u2014]|\s-\s|\bbut\b", window)[-1]
    return _NEGATION.search(window) is not None


def denies(text: str) -> bool:
    """Whether ``text`` holds a negation anywhere ("not", "never", "no longer", "won't")."""
    return _NEGATION.search(text) is not None


def hedged(text: str) -> bool:
    return _HEDGE.search(text) is not None


def clause_around(marked: str, start: int, end: int) -> tuple[int, int]:
    """The clause holding ``marked[start:end]``: between the nearest hard stops around it."""
    stops = re.compile(r"[;:!?]|\.(?:\s|$)|\s[-\u2013\u2014]\s")
    left = 0
    for m in stops.finditer(marked, 0, start):
        left = m.end()
    right_match = stops.search(marked, end)
    right = right_match.start() if right_match else len(marked)
    return left, right


_PHRASE_STOP = re.compile(
    r"[.;:!?()\"\u201c\u201d]|,|\s[-\u2013\u2014]\s|\s(?:but|so|because|b/c|bc|which|since|"
    r"though|although|esp|"
    r"especially|e\.g\.|i\.e\.|like|than|whereas|while|when|unless|until|plus|and then|"
    r"and (?:she|he|wants|hates|loves|is|has|cares|likes|dislikes|prefers))\b",
    re.IGNORECASE,
)
_PHRASE_LEAD = re.compile(
    r"^(?:(?:about|abt|on|with|w/|by|of|for|that|the|a|an|any|all|some|how|when|it when|"
    r"it|is|are|to|in|at|over|really|very|most|mostly|especially|esp|just|so)\s+)+",
    re.IGNORECASE,
)
_PHRASE_TAIL = re.compile(
    r"\s+(?:too|as well|though|lol|etc|anymore|at all|a lot|big time|for (?:her|him)|"
    r"(?:above|more than) anything|in general|generally)$",
    re.IGNORECASE,
)
_MAX_PHRASE_WORDS = 10


def phrase(
    marked: Marked, start: int, *, end: int | None = None, before: bool = False, holder: int = -1
) -> str | None:
    """The short phrase of ``marked.text`` from ``start`` to the end of its clause (or to
    ``end``; ``before``: the phrase ends at ``end`` and starts at its clause's start), without
    leading prepositions and articles or the holder's own name, other names put back: what
    follows "hates" in "hates surprise fees, esp. on renewals" is "surprise fees"."""
    text = marked.text[start:end]
    if before:
        text = _PHRASE_STOP.split(text)[-1]
    else:
        stop = _PHRASE_STOP.search(text)
        text = text[: stop.start()] if stop else text
    # "call Gail on Fridays" -> "call on Fridays": the holder is who it is about, not the thing
    text = re.sub(
        rf"(?:\s*\b(?:w/|with|to|around|for|near|in front of))?\s*⟨{holder}⟩(?:['\u2019]s)?",
        "",
        text,
    )
    text = re.sub(
        r"(?<!\w)['\u2018\u2019`]|['\u2018\u2019`](?!\w)", "", text
    )  # quotes, not apostrophes
    text = _PHRASE_LEAD.sub("", text.strip(" *-\u2013\u2014\t"))
    text = _PHRASE_TAIL.sub("", text.strip(" '\u2018\u2019`*"))
    words = marked.unmark(text).split()
    if not words or len(words) > _MAX_PHRASE_WORDS:
        return None
    return " ".join(words).strip(" ,'\u2018\u2019")

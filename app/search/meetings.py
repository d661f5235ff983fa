"""Whether a note records a meeting, and which of its account's contacts were met.

Colleagues write meetings up in a few recognisable ways: a recap with an attendee line
("Attendees: Jill Oyelaran (CFO), Wes Devlin + us"), or a first sentence that says what
happened and with whom ("1/5 call w/ Meg & Renee", "Mtg w/ Caleb, Shannon", "Ran into Ted at
the conference", "Lunch with Priya"). Only those two places count: a fact further down that
merely names someone ("Meg wants a call with our CEO") is not a meeting with Meg, and a plan
("next: get a reference call set up for Russ") is not one yet. People are named as the mention
finder names them (``app.search.mentions.name_patterns``), so a first name shared by two
contacts of the account names neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.search.mentions import Person, name_patterns, sentences

_ATTENDEES = re.compile(
    r"^[\s*•-]*(?:attendees|attending|participants|present|in the room|on the call)\s*:(.+)$",
    re.I | re.M,
)
_CUE = re.compile(
    r"\b(?:call|calls|mtg|meeting|met|meet|lunch|dinner|coffee|breakfast|drinks|onsite|on-site|"
    r"site visit|visit|visited|demo|workshop|qbr|kick-?off|catch-?up|caught up|follow-?up|sync|"
    r"zoom|teams call|steering|discovery|ran into|bumped into|spoke with|spoke to|talked with|"
    r"talked to|sat down with|1:1|one-on-one|walkthrough|walk-through)\b",
    re.I,
)
# A heading that plans or asks for a meeting records none.
_NOT_YET = re.compile(
    r"\b(?:next|todo|to do|need to|needs to|will|should|plan|planned|planning|schedule|"
    r"scheduling|set up|book|booking|wants|asked for|request|requested|tomorrow|upcoming|"
    r"invite|invited|cancel+ed|postponed|no-?show|voicemail|left a message)\b",
    re.I,
)
_HEADING_CHARS = 300


def met(body: str, people: Sequence[Person]) -> set[int]:
    """The ids of ``people`` (every contact of the note's account) whom the note records
    meeting: named on an attendee line, or in a first sentence that reports a meeting."""
    patterns = name_patterns(people)
    if not patterns:
        return set()
    places = [m.group(1) for m in _ATTENDEES.finditer(body)]
    if (head := _heading(body)) is not None:
        places.append(head)
    return {pid for pid, pattern in patterns.items() if any(pattern.search(p) for p in places)}


def records_meeting(body: str) -> bool:
    """Whether the note is a meeting's write-up at all, whoever was there."""
    return _ATTENDEES.search(body) is not None or _heading(body) is not None


def _heading(body: str) -> str | None:
    """The first sentence, up to its first colon ("1/5 call w/ Meg & Renee: she wants..."),
    when it reports a meeting."""
    first = next(iter(sentences(body)), "")[:_HEADING_CHARS]
    head = first.split(": ", 1)[0]
    return head if _CUE.search(head) and not _NOT_YET.search(head) else None

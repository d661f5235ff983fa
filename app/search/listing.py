"""Questions that ask for a list: "which accounts froze spending in 2024?", "every account where
ShiftGrid Pro is the incumbent", "all objections raised at Kessler-Dunn in 2025".

Such a question wants each account (or, at one account, each incident) once, not ten notes
restating the same one; ``app.domain.results`` groups the hits accordingly. Recognition is by
patterns of how people ask for a list, pure and without a database, written from how sellers
ask rather than from any data set's phrasing: a plural "which accounts/customers/deals", "at
which accounts", "every"/"all"/"each of our", "list"/"show all", "every time". A question
about one thing ("which exec signs at X?", "what is the budget?") is not a list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Per = Literal["account", "incident"]

_THINGS = (
    r"(?:accounts?|customers?|clients?|companies|prospects|deals?|opportunit(?:y|ies)|"
    r"sites?|renewals?|objections?|incidents?|tickets?|complaints?|issues?|problems?|"
    r"outages?|escalations?|freezes?|competitors?|rivals?|go-lives?|contracts?|orders?|"
    r"banks?|hospitals?|schools?|colleges?|plants?|stores?|retailers?)"
)


def _any(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.I)


# Each pattern asks for every member of a set, not the best one.
_LIST = _any(
    rf"^\s*(?:which|what)\s+(?:\w+\s+){{0,2}}?{_THINGS}\b",
    rf"\b(?:at|for|in|with|on)\s+which\s+(?:\w+\s+){{0,2}}?{_THINGS}\b",
    rf"\b(?:every|all(?:\s+the)?|each\s+of(?:\s+our|\s+the)?|any\s+of\s+our)\s+(?:\w+\s+){{0,3}}?"
    rf"{_THINGS}\b",
    r"\bevery\s+(?:time|account|customer|client|deal|complaint|incident|objection)\b",
    r"^\s*(?:please\s+)?(?:list|enumerate)\b",
    r"^\s*(?:show|give|find)\s+(?:me\s+)?(?:all|every|each)\b",
    r"\b(?:across|over)\s+(?:all\s+)?(?:our|the)\s+(?:accounts|customers|clients|book)\b",
    r"^\s*(?:where|at\s+which\s+accounts?)\s+(?:is|are|has|have|did|do|does)\b",
    r"\bhow\s+many\s+(?:of\s+our\s+)?(?:accounts|customers|clients|deals)\b",
)
# "where is the meeting?" about one named account asks for a place, not a set of accounts.
_WHERE = re.compile(r"^\s*where\b", re.I)


# The words that frame a question as a list, and say nothing of what is listed: taken out of
# the text that is embedded and searched for, as the account's name is.
_FRAME = _any(
    r"^\s*(?:please\s+)?(?:list|enumerate|show|give|find)(?:\s+me)?(?:\s+(?:all|every|each))?"
    r"(?:\s+(?:of\s+)?(?:the|our))?\b",
    r"^\s*(?:which|what)\s+(?:of\s+our\s+)?(?:\w+\s+){0,2}?(?:accounts?|customers?|clients?|companies)"
    r"(?:\s+(?:have|has|had|did|do|does|are|were|is|was))?\b",
    r"^\s*(?:at|for|in|with|on)\s+which\s+(?:accounts?|customers?|clients?|companies)"
    r"(?:\s+(?:have|has|had|did|do|does|are|were|is|was|might|may|could|would|will))?\b",
    r"\b(?:every|each)\s+(?:account|customer|client)\s+(?:where|that|which|with|whose)\b",
    r"\b(?:at|for|in)\s+(?:each|every|all)\s+(?:of\s+)?(?:our|the)\s+(?:\w+\s+){0,3}?"
    r"(?:accounts|customers|clients)\b",
    r"^\s*(?:every|all(?:\s+the)?|each(?:\s+of\s+(?:our|the))?)(?:\s+time)?\b",
)


@dataclass(frozen=True)
class ListQuestion:
    """A question that asks for a list, and what one item of the list is: an account, or at a
    single account, an incident (a note and the notes restating it or naming its codes).
    ``topic`` is what is listed: the question less the words that frame it as a list."""

    per: Per
    topic: str


def topic_of(text: str) -> str:
    """``text`` less its list frame; the text itself if nothing would be left."""
    stripped = _FRAME.sub(" ", text)
    stripped = re.sub(r"\s+", " ", stripped).strip(" ?,.")
    return stripped if re.search(r"[A-Za-z]{3}", stripped) else text


def recognise_list(question: str, *, text: str, accounts: int) -> ListQuestion | None:
    """``text`` is the question as understood (the accounts' names taken out); ``accounts``
    is how many accounts the question is about (named, or the filter): at one, the list is of
    incidents there; otherwise of accounts."""
    match = _LIST.search(question)
    if match is None:
        return None
    if accounts == 1 and _WHERE.match(question) and not re.search(r"\bevery|\ball\b", question):
        return None
    return ListQuestion(per="incident" if accounts == 1 else "account", topic=topic_of(text))

"""What a question asks for, when it is something the buying-influence map knows.

A question such as "who signs off at Bramblewood?" asks for a fact (the economic buyer), not
for notes; so do "who is our coach there", "what does Meg care about", "what should I avoid
with Hugo" and "who knows Reggie best". This module recognises those intents, pure and without
a database: ``app.domain.answers`` finds the account and the person the question names and
answers from the map.

Recognition is by hand-written patterns of how sellers ask, written from sales practice and
not from any data set's phrasing: a role question must ask *who* (or whether anyone) holds the
role, so "what is the budget?" or "any inside tips from our coach?" ask nothing the map
answers. A question that matches no pattern gets no answer: a wrong answer above the hits
costs more than a missing one, and the hits are still there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Intent = Literal[
    "economic_buyer", "technical_buyer", "user_buyer", "coach", "hot_buttons", "cold_buttons",
    "who_knows",
]  # fmt: skip
ROLE_INTENTS: dict[str, str] = {
    "economic_buyer": "economic",
    "technical_buyer": "technical",
    "user_buyer": "user",
    "coach": "coach",
}
PERSON_INTENTS = ("hot_buttons", "cold_buttons")


def _any(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.I)


# The question asks for a person: who, whose, which of them, is there anyone.
_WHO = _any(
    r"\b(?:who|whom|whose|who's)\b",
    r"\bwhich\s+(?:\w+\s+){0,2}?(?:exec\w*|person|people|contact|one|manager|leader|director|"
    r"officer|vp|member|stakeholder|individual|buyer|champion|coach|insider)s?\b",
    r"\b(?:is|are)\s+there\s+(?:an?\s+|any\s*)?(?:one|body|\w+)\b",
    r"\b(?:anyone|anybody|someone|somebody)\b",
    r"\bname\s+(?:of\s+)?the\b",
)

# Technical buyers judge the offer against specifications and can say no, not yes: IT,
# security, legal, quality, procurement's screening.
_TECHNICAL = _any(
    r"\btechnical\s+(?:buyer|decision[- ]?maker|approver|approval|evaluator|gatekeeper|"
    r"sign[- ]?off|veto|side)",
    r"\b(?:legal|qa|quality|compliance|validation|procurement|vendor)\s+(?:review|sign[- ]?off|"
    r"approval|check|gate)s?\b",
    r"\breviews?\s+(?:the\s+)?(?:contract\s+terms|terms|legal\s+terms|security|vendors?)\b",
    r"\b(?:veto|vetoes|vetoed)\b",
    r"\bscreens?\s+(?:the\s+)?(?:vendors?|suppliers?|tools?)",
    r"\b(?:tech(?:nical)?|security|it|integration|architecture)\s+(?:eval(?:uation)?|review|"
    r"sign[- ]?off|approval|gatekeeper)s?\b",
    r"\b(?:signs?|signing)\s+off\s+on\s+(?:the\s+)?(?:tech\w*|security|it|integration|"
    r"architecture|sso)\b",
    r"\b(?:owns?|runs?|leads?)\s+(?:the\s+)?(?:tech\w*|security)\s+(?:eval\w*|review)",
)
_ECONOMIC = _any(
    r"\beconomic\s+buyer",
    r"\b(?:signs?|signing|signed)\s+off\b",
    r"\bwho\s+signs\b(?!\s+in\b)",
    r"\bsigns?\s+(?:the\s+)?(?:contract|deal|cheque|check|po|purchase order|order)\b",
    r"\bfinal\s+(?:say|approval|sign[- ]?off|call|decision|word|ok|okay|authority)\b",
    r"\b(?:budget|spending|spend|purchasing|signing)\s+(?:authority|owner|holder|approver|power)",
    r"\b(?:holds?|controls?|owns?)\s+(?:the\s+)?(?:purse|purse\s*strings|budget|money|"
    r"checkbook|chequebook|spend(?:ing)?|wallet)\b",
    r"\bwrites?\s+(?:the\s+)?(?:checks?|cheques?)",
    r"\bapproves?\s+(?:the\s+)?(?:spend\w*|budget|purchase|deal|money|funds?|contract)",
    r"\bgreen[- ]?lights?\b",
    r"\bwhose\s+(?:ok|okay|approval|sign[- ]?off|signature|blessing|yes)\b",
    r"\b(?:decides|decision[- ]?maker|makes\s+the\s+(?:final\s+)?(?:call|decision))\b",
    r"\bpays\s+for\b",
)
_USER = _any(
    r"\buser\s+buyers?\b",
    r"\b(?:will|would|is\s+going\s+to|are\s+going\s+to)\s+(?:actually\s+)?use\s+(?:it|this|"
    r"the\s+(?:product|system|tool|platform|software))\b",
    r"\b(?:day[- ]to[- ]day|frontline|front[- ]line|end)\s+(?:owner|user|manager|supervisor)s?\b",
    r"\b(?:lives?|work)\s+with\s+it\s+every\s+day\b",
    r"\b(?:run|use|using|work\s+in|live\s+in|own)s?\s+(?:it|the\s+\w+)\s+"
    r"(?:day[- ]to[- ]day|every\s+day|daily)\b",
)
_COACH = _any(
    r"\b(?:coach|champion|insider|ally|advocate|sponsor)\b",
    r"\binside\s+(?:guide|man|woman|person|contact|source|track)\b",
    r"\b(?:friend|friendly\s+face)\s+(?:on\s+the\s+)?inside\b",
    r"\b(?:helping|coaching|guiding|rooting\s+for|steering)\s+us\b",
)
# Hot and cold buttons are asked of one person.
_HOT = _any(
    r"\bhot\s+buttons?\b",
    r"\bwhat\s+(?:does|do|did)\s+.{1,60}?\s+(?:care|cares)\s+(?:most\s+)?about\b",
    r"\b(?:cares?|caring)\s+(?:most\s+)?about\b",
    r"\bwhat\s+(?:gets|makes)\s+.{1,60}?\s+(?:excited|tick|interested|enthusiastic)\b",
    r"\bwhat\s+(?:matters|is\s+important|counts)\s+(?:most\s+)?(?:to|for)\b",
    r"\bwhat\s+(?:motivates|drives|excites|moves|wins\s+over)\b",
    r"\bwhat\s+(?:does|do)\s+.{1,60}?\s+(?:value|want|need)\s+(?:most|personally)\b",
    r"\b(?:priorities|motivations?)\s+(?:of|for)\b",
    r"\bwhat\s+are\s+.{1,60}?\s+(?:priorities|motivations?)\b",
)
_COLD = _any(
    r"\bcold\s+buttons?\b",
    r"\b(?:avoid|steer\s+clear|stay\s+away\s+from|tiptoe)\b",
    r"\blandmines?\b",
    r"\bpet\s+peeves?\b",
    r"\bsore\s+(?:spots?|points?|subjects?)\b",
    r"\b(?:touchy|sensitive)\s+(?:about|subjects?|topics?)\b",
    r"\bwhat\s+(?:annoys|irritates|bothers|upsets|frustrates|angers|turns\s+off|puts\s+off)\b",
    r"\bwhat\s+(?:turns|puts)\s+.{1,40}?\s+off\b",
    r"\b(?:not|never)\s+(?:to\s+)?(?:bring\s+up|mention|say|talk\s+about|raise)\b",
    r"\b(?:don't|do\s+not|shouldn't|should\s+not)\s+(?:i\s+|we\s+)?(?:bring\s+up|mention|say|"
    r"talk\s+about|raise|do)\b",
    r"\b(?:hates?|dislikes?|can't\s+stand)\b",
)
_WHO_KNOWS = _any(
    r"\bwho\s+(?:\w+\s+)?(?:knows|has\s+met|met|has\s+worked\s+with|worked\s+with|covers|"
    r"is\s+close\s+to|talks\s+to|has\s+talked\s+to|owns\s+the\s+relationship\s+with|"
    r"has\s+a\s+relationship\s+with|is\s+closest\s+to|is\s+in\s+touch\s+with)\b",
    r"\bwho\s+(?:should|can|could)\s+i\s+(?:ask|talk\s+to|speak\s+to|check\s+with)\s+about\b",
    r"\bwho\s+(?:is|'s)\s+(?:the\s+)?(?:best|right)\s+(?:person\s+)?to\s+ask\s+about\b",
)


@dataclass(frozen=True)
class Asked:
    intent: Intent

    @property
    def about_a_person(self) -> bool:
        """Buttons and who-knows are asked about someone; roles about an account."""
        return self.intent in (*PERSON_INTENTS, "who_knows")

    @property
    def role(self) -> str | None:
        """The buying role a role question asks for."""
        return ROLE_INTENTS.get(self.intent)


def recognise(question: str) -> Asked | None:
    """The map's intent ``question`` asks for, or None when it asks for none (or for two at
    once, which one answer cannot serve)."""
    text = " ".join(question.replace("\u2019", "'").split())
    who = bool(_WHO.search(text))
    if who and _WHO_KNOWS.search(text):
        return Asked("who_knows")
    found: list[Intent] = []
    if who:
        if _TECHNICAL.search(text):
            found.append("technical_buyer")
        elif _ECONOMIC.search(text):
            found.append("economic_buyer")
        if _USER.search(text):
            found.append("user_buyer")
        if _COACH.search(text):
            found.append("coach")
    else:
        buttons: tuple[tuple[Intent, re.Pattern[str]], ...] = (
            ("cold_buttons", _COLD),
            ("hot_buttons", _HOT),
        )
        found += [intent for intent, pattern in buttons if pattern.search(text)]
    return Asked(found[0]) if len(found) == 1 else None


_STATES_ROLE = {"economic": _ECONOMIC, "technical": _TECHNICAL, "user": _USER, "coach": _COACH}


def states_role(sentence: str, role: str) -> bool:
    """Whether a sentence about someone says, in the words these patterns know, that they hold
    ``role`` ("Jill has final say on anything over $25k"): evidence for an answer, ranked
    before sentences that merely name the person."""
    pattern = _STATES_ROLE.get(role)
    return pattern is not None and pattern.search(sentence) is not None

"""The cues a seller's note gives about a buying influence, from sales practice, not data.

Written from the vocabulary of Miller Heiman's Strategic Selling (the Blue Sheet: economic,
technical and user buyers, the coach; growth, trouble, even-keel and overconfident modes; win
results, ratings) and from how sellers write in CRMs: shorthand ("EB", "TB"), idioms ("holds
the purse strings", "owns the budget", "in our corner"), imperatives ("don't mention...
around Colin"). No cue is taken from an evaluation set's phrasing: they must hold for other
writers, industries and habits.

A cue is a pattern over a *marked* sentence (``app.search.influence_text``: each contact's
name is a marker ``⟨id⟩``). ``{P}`` in a pattern is a person's marker, the cue's holder;
``{PA}`` is a marker or "his"/"her", which stands for the one person the sentence is about
("any new system gets his review"); a cue without either is said of the sentence's subject,
the nearest person before it. ``{X}`` captures the phrase a button or a win result is read
from; without it, the phrase is what follows the cue to the end of its clause.

A sign-off, an approval or a review is the economic buyer's when it is about money and the
technical buyer's when it is about systems, security, quality or legal terms: such cues have
the value ``SIGN_OFF`` and the sentence's words decide (``resolve_sign_off``); a sign-off
about neither is no evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from app.search.influence_text import PERSON
from app.search.literals import required

Field = Literal[
    "roles", "degree", "mode", "rating", "key_win_result", "hot_buttons", "cold_buttons"
]


@dataclass(frozen=True)
class Cue:
    field: Field
    value: str | int  # the role, degree, mode or rating; "" where the value is a phrase
    pattern: re.Pattern[str]
    strength: float = 1.0
    negatable: bool = True  # a negation before it denies it ("does not sign")

    @property
    def slotted(self) -> bool:
        return "who" in self.pattern.groupindex

    @property
    def imperative(self) -> bool:
        """An imperative about the one person the sentence names ("don't call her on
        Fridays"): no subject, no slot."""
        return (
            self.field == "cold_buttons"
            and "phrase" in self.pattern.groupindex
            and ("who" not in self.pattern.groupindex)
        )

    @property
    def extracts(self) -> bool:
        return self.field in ("hot_buttons", "cold_buttons", "key_win_result")

    @cached_property
    def literals(self) -> frozenset[str] | None:
        """Strings one of which every match holds (``app.search.literals``); None: always
        run the pattern."""
        return required(self.pattern)


_X = r"(?P<phrase>[^.;:!?()]{3,80})"
_PA = rf"(?:(?P<who>{PERSON})(?:['\u2019]s)?|(?P<anaphor>\b(?:his|her|hers|him)\b))"
SIGN_OFF = "sign-off"
DECISION = "decision"


def _compile(pattern: str) -> re.Pattern[str]:
    pattern = pattern.replace("{PA}", _PA).replace("{P}", rf"(?P<who>{PERSON})")
    return re.compile(pattern.replace("{X}", _X), re.IGNORECASE)


def _cues(
    field: Field,
    value: str | int,
    patterns: tuple[str, ...],
    strength: float = 1.0,
    *,
    negatable: bool = True,
) -> list[Cue]:
    return [Cue(field, value, _compile(p), strength, negatable) for p in patterns]


# What makes a sign-off, an approval or a review a technical buyer's...
_TECHNICAL_WORDS = re.compile(
    r"\b(?:security|infosec|cyber|IT|tech|technical|architecture|architect|integrations?|"
    r"SSO|single sign-on|SAML|ADFS|AD|Active Directory|LDAP|SCIM|MFA|Okta|Entra|VPN|API|APIs|"
    r"SFTP|network|networks|infrastructure|servers?|cloud|hosting|hosted|data|privacy|DPA|"
    r"GDPR|HIPAA|SOC ?2|pen ?test|penetration|compliance|compliant|legal|liability|"
    r"confidentiality|indemnit\w*|contract terms|terms|redlines?|MSA|validation|validated|"
    r"QA|quality|GMP|FDA|audit trail|systems?|platform|accessibility|VPAT|encryption|"
    r"firewall|identity|provisioning|setup|configuration|vendor risk|questionnaire|"
    r"requirements|specs?|SCADA|OT|ERP|HRIS|EHR|LIMS|records|licen[cs]\w*|certif\w*|"
    r"regulat\w*|safety|H&S|EHS|inspect\w*|install\w*|deploy\w*|checklist)\b",
)
# ... and what makes it an economic buyer's.
_MONEY_WORDS = re.compile(
    r"[$£€]\s?\d|\b\d+(?:\.\d+)?\s?[kKmM]\b|\b(?:budget|budgets|spend|spending|purchase|"
    r"purchases|PO|money|funds?|funding|price|pricing|cost|costs|deal|contract|contracts|order|"
    r"renewal|investment|capex|opex|year (?:one|1)|threshold|dollars?|payment|expenditure|"
    r"check|cheque|quote|proposal)\b",
    re.IGNORECASE,
)


def resolve_sign_off(clause: str, governed: str = "") -> str | None:
    """``technical`` or ``economic`` for a sign-off cue, by what it governs (the words just
    after it: "approves all contracts for operations systems" is about contracts) or else by
    what its clause is about."""
    for words in (governed, clause):
        tech = _TECHNICAL_WORDS.search(words)
        money = _MONEY_WORDS.search(words)
        if tech and money:
            return "technical" if tech.start() < money.start() else "economic"
        if tech or money:
            return "technical" if tech else "economic"
    return None


_AMOUNT = (
    r"(?:over|above|greater than|more than|>|north of|beyond|past|up to|under|below)\s*[$£€]?\s?\d"
)
_ANY = r"(?:anything|everything|all|any|every|each)"

ECONOMIC = _cues(
    "roles",
    "economic",
    (
        r"(?-i:\bE\.?B\.?\b)(?!\s*(?:thinks|says|said|wants|told|changed|is changing|unknown|"
        r"TBD|\?))",
        r"\beconomic (?:buyer|decision[- ]?maker)\b",
        r"\b(?:the|our|their|real|actual|ultimate|final|main|true)\s+(?:decision[- ]?maker|"
        r"signer|signatory|budget (?:owner|holder)|money (?:person|guy|gal))\b",
        r"\bbudget (?:owner|holder)\b",
        r"\b(?:signing|spending|spend|purchasing|budget) (?:authority|power|limit)\b",
        r"\b(?:authority|approval limit|signing limit)\s+(?:up to|to sign|of|for)\s*[$£€]?\s?\d",
        r"\b(?:holds?|holding|controls?|controlling|owns?|owning|sits on|guards?|has|had|keeps?|"
        r"kept|manages?|runs?)\s+(?:the\s+|"
        r"her\s+|his\s+|every\s+|all\s+)?(?:[\w'\u2019&-]+\s+){0,3}?(?:purse[- ]?strings|purse|"
        r"check ?book|cheque ?book|wallet|budget|budgets|P&L|pocketbook)\b",
        r"\b(?:writes|signs|cuts|sign|write|cut)\s+the\s+(?:checks?|cheques?)\b",
        r"\b(?:breaks|will break)\s+(?:the\s+)?ties\b|\btie[- ]?breaker\b",
        r"\bcalls the shots\b",
        r"\b(?:makes?|made|making|will make|'ll make)\s+the\s+(?:final\s+|big\s+|ultimate\s+)?"
        r"(?:call|decision|buying decision)s?\b(?!\s+(?:on|about)\s+(?:the\s+)?(?:security|"
        r"technical|architecture|integration))",
        r"\bowns?\s+the\s+(?:final\s+|buying\s+|purchase\s+)?decision\b",
        r"\bthe\s+(?:final\s+)?(?:decision|call|budget|money)\s+(?:is|was|will be)\s+"
        r"(?:all\s+)?{PA}\b",
        r"\b(?:can|only one who can|is the only one who can)\s+say yes\b",
        r"\b(?:releases?|unlocks?)\s+(?:the\s+)?(?:funds|funding|money|budget)\b",
        r"\b(?:can|could)\s+(?:overrule|override)\s+(?:everyone|anyone|them all|the others)\b",
        r"\b(?:fund|pay for|find the money for)\s+(?:it|this|the project|year (?:one|1))\s+"
        r"(?:out of|from)\s+(?:her|his|the)\s+(?:[\w-]+\s+)?budget\b",
        # "signed the 14 elevator renewal", "signed for all 28 sites"
        r"\bsigned(?=\s*(?:[.,;!)]|$|\s+(?:it\b|on\s+\d|\d|for\s+(?:all|the|year|yr|\d|it)|"
        r"(?:the|a|an|our|their)\s+(?:[\w$,.-]+\s+){0,3}?(?:contract|order|deal|paper|PO|"
        r"agreement|order form|renewal|SOW|quote|proposal|extension|expansion|MSA)s?\b|(?:him|"
        r"her)self)))",
        r"\b(?:is|was)\s+signing\s+(?:for|the|it)\b",
        r"\bsigns(?=\s*(?:[.;,!)]|$|\s+(?:if|once|when|after|it|for|anything|everything|"
        r"(?:the|every|each|all|any|our)\s+(?:[\w-]+\s+){0,2}?(?:contract|deal|order|PO|paper|"
        r"paperwork|check|cheque|agreement|renewal|purchase|invoice)s?)\b))",
        r"\b(?:signs?|sign(?:s|ing)? for|approves?|approved|okays?)\s+(?:on\s+)?(?:"
        + _ANY
        + r"|it|spend|purchases?)\b[^.;]{0,25}?"
        + _AMOUNT,
        r"\b(?:will|'ll|has to|must|needs to|gets to|is the one who|is who|alone can|can|could|"
        r"would|'d)\s+(?:sign|approve)\b(?=\s*(?:[.,;!)]|$|\s+(?:if|once|when|after|in|by|"
        r"before|alone|it|this|the (?:deal|contract|purchase|PO|order|spend|paper)\b)))",
        r"\bcan sign alone\b",
        # a slot: whose call, whose budget; what goes to whom
        r"(?:^|[(,;:]|\b(?:it|that|this)(?:'s|\u2019s| is| was))\s*{P}['\u2019]s\s+(?:budget|"
        r"money|signature|check ?book|P&L|dime|purse)\b",
        r"\b(?:needs?|requires?|without|pending|waiting (?:on|for)|get|got)\s+{P}['\u2019]s\s+"
        r"(?:signature|OK|okay|blessing|green ?light)\b",
        r"\b(?:it\s+is|it['\u2019]s|is)\s+{P}\s+(?:\([^)]*\)\s+)?who\s+(?:approves?|signs?|"
        r"decides?|"
        r"owns?|controls?|holds?)\b",
        r"\b" + _ANY + r"\s+(?:over|above|north of|greater than|more than|bigger than|>)\s*[$£€]?"
        r"\s?[\d.,]+\s?[kKmM]?\w*\s+(?:goes|go|has to go|needs to go|must go|is|are|gets? "
        r"escalated)\s+(?:up\s+)?(?:to|through|past)\s+{P}",
        r"\bnothing\s+(?:over|above|bigger than|larger than)?[^.;]{0,25}?(?:happens|moves|"
        r"gets (?:signed|approved|done|bought)|goes (?:through|ahead)|is approved|is signed)\s+"
        r"without\s+{P}",
        r"\b(?:final say|final call|final decision|the decision|award|approval|signature|"
        r"budget|money)\s+(?:rests|sits|lies|is|stays|comes|will come)\s+(?:with|by|from)\s+{P}",
        r"\b(?:budget|decision|money|sign[- ]?off|authority)\b[^.;]{0,40}?\b(?:moves|goes|passes|"
        r"falls|transfers|shifts|rolls up)\s+(?:over\s+)?to\s+{PA}",
        r"\b(?:who signs|signer|who decides|decision[- ]?maker|approver)\b[^:.;]{0,30}:\s*"
        r"(?:[\w.&]+\s+){0,4}?{P}",
        r"(?-i:\bE\.?B\.?)\s*(?:=|:|is|->|→|will be|-)?\s*{P}",
        r"\b(?:economic buyer|budget owner|decision[- ]?maker|signer|approver)\s*"
        r"(?:=|:|is|->|→|will be)\s*{P}",
        r"\bthe one who signs(?: off)?\s+(?:is|=)\s+{P}",
        # the one who decides: "the guy who decides is Gary", "she is the one who decides"
        r"\bthe\s+(?:one|guy|person|woman|man|lady|exec)\s+who\s+(?:really\s+|actually\s+)?"
        r"(?:decides|signs|approves|makes the (?:final\s+)?(?:call|decision)|holds the budget)"
        r"\s+(?:is|=)\s+{P}",
        r"\b(?:is|'s|\u2019s)\s+the\s+(?:one|guy|person|woman|man|lady)\s+who\s+(?:really\s+|"
        r"actually\s+)?(?:decides|signs|approves|makes the (?:final\s+)?(?:call|decision))\b",
        r"\b(?:decides?|deciding|will decide|'ll decide|\u2019ll decide|gets to decide)\s+"
        r"(?:(?:on|about)\s+(?:the\s+)?[\w-]+\s+)?(?:alone|(?:her|him)self|on (?:her|his) own)\b",
        r"\bdecides\b(?=\s*(?:[.;,!)]|$))",
        r"\b(?:will|'ll|\u2019ll|is going to|gets to)\s+decide\b(?=\s*(?:[.;,!)]|$|\s+(?:by|"
        r"before|after|in|this|next|whether|if|once|when|on the (?:pilot|deal|purchase|contract|"
        r"renewal|order))\b))",
    ),
)
# A decision or a call: the technical buyer's when it is about systems, security, quality or
# legal terms, and otherwise the buying decision, the economic buyer's ("that's her call").
DECISIONS = _cues(
    "roles",
    DECISION,
    (
        r"\b(?:it|that|this|which|is|was)(?:['\u2019]s|\s+is|\s+was)?\s+(?:all\s+)?{PA}\s+"
        r"(?:call|decision|choice)\b",
        r"(?:^|[(,;:])\s*{P}['\u2019]s\s+(?:call|decision)\b",
        r"\b(?:decides?|deciding|decided)\s+(?:on|about)\s+(?:all|any|every|anything|"
        r"everything)\b",
        r"\bsays?\s+(?:yes|no)(?:\s*/\s*(?:yes|no))?\s+(?:on|to)\s+(?:all|any|every|anything|"
        r"everything|tech|vendors|software|purchases|spend)\b",
    ),
)
# A sign-off, approval or review: economic or technical as its clause says.
SIGN_OFFS = _cues(
    "roles",
    SIGN_OFF,
    (
        r"\b(?:signs?|signed|signing)\s+off\b",
        r"\b(?:final|last)\s+(?:say|word|call|approval|sign[- ]?off|signature|authority|yes)\b",
        r"\b(?:approves?|approved|approving)\s+(?:" + _ANY + r"|the|their|our|it|this)\b",
        r"\b(?:signs?|signed|will sign|'ll sign)\s+the\s+(?:[\w&-]+\s+){1,2}?(?:approval|"
        r"sign[- ]?off|checklist|attestation|certificate|review|assessment)\b",
        # a gate: "must confirm the licence checks", "has to approve anything we install"
        r"\b(?:must|has to|have to|needs to|will have to|is to|gets to)\s+(?:confirm|verify|"
        r"validate|certify|check|clear|vet|approve|sign off on|OK|okay)\b",
        r"\b(?:gets?|needs?|requires?|goes through|must (?:pass|get)|has to (?:pass|get))\s+{PA}\s+"
        r"(?:review|approval|sign[- ]?off|OK|blessing)\b",
        r"(?:^|[(,;:]|\band\b)\s*{PA}\s+(?:sign[- ]?off|approval)\s+is\s+(?:required|needed|"
        r"mandatory|a must)\b",
    ),
)
TECHNICAL = _cues(
    "roles",
    "technical",
    (
        r"(?-i:\bT\.?B\.?\b)",
        r"\btechnical (?:buyer|gatekeeper|approver|decision[- ]?maker|evaluator|sign[- ]?off|"
        r"veto|lead on the (?:eval|evaluation))\b",
        r"\bgate[- ]?keeper\b",
        r"\b(?:owns?|runs?|leads?|is running|is leading|drives?|handles?|is handling|is doing|"
        r"in charge of|responsible for|heads? up|chairs?|will (?:run|do|start|lead|own)|starts?)\s+"
        r"(?:the\s+|their\s+|our\s+|a\s+)?(?:[\w-]+\s+){0,2}?(?:eval(?:uation)?|review|"
        r"assessment|due diligence|vetting|screening)\b(?=[^.;]{0,80}?" + r"(?:security|IT\b|"
        r"integration|architecture|SSO|technical|data|compliance|validation|legal|network|"
        r"systems?))",
        r"\b(?:owns?|runs?|leads?|is running|drives?|handles?|in charge of|responsible for|"
        r"will (?:run|do|start|lead|own)|starts?)\s+(?:the\s+|their\s+|our\s+|a\s+)?"
        r"(?:security|infosec|IT|tech|technical|architecture|integration|compliance|legal|"
        r"validation|vendor risk|data protection|privacy)\s+(?:eval(?:uation)?|review|"
        r"assessment|due diligence|vetting|screening|questionnaire)s?\b",
        r"\b(?:tech(?:nical)? eval(?:uation)?|security review|IT review|architecture review|"
        r"vendor (?:risk )?(?:review|assessment|vetting|screening)|technical review|"
        r"security (?:assessment|questionnaire))\s+(?:is\s+)?(?:owned|run|led|done|"
        r"handled|driven)\s+by\s+{P}",
        r"\b(?:screens?|vets?|will screen|will vet|is screening|is vetting|reviews?|will review|"
        r"evaluates?|assesses?)\s+(?:us|vendors|suppliers|the vendors|all vendors|every vendor|"
        r"each vendor|new vendors|every (?:new )?(?:tool|system))\b",
        r"\b(?:can|could|will|would|has|have|holds?|keeps?|with)\s+(?:a\s+|the\s+)?(?:final\s+)?veto\b|"
        r"\bveto (?:power|rights?)\b|[=:]\s*(?:[\w&/-]+\s+){0,2}veto\b|"
        r"\(veto\b",
        r"\b(?:can|could)\s+(?:block|kill|nix|stop|veto)\s+(?:it|us|the deal|this|anything|"
        r"any (?:tool|vendor|system|software|product|purchase)s?)\b",
        r"\b(?:has\s+)?(?:stopped|blocked|killed|vetoed)\s+(?:\w+\s+){0,3}?(?:software\s+)?"
        r"(?:purchases|vendors|deals|tools?|projects?|rollouts?|pilots?|implementations?)\b",
        r"\b(?:can|could|will|would|may)\s+(?:just\s+)?say no\b",
        # "checks anything touching the union agreement", "reviews everything with patient data"
        r"\b(?:reviews?|screens?|checks?|vets?|gates?|validates?|audits?)\s+(?:anything|everything|"
        r"any\s+\w+|every\s+\w+|all\s+\w+)\s+(?:that\s+)?(?:with|touching|involving|that touches|"
        r"that involves|touches|involves|related to|affecting|that affects)\b",
        # validation is a technical gate: "will validate the terms", "not without her validation"
        r"\b(?:validat(?:es|ed|ing)|(?:will|must|has to|have to|needs to|to)\s+validate)\s+"
        r"(?:the|our|any|every|all|each|it|this)\b",
        r"\bwithout\s+{PA}\s+(?:validation|technical (?:OK|sign[- ]?off|review)|security review)\b",
        r"[=:]\s*(?:[\w&/-]+\s+){0,2}gate[- ]?keeper\b",
        r"\b(?:sent|sends|send|will send|owns?|wrote|writes)\s+(?:over\s+)?(?:us\s+)?(?:their|"
        r"the|a|"
        r"our)\s+(?:vendor\s+)?(?:security|infosec|IT|vendor risk|technical|tech|architecture|"
        r"integration|network) (?:questionnaire|requirements|reqs|checklist|review|assessment|"
        r"spec|specs)\b",
        r"\b(?:hard|technical|tech|must[- ]have) (?:reqs|requirements)\s+(?:are|=|:)",
        r"\b(?:writes?|wrote|owns?|sets?|set)\s+(?:the\s+)?(?:technical\s+)?(?:specs?|"
        r"requirements|reqs|RFP requirements|evaluation criteria|selection criteria)\b",
        r"\b(?:checks?|judges?|measures?|scores?|tests?)\s+(?:us|vendors|the product|every vendor|"
        r"each vendor)\s+against\s+(?:the\s+|their\s+)?(?:specs?|requirements|criteria|"
        r"checklist)\b",
        r"\b(?:has to|must|needs to|will have to|gets to)\s+(?:confirm|verify|validate|certify|"
        r"clear|check)\s+(?:that\s+)?(?:any|every|each|the|our)\s+(?:new\s+)?(?:tool|system|"
        r"vendor|product|software|solution|platform)\b",
        r"\b(?:will\s+|to\s+)?reviews?\s+the\s+(?:contract terms|contract|terms|paper|redlines|"
        r"MSA|DPA|security)\b",
        r"\bgates?\s+(?:it|the deal|this|vendors|the purchase|every vendor)\b",
        r"\b(?:sits|sat|is|serves)\s+on\s+(?:the\s+)?(?:architecture|security|IT|technical|"
        r"tech|change|design|data|risk|compliance|safety)\s+(?:review\s+)?(?:board|committee|"
        r"council|panel)\b|\b(?:chairs?|chaired|runs?|leads?)\s+(?:the\s+)?(?:architecture|"
        r"security|IT|technical|change|design)\s+(?:review\s+)?(?:board|committee|council)\b",
        # a gate in other words: "no roster tool goes aboard unless...", "has to say yes on the
        # logins and the tablets"
        r"\b(?:nothing|no\s+(?:[\w-]+\s+){0,2}?(?:tool|system|software|app|vendor|product)s?)\s+"
        r"(?:goes|gets|is|will go|can go|will be)\s+(?:[\w-]+\s+){0,2}?(?:unless|without)\b",
        r"(?:\b(?:has to|must|gotta|got to|needs to)|['\u2019]s gotta)\s+say yes\s+(?:on|to)\s+"
        r"(?:the\s+|any\s+)?(?:[\w-]+,?\s+){0,3}?(?:login|logins|SSO|security|integrations?|"
        r"tablets|devices|network|data|API|IT|infrastructure)\b",
        r"(?-i:\bT\.?B\.?)\s*(?:=|:|is|->|→|will be|-)?\s*{P}",
        r"\btechnical buyer\s*(?:=|:|is|->|→|will be)\s*{P}",
    ),
)
_USE = (
    r"(?:use|using|uses|live in|living in|lives in|live with|living with|work in|working in|"
    r"be in|run (?:it|things|everything) in|be the ones living in|be the ones using|schedul\w+ "
    r"(?:everything|everyone|it all) in)"
)
# the product, however named: "the app", "our tool", "the crew board", "the new scheduler"
_TOOL = (
    r"(?:it|this|(?:the|our|that|their)\s+(?:new\s+)?(?:[\w-]+\s+)?(?:tool|system|app|product|"
    r"platform|software|solution|board|portal|dashboard|scheduler|module))"
)
_OFTEN = (
    r"(?:(?:(?:literally|basically|practically|pretty much|almost)\s+)?(?:every ?day|daily|"
    r"day[- ]to[- ]day|all day|each day|constantly|every shift|all the time|"
    r"every single day|around the clock|every (?:morning|night|evening|week|shift|weekend)|"
    r"each (?:morning|night|week|shift)))"
)
# the people someone leads: "her team", "his ppl", "their dispatchers", "her desk leads"
_GROUP = (
    r"(?:team|teams|people|ppl|guys|staff|crew|crews|managers|nurses|drivers|agents|reps|"
    r"employees|folks|department|dept|departments|department heads|group|unit|floor|techs|"
    r"associates|workers|leads|desks|GMs|foremen|\w+(?:ers|ors|ists|ians|ants|ents|men))"
)
_MODAL = (
    r"(?:will|would|'ll|\u2019ll|'d|\u2019d|are|is|are going to|gonna|have to|has to|need to|"
    r"must|will have to|now|get to)"
)
USER = _cues(
    "roles",
    "user",
    (
        r"(?-i:\bU\.?B\.?\b)",
        r"\buser buyer\b",
        r"\b(?:day[- ]to[- ]day|daily|everyday|primary|main|hands[- ]on|power|super|lead|heavy)\s*"
        r"[- ]?(?:user|owner|admin(?:istrator)?|operator)s?\b",
        r"\bend[- ]users?\b",
        r"\b(?:will|would|'ll|'d|is going to|are going to|gonna)\s+(?:be\s+)?"
        + _USE
        + r"\s+"
        + _TOOL
        + r"\b",
        r"(?:\b(?:uses?|using|lives? in|living in|works? in|runs?|running|is in|be in|is on|"
        r"be on|been on)|['\u2019]s on)\s+" + _TOOL + r"\s+" + _OFTEN + r"\b",
        r"\b(?:be|work|live|lives|working|living)\s+in\s+(?:[A-Z][\w-]+|"
        + _TOOL
        + r")\s*,?\s*"
        + _OFTEN
        + r"\b",
        r"\b(?:judges?|will judge|feels?|will feel|sees?|will see|lives? with)\s+(?:the\s+)?"
        r"(?:day[- ]to[- ]day\s+)?(?:impact|effect|results?)\s+(?:on|in)\s+(?:her|his|their|the)\s+"
        r"(?:work|job|team|people|day|operation|floor|unit|shift|staff)s?\b",
        r"\b(?:owns?|runs?|running|manages?|handles?|does|is in charge of)\s+(?:the\s+)?"
        r"(?:[\w-]+\s+){0,4}?(?:day[- ]to[- ]day|every ?day|daily)\b",
        r"\b(?:runs?|running|is running|will run|schedul\w+|builds?|building|manages?|approves?|"
        r"does|handles?|books?|swap\w*)\s+(?:the\s+)?(?:[\w-]+\s+){0,4}?(?:(?:her|him)self\s+)?(?:in|from|on)\s+"
        + _TOOL
        + r"\b",
        # starting to use it: "started using the crew board", "switched his crew to the app"
        r"\b(?:started|starts|began|begun|start|switched|moved)\s+(?:using|to|(?:her|his|their)\s+"
        r"(?:\w+\s+)?\w+\s+to)\s+" + _TOOL + r"\b",
        r"\b(?:our|the)\s+(?:best|biggest|heaviest|top|main|key|first|most active)\s+users?\b",
        # doing by hand, every week, what the product does: "builds the schedule every Sunday"
        r"\b(?:builds?|building|built|does|doing|makes?|making|writes?|puts? together|runs?|owns?|"
        r"manages?|fixes|"
        r"adjusts?)\s+(?:the|their|her|his|all|every)\s+(?:(?:[\w-]+|\([^)]*\))\s+){0,3}?"
        r"(?:schedules?|rosters?|rotas?|shift plans?|crew plans?|adjustments|shift swaps|swaps)\b"
        r"[^.;]{0,40}?(?:\b(?:every|each)\s+(?:day|week|morning|night|shift|weekend|\w+day)|"
        r"\bdaily\b|\bweekly\b)",
        r"\b\w+s\s+(?:[\w-]+\s+){0,3}?(?:her|him)self\s+(?:in|from|on|through|via)\s+"
        + _TOOL
        + r"\b",
        r"\b(?:builds?|does|makes?|runs?|owns?|handles?)\s+the\s+(?:daily|weekly|nightly|"
        r"morning)\s+(?:[\w-]+\s+)?(?:schedules?|rosters?|rotas?|plans?|adjustments|swaps|"
        r"staffing)\b",
        r"\bthe one who (?:actually\s+)?(?:builds|does|runs|makes|handles|manages|puts together|"
        r"works|fixes)\b[^.;]{0,40}?\b(?:every|each)\s+(?:day|week|month|shift|morning|night)\b",
        r"{PA}\s+(?:\w+\s+)?" + _GROUP + r"\b(?:\s*\([^)]*\))?(?:\s+and\s+(?:the\s+)?[\w,]+"
        r"(?:\s+\w+)?)?\s+(?:"
        + _MODAL
        + r"\s+)*(?:be\s+)?(?:the\s+)?(?:ones\s+|people\s+|folks\s+)?"
        + _USE
        + r"\s+(?:"
        + _TOOL
        + r"|the \w+ (?:on|in)|(?-i:[A-Z][\w-]+))\b",
        r"{PA}\s+(?:\w+\s+)?" + _GROUP + r"\b[^.;]{0,60}?\b(?:(?:would|will)\s+be\s+the\s+"
        r"(?:daily|day-to-day|main|primary|everyday)\s+users|(?:would|will|'ll|'d|are|"
        r"is)\s+(?:be\s+)?"
        r"(?:in|using|use|living in|live in|working in|work in|on)\s+(?:[A-Z][\w-]+|"
        + _TOOL
        + r")\s*,?\s*"
        + _OFTEN
        + r")",
        r"\band\s+(?:her|his)\s+(?:\w+\s+)?" + _GROUP + r"\s+(?:are\s+|would be\s+|will be\s+)?"
        r"(?:using|scheduling|working|running|living)\b",
        r"\b(?:user buyers?|end users?|day[- ]to[- ]day owners?|power users?|users?)\s*(?:=|:|is|"
        r"->|→)?\s*{P}(?=\s*(?:[,.;)(+&]|$|-|and\b))",
        r"{P}\s*(?:=|:|-|\bis\b)\s*(?:still\s+|now\s+|also\s+|the\s+|our\s+|main\s+)*"
        r"(?:user|end user|UB|user buyer)\b",
    ),
)
COACH = _cues(
    "roles",
    "coach",
    (
        r"\b(?:our|the|a|clear|real|strong|good|great|solid|natural|de facto|unofficial|"
        r"informal|inside|internal|best|true)\s+coach\b(?!\s+(?:of|for)\s+(?:his|her|the|a)\b)",
        r"(?:^|[=:(,-]|\bis|\bas|(?<=⟩))\s*(?:still\s+|now\s+|also\s+)?coach\b"
        r"(?!\s+(?:of|for)\s+(?:his|her|the|a)\b)",
        r"\bcoach(?:es|ed|ing)\s+(?:us|me|you|our team|our rep|our side)\b",
        r"\b(?:our|the|a|clear|real|strong|internal|inside|true|big|biggest|main|only)\s+"
        r"champion\b(?!\s+(?:swimmer|runner|athlete|golfer|of the|in)\b)",
        r"\bchampion(?:s|ed|ing)?\s+(?:us|our|this|the deal|the project|it internally)\b",
        r"\binside (?:guide|man|woman|person|source|contact|track|ally|voice|help|line)\b",
        r"\bwants?\s+us\s+(?:in|to win|there)\b",
        r"\b(?:told|tells?|telling|showed|shows?|showing)\s+(?:us|me)\s+(?:exactly\s+)?how\s+to\s+"
        r"(?:win|get (?:it|this) (?:done|through|approved)|play it)\b",
        r"\b(?:tells?|told|telling|feeds?|feeding|fed|briefs?|briefing|briefed)\s+(?:us|me)\s+"
        r"(?:on\s+)?(?:what|who|how)\s+(?:happens|goes on|is going on|was said|is said|"
        r"'s happening|is unhappy|will resist)\b",
        r"\bbrief(?:s|ed|ing)?\s+(?:us|me)\s+(?:ahead of|before|after)\b",
        r"\b(?:internal|inside)\s+(?:advocate|ally|sponsor|guide|supporter)\b",
        r"\b(?:the|an|our)\s+insider\b|\b(?:our\s+)?eyes (?:and ears )?(?:inside|on the inside)\b",
        r"\b(?:our|an|my)\s+(?:ally|advocate|guy|gal|man|woman|person|friend|best friend|"
        r"best contact|source|mole)\s+(?:inside|on the inside|in there|there|on site|onsite|"
        r"in the building)\b",
        r"(?:\bis|'s|\u2019s|\bhes|\bshes)\s+(?:still\s+|really\s+|definitely\s+)?our\s+(?:guy|gal|man|"
        r"woman|person)\b",
        r"\b(?:gave|gives?|giving|will give|'ll give)\s+(?:us|me)\s+(?:a\s+)?(?:good\s+|great\s+|"
        r"useful\s+|helpful\s+|solid\s+|some\s+)?(?:tips?|advice|pointers|guidance|steer)\b",
        r"\bwants?\s+that\s+we\s+(?:win|get (?:it|this|the deal)|succeed)\b",
        r"\b(?:offered|offers|promised|agreed|will|'ll|\u2019ll|can|could|wants)\s+(?:to\s+)?"
        r"(?:get|put|bring)\s+us\s+in\s+front\s+of\b|\b(?:offered|offers|promised|agreed|"
        r"will|'ll|\u2019ll)\s+(?:to\s+)?(?:introduce|intro|connect)\s+us\b",
        r"\bexplain(?:ed|s)?\s+(?:to\s+)?(?:me|us)\s+how\s+(?:the\s+)?(?:decision|process|"
        r"approval|buying|politics|org|committee|budget)\b",
        r"\b(?:in our corner|on our side|rooting for us|pulling for us|in our camp)\b",
        r"\bwants\s+(?:us|this|this deal|the deal)\s+to\s+(?:win|happen|go through|close|land)\b",
        r"\b(?:pushed|pushing|pushes|went to bat|going to bat|goes to bat|advocat(?:es|ed|ing)|"
        r"lobb(?:ies|ied|ying)|fights?|fought|sells?|sold|selling|vouched|vouches|"
        r"stuck (?:her|his) neck out)\s+(?:hard\s+)?for\s+us\b",
        r"\bsell(?:s|ing)?\s+(?:us|it|this)\s+internally\b",
        r"\btip(?:s|ped)?\s+(?:us|me)\s+off\b",
        r"\b(?:gave|gives?|giving|will give|'ll give)\s+(?:us|me)\s+(?:the\s+|"
        r"a\s+)?(?:heads[- ]?up|"
        r"inside (?:read|scoop|track|info|view|line|story)|lay of the land|real story|"
        r"back[- ]?channel|lowdown|scoop|read on (?:the|their) (?:org|politics|process))\b",
        r"\bfe(?:eds?|eding|d)\s+(?:us|me)\s+(?:good\s+|useful\s+|inside\s+)?(?:info|intel|"
        r"information|insight)\b",
        r"\bback[- ]?channel\b",
        r"\b(?:told|tell|tells)\s+(?:us|me)\s+(?:what|how|when|who)\s+(?:the committee|they|"
        r"the board|"
        r"leadership|finance|the EB|the CFO|the panel|⟨\d+⟩)\s+(?:really\s+)?(?:wants|needs|cares|"
        r"is looking for|will ask|thinks?|said)\b",
        r"\b(?:will|would|'ll|\u2019ll|offered to|promised to|agreed to|wants? to|happy to|"
        r"keen to)\s+(?:tell|let|inform|warn|alert|update|ping|text)\s+(?:us|me)\s+(?:know\s+)?"
        r"(?:what|when|how|who|if|whether|as soon as)\b",
        r"\b(?:offered|offers|promised|agreed)\s+to\s+(?:prep|coach|brief|guide|help|walk)\s+"
        r"(?:us|me)\b",
        r"\b(?:will|wants? to|want to|offered to|happy to|keen to|promised to|going to|'ll)\s+"
        r"help\s+us\b",
        r"\b(?:preps|prepped|prepping)\s+(?:us|me)\b",
        r"\b(?:walked|walks|talked|talks|walk)\s+(?:us|me)\s+through\s+(?:how|what|who|their|"
        r"the)\s+"
        r"(?:internal\s+)?(?:process|politics|org|decision|buying|approval|\w+\s+thinks?|"
        r"committee)\b",
        r"\bguid(?:es|ed|ing)\s+(?:us|me)\s+(?:through|on|around)\b",
        r"\b(?:suggests?|suggested|advised|advises|recommends?|recommended)\s+(?:that\s+)?"
        r"(?:we|us)\b",
        r"{PA}\s+advice\s*[:=-]",
        r"\b(?:told|tell|tells)\s+(?:me|us)\s+in confidence\b",
        r"\b(?:coach|champion)\s*(?:=|:|is|->|→|will be)?\s*{P}",
    ),
)
ROLE_CUES = ECONOMIC + DECISIONS + SIGN_OFFS + TECHNICAL + USER + COACH

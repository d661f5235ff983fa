"""What customer knowledge is about: the sections of a brief and the topics of a complex sale.

Each fine topic is described by a few plain phrasings of the kind of fact it covers, written
from sales practice (buying influences, objections, budget cycles...), not from any data set.
Fine topics roll up into the brief's sections; the four buying-influence topics suggest buying
roles. Each section has a shelf life (org roles in months, personality in years, deal status in
weeks), after which a fact wants re-verifying. ``app.search.topics`` turns the phrasings into
embedding prototypes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.db.models import BuyingRole


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    shelf_life: timedelta  # how long a fact of this kind stays current without re-verifying


SECTIONS: tuple[Section, ...] = (
    Section("decision_process", "Decision process and budget", timedelta(days=180)),
    Section("personal", "Personal context", timedelta(days=3 * 365)),
    Section(
        "relationship", "Relationship history and past vendor failures", timedelta(days=2 * 365)
    ),
    Section("objections", "Objections and risks", timedelta(days=180)),
    Section("competitors", "Competitors", timedelta(days=270)),
    Section("logistics", "Logistics", timedelta(days=365)),
    Section("deal_status", "Deal status", timedelta(days=42)),
    Section("company", "About the account", timedelta(days=2 * 365)),
)
SECTION_BY_NAME = {s.name: s for s in SECTIONS}


@dataclass(frozen=True)
class Topic:
    name: str
    section: str
    exemplars: tuple[str, ...]
    role: BuyingRole | None = None  # a sentence of this topic about a person suggests this role


TOPICS: tuple[Topic, ...] = (
    Topic(
        "economic_buyer",
        "decision_process",
        (
            "has final approval on the budget",
            "signs off on spending over the threshold",
            "the executive who approves the purchase",
            "controls the money for this project",
            "the CFO makes the final call on price",
            "budget owner for the deal",
        ),
        BuyingRole.economic,
    ),
    Topic(
        "coach",
        "decision_process",
        (
            "our internal champion who guides us",
            "gave us the inside read on their process",
            "an ally on the inside coaching us how to win",
            "tipped us off about what the committee wants",
            "call her when we are unsure how to proceed",
            "our sponsor inside the account",
        ),
        BuyingRole.coach,
    ),
    Topic(
        "technical_buyer",
        "decision_process",
        (
            "IT has to approve the security review",
            "the architect screens vendors and can veto",
            "integration and single sign-on requirements",
            "must pass their technical evaluation",
            "data security questionnaire before purchase",
        ),
        BuyingRole.technical,
    ),
    Topic(
        "user_buyer",
        "decision_process",
        (
            "the managers who would use it every day",
            "frontline supervisors judge the impact on their work",
            "day-to-day owner of scheduling",
            "wants to see who is cross-trained",
        ),
        BuyingRole.user,
    ),
    Topic(
        "objections",
        "objections",
        (
            "concerned about the price",
            "pushback on the implementation timeline",
            "worried it will be too complex for staff",
            "raised an objection about",
            "hesitant because of change fatigue",
            "pushed back on price, we are over what they budgeted",
            "wants written confirmation that data stays in the country",
            "wants a higher uptime guarantee than we offer",
            "wants proof the integration works before going further",
            "does not like that the app needs personal phones",
            "worried their supervisors have no time for training",
            "they cannot take on a long project during their peak season",
            "payment terms: they pay net 60 and our paper says net 30",
        ),
    ),
    Topic(
        "competition",
        "competitors",
        (
            "also evaluating a competing vendor",
            "the incumbent system they use today",
            "a rival undercut our price",
            "comparing us against another product",
            "currently on another scheduling tool",
            "the incumbent vendor renews next June",
            "we lost to a competitor that came in cheaper",
            "a competitor demoed last week and pitched AI scheduling",
            "someone in finance is quietly pushing a rival product",
            "a competitor is in the deal offering free implementation",
        ),
    ),
    Topic(
        "vendor_failure",
        "relationship",
        (
            "their previous vendor failed them",
            "the last implementation went badly",
            "lost months when the old system collapsed",
            "bad experience with a prior software rollout",
        ),
    ),
    Topic(
        "budget_timing",
        "decision_process",
        (
            "spending freeze on new purchases",
            "budget is frozen until next quarter",
            "the freeze has been lifted and funds released",
            "fiscal year starts in",
            "budget planning cycle and approval dates",
            "cash is tight this year",
        ),
    ),
    Topic(
        "politics",
        "decision_process",
        (
            "tension between two executives",
            "internal rivalry between departments",
            "they do not get along",
            "office politics around the decision",
            "a power struggle over who owns it",
        ),
    ),
    Topic(
        "personal",
        "personal",
        (
            "hobbies outside of work",
            "spends weekends with family",
            "likes to talk about sports",
            "personality and communication style",
            "has kids in college",
            "career background before joining",
            "gets irritated when vendors oversell",
            "never bring up the layoffs with her",
            "Dana is ex-Army, served twenty years",
            "Tom golfs most weekends and loves talking about it",
            "Maria hates jargon and buzzwords",
            "Raj is detail oriented and reads every line of a contract",
            "her daughter swims in college",
            "he is a big-picture person and glazes over at feature details",
            "is touchy about his title",
            "is a straight shooter who appreciates honesty",
            "got married in June",
        ),
    ),
    Topic(
        "communication",
        "personal",
        (
            "prefers email over phone calls",
            "best time to reach him is early morning",
            "responds fastest to text messages",
            "do not call her on Fridays",
            "wants a short agenda before every meeting",
            "never schedule calls with her during month-end close",
            "responds well to attention from our executives",
        ),
    ),
    Topic(
        "logistics",
        "logistics",
        (
            "meet in the conference room on the third floor",
            "sign in at the security desk with a photo id",
            "only uses Teams for meetings",
            "visitor parking is behind the building",
            "send the documents to the procurement inbox",
            "the site visit is booked for Tuesday morning",
        ),
    ),
    Topic(
        "results",
        "relationship",
        (
            "after go-live overtime dropped",
            "measurable improvement since adopting the platform",
            "saved hours each week",
            "reduced no-shows and turnover",
            "return on investment so far",
            "went live at five sites and the first payroll ran clean",
            "said we are the most responsive vendor they have",
            "grievances dropped sharply this year",
        ),
    ),
    Topic(
        "contract",
        "deal_status",
        (
            "signed a three-year agreement",
            "contract renews next year",
            "order form and annual contract value",
            "purchase order received",
            "terms of the master agreement",
            "expansion closed with a new order adding annual value",
            "next: send sandbox credentials by Monday",
            "approved a discount if they sign by end of quarter",
            "pricing floor approved, anything lower needs sign-off",
            "the request for proposal is out and responses are due next month",
            "next: send the redline back to their legal team",
        ),
    ),
    Topic(
        "support",
        "relationship",
        (
            "support ticket about a bug",
            "outage affected their users",
            "problem with the product after the update",
            "incident root cause and resolution",
            "login issues reported",
            "ticket opened, severity 2, reported by the payroll manager",
            "our engineer missed the technical review and they noticed",
            "the escalation dragged on and they went over our heads",
            "incident opened: overtime calculated wrong for night shifts",
            "bug report: export file missing fields, fixed in the next release",
        ),
    ),
    Topic(
        "people_change",
        "decision_process",
        (
            "left the company",
            "a new CFO replaced her",
            "changed roles internally",
            "just joined from another organization",
            "promoted to director",
        ),
    ),
    Topic(
        "company",
        "company",
        (
            "a regional business with forty locations and eight hundred staff",
            "annual revenue and number of employees",
            "they run payroll on an old in-house system",
            "operates three distribution centers across the state",
            "their goal is to cut overtime across all sites",
            "their biggest pain is manual spreadsheets",
            "they are overstaffed midweek and short on Mondays",
            "they want one view of all drivers' remaining hours",
        ),
    ),
    Topic(
        "deal_status",
        "deal_status",
        (
            "sent the proposal and pricing quote",
            "next step is a pilot at two sites",
            "waiting on the signed order form",
            "the deal is on hold until next quarter",
            "moving to contract review this month",
            "agreed a timeline for their decision",
        ),
    ),
)

TOPIC_BY_NAME = {t.name: t for t in TOPICS}

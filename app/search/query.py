"""Understanding a question: which accounts, people and years it is about.

Reps name the account in the question ("who signs off on spend at Coldwater College?") while
notes rarely repeat it, so the account is taken out of the text and used as a scope instead.
Accounts are recognised by full name, alias, domain, distinctive leading words ("Vantor",
"Saint Aldric"), initials ("WSU") and close misspellings; people by full name, or by first
name or job title at a recognised account ("Kara at Orrin Castings", "the VP Finance at X").
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Account, AccountDomain, Contact

_WORD = re.compile(r"[a-z0-9]+(?:['&-][a-z0-9]+)*|&")
_YEAR = re.compile(r"(?<![\w-])(19[5-9]\d|20\d\d)(?![\w-])")
# Words that end company names without telling them apart.
_SUFFIXES = {"co", "inc", "llc", "ltd", "corp", "company", "group", "the", "and", "of"}
_FORMER = re.compile(r"^former\s+", re.I)
# Words of industry labels ("regional banks", "retail chains") that name no industry alone.
_GENERIC_INDUSTRY_WORDS = {
    "provider",
    "chain",
    "regional",
    "higher",
    "service",
    "company",
    "group",
    "and",
    "other",
}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def spans(text: str) -> list[tuple[str, int, int]]:
    """Normalised words with their places in ``text``: folded case, "&" as "and", "St." as
    "saint", possessives dropped."""
    lowered = text.lower().replace("\u2019", "'")
    out = []
    for match in _WORD.finditer(lowered):
        word = match.group().removesuffix("'s")
        if word == "s" and lowered[max(0, match.start() - 1)] == "'":
            continue  # the "s" of "Co.'s"
        word = {"st": "saint", "&": "and"}.get(word, word)
        out.append((word, match.start(), match.end()))
    return out


def words(text: str) -> list[str]:
    return [word for word, _, _ in spans(text)]


@dataclass
class Understanding:
    """What the question names, and its text with the account names taken out."""

    text: str
    account_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    contact_names: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Form:
    words: tuple[str, ...]
    account_id: int
    strength: int  # 3 full name, alias or domain; 2 distinctive leading words; 1 initials


@dataclass(frozen=True)
class _Person:
    id: int
    account_id: int
    name_words: tuple[str, ...]
    title_words: frozenset[str]


class Vocabulary:
    """Account and contact names, loaded once and reloaded when they change."""

    def __init__(self) -> None:
        self._stamp: tuple[object, ...] | None = None
        self.forms: dict[tuple[str, ...], set[int]] = {}
        self.people: list[_Person] = []
        self.people_by_account: dict[int, list[_Person]] = defaultdict(list)
        self.people_by_name: dict[tuple[str, ...], list[_Person]] = defaultdict(list)
        self.names_by_prefix: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        self.max_form = 1
        self.names: dict[tuple[str, ...], int] = {}
        self.industries: dict[str, set[str]] = {}  # industry -> its telling word stems
        self.accounts_by_industry: dict[str, list[int]] = defaultdict(list)

    def refresh(self, session: Session) -> None:
        parts = (
            func.count(Account.id),
            func.max(Account.updated_at),
            func.count(Contact.id),
            func.max(Contact.updated_at),
        )
        # One round trip: this runs before every search.
        stamp = tuple(session.execute(select(*(select(p).scalar_subquery() for p in parts))).one())
        if stamp != self._stamp:
            self._load(session)
            self._stamp = stamp

    def _load(self, session: Session) -> None:
        forms: list[_Form] = []
        self.names, self.industries = {}, {}
        self.accounts_by_industry = defaultdict(list)
        accounts = session.execute(
            select(Account.id, Account.name, Account.aliases, Account.industry)
        ).all()
        for account_id, name, aliases, industry in accounts:
            name_words = words(name)
            core = tuple(w for w in name_words if w not in _SUFFIXES) or tuple(name_words)
            named = [tuple(name_words), core, *(tuple(words(a)) for a in aliases or [])]
            forms += [_Form(form, account_id, 3) for form in named]
            self.names.update({form: account_id for form in named if form})
            forms += [_Form(core[:n], account_id, 2) for n in range(1, len(core))]
            initials = "".join(w[0] for w in core)
            if len(initials) >= 3:
                forms.append(_Form((initials,), account_id, 1))
            if industry:
                telling = {_stem(w) for w in words(industry)} - _GENERIC_INDUSTRY_WORDS
                self.industries[industry] = telling
                self.accounts_by_industry[industry].append(account_id)
        for domain, account_id in session.execute(
            select(AccountDomain.domain, AccountDomain.account_id)
        ):
            label = domain.rsplit(".", 1)[0]
            forms += [_Form(tuple(words(domain)), account_id, 3), _Form((label,), account_id, 3)]
        # A partial form that fits several accounts names none of them.
        owners: dict[tuple[str, ...], set[int]] = defaultdict(set)
        strength: dict[tuple[str, ...], int] = {}
        for form in forms:
            if form.words:
                owners[form.words].add(form.account_id)
                strength[form.words] = max(strength.get(form.words, 0), form.strength)
        self.forms = {w: ids for w, ids in owners.items() if len(ids) == 1 or strength[w] == 3}
        self.strength = strength
        self.max_form = max((len(w) for w in self.forms), default=1)
        self.people, self.people_by_account = [], defaultdict(list)
        self.people_by_name = defaultdict(list)
        # Fuzzy matching compares only names sharing a word's first letters with the question.
        self.names_by_prefix = defaultdict(set)
        for named_form in self.names:
            for word in named_form:
                self.names_by_prefix[word[:3]].add(named_form)
        for contact_id, account_id, name, title in session.execute(
            select(Contact.id, Contact.account_id, Contact.name, Contact.title)
        ):
            person = _Person(
                contact_id,
                account_id,
                tuple(words(name)),
                frozenset(words(_FORMER.sub("", title or ""))) - _SUFFIXES,
            )
            self.people.append(person)
            self.people_by_account[account_id].append(person)
            if len(person.name_words) > 1:
                self.people_by_name[person.name_words].append(person)


def understand(vocabulary: Vocabulary, question: str) -> Understanding:
    located = spans(question)
    tokens = [word for word, _, _ in located]
    original = set(re.findall(r"[A-Z][\w'-]*", question))
    capitalised = {w.lower().removesuffix("'s") for w in original}
    found: dict[int, int] = {}
    consumed: set[int] = set()
    i = 0
    while i < len(tokens):
        for n in range(min(vocabulary.max_form, len(tokens) - i), 0, -1):
            span = tuple(tokens[i : i + n])
            ids = vocabulary.forms.get(span)
            if not ids or len(ids) != 1:
                continue
            strength = vocabulary.strength[span]
            # One leading word ("Summit") is a name only when written as one.
            if (
                strength < 3
                and n == 1
                and span[0] not in capitalised
                and span[0].upper() not in original
            ):
                continue
            account_id = next(iter(ids))
            found[account_id] = max(found.get(account_id, 0), strength)
            consumed.update(range(i, i + n))
            i += n - 1
            break
        i += 1
    if not found:
        _fuzzy_accounts(vocabulary, tokens, found, consumed)
    # The question as asked, less the account's name: what the embedder reads best.
    kept, last = [], 0
    for k in sorted(consumed):
        kept.append(question[last : located[k][1]])
        last = located[k][2]
    kept.append(question[last:])
    text = re.sub(r"\s+", " ", "".join(kept)).strip()
    understanding = Understanding(
        text=text if re.search(r"\w", text) else question,
        account_ids=sorted(found),
        years=sorted({int(y) for y in _YEAR.findall(question)}),
    )
    _people(vocabulary, tokens, consumed, understanding)
    if not understanding.account_ids:
        stems = {_stem(t) for k, t in enumerate(tokens) if k not in consumed}
        understanding.industries = sorted(
            name for name, telling in vocabulary.industries.items() if telling & stems
        )
    return understanding


def _fuzzy_accounts(
    vocabulary: Vocabulary, tokens: list[str], found: dict[int, int], consumed: set[int]
) -> None:
    """Misspelt names ("Coldwatter Colege"): the closest full name over a window of words."""
    best: tuple[float, int, range] | None = None
    nearby = {form for t in tokens if len(t) >= 4 for form in vocabulary.names_by_prefix[t[:3]]}
    for form in nearby:  # names and aliases, not domains
        account_id = vocabulary.names[form]
        target = " ".join(form)
        if len(target) < 6:
            continue
        n = len(form)
        for i in range(0, max(0, len(tokens) - n) + 1):
            candidate = " ".join(tokens[i : i + n])
            ratio = difflib.SequenceMatcher(None, candidate, target).ratio()
            if ratio >= 0.85 and (best is None or ratio > best[0]):
                best = (ratio, account_id, range(i, i + n))
    if best is not None:
        found[best[1]] = 2
        consumed.update(best[2])


def _people(
    vocabulary: Vocabulary, tokens: list[str], consumed: set[int], out: Understanding
) -> None:
    found: list[_Person] = []
    # Full names, anywhere: look each run of two to four words up.
    for n in (2, 3, 4):
        for i in range(len(tokens) - n + 1):
            found += vocabulary.people_by_name.get(tuple(tokens[i : i + n]), [])
    # First names and job titles, only at an account the question names.
    free = {t for k, t in enumerate(tokens) if k not in consumed}
    for account_id in out.account_ids:
        for person in vocabulary.people_by_account.get(account_id, []):
            first = person.name_words[0] if person.name_words else ""
            by_first = first in free and len(first) > 2
            by_title = bool(person.title_words) and person.title_words <= free
            if by_first or by_title:
                found.append(person)
    if out.account_ids:
        found = [p for p in found if p.account_id in out.account_ids]
    for person in dict.fromkeys(found):
        out.contact_ids.append(person.id)
        out.contact_names.append(person.name_words[0])
    if out.contact_ids and not out.account_ids:
        out.account_ids = sorted({p.account_id for p in found})


def person_by_first_name(vocabulary: Vocabulary, question: str) -> int | None:
    """The one contact, across every account, whose first name ``question`` writes with a
    capital ("what does Harriet care about?"), when no other contact has it: how people ask
    about someone they both know, without naming the account. Search itself does not scope by
    this (a first name alone is a weak signal); a direct answer about that person may."""
    written = {w.lower().removesuffix("'s") for w in re.findall(r"\b[A-Z][\w'-]+", question)}
    if not written:
        return None
    found = [
        p.id
        for p in vocabulary.people
        if p.name_words and len(p.name_words[0]) > 2 and p.name_words[0] in written
    ]
    return found[0] if len(found) == 1 else None


def about_a_sale(understanding: Understanding, *, scoped: bool, topicality: float) -> float:
    """How far the priors that hold only for notes about accounts apply to a question, from 0
    to 1: wholly when it names an account or a person or is asked within an account, else as
    much as it is about a topic of a sale (``TopicModel.topicality``)."""
    if scoped or understanding.account_ids or understanding.contact_ids:
        return 1.0
    return min(1.0, max(0.0, topicality))

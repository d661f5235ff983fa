"""Accounts, and recognising an account from whatever a person types: name, domain, alias,
e-mail address or URL, with close matches offered when nothing fits."""

from __future__ import annotations

import difflib
import re

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db.models import Account, AccountDomain, Contact, Note, User
from app.domain import audit, events
from app.domain.access import visible_notes
from app.domain.pagination import Page, paginate
from app.domain.records import ensure_unique
from app.errors import Conflict, Invalid, NotFound
from app.schemas.accounts import AccountCreate, AccountUpdate

_DOMAIN_LIKE = re.compile(r"^[^\s@/]+\.[a-z]{2,}$")


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def normalize_domain(ref: str) -> str | None:
    """``Meg@Mail.Harbor.example``, ``https://www.harbor.example/x`` → the bare host, or None."""
    text = ref.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0].split(":", 1)[0]
    text = text.removeprefix("www.")
    return text if _DOMAIN_LIKE.match(text) else None


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    return account


def _by_domain(session: Session, domain: str) -> Account | None:
    # mail.harbor.example belongs to harbor.example: try the host, then each parent domain.
    labels = domain.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    rows = session.execute(
        select(AccountDomain.domain, AccountDomain.account_id).where(
            AccountDomain.domain.in_(candidates)
        )
    ).all()
    by_domain = dict(rows)
    for candidate in candidates:
        if candidate in by_domain:
            return session.get(Account, by_domain[candidate])
    return None


def account_for_address(session: Session, address: str) -> Account | None:
    """The account owning an e-mail address's domain (or a parent domain of it), if any."""
    domain = normalize_domain(address)
    return _by_domain(session, domain) if domain else None


def resolve_account(session: Session, ref: str) -> Account:
    """The one account ``ref`` names, or ``Invalid`` listing the closest names."""
    ref = ref.strip()
    if not ref:
        raise Invalid("account is empty")
    if ref.isdigit() and (account := session.get(Account, int(ref))):
        return account
    if account := session.scalar(select(Account).where(Account.external_id == ref)):
        return account
    if (domain := normalize_domain(ref)) and (account := _by_domain(session, domain)):
        return account
    key = name_key(ref)
    named = list(session.scalars(select(Account).where(Account.name_key == key)))
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise Invalid(
            f"{len(named)} accounts are named {ref!r}; give the account id",
            candidates=[{"id": a.id, "name": a.name, "domains": a.domains} for a in named],
        )
    names: dict[str, int] = {}
    for account_id, name, aliases in session.execute(
        select(Account.id, Account.name, Account.aliases)
    ):
        names[name_key(name)] = account_id
        for alias in aliases or []:
            names.setdefault(name_key(alias), account_id)
    if key in names:
        return get_account(session, names[key])
    # "harbor" for Harbor Freightways: the leading words people shorten a name to.
    leading = sorted(name for name in names if name.startswith(key + " "))
    close = [*leading, *difflib.get_close_matches(key, list(names), n=5, cutoff=0.6)][:5]
    suggestions = list(dict.fromkeys(get_account(session, names[c]).name for c in close))
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise Invalid(f"no account matches {ref!r}{hint}", suggestions=suggestions)


def pick_account(session: Session, account_id: int | None, ref: str | None) -> Account:
    if account_id is not None:
        account = session.get(Account, account_id)
        if account is None:
            raise Invalid(f"no account with id {account_id}")
        return account
    if ref is None:
        raise Invalid("give the account: account_id, or account (a name, domain or alias)")
    return resolve_account(session, ref)


def list_accounts(
    session: Session,
    *,
    q: str | None,
    external_id: str | None,
    domain: str | None,
    limit: int,
    cursor: str | None,
) -> Page[Account]:
    stmt = select(Account)
    if q:
        stmt = stmt.where(Account.name_key.contains(name_key(q), autoescape=True))
    if external_id is not None:
        stmt = stmt.where(Account.external_id == external_id)
    if domain is not None:
        stmt = stmt.where(
            Account.id.in_(
                select(AccountDomain.account_id).where(
                    AccountDomain.domain == (normalize_domain(domain) or domain.lower())
                )
            )
        )
    return paginate(
        session,
        stmt,
        order=[(Account.name_key, False), (Account.id, False)],
        limit=limit,
        cursor=cursor,
    )


def _existing(account: Account) -> dict[str, object]:
    """An existing account as a 409 names it. Every signed-in user may see every account (no
    rule in ``access`` hides one), so naming it tells the caller nothing they could not list."""
    return {"id": account.id, "name": account.name, "domains": account.domains}


def set_domains(session: Session, account: Account, domains: list[str]) -> None:
    domains = list(dict.fromkeys(domains))
    owned = session.execute(
        select(AccountDomain.domain, Account)
        .join(Account, Account.id == AccountDomain.account_id)
        .where(AccountDomain.domain.in_(domains), AccountDomain.account_id != account.id)
    ).first()
    if owned:
        domain, other = owned
        raise Conflict(
            f"domain {domain} already belongs to account {other.name!r} (id {other.id})",
            existing=_existing(other),
        )
    account.domain_rows = [AccountDomain(domain=d, position=i) for i, d in enumerate(domains)]


def same_name(session: Session, name: str) -> Account | None:
    """The first existing account whose normalised name (``name_key``) is ``name``'s."""
    return session.scalar(
        select(Account).where(Account.name_key == name_key(name)).order_by(Account.id).limit(1)
    )


def ensure_new_account(session: Session, name: str, domains: list[str], *, force: bool) -> None:
    """Refuse to create a second account for a customer Tacit already holds: one with the same
    name (any case or spacing), unless ``force``, or with one of its domains, always (a domain
    names one account: that is how an e-mail address finds its account). The 409 names the
    existing account, so the caller can write to it or merge into it."""
    if not force and (other := same_name(session, name)) is not None:
        raise Conflict(
            f"an account named {other.name!r} already exists (id {other.id}); use it, or give "
            "force to create another account with the same name",
            existing=_existing(other),
        )
    if domains and (
        other := session.scalar(
            select(Account)
            .join(AccountDomain, AccountDomain.account_id == Account.id)
            .where(AccountDomain.domain.in_(domains))
            .order_by(Account.id)
            .limit(1)
        )
    ):
        taken = sorted(set(domains) & set(other.domains))
        raise Conflict(
            f"domain {', '.join(taken)} already belongs to account {other.name!r} "
            f"(id {other.id}); a domain names one account, even with force",
            existing=_existing(other),
        )


def create_account(session: Session, data: AccountCreate, *, force: bool = False) -> Account:
    """A new account, unless it would duplicate one (``ensure_new_account``)."""
    ensure_unique(session, Account.external_id, data.external_id, what="an account")
    ensure_new_account(session, data.name, data.domains, force=force or data.force)
    account = Account(
        name=data.name,
        name_key=name_key(data.name),
        aliases=list(dict.fromkeys(data.aliases)),
        industry=data.industry,
        region=data.region,
        external_id=data.external_id,
    )
    session.add(account)
    session.flush()
    set_domains(session, account, data.domains)
    session.flush()
    return account


def update_account(session: Session, actor: User, account_id: int, data: AccountUpdate) -> Account:
    account = get_account(session, account_id)
    changes = data.model_dump(exclude_unset=True)
    if "external_id" in changes:
        ensure_unique(
            session,
            Account.external_id,
            changes["external_id"],
            own_id=account.id,
            what="an account",
        )
    if "domains" in changes:
        set_domains(session, account, changes.pop("domains") or [])
    if "name" in changes:
        account.name_key = name_key(changes["name"])
    if "aliases" in changes:
        changes["aliases"] = list(dict.fromkeys(changes["aliases"] or []))
    for field, value in changes.items():
        setattr(account, field, value)
    session.flush()
    events.emit(session, "account.updated", actor=actor, account_id=account.id)
    return account


def delete_account(session: Session, actor: User, account_id: int) -> None:
    account = get_account(session, account_id)
    if session.scalar(select(Note.id).where(Note.account_id == account.id).limit(1)):
        # Deleting knowledge by deleting its account would be silent data loss. How many notes
        # is told only of those the actor may read: others' are not theirs to count.
        readable = select(func.count()).where(Note.account_id == account.id, visible_notes(actor))
        raise Conflict(
            f"account {account.name!r} still has notes ({session.scalar(readable) or 0} of them "
            "you can read); they must be moved or deleted first"
        )
    session.execute(delete(Contact).where(Contact.account_id == account.id))
    audit.record(
        session,
        actor,
        "account.delete",
        target_type="account",
        target_id=account.id,
        name=account.name,
    )
    session.delete(account)
    session.flush()

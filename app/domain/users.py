"""Teams, users and API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import ApiToken, Role, Team, TokenScope, User
from app.domain import audit, departure, events, web_sessions
from app.domain.access import Principal, ensure_admin, principal_id, token_expiry
from app.domain.departure import DepartureRule
from app.domain.pagination import Page, paginate
from app.domain.records import ensure_unique
from app.domain.security import hash_password, hash_token, new_token, token_display_prefix
from app.domain.token_scopes import Scopes, ensure_scope, new_token_scopes
from app.errors import Conflict, Forbidden, NotFound, Unauthorized
from app.schemas.users import TokenCreate, UserCreate, UserUpdate


def list_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))


def find_team(session: Session, ref: str) -> Team | None:
    """A team by id or name, as a report's filter names it; None when there is none."""
    ref = ref.strip()
    team = session.get(Team, int(ref)) if ref.isdigit() else None
    return team or session.scalar(select(Team).where(Team.name == ref))


def team_by_name(session: Session, name: str) -> Team:
    """The team with this name, created if it is new: teams are just names people share."""
    name = name.strip()
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def create_team(session: Session, actor: User, name: str) -> Team:
    ensure_admin(actor)
    if session.scalar(select(Team).where(Team.name == name.strip())):
        raise Conflict(f"a team named {name!r} already exists")
    return team_by_name(session, name)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def find_user(session: Session, ref: str) -> User:
    """A user by id, e-mail or external id: whatever an operator has at hand."""
    ref = ref.strip()
    user = None
    if ref.isdigit():
        user = session.get(User, int(ref))
    if user is None and "@" in ref:
        user = session.scalar(select(User).where(User.email == ref.lower()))
    if user is None:
        user = session.scalar(select(User).where(User.external_id == ref))
    if user is None:
        raise NotFound(f"no user with id, e-mail or external id {ref!r}")
    return user


def list_users(
    session: Session,
    *,
    external_id: str | None,
    team_id: int | None,
    email: str | None,
    limit: int,
    cursor: str | None,
) -> Page[User]:
    stmt = select(User)
    if external_id is not None:
        stmt = stmt.where(User.external_id == external_id)
    if team_id is not None:
        stmt = stmt.where(User.team_id == team_id)
    if email is not None:
        stmt = stmt.where(User.email == email.strip().lower())
    return paginate(session, stmt, order=[(User.id, False)], limit=limit, cursor=cursor)


def create_user(session: Session, actor: Principal, data: UserCreate) -> User:
    """An admin's, or the system's (``tacit users create`` makes the first admin)."""
    ensure_admin(actor)
    ensure_unique(session, User.email, data.email, what="a user")
    ensure_unique(session, User.external_id, data.external_id, what="a user")
    user = User(
        name=data.name,
        email=data.email,
        role=data.role,
        title=data.title or None,
        external_id=data.external_id,
        team=team_by_name(session, data.team) if data.team else None,
        password_hash=hash_password(data.password) if data.password else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        target_type="user",
        target_id=user.id,
        role=user.role.value,
        team=data.team,
    )
    return user


def update_user(
    session: Session,
    actor: Principal,
    user_id: int,
    data: UserUpdate,
    *,
    private_notes_on_departure: DepartureRule = "keep",
) -> User:
    """An admin's, or the system's (``tacit users update|deactivate|set-password``);
    deactivating applies ``private_notes_on_departure`` (see
    ``app.domain.handover.apply_departure_rule``) in the same unit of work."""
    ensure_admin(actor)
    user = get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes:
        ensure_unique(session, User.email, changes["email"], own_id=user.id, what="a user")
    if "role" in changes and changes["role"] != user.role:
        if isinstance(actor, User) and user.id == actor.id and changes["role"] != Role.admin:
            raise Conflict("admins cannot remove their own admin role; ask another admin")
        audit.record(
            session,
            actor,
            "user.role_change",
            target_type="user",
            target_id=user.id,
            old=user.role.value,
            new=changes["role"].value,
        )
    if "team" in changes:
        new_team = team_by_name(session, changes.pop("team")) if changes.get("team") else None
        if (new_team.id if new_team else None) != user.team_id:
            audit.record(
                session,
                actor,
                "user.team_change",
                target_type="user",
                target_id=user.id,
                old=user.team.name if user.team else None,
                new=new_team.name if new_team else None,
            )
        user.team = new_team
    if changes.get("is_active") is not None and changes["is_active"] != user.is_active:
        audit.record(
            session,
            actor,
            "user.activate" if changes["is_active"] else "user.deactivate",
            target_type="user",
            target_id=user.id,
        )
        if not changes["is_active"]:
            events.emit(session, "user.deactivated", actor=actor, user_id=user.id)
            departure.apply_departure_rule(session, actor, user, rule=private_notes_on_departure)
    if "password" in changes:
        password = changes.pop("password")
        user.password_hash = hash_password(password) if password else None
        web_sessions.end_all(session, user.id)  # a changed password signs every browser out
    if "slack_user_id" in changes:
        slack_id = changes.pop("slack_user_id")
        ensure_unique(session, User.slack_user_id, slack_id, own_id=user.id, what="a user")
        if slack_id != user.slack_user_id:
            # A new identity's workspace is unknown unless given: the old one's is not its.
            changes.setdefault("slack_team_id", None)
            audit.record(
                session,
                actor,
                "user.slack_link",
                target_type="user",
                target_id=user.id,
                slack_user_id=slack_id,
                by="admin",
            )
        user.slack_user_id = slack_id
    for field, value in changes.items():
        setattr(user, field, value)
    session.flush()
    return user


def create_token(
    session: Session,
    actor: Principal,
    data: TokenCreate,
    *,
    parent_expires_at: datetime | None = None,
    parent_scopes: Scopes | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token row and the secret, which is never stored and cannot be shown again.
    ``parent_expires_at``, ``parent_scopes``: when the token the request came with expires and
    what it may do (None: no token, as on the web page or in the shell); the new one expires
    no later and holds no scope the parent lacks (``token_scopes.new_token_scopes``)."""
    if data.user_id is None:
        if not isinstance(actor, User):
            raise Conflict("name the user the token is for")
        owner = actor
    else:
        owner = get_user(session, data.user_id)
        if owner.id != principal_id(actor):
            ensure_admin(actor)
            ensure_scope(parent_scopes, TokenScope.admin)
    if not owner.is_active:
        raise Conflict("cannot issue a token to a deactivated user")
    secret = new_token()
    requested = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    expires = token_expiry(requested, parent=parent_expires_at)
    token = ApiToken(
        user_id=owner.id,
        name=data.name,
        prefix=token_display_prefix(secret),
        token_hash=hash_token(secret),
        expires_at=expires,
        scopes=new_token_scopes(data.scopes, owner=owner, parent=parent_scopes),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "token.create",
        target_type="user",
        target_id=owner.id,
        token_id=token.id,
        scopes=sorted(token.scopes),
    )
    return token, secret


def list_tokens(
    session: Session, actor: User, user_id: int | None, *, caller_scopes: Scopes | None = None
) -> list[ApiToken]:
    """``actor``'s tokens, or (an admin, with a token that has the admin scope) anyone's."""
    owner_id = actor.id if user_id is None else user_id
    if owner_id != actor.id:
        ensure_admin(actor)
        ensure_scope(caller_scopes, TokenScope.admin)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == owner_id).order_by(ApiToken.id))
    )


def revoke_token(
    session: Session, actor: User, token_id: int, *, caller_scopes: Scopes | None = None
) -> ApiToken:
    """Revokes ``actor``'s token, or (an admin, with a token that has the admin scope)
    anyone's. Someone else's token is a 404 to a non-admin, as if it did not exist."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and actor.role != Role.admin):
        raise NotFound(f"no token with id {token_id}")
    if token.user_id != actor.id:
        ensure_scope(caller_scopes, TokenScope.admin)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor,
            "token.revoke",
            target_type="user",
            target_id=token.user_id,
            token_id=token.id,
        )
    return token


def touch_token(session: Session, *, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def authenticate(session: Session, secret: str, *, now: datetime) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        raise Unauthorized("the token is not valid (unknown or revoked)")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("the token has expired; ask for a new one")
    if not token.user.is_active:
        raise Forbidden("this user is deactivated")
    return token

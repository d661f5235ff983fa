from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.domain import users
from app.http.deps import (
    AdminUser,
    CurrentUser,
    IdPath,
    IdQuery,
    PagingDep,
    SessionDep,
    SettingsDep,
    TokenExpiry,
    TokenScopes,
    page_of,
)
from app.schemas.common import Page
from app.schemas.users import (
    TeamCreate,
    TeamRead,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/v1", tags=["users"])


@router.get("/me")
def get_me(user: CurrentUser) -> UserRead:
    """The user the token belongs to: a quick check that a token works."""
    return UserRead.model_validate(user)


@router.get("/users")
def list_users(
    session: SessionDep,
    _: CurrentUser,
    paging: PagingDep,
    external_id: Annotated[str | None, Query(max_length=255)] = None,
    team_id: IdQuery = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> Page[UserRead]:
    """Users, by external id, team or e-mail."""
    page = users.list_users(
        session,
        external_id=external_id,
        team_id=team_id,
        email=email,
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return page_of(UserRead, page)


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, session: SessionDep, admin: AdminUser) -> UserRead:
    """Admins: a user with a role and a team; a password lets them sign in on the web."""
    return UserRead.model_validate(users.create_user(session, admin, data))


@router.get("/users/{user_id}")
def get_user(user_id: IdPath, session: SessionDep, _: CurrentUser) -> UserRead:
    """One user."""
    return UserRead.model_validate(users.get_user(session, user_id))


@router.patch("/users/{user_id}")
def update_user(
    user_id: IdPath, data: UserUpdate, session: SessionDep, admin: AdminUser, settings: SettingsDep
) -> UserRead:
    """Admins: change role, team, e-mail, password; `is_active: false` deactivates (and applies
    `TACIT_PRIVATE_NOTES_ON_DEPARTURE` to their private notes, in the same transaction)."""
    user = users.update_user(
        session,
        admin,
        user_id,
        data,
        private_notes_on_departure=settings.private_notes_on_departure,
    )
    return UserRead.model_validate(user)


@router.get("/teams", tags=["teams"])
def list_teams(session: SessionDep, _: CurrentUser) -> list[TeamRead]:
    """Every team, by name."""
    return [TeamRead.model_validate(t) for t in users.list_teams(session)]


@router.post("/teams", status_code=status.HTTP_201_CREATED, tags=["teams"])
def create_team(data: TeamCreate, session: SessionDep, admin: AdminUser) -> TeamRead:
    """Admins: a team, which a note's `team` visibility names."""
    return TeamRead.model_validate(users.create_team(session, admin, data.name))


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    tags=["tokens"],
    responses={
        403: {
            "description": "Another user's token without the admin role or an `admin`-scoped "
            "token; the `admin` scope for a non-admin; or a scope the token used lacks."
        }
    },
)
def create_token(
    data: TokenCreate,
    session: SessionDep,
    user: CurrentUser,
    expiry: TokenExpiry,
    scopes: TokenScopes,
) -> TokenCreated:
    """A token for yourself, or (admins) for anyone, with the `scopes` asked for (default:
    `read` and `write`). The secret is in this response only. It expires no later than the
    token that makes it, and holds no scope that token lacks."""
    token, secret = users.create_token(
        session, user, data, parent_expires_at=expiry, parent_scopes=scopes
    )
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.get("/tokens", tags=["tokens"])
def list_tokens(
    session: SessionDep, user: CurrentUser, scopes: TokenScopes, user_id: IdQuery = None
) -> list[TokenRead]:
    """Your API tokens with their scopes (admins, with an `admin`-scoped token: anyone's, with
    `user_id`), never their secrets."""
    found = users.list_tokens(session, user, user_id, caller_scopes=scopes)
    return [TokenRead.model_validate(t) for t in found]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["tokens"])
def revoke_token(
    token_id: IdPath, session: SessionDep, user: CurrentUser, scopes: TokenScopes
) -> None:
    """Revokes one of your tokens (admins, with an `admin`-scoped token: anyone's) at once;
    audited."""
    users.revoke_token(session, user, token_id, caller_scopes=scopes)

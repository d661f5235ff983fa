"""Request dependencies: the app's services, the unit of work, the caller, roles, paging,
preconditions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import Role, User
from app.db.request import RequestConnection
from app.domain import idempotency, pagination, users
from app.domain.token_scopes import Scopes, ensure_scope
from app.errors import Forbidden, Invalid, PreconditionRequired, Unauthorized
from app.http.scopes import required_scope
from app.http.state import state_of
from app.schemas.common import DEFAULT_PAGE_SIZE, MAX_ID, MAX_PAGE_SIZE, Page
from app.services import Services

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_services(request: Request) -> Services:
    return state_of(request.app).running()


def get_db(request: Request) -> Database:
    return get_services(request).database


def get_settings(request: Request) -> Settings:
    return state_of(request.app).settings


# The example fills Swagger UI's "Try it out" box: the first record of a kind is 1.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
ServicesDep = Annotated[Services, Depends(get_services)]
DatabaseDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_connection(db: DatabaseDep) -> Iterator[RequestConnection]:
    """The request's one database connection. Its unit of work commits on success before the
    response is sent (the dependency is function-scoped), so a write is acknowledged only once
    it is durable; the side writes that read paths buffered follow on the same connection."""
    conn = RequestConnection(db)
    try:
        yield conn
        conn.write_deferred()
    except BaseException:
        conn.abort()
        raise
    finally:
        conn.close()


ConnectionDep = Annotated[RequestConnection, Depends(get_connection, scope="function")]


def get_session(request: Request, conn: ConnectionDep) -> Session:
    """The request's unit of work, writing unless the method only reads."""
    return conn.session(write=request.method not in _READ_METHODS)


SessionDep = Annotated[Session, Depends(get_session)]


def get_read_session(conn: ConnectionDep) -> Session:
    """For POSTs that only read (search): no write lock held while the work runs."""
    return conn.session(write=False)


ReadSessionDep = Annotated[Session, Depends(get_read_session)]


def get_write_session(conn: ConnectionDep) -> Session:
    """For a GET whose answer must not leave without its audit event (a subject-access
    dossier): the event is written in the unit of work, committed before the response is sent,
    where a deferred side write could be lost after the data had gone."""
    return conn.session(write=True)


AuditedReadSessionDep = Annotated[Session, Depends(get_write_session)]


# Read through FastAPI's scheme so that the OpenAPI schema declares it on every operation that
# needs a token, as Swagger UI's "Authorize" uses it; the refusals stay Tacit's own 401s.
bearer = HTTPBearer(
    scheme_name="bearerAuth",
    description=(
        "An API token, sent as `Authorization: Bearer tacit_...`: made by `tacit tokens "
        "create` or `POST /v1/tokens`, and shown once."
    ),
    auto_error=False,
)


def get_current_user(
    request: Request,
    conn: ConnectionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> User:
    """The token's user, checked in a short transaction of its own before the request's unit
    of work begins (an idempotency claim may have to commit in between). The token must hold
    the scope the route needs (``app.http.scopes``); a valid token without it is a 403 naming
    the scope, checked before the route reads anything."""
    secret = credentials.credentials.strip() if credentials is not None else ""
    if not secret:
        if "authorization" not in request.headers:
            raise Unauthorized("send an API token: Authorization: Bearer tacit_...")
        raise Unauthorized("use the Bearer scheme: Authorization: Bearer tacit_...")
    now = utcnow()
    with conn.unit_of_work(write=False) as session:
        token = users.authenticate(session, secret, now=now)
    route = request.scope.get("route")
    ensure_scope(token.scopes, required_scope(request.method, getattr(route, "path", "")))
    touch_after = timedelta(seconds=settings.token_touch_seconds)
    if token.last_used_at is None or token.last_used_at < now - touch_after:
        conn.defer(partial(users.touch_token, token_id=token.id, now=now))
    request.state.user_id = token.user_id
    request.state.token_expires_at = token.expires_at
    request.state.token_scopes = token.scopes
    return token.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_token_expiry(request: Request, _: CurrentUser) -> datetime | None:
    """When the caller's own token expires (None: never): what a token it makes may not outlive."""
    expires: datetime | None = request.state.token_expires_at
    return expires


TokenExpiry = Annotated[datetime | None, Depends(get_token_expiry)]


def get_token_scopes(request: Request, _: CurrentUser) -> Scopes:
    """What the caller's own token may do: what a token it makes may hold, and whether it may
    touch another user's tokens."""
    scopes: Scopes = request.state.token_scopes
    return scopes


TokenScopes = Annotated[Scopes, Depends(get_token_scopes)]


def require_role(*roles: Role) -> Any:
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"this action needs one of the roles: {', '.join(roles)}")
        return user

    return Depends(check)


AdminUser = Annotated[User, require_role(Role.admin)]
ManagerUser = Annotated[User, require_role(Role.manager, Role.admin)]


class Paging(BaseModel):
    limit: int
    cursor: str | None


def get_paging(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Paging:
    return Paging(limit=limit, cursor=cursor)


PagingDep = Annotated[Paging, Depends(get_paging)]


S = TypeVar("S", bound=BaseModel)


def page_of(schema: type[S], page: pagination.Page[Any]) -> Page[S]:
    """A domain page of rows as the API's page of ``schema``."""
    return Page[schema](  # type: ignore[valid-type]
        items=[schema.model_validate(row) for row in page.items], next_cursor=page.next_cursor
    )


def parse_if_match(value: str | None, *, required: bool) -> int | None:
    """The note version an ``If-Match`` header names (ETags are ``"v<version>"``)."""
    if value is None:
        if required:
            raise PreconditionRequired(
                "send If-Match with the ETag from GET, so that you do not overwrite a newer "
                "version by accident"
            )
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    # ASCII digits ("v²" passes str.isdigit), and few enough for a database integer.
    if not (tag[:1] == "v" and tag[1:].isascii() and tag[1:].isdigit() and len(tag) <= 10):
        raise Invalid(f'If-Match {value!r} is not an ETag this server issued (expected "v3")')
    return int(tag[1:])


def etag(version: int) -> str:
    return f'"v{version}"'


class Idempotency:
    """One request's claim on an idempotency key: the API's ``Idempotency-Key`` header, or the
    key a web form carries. Claim first; on a replay answer as the first request did; else do
    the work and ``complete`` the claim in its unit of work, or ``abandon`` it when the work
    fails. A no-op without a key."""

    def __init__(
        self, conn: RequestConnection, settings: Settings, user: User, key: str | None
    ) -> None:
        self.conn, self.settings, self.user, self.key = conn, settings, user, key
        self.claim_id: int | None = None

    def claim(self, scope: str, payload: dict[str, Any]) -> idempotency.Replay | None:
        """The first request's answer when this one repeats it. Raises ``Invalid`` when the
        key came with another payload, and ``Conflict`` while the first request runs."""
        if self.key is None:
            return None
        result = idempotency.claim(
            self.conn,
            user_id=self.user.id,
            scope=scope,
            key=self.key,
            payload=payload,
            lease=timedelta(seconds=self.settings.idempotency_lease_seconds),
        )
        if isinstance(result, idempotency.Replay):
            return result
        self.claim_id = result
        return None

    def replay_or_claim(self, scope: str, payload: BaseModel) -> JSONResponse | None:
        """``claim`` for a JSON route: a replay is the stored response, so marked."""
        replay = self.claim(scope, payload.model_dump(mode="json"))
        if replay is None:
            return None
        return JSONResponse(
            replay.body, status_code=replay.status, headers={"Idempotent-Replayed": "true"}
        )

    def complete(self, session: Session, status: int, body: BaseModel | dict[str, Any]) -> None:
        if self.claim_id is not None:
            stored = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
            idempotency.complete(session, self.claim_id, status=status, body=stored)

    def abandon(self, session: Session) -> None:
        """The work failed: roll it back, then free the key so that a corrected retry runs.
        In that order: on SQLite the unit of work holds the write lock the release needs."""
        session.rollback()
        if self.claim_id is not None:
            idempotency.release(self.conn, self.claim_id)
            self.claim_id = None

    @contextmanager
    def abandoned_on_error(self, session: Session) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.abandon(session)
            raise


def get_idempotency(
    session: SessionDep,
    conn: ConnectionDep,
    settings: SettingsDep,
    user: CurrentUser,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Retries with the same key and body return the first response.",
        ),
    ] = None,
) -> Iterator[Idempotency]:
    guard = Idempotency(conn, settings, user, key)
    with guard.abandoned_on_error(session):
        yield guard


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency, scope="function")]

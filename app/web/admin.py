"""The admin pages: users (create; change role, team, title, password; deactivate) and teams,
through the API's own functions (``app.domain.users``), for admins only: anyone else gets the
403 page, as from ``POST /v1/users``. A problem (a taken e-mail, a short password, an admin
taking away their own role) is shown above the forms, and nothing is saved."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.db.models import Role
from app.domain import users
from app.errors import Conflict
from app.http.deps import IdPath, SessionDep, SettingsDep
from app.schemas.users import UserCreate, UserUpdate
from app.web.auth import CsrfChecked, SignedIn, Viewer
from app.web.pages import FormText, PageError, WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

USERS_PAGE = 200  # one page: a company's users; the API pages past that
DONE = {
    "created": "The user is created.",
    "updated": "The user is updated.",
    "team": "The team is created.",
}


def _only_admins(viewer: Viewer) -> Viewer:
    """As the API's ``AdminUser``."""
    if viewer.user.role != Role.admin:
        raise PageError(403, "Refused", "Users and teams are managed by admins.")
    return viewer


def require_admin(viewer: SignedIn) -> Viewer:
    return _only_admins(viewer)


def require_admin_form(viewer: CsrfChecked) -> Viewer:
    return _only_admins(viewer)


Admin = Annotated[Viewer, Depends(require_admin)]
CheckedAdmin = Annotated[Viewer, Depends(require_admin_form)]


def _problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"]) or "the form"
    return f"{where}: {err['msg']}"


def _page(request: Request, session: Session, *, status: int = 200, **context: Any) -> Response:
    listed = users.list_users(
        session, external_id=None, team_id=None, email=None, limit=USERS_PAGE, cursor=None
    )
    page = {
        "people": listed.items,
        "more": listed.next_cursor is not None,
        "teams": users.list_teams(session),
        "roles": [role.value for role in Role],
        "notice": None,
        "problem": None,
        "typed": {},
        **context,
    }
    return render(request, "admin_users.html", page, status=status)


@router.get("/admin/users")
def users_page(request: Request, session: SessionDep, _: Admin, done: str = "") -> Response:
    return _page(request, session, notice=DONE.get(done))


@router.post("/admin/users")
def create_user(
    request: Request,
    session: SessionDep,
    viewer: CheckedAdmin,
    name: FormText = "",
    email: FormText = "",
    team: FormText = "",
    role: FormText = "rep",
    title: FormText = "",
    password: FormText = "",
) -> Response:
    typed = {"name": name, "email": email, "team": team, "role": role, "title": title}
    try:
        data = UserCreate(
            name=name,
            email=email.strip() or None,
            team=team.strip() or None,
            role=role,
            title=title.strip() or None,
            password=password or None,
        )
        users.create_user(session, viewer.user, data)
    except ValidationError as exc:
        return _page(request, session, status=422, problem=_problem(exc), typed=typed)
    except Conflict as exc:
        return _page(request, session, status=409, problem=exc.detail, typed=typed)
    return RedirectResponse("/admin/users?done=created", status_code=303)


@router.post("/admin/users/{user_id}")
def update_user(
    request: Request,
    user_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    viewer: CheckedAdmin,
    team: FormText = "",
    role: FormText = "",
    title: FormText = "",
    active: FormText = "",
    password: FormText = "",
) -> Response:
    changes: dict[str, Any] = {
        "team": team.strip() or None,
        "role": role,
        "title": title.strip() or None,
        "is_active": active == "1",
    }
    if password:  # empty: the password stays as it is
        changes["password"] = password
    try:
        users.update_user(
            session,
            viewer.user,
            user_id,
            UserUpdate(**changes),
            private_notes_on_departure=settings.private_notes_on_departure,
        )
    except ValidationError as exc:
        return _page(request, session, status=422, problem=_problem(exc))
    except Conflict as exc:
        return _page(request, session, status=409, problem=exc.detail)
    return RedirectResponse("/admin/users?done=updated", status_code=303)


@router.post("/admin/teams")
def create_team(
    request: Request, session: SessionDep, viewer: CheckedAdmin, name: FormText = ""
) -> Response:
    if not name.strip() or len(name.strip()) > 100:
        return _page(request, session, status=422, problem="Name the team in 1 to 100 characters.")
    try:
        users.create_team(session, viewer.user, name.strip())
    except Conflict as exc:
        return _page(request, session, status=409, problem=exc.detail)
    return RedirectResponse("/admin/users?done=team", status_code=303)

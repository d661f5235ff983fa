from __future__ import annotations

from fastapi import APIRouter

from app.errors import Unavailable
from app.http.deps import DatabaseDep

router = APIRouter(tags=["health"])


@router.get(
    "/livez", responses={200: {"content": {"application/json": {"example": {"status": "alive"}}}}}
)
def livez() -> dict[str, str]:
    """The process answers."""
    return {"status": "alive"}


@router.get(
    "/readyz",
    responses={
        200: {
            "content": {"application/json": {"example": {"status": "ready", "database": "sqlite"}}}
        }
    },
)
def readyz(db: DatabaseDep) -> dict[str, str]:
    """The process can reach its database (outside the pool, so it answers under load)."""
    try:
        db.probe()
    except Exception as exc:
        raise Unavailable(f"database unreachable: {type(exc).__name__}") from exc
    return {"status": "ready", "database": db.dialect}

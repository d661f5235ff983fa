from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Response

from app.api.deps import CurrentUser, SessionDep
from app.domain import audit, transfer

router = APIRouter(prefix="/v1/export", tags=["export"])


@router.get(
    "/{kind}",
    response_class=Response,
    responses={
        200: {
            "content": {"application/x-ndjson": {}},
            "description": "One JSON record a line, in the data-set format.",
        }
    },
)
def export_records(
    kind: Literal["users", "accounts", "contacts", "notes"],
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    """Export in the data-set format; notes are only those you may read."""
    lines = [
        json.dumps(r, ensure_ascii=False) + "\n"
        for r in transfer.export_records(session, kind, viewer=user)
    ]
    audit.record(session, user, "export", target_type=kind, count=len(lines))
    return Response("".join(lines), media_type="application/x-ndjson")

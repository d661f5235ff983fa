from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from app.domain import audit
from app.domain.transfer import csv_export, csv_format, dataset_export
from app.http.deps import ConnectionDep, CurrentUser, DatabaseDep, SessionDep

router = APIRouter(prefix="/v1/export", tags=["export"])


# Before "/{kind}", which would otherwise take "notes.csv" for a kind.
@router.get(
    "/notes.csv",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": ",".join(csv_format.EXPORT_COLUMNS)
                    + "\r\nN-1042,2026-03-02T15:04:00+00:00,ana.reyes@tacit.example,Harbor "
                    "Freightways,harbor.example,meg@harbor.example,team,"
                    "Meg (CFO) has final say on anything over $50k.\r\n"
                }
            },
            "description": "The import's CSV columns, UTF-8 with a byte-order mark, streamed.",
        }
    },
)
def export_notes_csv(db: DatabaseDep, conn: ConnectionDep, user: CurrentUser) -> StreamingResponse:
    """The notes you may read as CSV, in the columns `POST /v1/imports` reads back."""
    audit.record_later(conn, user, "export", target_type="notes.csv")
    return StreamingResponse(
        csv_export.stream_notes_csv(db, viewer=user),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="notes.csv"'},
    )


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
    conn: ConnectionDep,
    user: CurrentUser,
) -> Response:
    """Export in the data-set format; notes are only those you may read."""
    lines = [
        json.dumps(r, ensure_ascii=False) + "\n"
        for r in dataset_export.export_records(session, kind, viewer=user)
    ]
    audit.record_later(conn, user, "export", target_type=kind, count=len(lines))
    return Response("".join(lines), media_type="application/x-ndjson")

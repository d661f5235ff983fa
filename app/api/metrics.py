"""Prometheus metrics of this process (``app.telemetry.metrics``, ``app.http.telemetry``).

Never queued nor rate-limited, like the health checks: the figures are counts and times by
route template, nothing about notes or people. Open unless ``TACIT_METRICS_TOKEN`` is set
(then a bearer token the scraper sends); keep the port off the public internet either way."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.errors import Unauthorized
from app.http.deps import DatabaseDep, ReadSessionDep, SettingsDep
from app.http.telemetry import exposition

router = APIRouter(tags=["health"])
METRICS_PATH = "/metrics"


@router.get(METRICS_PATH, include_in_schema=False)
def metrics(
    request: Request, session: ReadSessionDep, db: DatabaseDep, settings: SettingsDep
) -> Response:
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise Unauthorized("send TACIT_METRICS_TOKEN: Authorization: Bearer ...")
    return Response(exposition(session, db), media_type=CONTENT_TYPE_LATEST)

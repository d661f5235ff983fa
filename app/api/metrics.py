"""Prometheus metrics of this process (``app.telemetry.metrics``, ``app.http.telemetry``).

Open like the health checks, and like them never queued nor rate-limited: the figures are
counts and times by route template, nothing about notes or people. Keep the port off the
public internet all the same, as one does with any ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.http.deps import DatabaseDep, ReadSessionDep
from app.http.telemetry import exposition

router = APIRouter(tags=["health"])
METRICS_PATH = "/metrics"


@router.get(METRICS_PATH, include_in_schema=False)
def metrics(session: ReadSessionDep, db: DatabaseDep) -> Response:
    return Response(exposition(session, db), media_type=CONTENT_TYPE_LATEST)

"""The Slack app: ``/tacit`` answers and brief (``commands``), the "Save to Tacit" message
shortcut and its form (``interactions``). Every request is verified with the app's signing
secret first (``verify``); every answer is ephemeral and built for the Tacit user linked to
the Slack user (``app.domain.slack``), from what that user may read. Outside the OpenAPI
schema: these endpoints are Slack's, not the API's. Installing the app: the README's "Slack"
and ``docs/slack-app-manifest.yaml``."""

from __future__ import annotations

from fastapi import APIRouter

from app.integrations.slack import commands, interactions

router = APIRouter(prefix="/integrations/slack", include_in_schema=False, tags=["slack"])
router.include_router(commands.router)
router.include_router(interactions.router)

"""What the app keeps for its lifetime, typed: its settings, given to ``create_app``, and its
services, built when it starts. Read through ``state_of`` (or the dependencies in
``app.http.deps``), never as loose ``app.state`` attributes."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette

from app.config import Settings
from app.services import Services


@dataclass
class AppState:
    settings: Settings
    services: Services | None = None  # between the lifespan's start and its end

    def running(self) -> Services:
        if self.services is None:
            raise RuntimeError("the app is not running: its services are built as it starts")
        return self.services


def install_state(app: Starlette, settings: Settings) -> AppState:
    state = AppState(settings)
    app.state.tacit = state
    return state


def state_of(app: Starlette) -> AppState:
    state = getattr(app.state, "tacit", None)
    if not isinstance(state, AppState):
        raise RuntimeError("not an app made by app.main.create_app")
    return state

"""The loop a background worker runs inside the API process (``tacit serve``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("tacit.worker")


class LoopThread:
    """A daemon thread that runs ``one_round`` (which returns how much it did) until stopped,
    waiting ``poll_seconds`` after a round that found nothing to do, or less if ``wake`` is set
    meanwhile (the process queued work: no need to wait for the next poll)."""

    def __init__(
        self,
        name: str,
        one_round: Callable[[], int],
        *,
        poll_seconds: float,
        wake: threading.Event | None = None,
    ) -> None:
        self._round, self._poll = one_round, poll_seconds
        self._stop = threading.Event()
        # Shared by the threads it wakes; a thread that clears it before another saw it only
        # sends that one back to polling.
        self._wake = wake or threading.Event()
        self._thread = threading.Thread(target=self.run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # what it announced, this round sees
            try:
                busy = self._round()
            except Exception:  # the database may be briefly unreachable; keep going
                log.exception("%s: round failed", self._thread.name)
                busy = 0
            if not busy:
                self._wake.wait(self._poll)

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

"""The client's one way to the server: an ``httpx.Client`` that retries what is safe to retry
and turns every failure (a refused token, a problem+json, a server that cannot be reached) into
a ``ClientError`` of one readable line."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import httpx

from app.client.config import Remote

# Worth another try: the server or a proxy in front of it failed, not the request.
RETRY_STATUSES = frozenset({500, 502, 503, 504})


class ClientError(Exception):
    """A failure the user reads as one line; ``problem`` is the server's problem+json, if any,
    and ``lines`` are details worth listing under it (an import's problems)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: Mapping[str, Any] | None = None,
        lines: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())
        self.status = status
        self.problem: Mapping[str, Any] = problem or {}
        self.lines = lines or []


def _reason(exc: BaseException) -> str:
    """``[Errno 111] Connection refused`` → ``connection refused``."""
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)).strip() or type(exc).__name__
    return text[0].lower() + text[1:]


def problem_of(response: httpx.Response) -> dict[str, Any] | None:
    """The problem+json body of an error response, if it has one."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def failure_message(response: httpx.Response, *, token_source: str) -> str:
    status = response.status_code
    problem = problem_of(response) or {}
    detail = str(problem.get("detail") or "").strip()
    if status == 401:
        why = f"{detail}; " if detail else ""
        return f"the server refused the token (401): {why}check {token_source} or run `tacit login`"
    title = str(problem.get("title") or response.reason_phrase or "HTTP error")
    if detail:
        return f"{title} ({status}): {detail}"
    request = response.request
    return f"{title} ({status}) from {request.method} {request.url}"


class Api:
    """A Tacit server, as the client sees it. Use as a context manager.

    Every request is retried when nothing reached the server (the connection was refused or
    never made). ``idempotent`` requests are also retried on timeouts, broken connections and
    5xx answers, and, when they carry an ``Idempotency-Key``, on the ``409`` a retry gets while
    the first attempt is still running: the key makes sure the work is done once.
    """

    def __init__(
        self,
        remote: Remote,
        *,
        timeout: float = 30.0,
        attempts: int = 4,
        backoff: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.remote = remote
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep
        self._http = httpx.Client(
            base_url=remote.url,
            headers={
                "Authorization": f"Bearer {remote.token}",
                "Accept": "application/json",
                "User-Agent": "tacit-cli",
            },
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> Api:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._http.close()

    def transport_error(self, exc: httpx.TransportError) -> ClientError:
        url = self.remote.url
        if isinstance(exc, httpx.TimeoutException):
            return ClientError(f"no answer from {url} within {self.timeout:g}s ({_reason(exc)})")
        if isinstance(exc, httpx.ConnectError):
            return ClientError(f"cannot reach {url}: {_reason(exc)}")
        return ClientError(f"the connection to {url} failed: {_reason(exc)}")

    def failure(self, response: httpx.Response) -> ClientError:
        return ClientError(
            failure_message(response, token_source=self.remote.token_source),
            status=response.status_code,
            problem=problem_of(response),
        )

    def _retryable(self, response: httpx.Response, *, idempotent: bool) -> bool:
        if not idempotent:
            return False
        if response.status_code in RETRY_STATUSES:
            return True
        return response.status_code == 409 and "Idempotency-Key" in response.request.headers

    def _send(self, request: httpx.Request, *, idempotent: bool, stream: bool) -> httpx.Response:
        """The response to ``request`` (status < 400), after retries; the body unread when
        ``stream``."""
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                response = self._http.send(request, stream=stream)
            except httpx.ConnectError as exc:
                if last:
                    raise self.transport_error(exc) from None
            except httpx.TransportError as exc:
                if last or not idempotent:
                    raise self.transport_error(exc) from None
            else:
                if response.status_code < 400:
                    return response
                response.read()
                response.close()
                if last or not self._retryable(response, idempotent=idempotent):
                    raise self.failure(response)
            self.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """Send a request; ``idempotent`` defaults to true for GET."""
        request = self._http.build_request(
            method, path, params=params, json=json, headers=headers, files=files
        )
        safe = method.upper() == "GET" if idempotent is None else idempotent
        return self._send(request, idempotent=safe, stream=False)

    def get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return self.json(self.request("GET", path, params=query))

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ClientError(
                f"{self.remote.url} answered {response.request.url.path} with something other "
                "than JSON; is it a Tacit server?"
            ) from None

    def items(self, path: str, *, limit: int = 200, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, following ``next_cursor``."""
        cursor: str | None = None
        while True:
            page = self.get(path, limit=limit, cursor=cursor, **params)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    @contextmanager
    def stream(self, path: str) -> Iterator[httpx.Response]:
        """A GET whose body is read as it arrives; a connection that breaks midway is a
        ``ClientError`` too."""
        response = self._send(self._http.build_request("GET", path), idempotent=True, stream=True)
        try:
            yield response
        except httpx.TransportError as exc:
            raise self.transport_error(exc) from None
        finally:
            response.close()

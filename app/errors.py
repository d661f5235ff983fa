"""The application's exception tree. One handler (``app.http.problems``) turns each into
RFC 9457 problem+json, so domain code raises meaningfully and never builds HTTP responses."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status: int = 500
    title: str = "Internal error"
    type_slug: str = "internal"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class BadRequest(AppError):
    status, title, type_slug = 400, "Bad request", "bad-request"


class Unauthorized(AppError):
    status, title, type_slug = 401, "Unauthorized", "unauthorized"


class Forbidden(AppError):
    status, title, type_slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, type_slug = 404, "Not found", "not-found"


class Conflict(AppError):
    status, title, type_slug = 409, "Conflict", "conflict"


class Suppressed(Conflict):
    """A record naming a person erased at their request, refused until an admin lifts the
    suppression (``extensions``: ``suppression_id``)."""

    title, type_slug = "Erased person", "suppressed"


class Gone(AppError):
    status, title, type_slug = 410, "Gone", "gone"


class PreconditionFailed(AppError):
    status, title, type_slug = 412, "Precondition failed", "precondition-failed"


class PayloadTooLarge(AppError):
    status, title, type_slug = 413, "Payload too large", "payload-too-large"


class UnsupportedMediaType(AppError):
    status, title, type_slug = 415, "Unsupported media type", "unsupported-media-type"


class Invalid(AppError):
    """Well-formed input that breaks a rule (an unknown account, a contact of another account)."""

    status, title, type_slug = 422, "Unprocessable content", "invalid"


class PreconditionRequired(AppError):
    status, title, type_slug = 428, "Precondition required", "precondition-required"


class Unavailable(AppError):
    status, title, type_slug = 503, "Service unavailable", "unavailable"

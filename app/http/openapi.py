"""The OpenAPI schema says what the app makes true, so that /docs can be tried as it is: the
401 that every operation reading a token answers without one (FastAPI declares the bearer
scheme itself, from ``deps.bearer``), the token scope each such operation needs (in its
security requirement, as OpenAPI 3.1 allows a bearer scheme to list, its description, and the
403 a token without it gets: ``app.http.scopes``), the 422 that every operation can answer,
and every error as the problem+json that ``problems`` sends (FastAPI would document a 422 in its own
JSON shape, and no 401 at all)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from app.http.scopes import required_scope
from app.schemas.common import Problem

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
UNAUTHORIZED = {
    "description": "No token, or one that is unknown, revoked or expired.",
    "headers": {
        "WWW-Authenticate": {"description": "Always `Bearer`.", "schema": {"type": "string"}}
    },
}
# FastAPI's own wording for the 422 it adds; a route that says more keeps its words.
_FASTAPI_422 = "Validation Error"
INVALID = (
    "Invalid input: a parameter or body field breaks its schema or a rule (each is listed in "
    "`errors`), or a query parameter holds a NUL character."
)
DEFAULT = {"description": "An error, as RFC 9457 problem details.", "content": PROBLEM_CONTENT}


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if isinstance(operation, dict):  # not a path's shared "parameters"
                yield method, path, operation


def _scoped(method: str, path: str, operation: dict[str, Any]) -> None:
    """Name the token scope the operation needs, where tools and readers look."""
    scope = required_scope(method, path).value
    operation["security"] = [{name: [scope] for req in operation["security"] for name in req}]
    said = f"Needs a token with the `{scope}` scope."
    operation["description"] = f"{operation.get('description', '').rstrip()}\n\n{said}".lstrip()
    refused = operation["responses"].setdefault("403", {"description": ""})
    lacks = f"The token lacks the `{scope}` scope (`token lacks the {scope} scope`)."
    refused["description"] = f"{refused['description'].rstrip()} {lacks}".lstrip()


def _complete(method: str, path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if operation.get("security"):
        responses.setdefault("401", dict(UNAUTHORIZED))
        _scoped(method, path, operation)
    # Every operation, those without parameters too: the app-wide dependency refuses a NUL
    # character in any query parameter, named or not (problems.refuse_nul_in_query).
    invalid = responses.setdefault("422", {"description": INVALID})
    if invalid.get("description") == _FASTAPI_422:
        invalid["description"] = INVALID
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            response["content"] = PROBLEM_CONTENT
    # Any operation may answer an error it does not list (503 when the database is
    # unreachable, 413 for a body over the limit).
    responses["default"] = DEFAULT


DEPARTURE = {
    "keep": "they stay private, readable by nobody",
    "team": "they become team notes of your team",
}


def _departure_note(schemas: dict[str, Any], rule: str) -> None:
    """Tell authors, where they choose ``private``, what this server does with private notes
    when their author leaves (``TACIT_PRIVATE_NOTES_ON_DEPARTURE``), so nobody is surprised."""
    said = (
        f" When you leave (are deactivated), your private notes are kept as this server is set "
        f"(TACIT_PRIVATE_NOTES_ON_DEPARTURE={rule}): {DEPARTURE[rule]}."
    )
    for name in ("NoteCreate", "NoteUpdate"):
        field = schemas.get(name, {}).get("properties", {}).get("visibility")
        if field is not None:
            field["description"] = field.get("description", "") + said


def document(app: FastAPI, *, departure_rule: str = "keep") -> None:
    """Replace ``app.openapi`` with the schema completed as the module docstring says."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for method, path, operation in _operations(schema):
            _complete(method, path, operation)
        _departure_note(schemas, departure_rule)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

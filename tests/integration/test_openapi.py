"""The OpenAPI schema, as /docs shows it: every operation described and exemplified, the bearer
scheme on exactly the operations that refuse a request without a token (checked by sending
one without), and the 401 and 422 problem+json they answer declared; every example valid
against its own schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from app.http.scopes import required_scope

JSON = "application/json"
PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    return schema


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    ]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def has_example(spec: dict[str, Any], holder: dict[str, Any]) -> bool:
    """A media type or parameter with an example of its own or in its schema (an array's
    items count: a list of notes is exemplified by a note)."""
    if "example" in holder or holder.get("examples"):
        return True
    schema = resolve(spec, holder.get("schema", {}))
    if schema.get("examples") or schema.get("enum"):
        return True
    items = schema.get("items")
    return isinstance(items, dict) and bool(resolve(spec, items).get("examples"))


def test_every_operation_has_a_summary_and_a_description(spec: dict[str, Any]) -> None:
    bare = [
        f"{method} {path}"
        for method, path, op in operations(spec)
        if not op.get("summary") or not op.get("description", "").strip()
    ]
    assert not bare, bare


def test_every_operation_has_an_example(spec: dict[str, Any]) -> None:
    """Of every JSON body it takes, every path parameter, and, for an operation that takes
    nothing, what it answers."""
    missing = []
    for method, path, op in operations(spec):
        label = f"{method} {path}"
        bodies = op.get("requestBody", {}).get("content", {})
        if JSON in bodies and not has_example(spec, bodies[JSON]):
            missing.append(f"{label}: the JSON body")
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path" and not has_example(spec, parameter):
                missing.append(f"{label}: the path parameter {parameter['name']}")
        takes = bodies or op.get("parameters")
        if not takes:
            ok = op["responses"].get("200", {}).get("content", {})
            if not any(has_example(spec, media) for media in ok.values()):
                missing.append(f"{label}: what it answers")
    assert not missing, "\n".join(missing)


def test_every_example_is_valid_against_its_schema(spec: dict[str, Any]) -> None:
    """An example that its own schema refuses would send "Try it out" straight to a 422."""
    registry = {"$defs": spec["components"]["schemas"]}
    seen = 0
    for name, schema in spec["components"]["schemas"].items():
        for example in schema.get("examples", []):
            rooted = {**registry, **schema}
            validator = jsonschema.Draft202012Validator(
                _rebased(rooted), format_checker=jsonschema.FormatChecker()
            )
            errors = [e.message for e in validator.iter_errors(example)]
            assert not errors, (name, example, errors)
            seen += 1
    assert seen >= 26  # the request bodies' at least


def _rebased(schema: Any) -> Any:
    """The component's references pointed at the ``$defs`` it is validated with."""
    if isinstance(schema, dict):
        return {
            key: (
                value.replace("#/components/schemas/", "#/$defs/")
                if key == "$ref"
                else _rebased(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebased(item) for item in schema]
    return schema


def test_the_bearer_scheme_is_declared_where_a_missing_token_is_refused(
    client: TestClient, spec: dict[str, Any]
) -> None:
    """Each operation is called without a token (ids 1, no body): the ones that answer 401
    are exactly the ones that declare the scheme, and they declare the 401."""
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert len(operations(spec)) > 70
    wrong = []
    for method, path, op in operations(spec):
        secured = op.get("security") == [{"bearerAuth": [required_scope(method, path).value]}]
        url = path.replace("{kind}", "notes")
        for parameter in op.get("parameters", []):
            url = url.replace("{" + parameter["name"] + "}", "1")
        answer = client.request(method, url)
        if (answer.status_code == 401) != secured:
            wrong.append(f"{method} {path}: {answer.status_code}, declared: {secured}")
        if secured:
            declared = op["responses"].get("401", {})
            if declared.get("content", {}).get("application/problem+json", {}).get(
                "schema"
            ) != PROBLEM or "WWW-Authenticate" not in declared.get("headers", {}):
                wrong.append(f"{method} {path}: no 401 problem declared")
    assert not wrong, "\n".join(wrong)


def test_every_operation_declares_the_422_problem_it_can_answer(
    client: TestClient, spec: dict[str, Any]
) -> None:
    """The NUL check on query parameters applies to every operation, those without
    parameters too, so each declares the 422, as the problem that is sent."""
    for _, path, op in operations(spec):
        invalid = op["responses"].get("422", {})
        assert invalid.get("content") == {"application/problem+json": {"schema": PROBLEM}}, path
        assert invalid.get("description") != "Validation Error", path
    answer = client.get("/livez", params={"x": "\x00"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = spec["components"]["schemas"]["Problem"]
    assert set(answer.json()) <= set(problem["properties"])
    assert set(problem["required"]) <= set(answer.json())
    errors = resolve(spec, problem["properties"]["errors"]["anyOf"][0]["items"])
    assert set(answer.json()["errors"][0]) == set(errors["properties"])


def test_every_secured_operation_names_its_scope_and_its_refusal(spec: dict[str, Any]) -> None:
    """The scope a token needs is where a reader and a tool look: the security requirement,
    the description, and the 403 a token without it gets."""
    scoped = {"read": 0, "write": 0, "admin": 0, "mail": 0}
    for method, path, op in operations(spec):
        if not op.get("security"):
            continue
        scope = required_scope(method, path).value
        scoped[scope] += 1
        assert f"Needs a token with the `{scope}` scope." in op["description"], (method, path)
        refused = op["responses"]["403"]
        assert f"token lacks the {scope} scope" in refused["description"], (method, path)
        assert refused["content"]["application/problem+json"]["schema"] == PROBLEM
    assert scoped["mail"] == 1 and min(scoped.values()) >= 1, scoped


def test_the_token_operations_document_scopes(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in ("TokenCreate", "TokenRead"):
        field = schemas[name]["properties"]["scopes"]
        assert "`mail`" in field["description"], name
        assert all("scopes" in example for example in schemas[name]["examples"]), name
    assert "scopes" in spec["paths"]["/v1/tokens"]["post"]["description"]

"""The API fuzzed from its own OpenAPI schema with schemathesis: every operation with valid
and invalid (negative) data, then stateful sequences that follow the links between operations,
on SQLite, as an admin and as a rep, with every check on. No input may give a 500, every
response must match the schema (status, content type, body, headers), and the schema must
say what the API does. The number of examples is small, so that `make test` stays within a
couple of minutes on a 2-core machine; set TACIT_FUZZ_EXAMPLES to search longer."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from app.config import Settings
from app.db.engine import Database
from app.db.models import Role
from app.main import create_app
from tests.factories import Person, make_account, make_contact, make_user

EXAMPLES = int(os.environ.get("TACIT_FUZZ_EXAMPLES", "8"))
SEED = 20261204


@pytest.fixture(scope="module")
def fuzz_world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, dict[str, Person]]]:
    """One seeded SQLite database and app for the module: users of each role, accounts with
    contacts and notes, so that generated ids and names sometimes hit something."""
    path = tmp_path_factory.mktemp("fuzz") / "tacit.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        _env_file=None,
        env="test",
        database_url=f"sqlite:///{path}",
        worker_threads=0,
        warm_up=False,
    )  # type: ignore[call-arg]
    db = Database(settings.database_url)
    people = {
        "admin": make_user(db, "Ada Admin", team="ops", role=Role.admin),
        "rep": make_user(db, "Ana Reyes", team="east"),
    }
    make_user(db, "Ben Okafor", team="east", role=Role.manager)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        for name, domain in [("Harbor Freightways", "harbor.example"), ("Mesa Health", None)]:
            account = make_account(db, name, domains=[domain] if domain else [])
            contact = make_contact(db, account, "Meg Ortiz", email=f"meg@{domain or 'mesa.x'}")
            for body in ["Meg (CFO) signs off on anything over $50k", "Renewal due in March"]:
                response = client.post(
                    "/v1/notes",
                    headers=people["rep"].headers,
                    json={"body": body, "account_id": account, "contact_ids": [contact]},
                )
                assert response.status_code == 201, response.text
        # The first search loads the embedding model, which can outlast a request timeout.
        warm = client.post("/v1/search", headers=people["rep"].headers, json={"q": "spend"})
        assert warm.status_code == 200, warm.text
        yield app, people
    db.dispose()


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": False,
                # NUL is refused with a 422 by design (PostgreSQL cannot store it), which the
                # schema's "type: string" cannot say; tests/integration/test_bad_input.py
                # covers it. Without this, valid-data checks would see 422s for it.
                "allow-x00": False,
                # The tokens are sent as each role's: a generated one is only ever a 401.
                "with-security-parameters": False,
            },
            "checks": {
                "positive_data_acceptance": {
                    # Schema-valid is not always acceptable here, for reasons a JSON schema
                    # cannot state: the rules between fields ("exactly one of account_id and
                    # account"), what the database holds (an account name that names none is a
                    # 422 with suggestions), the clock (observed_at in the future) and the
                    # range of times (1900..2200); 412 and 428 are the If-Match precondition.
                    # A 400, 405, 413 or 415 for valid data still fails.
                    "expected-statuses": [
                        "2xx",
                        "3xx",
                        "401",
                        "403",
                        "404",
                        "409",
                        "412",
                        "422",
                        "428",
                        "429",
                    ],
                },
            },
        }
    )


@pytest.fixture(scope="module")
def api_schema(fuzz_world: tuple[Any, dict[str, Person]]) -> Any:
    app, _ = fuzz_world
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=_config())


# Explicit Hypothesis loops over schemathesis' strategies rather than `schema.parametrize()`:
# its lazy fixture loader (`schemathesis.pytest.from_fixture`) writes pytest's private
# `Function._nodeid`, which pytest 9 no longer has. The strategies, checks and state machine
# are the same ones.
_SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
)


def _describe(exc: BaseException) -> str:
    """An exception and, for a group (Hypothesis' flaky or multiple failures), each of its
    own, which ``str`` leaves out."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BaseExceptionGroup):
        text += "".join(f"\n  - {_describe(sub)}" for sub in exc.exceptions)
    return text


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation(
    api_schema: Any, fuzz_world: tuple[Any, dict[str, Person]], mode: GenerationMode
) -> None:
    _, people = fuzz_world
    failures: list[str] = []
    for operation in _operations(api_schema):

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @_SETTINGS
        def run(case: Any) -> None:
            for role in ("admin", "rep"):  # what one may do, the other may be refused
                case.call_and_validate(headers=people[role].headers)

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            # No invalid request exists (no parameters, or none that can be broken): only in
            # negative mode, and schemathesis' own runner skips these too.
            assert mode is GenerationMode.NEGATIVE, operation.label
        except (Exception, BaseExceptionGroup) as exc:  # try all, then report every failure
            failures.append(f"{operation.label}: {_describe(exc)}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("role", ["admin", "rep"])
def test_stateful_sequences(
    api_schema: Any, fuzz_world: tuple[Any, dict[str, Person]], role: str
) -> None:
    _, people = fuzz_world
    machine = api_schema.as_state_machine()

    class AsUser(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": people[role].headers}

    AsUser.run(
        settings=hypothesis.settings(_SETTINGS, max_examples=EXAMPLES, stateful_step_count=10)
    )

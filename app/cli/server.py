"""Running the server and keeping its database: migrate, serve, worker, reindex, and the
purges of the audit trail and the event stream."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from app.cli.common import (
    cli,
    database,
    err,
    fail,
    load_settings,
    local_database,
    out,
    rounds,
    services,
)
from app.db.engine import Database
from app.db.migrate import pending_revisions, upgrade
from app.domain.sensitivity import check_stored
from app.telemetry import logs
from app.worker.embedding import BATCH_NOTES

audit_cli = typer.Typer(
    help="The audit trail.", no_args_is_help=True, epilog="Example: tacit audit purge"
)
cli.add_typer(audit_cli, name="audit")
events_cli = typer.Typer(
    help="The event stream (outbox).", no_args_is_help=True, epilog="Example: tacit events purge"
)
cli.add_typer(events_cli, name="events")


@cli.command(epilog="Example: TACIT_DATABASE_URL=sqlite:///var/tacit.db tacit migrate")
def migrate(
    recheck_sensitive: Annotated[
        bool,
        typer.Option(
            "--recheck-sensitive",
            help="Check every note for sensitive facts again (after changing "
            "TACIT_SENSITIVE_CATEGORIES): marks change, visibilities never do.",
        ),
    ] = False,
) -> None:
    """Bring the database schema up to date (safe to run at any time), and detect the
    sensitive facts of notes not checked yet."""
    settings = load_settings()
    local_database(settings.database_url, create=True)
    db = Database(settings.database_url)
    try:
        pending = pending_revisions(db.engine)
        upgrade(db.engine)
        with db.unit_of_work() as session:
            marked = check_stored(session, settings.sensitive_categories, every=recheck_sensitive)
    finally:
        db.dispose()
    out.print(f"schema up to date ({len(pending)} migration(s) applied) on {db.dialect}")
    if marked:
        out.print(f"sensitive facts newly marked or changed on {marked} note(s)")


@cli.command(epilog="Example: tacit serve --host 0.0.0.0 --port 8000")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    reuse_port: Annotated[
        bool,
        typer.Option(
            "--reuse-port",
            help="Share the port with other `tacit serve --reuse-port` processes (SO_REUSEPORT, "
            "Linux): the kernel spreads new connections among them.",
        ),
    ] = False,
) -> None:
    """Run the API server. Start several (each with --reuse-port, or each on its own port
    behind a proxy) for more throughput: they share nothing but the database."""
    import uvicorn

    from app.main import create_app

    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format)
    # Built here, not as the app starts: a stale schema is then a command error, not a trace.
    # Serving is how a first run starts, so a SQLite file that is not there yet is made.
    with services(settings, create=True) as built:
        out.print(f"Tacit listening on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
        out.print(f"environment: {settings.env}")
        app = create_app(settings, services=built)
        if not reuse_port:
            # log_config=None: uvicorn keeps the process's logging (JSON lines, app.telemetry).
            uvicorn.run(app, host=host, port=port, log_config=None)
            return
        config = uvicorn.Config(app, host=host, port=port, log_config=None)
        uvicorn.Server(config).run(sockets=[_shared_socket(host, port)])


def _shared_socket(host: str, port: int) -> socket.socket:
    """A listening address other processes may bind too: each has its own accept queue, and
    the kernel hands each new connection to one of them."""
    if not hasattr(socket, "SO_REUSEPORT"):
        fail("--reuse-port needs SO_REUSEPORT (Linux, BSD, macOS)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    return sock


@cli.command(epilog="Example: tacit worker --threads 2 --metrics-port 9101")
def worker(
    batch: Annotated[int, typer.Option(help="Notes claimed per round.")] = BATCH_NOTES,
    poll: Annotated[float, typer.Option(help="Seconds to wait when the queue is empty.")] = 1.0,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Exit once nothing is pending.")
    ] = False,
    threads: Annotated[
        int, typer.Option(help="CPU threads for the model (0: all; a worker has the cores).")
    ] = 0,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's Prometheus metrics on this port (/metrics)."),
    ] = None,
) -> None:
    """Run an embedding worker in this process (as many as you like, on any machine); with
    TACIT_BACKUP_DIR set, it also takes the scheduled backups."""

    from prometheus_client import start_http_server

    from app.worker.backups import backup_thread
    from app.worker.embedding import queue_other_models, run_once

    settings = load_settings().model_copy(
        update={"torch_threads": threads, "worker_model_threads": threads}
    )
    logs.configure(settings.log_level, settings.log_format)
    if metrics_port is not None:
        start_http_server(metrics_port)
    with services(settings) as built:
        db, embedder = built.database, built.worker_embedder
        err.print(
            f"embedding worker on {db.dialect} with {embedder.name} ({settings.embedding_backend})"
        )
        queue_other_models(db, embedder)
        backups = None
        if settings.backup_dir is not None and not until_empty:
            backups = backup_thread(db, settings)
            backups.start()
        try:
            done = rounds(
                lambda: run_once(db, embedder, batch_notes=batch),
                poll=poll,
                until_empty=until_empty,
            )
        finally:
            if backups is not None:
                backups.stop()
        err.print(f"processed {done} job(s)")


@cli.command(epilog="Example: tacit reindex --force")
def reindex(
    force: Annotated[
        bool, typer.Option("--force", help="Re-embed everything, even vectors of this model.")
    ] = False,
) -> None:
    """Queue the notes whose vectors are missing or from another model (after a model change).
    Workers (`tacit serve` or `tacit worker`) then embed them."""
    from app.search.indexing import enqueue_stale

    with services() as built, built.database.unit_of_work() as session:
        built.index.prepare(session)
        model = built.embedder.name
        queued = enqueue_stale(session, model, force=force)
    out.print(f"queued {queued} note(s) for embedding with {model}")


@audit_cli.command("purge", epilog="Example: tacit audit purge")
def audit_purge() -> None:
    """Delete audit events and note views older than TACIT_AUDIT_RETENTION_DAYS (default 730);
    the purge itself is recorded. Run it from cron, e.g. daily."""
    from datetime import timedelta

    from app.db.base import utcnow
    from app.domain.audit import purge

    days = load_settings().audit_retention_days
    before = utcnow() - timedelta(days=days)
    with database() as db, db.unit_of_work() as session:
        purged = purge(session, before=before)
    out.print(
        f"deleted {purged.events} audit event(s) and {purged.views} note view(s) older than "
        f"{days} days (before {before:%Y-%m-%d %H:%M} UTC)"
    )


@events_cli.command("purge", epilog="Example: tacit events purge")
def events_purge() -> None:
    """Delete outbox events older than TACIT_EVENT_RETENTION_DAYS (default 30), with the
    deliveries still owed for them. Run it from cron, e.g. daily."""
    from datetime import timedelta

    from app.db.base import utcnow
    from app.domain.events import purge

    days = load_settings().event_retention_days
    before = utcnow() - timedelta(days=days)
    with database() as db, db.unit_of_work() as session:
        purged = purge(session, before=before)
    out.print(
        f"deleted {purged} event(s) older than {days} days (before {before:%Y-%m-%d %H:%M} UTC)"
    )

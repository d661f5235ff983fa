"""The remote side of ``tacit import`` and ``tacit export``: over HTTP when a server is
configured, so that an admin's laptop needs no database (``app.cli.transfer`` falls back to
the local database when none is)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.client.commands import err, out, reported, say
from app.client.config import ConfigError, Remote, resolve_remote
from app.client.http import Api, ClientError
from app.client.transfer import (
    FOLLOW_HINT,
    download_export,
    embedding_summary,
    follow_embedding,
    import_table,
    listed,
    upload_import,
)


def import_remotely(
    path: Path,
    *,
    dry_run: bool,
    as_user: str | None,
    url: str | None,
    token: str | None,
    wait: bool | None = None,
) -> bool:
    """``tacit import`` over HTTP when a server is configured; False, having done nothing,
    when none is (the import then runs on the local database). Says what the local import
    says, and fails as it does when there are problems, dry run or not. Then waits, with a
    bar, until the server has embedded the notes (``wait``; None: when on a terminal), or says
    how to follow it."""
    with reported():
        remote = _server(url, token, as_user, "the import runs as the token's user")
        if remote is None:
            return False
        with Api(remote, timeout=600) as api:
            report = upload_import(api, path, dry_run=dry_run, console=err)
            written = not report.get("dry_run", dry_run) and not listed(report, "problems")
            status = None
            if written and (err.is_terminal if wait is None else wait):
                status = follow_embedding(api, console=err)
        out.print(import_table(report))
        if status is not None:
            say(embedding_summary(status))
        elif written:
            say(f"the server embeds the notes in the background: {FOLLOW_HINT}")
        for line in listed(report, "skipped"):
            say(f"skipped {line}")
        for line in listed(report, "warnings"):
            err.print(f"warning: {line}", markup=False, highlight=False)
        problems = listed(report, "problems")
        if report.get("dry_run", dry_run):
            say("dry run: nothing was written")
        if problems:
            raise ClientError(
                f"the import has {len(problems)} problem(s); nothing was written", lines=problems
            )
    return True


def export_remotely(
    directory: Path,
    *,
    as_user: str | None,
    url: str | None,
    token: str | None,
    csv: bool = False,
) -> bool:
    """``tacit export`` over HTTP when a server is configured; False when none is."""
    with reported():
        remote = _server(url, token, as_user, "the export holds what the token's user may read")
        if remote is None:
            return False
        with Api(remote, timeout=600) as api:
            counts = download_export(api, directory, console=err, csv=csv)
        print(json.dumps(counts))
    return True


def _server(url: str | None, token: str | None, as_user: str | None, instead: str) -> Remote | None:
    """The configured server for an admin command that also works remotely, if any."""
    remote = resolve_remote(url=url, token=token, environ=os.environ)
    if remote is not None and as_user:
        raise ConfigError(f"--as works on the local database only; over HTTP {instead}")
    return remote

"""Where a note's text comes from: the command line, standard input, or the user's editor."""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from app.client.http import ClientError

# Everything from this line down is instructions. A cut line rather than "#" comments, because
# a note is markdown and its own "# headings" must survive.
SCISSORS = "# ------------------------ >8 ------------------------"


def template(*, account: str, visibility: str | None) -> str:
    return (
        f"\n\n{SCISSORS}\n"
        "# Write the note above this line, in markdown. This line and everything below it\n"
        "# are ignored; an empty note is not sent.\n"
        f"# account: {account}    visibility: {visibility or 'team (the default)'}\n"
    )


def strip_template(text: str) -> str:
    kept: list[str] = []
    for line in text.splitlines():
        if line.strip() == SCISSORS:
            break
        kept.append(line)
    return "\n".join(kept).strip()


def editor_command(environ: Mapping[str, str]) -> list[str]:
    """``$VISUAL``, then ``$EDITOR`` (as git reads them), then ``vi``; may carry arguments
    (``code --wait``)."""
    for variable in ("VISUAL", "EDITOR"):
        if value := environ.get(variable, "").strip():
            try:
                words = shlex.split(value)
            except ValueError as exc:
                raise ClientError(f"cannot parse ${variable} ({value!r}): {exc}") from None
            if words:
                return words
    return ["vi"]


def edit(initial: str, environ: Mapping[str, str]) -> str:
    """The text of a temporary file after the user's editor has had it. The file lives in a
    private temporary directory and is removed afterwards: notes can be confidential."""
    command = editor_command(environ)
    with tempfile.TemporaryDirectory(prefix="tacit-") as directory:
        path = Path(directory) / "note.md"
        path.write_text(initial, encoding="utf-8")
        try:
            result = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise ClientError(
                f"cannot run the editor {command[0]!r}: {exc.strerror or exc}; "
                "set EDITOR to one that exists"
            ) from None
        if result.returncode != 0:
            raise ClientError(
                f"the editor {command[0]!r} exited with status {result.returncode}; "
                "nothing was sent"
            )
        return path.read_text(encoding="utf-8")


def read_body(
    body: str | None,
    *,
    stdin: TextIO,
    environ: Mapping[str, str],
    account: str,
    visibility: str | None,
) -> str:
    """The note's text: ``body`` itself; standard input for ``-``, or when there is no
    ``body`` and input is piped; else what the user writes in their editor."""
    if body == "-" or (body is None and not stdin.isatty()):
        text = stdin.read()
    elif body is None:
        text = strip_template(edit(template(account=account, visibility=visibility), environ))
    else:
        text = body
    text = text.strip()
    if not text:
        raise ClientError("the note is empty; nothing was sent")
    return text

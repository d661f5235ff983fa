"""Messages on disk: ``.eml`` files, mbox files, and folders of them, read one at a time."""

from __future__ import annotations

import mailbox
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_MAIL_SUFFIXES = (".eml", ".mbox")


@dataclass(frozen=True)
class StoredMessage:
    label: str  # "path" or "path#3" (the third message of an mbox)
    raw: bytes | None
    error: str | None = None  # why it could not be read


def read_messages(paths: Iterable[Path]) -> Iterator[StoredMessage]:
    """Every message under ``paths``: a folder gives its .eml and .mbox files (sorted, with
    subfolders), a file starting with an mbox "From " line is an mbox, any other file is one
    message."""
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _MAIL_SUFFIXES
            )
            if not found:
                yield StoredMessage(str(path), None, "no .eml or .mbox files in this folder")
            for file in found:
                yield from _read_file(file)
        elif path.is_file():
            yield from _read_file(path)
        else:
            yield StoredMessage(str(path), None, "no such file or folder")


def _read_file(path: Path) -> Iterator[StoredMessage]:
    try:
        with path.open("rb") as file:
            is_mbox = file.read(5) == b"From "
        if not is_mbox:
            yield StoredMessage(str(path), path.read_bytes())
            return
        box = mailbox.mbox(path, create=False)
    except OSError as exc:
        yield StoredMessage(str(path), None, exc.strerror or str(exc))
        return
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            yield StoredMessage(f"{path}#{number}", box.get_bytes(key))
    finally:
        box.close()

"""Splitting a note into passages: the windows that are embedded, keyword-indexed and shown.

A short note is one passage. A long one (a meeting recap with sections) is cut at its blank
lines, so that each topic section stands alone, and a section longer than the model's window
is cut again at sentence ends into overlapping windows. A passage is what a hit quotes, so
it must read as a whole thought.
"""

from __future__ import annotations

import hashlib
import re

MAX_WORDS = 35  # tuned on crm-dev: one fact or two per passage embeds sharper than a paragraph
MIN_WORDS = 8  # smaller blocks join their neighbour: a lone heading means nothing

_BLOCKS = re.compile(r"\n\s*\n")
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")


def _words(text: str) -> int:
    return len(text.split())


def _windows(block: str) -> list[str]:
    """Cut one over-long block at sentence or line ends, overlapping by one sentence."""
    sentences = [s.strip() for s in _SENTENCES.split(block) if s.strip()]
    windows: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and _words(" ".join([*current, sentence])) > MAX_WORDS:
            windows.append(" ".join(current))
            current = current[-1:] if _words(current[-1]) < MAX_WORDS // 2 else []
        current.append(sentence)
    if current:
        windows.append(" ".join(current))
    # A single sentence longer than the window is cut by words as a last resort.
    out: list[str] = []
    for window in windows:
        words = window.split()
        out += [" ".join(words[i : i + MAX_WORDS]) for i in range(0, len(words), MAX_WORDS)]
    return out


def split_passages(text: str) -> list[str]:
    text = text.strip()
    if _words(text) <= MAX_WORDS:
        return [text] if text else []
    # A block too small to stand alone (a heading, a one-line aside) joins the block it
    # introduces; a small last block joins the one before it.
    merged: list[str] = []
    carry = ""
    for block in (b.strip() for b in _BLOCKS.split(text)):
        if not block:
            continue
        block = f"{carry}\n{block}" if carry else block
        carry = ""
        if _words(block) < MIN_WORDS:
            carry = block
        else:
            merged.append(block)
    if carry:
        if merged and _words(merged[-1]) + _words(carry) <= MAX_WORDS:
            merged[-1] = f"{merged[-1]}\n{carry}"
        else:
            merged.append(carry)
    passages: list[str] = []
    for block in merged:
        passages += [block] if _words(block) <= MAX_WORDS else _windows(block)
    return passages


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()

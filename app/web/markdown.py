"""Notes written in Markdown, rendered for the page: markdown-it-py with raw HTML off, so a
note's ``<script>`` or ``<img onerror>`` comes out as text, and links limited to the schemes
markdown-it allows (no ``javascript:``). No sanitiser is needed on top: with ``html`` off the
renderer escapes every character of the note it does not itself turn into a tag.

Images are shown as links to them, never loaded: a note is read by colleagues, and an image
from another server would tell that server who read it and when (the page's CSP would refuse it
anyway).

A search hit's snippet is the note's text already escaped by ``retrieval.snippet`` with
``<mark>`` around the question's words. It is rendered by undoing the escaping, standing in
two private-use characters for the marks, rendering, and putting the marks back."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKS = re.compile(r"(<mark>|</mark>)")


@cache
def _renderer(*, compact: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    if compact:
        # A preview sits inside a link to the note: a link inside a link is not HTML.
        md.disable(["link", "autolink"])
    md.add_render_rule("image", _image_as_link if not compact else _image_as_text)
    return md


def _image_as_link(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = html.escape(token.content or "image")
    return f'<a href="{html.escape(str(token.attrGet("src") or ""))}">{alt}</a>'


def _image_as_text(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return html.escape(tokens[idx].content or "image")


def _rendered(text: str, *, compact: bool) -> Markup:
    # The output is markdown-it's, built from escaped text with raw HTML off.
    return Markup(_renderer(compact=compact).render(text))


def render_note(text: str) -> Markup:
    """A note's text as HTML, for the note's own page."""
    return _rendered(text, compact=False)


def render_preview(text: str) -> Markup:
    """A note's text (or the start of it) as HTML without links, for a list of notes."""
    return _rendered(text, compact=True)


def render_snippet(snippet: str) -> Markup:
    """A search hit's snippet (escaped text with ``<mark>`` tags) as HTML, marks kept."""
    parts = []
    for piece in _MARKS.split(snippet):
        if piece == "<mark>":
            parts.append(_OPEN)
        elif piece == "</mark>":
            parts.append(_CLOSE)
        else:
            parts.append(html.unescape(piece).replace(_OPEN, "").replace(_CLOSE, ""))
    out = str(_rendered("".join(parts), compact=True))
    return Markup(out.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))

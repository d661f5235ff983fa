"""HTML mail as plain text: paragraphs and list items kept, scripts and styles dropped, and
blockquotes turned into ``>`` lines so that quoted replies are recognised like plain-text ones."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

# Larger HTML is a newsletter or a machine, not a person's knowledge; the note is capped anyway.
MAX_HTML_CHARS = 2_000_000

_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "svg"})
# Mail clients write one <div> per line (and <div><br></div> for a blank one), so a div starts
# a line; paragraphs, headings, lists, tables and quotes are set off by a blank line.
_PARAGRAPHS = frozenset(
    {
        "p",
        "table",
        "ul",
        "ol",
        "dl",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
    }
)
_LINES = frozenset(
    {"div", "li", "tr", "dt", "dd", "section", "article", "header", "footer", "address"}
)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_BLANK_RUN = re.compile(r"\n{3,}")


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[list[Any]] = [[0, ""]]  # [quote depth, text]; the last is current
        self.skipping = 0
        self.quote = 0
        self.pre = 0

    def _break(self) -> None:
        self.lines.append([self.quote, ""])

    def _start_line(self) -> None:
        if self.lines[-1][1].strip():
            self._break()
        else:
            self.lines[-1] = [self.quote, ""]

    def _start_paragraph(self) -> None:
        self._start_line()
        if len(self.lines) > 1 and self.lines[-2][1].strip():
            self._break()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self._break()
        elif tag in _PARAGRAPHS:
            self._start_paragraph()
            if tag == "blockquote":
                self.quote += 1
                self.lines[-1][0] = self.quote
            elif tag == "pre":
                self.pre += 1
        elif tag in _LINES:
            self._start_line()
            if tag == "li":
                self.lines[-1][1] = "- "
        elif tag in ("td", "th") and self.lines[-1][1].strip():
            self.lines[-1][1] += " "

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _PARAGRAPHS:
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._start_paragraph()
        elif tag in _LINES:
            self._start_line()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            for i, piece in enumerate(data.split("\n")):
                if i:
                    self._break()
                self.lines[-1][1] += piece
            return
        current = self.lines[-1][1]
        text = _SPACE.sub(" ", data)
        if not current.strip() or current.endswith(" "):
            text = text.lstrip(" ")
        if text:
            if not current.strip():
                self.lines[-1][0] = self.quote
            self.lines[-1][1] = current + text

    def text(self) -> str:
        rendered = [("> " * depth + line.strip()).rstrip() for depth, line in self.lines]
        return _BLANK_RUN.sub("\n\n", "\n".join(rendered)).strip("\n")


def html_to_text(html: str) -> str:
    """The readable text of an HTML message body."""
    builder = _TextBuilder()
    builder.feed(html[:MAX_HTML_CHARS])
    builder.close()
    return builder.text()

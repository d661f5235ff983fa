"""HTML mail as plain text: paragraphs and list items kept, scripts and styles dropped, and
blockquotes turned into ``>`` lines so that quoted replies are recognised like plain-text ones."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _Line:
    """One output line, built from pieces: joining once at the end keeps a long line (one
    endless <div> of inline tags) linear, where re-copying the line per piece is quadratic."""

    __slots__ = ("depth", "filled", "pieces", "spaced")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.pieces: list[str] = []
        self.filled = False  # holds more than whitespace
        self.spaced = False  # ends with a space

    def add(self, text: str) -> None:
        if text:
            self.pieces.append(text)
            self.filled = self.filled or not text.isspace()
            self.spaced = text.endswith(" ")

    def render(self) -> str:
        return ("> " * self.depth + "".join(self.pieces).strip()).rstrip()


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[_Line] = [_Line(0)]  # the last is current
        self.skipping = 0
        self.quote = 0
        self.pre = 0

    def _break(self) -> None:
        self.lines.append(_Line(self.quote))

    def _start_line(self) -> None:
        if self.lines[-1].filled:
            self._break()
        else:
            self.lines[-1] = _Line(self.quote)

    def _start_paragraph(self) -> None:
        self._start_line()
        if len(self.lines) > 1 and self.lines[-2].filled:
            self._break()

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        # The standard library asserts on a "<![" it cannot name ("<![ x>", "<![foo]>");
        # browsers skip such a section to its ">", and so does this.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self._break()
        elif tag in _PARAGRAPHS:
            self._start_paragraph()
            if tag == "blockquote":
                self.quote += 1
                self.lines[-1].depth = self.quote
            elif tag == "pre":
                self.pre += 1
        elif tag in _LINES:
            self._start_line()
            if tag == "li":
                self.lines[-1].add("- ")
        elif tag in ("td", "th") and self.lines[-1].filled:
            self.lines[-1].add(" ")

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
                self.lines[-1].add(piece)
            return
        current = self.lines[-1]
        text = _SPACE.sub(" ", data)
        if not current.filled or current.spaced:
            text = text.lstrip(" ")
        if text:
            if not current.filled:
                current.depth = self.quote
            current.add(text)

    def text(self) -> str:
        rendered = [line.render() for line in self.lines]
        return _BLANK_RUN.sub("\n\n", "\n".join(rendered)).strip("\n")


def html_to_text(html: str) -> str:
    """The readable text of an HTML message body."""
    builder = _TextBuilder()
    builder.feed(_escape_unclosed_tail(html[:MAX_HTML_CHARS]))
    builder.close()
    return builder.text()


def _escape_unclosed_tail(html: str) -> str:
    """The text after the last ">" with its "<" escaped: no tag can end there, and the standard
    parser rescans to the end of the input from every "<" it cannot close ("<a <a <a ...")
    before giving each up as text, which is quadratic. Escaped, they are the same text."""
    last = html.rfind(">")
    if html.find("<", last + 1) < 0:
        return html
    return html[: last + 1] + html[last + 1 :].replace("<", "&lt;")

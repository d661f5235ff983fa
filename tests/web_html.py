"""Reading the web pages as a browser does, for the tests of the pages over plain HTTP: the
forms of a page (with the field and value each belongs to, as a browser would submit them) and
its sections, list items and table rows by their ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    field: str  # the record's field the form is in (its section's data-field)
    value: str  # the value it decides on (its list item's data-value), "" for an edit form
    inputs: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def data(self, button: str | None = None, **changes: str | list[str]) -> dict[str, object]:
        """What a browser sends: the form's fields, then ``changes``, and the button pressed
        (by its value)."""
        sent: dict[str, object] = {}
        for name, value in self.inputs:
            sent.setdefault(name, []).append(value)  # type: ignore[union-attr]
        sent.update(changes)
        if button is not None:
            name = next(n for n, v in self.buttons if v == button)
            sent[name] = button
        return sent


class Forms(HTMLParser):
    """The forms of a contact page, each with the field and value it belongs to."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._field = ""
        self._value = ""
        self._form: Form | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "section" and "data-field" in found:
            self._field, self._value = found["data-field"], ""
        elif tag == "li" and "data-value" in found:
            self._value = found["data-value"]
        elif tag == "details":
            self._value = ""
        elif tag == "form" and found.get("method") == "post":
            self._form = Form(found["action"], self._field, self._value)
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and "name" in found:
            if found.get("type") != "checkbox" or "checked" in found:
                self._form.inputs.append((found["name"], found.get("value", "")))
        elif self._form is not None and tag == "button" and "name" in found:
            self._form.buttons.append((found["name"], found.get("value", "")))
        elif self._form is not None and tag == "textarea":
            self._textarea = found["name"]

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.inputs.append((self._textarea, data))
            self._textarea = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None

    def find(self, field: str, value: str = "") -> Form:
        matches = [f for f in self.forms if f.field == field and f.value == value]
        assert len(matches) == 1, f"{len(matches)} forms for {field}={value!r}"
        return matches[0]

    def has(self, field: str, value: str = "") -> bool:
        return any(f.field == field and f.value == value for f in self.forms)


def part(page: str, element_id: str) -> str:
    """The HTML of one section of a page, by its own id or its heading's."""
    found = re.search(rf'<section[^>]*(?:id|aria-labelledby)="{element_id}"', page)
    assert found, f"no section {element_id}"
    depth, at = 0, found.start()
    for tag in re.finditer(r"<(/?)section\b", page[at:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page[at : at + tag.end()]
    raise AssertionError(f"section {element_id} is not closed")


def value_item(page: str, field: str, value: str) -> str:
    """The list item of one value of one field on a contact page."""
    section = part(page, f"field-{field}")
    found = re.search(rf'<li class="value[^"]*"[^>]*data-value="{re.escape(value)}">', section)
    assert found, f"no {field} value {value!r}"
    return section[found.start() : _item_end(section, found.start())]


def _item_end(html: str, at: int) -> int:
    depth = 0
    for tag in re.finditer(r"<(/?)li\b", html[at:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return at + tag.end()
    return len(html)


def map_row(page: str, contact_id: int) -> str:
    table = part(page, "map")
    start = table.index(f'<tr data-contact-id="{contact_id}"')
    return table[start : table.index("</tr>", start)]

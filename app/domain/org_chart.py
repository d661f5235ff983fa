"""Who reports to whom at an account: its contacts as a tree, each under their manager.

The one place the chart is worked out. The web page draws the tree; the API sends it in
drawing order with depths (``AccountBrief.chart``), so that the command line draws it without
working it out again.

The API refuses a reporting loop (A reports to B, B to A), but a data-set import does not
check for one, so the chart still shows everyone once: a contact whose manager is not among
``people`` is at the top, and a loop is cut where it closes, starting from the first of its
people in the order given."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from app.db.models import Contact


@dataclass
class ChartNode:
    contact: Contact
    reports: list[ChartNode] = field(default_factory=list)


def reports_chart(people: Sequence[Contact]) -> list[ChartNode]:
    """``people`` as a forest; siblings keep the order of ``people``."""
    nodes = {person.id: ChartNode(person) for person in people}
    roots: list[ChartNode] = []
    for person in people:
        boss = person.reports_to_id
        if boss in nodes and boss != person.id:
            nodes[boss].reports.append(nodes[person.id])
        else:
            roots.append(nodes[person.id])
    placed: set[int] = set()
    tree = [_grow(root, placed) for root in roots]
    for person in people:  # a loop has no top: start it anywhere
        if person.id not in placed:
            tree.append(_grow(nodes[person.id], placed))
    return tree


def _grow(top: ChartNode, placed: set[int]) -> ChartNode:
    """Keep under each node the reports not yet placed, depth first. A stack, not recursion:
    no chain of reports, however long, may overflow Python's."""
    placed.add(top.contact.id)
    stack = [(top, iter(top.reports))]
    top.reports = []
    while stack:
        node, pending = stack[-1]
        report = next((r for r in pending if r.contact.id not in placed), None)
        if report is None:
            stack.pop()
            continue
        placed.add(report.contact.id)
        node.reports.append(report)
        stack.append((report, iter(report.reports)))
        report.reports = []
    return top


def drawing_order(tree: Sequence[ChartNode]) -> Iterator[tuple[Contact, int]]:
    """Each person with how many steps below the top they are, each manager before their
    reports: the order in which an indented list draws the chart."""
    stack = [(node, 0) for node in reversed(tree)]
    while stack:
        node, depth = stack.pop()
        yield node.contact, depth
        stack.extend((report, depth + 1) for report in reversed(node.reports))

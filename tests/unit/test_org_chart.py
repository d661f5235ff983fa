"""The reports-to chart (app.domain.org_chart): everyone once, each under their manager where
the data allows, loops cut, order kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.db.models import Contact
from app.domain.org_chart import drawing_order, reports_chart


def contact(contact_id: int, reports_to_id: int | None = None) -> Contact:
    return Contact(id=contact_id, name=f"Contact {contact_id}", reports_to_id=reports_to_id)


def drawn(people: list[Contact]) -> list[tuple[int, int]]:
    return [(p.id, depth) for p, depth in drawing_order(reports_chart(people))]


def test_no_one_makes_no_chart() -> None:
    assert drawn([]) == []


def test_reports_sit_under_their_manager_in_the_order_given() -> None:
    people = [contact(1), contact(2, 1), contact(3, 2), contact(4, 1), contact(5)]

    assert drawn(people) == [(1, 0), (2, 1), (3, 2), (4, 1), (5, 0)]
    assert [n.contact.id for n in reports_chart(people)[0].reports] == [2, 4]


def test_a_manager_not_in_the_list_or_oneself_puts_a_person_at_the_top() -> None:
    assert drawn([contact(1, 99), contact(2, 2), contact(3, 1)]) == [(1, 0), (3, 1), (2, 0)]


def test_a_loop_is_drawn_once_cut_at_its_first_person() -> None:
    people = [contact(1), contact(4, 5), contact(5, 6), contact(6, 4), contact(7, 5)]

    assert drawn(people) == [(1, 0), (4, 0), (6, 1), (5, 2), (7, 3)]


def test_a_long_chain_does_not_overflow_the_stack() -> None:
    chain = [contact(1), *(contact(i, i - 1) for i in range(2, 5001))]

    assert drawn(chain)[-1] == (5000, 4999)


@given(st.dictionaries(st.integers(1, 12), st.none() | st.integers(1, 14), max_size=12))
def test_everyone_once_and_under_their_manager_when_drawn_below_someone(
    managers: dict[int, int | None],
) -> None:
    people = [contact(i, boss) for i, boss in managers.items()]

    order = drawn(people)

    assert sorted(i for i, _ in order) == sorted(managers)
    for place, (person, depth) in enumerate(order):
        if depth:
            above = next(i for i, d in reversed(order[:place]) if d == depth - 1)
            assert managers[person] == above

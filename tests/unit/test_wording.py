"""Ages in words (app.wording): the same rules on the web page and, short, in the terminal."""

from __future__ import annotations

import pytest

from app.wording import age_in_words


@pytest.mark.parametrize(
    ("days", "words", "short"),
    [
        (-3, "today", "today"),  # a date a little in the future, from another clock
        (0, "today", "today"),
        (1, "yesterday", "yesterday"),
        (12, "12 days ago", "12 d ago"),
        (59, "59 days ago", "59 d ago"),
        (60, "2 months ago", "2 mo ago"),
        (95, "3 months ago", "3 mo ago"),
        (729, "24 months ago", "24 mo ago"),
        (730, "2 years ago", "2 y ago"),
        (800, "2 years ago", "2 y ago"),
    ],
)
def test_ages_in_words(days: int, words: str, short: str) -> None:
    assert age_in_words(days) == words
    assert age_in_words(days, short=True) == short

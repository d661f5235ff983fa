"""Words that the web page and the command line both show for the same fact, written once so
that the two say the same.

The HTTP client (``app.client``) may import this module and nothing else of the server (the
``client-speaks-http`` contract in ``pyproject.toml``), so it imports only the standard library.
"""

from __future__ import annotations

# Day, month and year: in full on the web page, short in a terminal's narrow columns.
_UNITS = {False: ("days", "months", "years"), True: ("d", "mo", "y")}


def age_in_words(days: int, *, short: bool = False) -> str:
    """How long ago something was, ``days`` days back: in days up to two months, then in
    months up to two years, then in years. ``45`` is ``45 days ago`` (``45 d ago`` when
    ``short``), ``95`` is ``3 months ago`` (``3 mo ago``), ``800`` is ``2 years ago``
    (``2 y ago``)."""
    day, month, year = _UNITS[short]
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} {day} ago"
    if days < 730:
        return f"{days // 30} {month} ago"
    return f"{days // 365} {year} ago"

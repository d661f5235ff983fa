"""Time reading and cleaning large and hostile e-mails, from raw bytes to the note's text.

    .venv/bin/python scripts/mail_bench.py             # every case
    .venv/bin/python scripts/mail_bench.py --case lines-200k --case html

Any user may post their own mail (up to 40 MiB), so every step from the raw message to the
note body must stay linear in its size. Each case builds a message, then times ``parse_mail``
(headers, charset, HTML to text, quote, signature and footer removal) and ``note_body``, and
prints the seconds. The hostile cases are shapes that made a loop or a regex quadratic before.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.mail.note import note_body
from app.mail.parse import parse_mail

MAX_NOTE_CHARS = 20_000
MIB = 1024 * 1024


def _message(body: str, *, subtype: str = "plain", subject: str = "Renewal") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Meg Ortiz <meg@harbor.example>"
    msg["To"] = "rep@tacit.example"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 3 Nov 2026 10:00:00 +0000"
    # 8bit keeps the raw size what the case says (base64 or quoted-printable would grow it).
    msg.set_content(body, subtype=subtype, charset="utf-8", cte="8bit")
    return bytes(msg)


def short_lines_40mib() -> bytes:
    line = "Meg wants the renewal signed"
    return _message("\n".join([line] * (40 * MIB // (len(line) + 1))))


def short_lines_200k() -> bytes:
    return _message("\n".join(["ok"] * 200_000))


def html_large() -> bytes:
    """A long HTML thread as Outlook writes it: a div per line, inline styling, tables, a
    quoted history in blockquotes and a signature, about 2 MB."""
    reply = (
        '<div style="font-family:Calibri"><span style="color:#1f497d">Hi Sam,</span></div>'
        "<div><br></div>"
        "<div>Meg confirmed the <b>budget</b> for <i>Q3</i>; procurement wants "
        '<a href="https://harbor.example/po">the PO</a> by Friday.</div>'
        "<table><tr><td>Item</td><td>Price</td></tr><tr><td>Seats</td><td>$40k</td></tr></table>"
    )
    history = "".join(
        f"<blockquote><div>On Mon, 2 Nov 2026, Sam wrote:</div>{reply * 3}" for _ in range(40)
    )
    history += "</blockquote>" * 40
    body = f"<html><head><style>p {{margin:0}}</style></head><body>{reply * 6_000}"
    body += f"{history}<div>Best,</div><div>Meg Ortiz</div><div>CFO</div></body></html>"
    return _message(body, subtype="html")


def html_inline_runs() -> bytes:
    """One endless line of small inline elements: a text builder that re-copies the current
    line on every piece of text is quadratic here."""
    return _message("<div>" + "<b>ab</b> " * 200_000 + "</div>", subtype="html")


def forward_marker_spaces() -> bytes:
    """A line that starts like a forward marker and then runs on in spaces."""
    return _message("-- Forwarded message" + " " * 500_000 + "x")


def forward_headers() -> bytes:
    """A forwarded message whose To: header runs on for 100,000 lines."""
    header = "".join(f" p{i}@harbor.example,\n" for i in range(100_000))
    body = f"FYI\n\n---------- Forwarded message ---------\nTo: a@harbor.example,\n{header}\nok"
    return _message(body, subject="Fwd: Renewal")


def html_unclosed() -> bytes:
    """HTML that ends in 100,000 "<a " never closed: the standard parser rescans the rest
    of the input from each one."""
    return _message("<p>Meg wants the renewal signed</p>" + "<a " * 100_000, subtype="html")


def address_soup() -> bytes:
    """A To: header with no address in it, so the text is searched for one."""
    msg = EmailMessage()
    msg["From"] = "meg@harbor.example"
    msg["To"] = "a" * 200_000
    msg["Subject"] = "hi"
    msg.set_content("Meg wants the renewal signed")
    return bytes(msg)


def sign_offs() -> bytes:
    """Many paragraphs ending in a sign-off, the shape the signature search looks at."""
    return _message("\n\n".join(["Thanks,", "Meg"] * 100_000))


CASES: dict[str, Callable[[], bytes]] = {
    "lines-40mib": short_lines_40mib,
    "lines-200k": short_lines_200k,
    "html": html_large,
    "html-inline": html_inline_runs,
    "html-unclosed": html_unclosed,
    "forward-spaces": forward_marker_spaces,
    "forward-headers": forward_headers,
    "address-soup": address_soup,
    "sign-offs": sign_offs,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="repeatable")
    args = parser.parse_args()
    print(f"{'case':<16} {'raw MB':>8} {'seconds':>8} {'note chars':>10}")
    for name in args.case or list(CASES):
        raw = CASES[name]()
        start = time.perf_counter()
        mail = parse_mail(raw)
        body = note_body(mail.subject, mail.text, mail.attachments, max_chars=MAX_NOTE_CHARS)
        elapsed = time.perf_counter() - start
        print(f"{name:<16} {len(raw) / 1e6:>8.1f} {elapsed:>8.2f} {len(body):>10}", flush=True)


if __name__ == "__main__":
    main()

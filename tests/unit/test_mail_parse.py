"""Reading real-world shaped e-mail: MIME structures, charsets and encoded headers (quotes,
forwards, signatures and the note: test_mail_quotes.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from app.errors import Invalid
from app.mail.html import html_to_text
from app.mail.parse import Attachment, parse_mail

PRIYA = "Priya Raman <priya@tacit.example>"
MEG = "Meg Ortiz <meg@harborfreightways.example>"


def plain(body: str, *, subject: str = "Renewal", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", PRIYA)
    msg["To"] = headers.pop("To", MEG)
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def emails(addresses: object) -> list[str]:
    return [a.email for a in addresses]  # type: ignore[attr-defined]


# --- MIME structure -----------------------------------------------------------------------


def test_multipart_alternative_prefers_the_plain_text() -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = PRIYA, MEG, "Pilot"
    msg["Cc"] = "Deb Chen <Deb@HarborFreightways.example>, priya@tacit.example"
    msg.set_content("Plain: the pilot starts in April.\n")
    msg.add_alternative("<p>HTML: the pilot starts in <b>April</b>.</p>", subtype="html")

    mail = parse_mail(msg.as_bytes())

    assert mail.text == "Plain: the pilot starts in April."
    assert mail.sender.email == "priya@tacit.example"
    assert emails(mail.participants) == [
        "meg@harborfreightways.example",
        "deb@harborfreightways.example",
    ]
    assert mail.attachments == ()


def test_an_empty_plain_part_falls_back_to_the_html() -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = PRIYA, MEG, "Pilot"
    msg.set_content("   \n")
    msg.add_alternative("<p>Only the HTML says it: <i>20 drivers</i>.</p>", subtype="html")

    assert parse_mail(msg.as_bytes()).text == "Only the HTML says it: 20 drivers."


def test_html_only_mail_becomes_text_with_paragraphs_and_no_scripts() -> None:
    html = """<html><head><title>x</title><style>p { color: red }</style></head><body>
      <div dir="ltr"><p>Meg wants the SOC&nbsp;2 report before the <i>pilot</i>.</p>
      <p>Open points:</p><ul><li>security review</li><li>pricing &amp; terms</li></ul>
      <table><tr><td>Budget</td><td>$50k</td></tr></table>
      <script>alert("no")</script>
      <div>Thanks,</div><div>Priya</div></div>
      <div class="gmail_quote"><div class="gmail_attr">On Mon, Mar 3, 2025 at 4:00 PM Meg Ortiz
      &lt;<a href="mailto:meg@harborfreightways.example">meg@harborfreightways.example</a>&gt;
      wrote:<br></div><blockquote class="gmail_quote"><div>What do you need from us?</div>
      </blockquote></div></body></html>"""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = PRIYA, MEG, "Re: call"
    msg.set_content(html, subtype="html")

    text = parse_mail(msg.as_bytes()).text

    assert text == (
        "Meg wants the SOC 2 report before the pilot.\n\n"
        "Open points:\n\n"
        "- security review\n"
        "- pricing & terms\n\n"
        "Budget $50k"
    )


def test_html_blockquotes_become_quoted_lines() -> None:
    text = html_to_text("<p>Mine</p><blockquote><p>Theirs</p><p>More</p></blockquote><p>End</p>")
    assert text.split("\n") == ["Mine", "", "> Theirs", ">", "> More", ">", "End"]


def test_attachments_are_listed_with_decoded_sizes_and_inline_logos_are_not() -> None:
    related = MIMEMultipart("related")
    related.attach(MIMEText('<p>See the deck.</p><img src="cid:logo">', "html"))
    logo = MIMEImage(b"\x89PNG" + b"\0" * 100, "png")
    logo.add_header("Content-ID", "<logo>")
    logo.add_header("Content-Disposition", "inline", filename="image001.png")
    related.attach(logo)
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("See the deck.", "plain"))
    alternative.attach(related)
    mixed = MIMEMultipart("mixed")
    mixed["From"], mixed["To"], mixed["Subject"] = PRIYA, MEG, "Deck"
    mixed.attach(alternative)
    for size, name in ((1, "a.bin"), (2, "b.bin"), (1_000_003, "Präsentation Q3.pdf")):
        part = MIMEApplication(b"x" * size, "pdf" if name.endswith("pdf") else "octet-stream")
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
        mixed.attach(part)
    notes = MIMEText("call notes", "plain")
    notes.add_header("Content-Disposition", "attachment", filename="notes.txt")
    mixed.attach(notes)

    mail = parse_mail(mixed.as_bytes())

    assert mail.text == "See the deck."
    assert [(a.filename, a.content_type, a.size) for a in mail.attachments] == [
        ("a.bin", "application/octet-stream", 1),
        ("b.bin", "application/octet-stream", 2),
        ("Präsentation Q3.pdf", "application/pdf", 1_000_003),
        ("notes.txt", "text/plain", 10),
    ]


def test_a_25_mb_attachment_is_measured_without_being_kept() -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = PRIYA, MEG, "Big deck"
    msg.set_content("The deck Meg asked for.")
    msg.add_attachment(b"\x00\x01" * 12_500_000, "application", "pdf", filename="deck.pdf")
    raw = msg.as_bytes()

    started = time.perf_counter()
    mail = parse_mail(raw)

    assert time.perf_counter() - started < 10
    assert mail.attachments == (Attachment("deck.pdf", "application/pdf", 25_000_000),)
    assert mail.text == "The deck Meg asked for."


def test_a_message_forwarded_as_an_attachment_counts_as_a_forward() -> None:
    original = EmailMessage()
    original["From"], original["To"] = MEG, PRIYA
    original["Cc"] = "Deb Chen <deb@harborfreightways.example>"
    original["Subject"], original["Date"] = "Budget", "Mon, 03 Mar 2025 16:00:00 +0000"
    original.set_content("Budget is approved up to $80k.\n\n-- \nMeg Ortiz, CFO")
    original.add_attachment(b"%PDF", "application", "pdf", filename="po.pdf")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = PRIYA, "notes@tacit.example", "FW: Budget"
    outer.set_content("See attached.")
    outer.add_attachment(original)

    mail = parse_mail(outer.as_bytes())

    assert emails(mail.forwarded) == [
        "meg@harborfreightways.example",
        "priya@tacit.example",
        "deb@harborfreightways.example",
    ]
    assert mail.text == (
        "See attached.\n\n"
        "---------- Forwarded message ----------\n"
        "From: Meg Ortiz <meg@harborfreightways.example>\n"
        "Date: Mon, 03 Mar 2025 16:00:00 +0000\n"
        "Subject: Budget\n"
        "To: Priya Raman <priya@tacit.example>\n"
        "Cc: Deb Chen <deb@harborfreightways.example>\n\n"
        "Budget is approved up to $80k."
    )
    assert mail.attachments == (Attachment("po.pdf", "application/pdf", 4),)


@pytest.mark.parametrize(
    "raw",
    [
        b"From: priya@tacit.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: text/plain\r\n\r\nno closing boundary",
        b"From: priya@tacit.example\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all",
        b"From: priya@tacit.example\r\nContent-Transfer-Encoding: base64\r\n\r\n!!not base64!!",
        b"From: priya@tacit.example\r\nSubject: =?utf-8?b?broken\r\nDate: yesterday\r\n\r\nhi",
        b"From: priya@tacit.example\r\nTo: <<>>, ,;; @, meg@\r\n\r\nhi",
        b"From: priya@tacit.example\r\n\r\nnul \x00 byte and \x1b escape",
    ],
)
def test_malformed_messages_are_read_as_far_as_possible(raw: bytes) -> None:
    mail = parse_mail(raw)
    assert mail.sender.email == "priya@tacit.example"
    assert "\x00" not in mail.text and "\x1b" not in mail.text


@pytest.mark.parametrize(
    "raw",
    [b"", b"just some text", b"From: nobody\r\n\r\nhi", b"Subject: no sender\r\n\r\nhi"],
)
def test_a_message_without_a_sender_address_is_invalid(raw: bytes) -> None:
    with pytest.raises(Invalid, match="no sender"):
        parse_mail(raw)


# --- charsets and headers -----------------------------------------------------------------


def test_iso_8859_1_body_and_rfc_2047_headers() -> None:
    raw = (
        b"From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <Joerg@Tacit.example>\r\n"
        b"To: =?utf-8?b?TMOpYSBEdWJvaXM=?= <lea@vantor.example>\r\n"
        b"Subject: =?iso-8859-1?q?R=E9union_=E0_Montr=E9al?= =?utf-8?b?IOKAkyBiw7xkZ2V0?=\r\n"
        b"Date: Tue, 4 Mar 2025 10:15:00 +0100\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"L=E9a confirme le budget: 50 000 =80, sign=E9 par le directeur.\r\n"
    )

    mail = parse_mail(raw)

    assert (mail.sender.name, mail.sender.email) == ("Jörg Müller", "joerg@tacit.example")
    assert (mail.to[0].name, mail.to[0].email) == ("Léa Dubois", "lea@vantor.example")
    assert mail.subject == "Réunion à Montréal \u2013 büdget"
    # 0x80 is not a character in ISO-8859-1; senders mean Windows-1252's euro sign.
    assert mail.text == "Léa confirme le budget: 50 000 €, signé par le directeur."
    assert mail.sent_at == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("shift_jis", "田中さんは来月の予算を承認します。"),
        ("iso-2022-jp", "田中さんは来月の予算を承認します。"),
        ("gb2312", "王经理负责采购审批。"),
        ("koi8-r", "Бюджет утверждён."),
        ("windows-1252", "\u201cSmart quotes\u201d \u2013 and a dash."),
        ("utf-8", "Zoë\u2019s team signs off ✅"),
    ],
)
def test_bodies_in_any_charset(charset: str, text: str) -> None:
    raw = (
        f"From: {PRIYA}\r\nSubject: x\r\nContent-Type: text/plain; charset={charset}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + text.encode(charset)
    assert parse_mail(raw).text == text


@pytest.mark.parametrize(
    ("declared", "body", "expected"),
    [
        ("", "Café crème".encode("latin-1"), "Café crème"),
        ("", "Café crème".encode(), "Café crème"),
        ("; charset=utf-8", "Café crème".encode("latin-1"), "Café crème"),
        ("; charset=x-no-such-charset", b"plain ascii", "plain ascii"),
        ("; charset=base64", b"not a text encoding", "not a text encoding"),
    ],
)
def test_undeclared_wrong_or_unknown_charsets_never_fail(
    declared: str, body: bytes, expected: str
) -> None:
    raw = f"From: {PRIYA}\r\nContent-Type: text/plain{declared}\r\n\r\n".encode() + body
    assert parse_mail(raw).text == expected


def test_raw_8bit_headers_are_decoded() -> None:
    raw = (
        b"From: \xc5se Lindstr\xf6m <ase@tacit.example>\r\n"
        b"To: Zo\xc3\xab <zoe@vantor.example>\r\nSubject: M\xf6te i G\xf6teborg\r\n\r\nhi\r\n"
    )
    mail = parse_mail(raw)
    assert mail.sender.name == "Åse Lindström"
    assert mail.to[0].name == "Zoë"
    assert mail.subject == "Möte i Göteborg"


def test_raw_8bit_filenames_are_decoded() -> None:
    raw = (
        b"From: priya@tacit.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee the offer.\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="Angebot f\xfcr M\xfcller.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
    )
    assert parse_mail(raw).attachments == (
        Attachment("Angebot für Müller.pdf", "application/pdf", 5),
    )


def test_message_id_is_kept_or_derived_stably() -> None:
    assert parse_mail(plain("x", Message_ID="<abc.123@mail.example>")).message_id == (
        "<abc.123@mail.example>"
    )
    assert parse_mail(plain("x", Message_ID="no-brackets@mail.example")).message_id == (
        "<no-brackets@mail.example>"
    )
    raw = plain("Meg signs.", Date="Tue, 04 Mar 2025 10:15:00 -0800")
    derived = parse_mail(raw).message_id
    relayed = b"Received: from relay.example by mx.example; Tue, 4 Mar 2025\r\n" + raw
    assert derived.endswith("@derived.tacit>")
    assert parse_mail(relayed).message_id == derived
    other = plain("Deb signs.", Date="Tue, 04 Mar 2025 10:15:00 -0800")
    assert parse_mail(other).message_id != derived


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Tue, 04 Mar 2025 10:15:00 -0800", datetime(2025, 3, 4, 18, 15, tzinfo=UTC)),
        ("Tue, 04 Mar 2025 10:15:00 -0000", datetime(2025, 3, 4, 10, 15, tzinfo=UTC)),
        ("the day after tomorrow", None),
    ],
)
def test_dates(date: str, expected: datetime | None) -> None:
    assert parse_mail(plain("x", Date=date)).sent_at == expected

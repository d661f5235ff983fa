"""Reading real-world shaped e-mail: MIME structures, charsets, encoded headers, quoted
replies, forwards, signatures, footers and attachments."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from app.config import Settings
from app.errors import Invalid
from app.mail.clean import clean_text
from app.mail.html import html_to_text
from app.mail.note import attachment_summary, human_size, note_body, shorten
from app.mail.parse import Attachment, bare_subject, parse_mail, unflow

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


# --- quotes and forwards ------------------------------------------------------------------


def test_top_posted_reply_drops_the_quoted_thread() -> None:
    body = (
        "Meg confirmed: legal needs 60 days for any renewal.\n\n"
        "On Mon, Mar 3, 2025 at 4:00 PM Meg Ortiz <\n"
        "meg@harborfreightways.example> wrote:\n\n"
        "> How long does legal need?\n>\n> Priya\n"
    )
    assert parse_mail(plain(body)).text == "Meg confirmed: legal needs 60 days for any renewal."


def test_inline_and_bottom_posted_replies_keep_only_the_new_lines() -> None:
    body = (
        "On Mon, 3 Mar 2025, Meg Ortiz wrote:\n"
        "> Who signs the PO?\n"
        "Deb does, above $25k.\n"
        "> And the MSA?\n"
        ">> older quote\n"
        "Legal (Tom Reyes).\n"
    )
    assert parse_mail(plain(body)).text == "Deb does, above $25k.\nLegal (Tom Reyes)."


@pytest.mark.parametrize(
    "history",
    [
        "-----Original Message-----\nFrom: Meg Ortiz\nSent: Monday, March 3, 2025 4:00 PM\n"
        "To: Priya\nSubject: budget\n\nWhat is the budget?",
        "________________________________\nFrom: Meg Ortiz <meg@harborfreightways.example>\n"
        "Sent: Monday, March 3, 2025 4:00 PM\nTo: Priya Raman\nSubject: RE: budget\n\nQ?",
        "From: Meg Ortiz <meg@harborfreightways.example>\nDate: Monday, March 3, 2025\n"
        "Subject: budget\n\nWhat is the budget?",
        "Am 03.03.2025 um 16:00 schrieb Meg Ortiz <meg@harborfreightways.example>:\n\nQ?",
    ],
)
def test_outlook_and_other_reply_headers_end_the_new_text(history: str) -> None:
    body = f"The budget is $80k, approved by Deb.\n\n{history}\n"
    mail = parse_mail(plain(body, subject="RE: budget"))
    assert mail.text == "The budget is $80k, approved by Deb."
    assert mail.forwarded == ()


GMAIL_FORWARD = """FYI, Meg is the one who signs.

---------- Forwarded message ---------
From: Meg Ortiz <meg@harborfreightways.example>
Date: Tue, Mar 4, 2025 at 10:02 AM
Subject: Re: Renewal terms
To: Priya Raman <priya@tacit.example>
Cc: Deb Chen <deb@harborfreightways.example>, Sam Lee <
sam@harborfreightways.example>

Priya, anything over $50k needs my sign-off, and legal wants 60 days.

Best,
Meg Ortiz
CFO | Harbor Freightways
+1 (555) 010-0100

On Mon, Mar 3, 2025 at 4:00 PM Priya Raman <priya@tacit.example> wrote:
> Hi Meg, who approves the renewal?

CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended solely
for the addressee. If you are not the intended recipient, please delete it.
Any views expressed are those of the author.
"""


def test_gmail_forward_keeps_the_forwarded_text_and_its_people() -> None:
    mail = parse_mail(plain(GMAIL_FORWARD, subject="Fwd: Renewal terms", To="notes@tacit.example"))

    assert emails(mail.forwarded) == [
        "meg@harborfreightways.example",
        "priya@tacit.example",
        "deb@harborfreightways.example",
        "sam@harborfreightways.example",
    ]
    assert emails(mail.participants) == [
        "notes@tacit.example",
        "meg@harborfreightways.example",
        "deb@harborfreightways.example",
        "sam@harborfreightways.example",
    ]
    assert mail.text == (
        "FYI, Meg is the one who signs.\n\n"
        "---------- Forwarded message ----------\n"
        "From: Meg Ortiz <meg@harborfreightways.example>\n"
        "Date: Tue, Mar 4, 2025 at 10:02 AM\n"
        "Subject: Re: Renewal terms\n"
        "To: Priya Raman <priya@tacit.example>\n"
        "Cc: Deb Chen <deb@harborfreightways.example>, Sam Lee < sam@harborfreightways.example>\n\n"
        "Priya, anything over $50k needs my sign-off, and legal wants 60 days."
    )


def test_a_forwarded_chain_keeps_every_forwarded_message() -> None:
    body = (
        "Tom's summary below.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Tom Reyes <tom@tacit.example>\nDate: Wed, Mar 5, 2025\nSubject: Fwd: pilot\n"
        "To: Priya Raman <priya@tacit.example>\n\n"
        "Sam's answer is the key part.\n\n"
        "-------- Forwarded Message --------\n"
        "Subject: pilot\nDate: Tue, 4 Mar 2025 09:00:00 -0700\n"
        "From: Sam Lee <sam@ridgeline.example>\nTo: Tom Reyes <tom@tacit.example>\n\n"
        "We will run the pilot in April with 20 drivers.\n\n-- \nSam Lee | Ridgeline Cartage\n"
    )

    mail = parse_mail(plain(body, subject="Fwd: Fwd: pilot", To="notes@tacit.example"))

    assert emails(mail.forwarded) == [
        "tom@tacit.example",
        "priya@tacit.example",
        "sam@ridgeline.example",
        "tom@tacit.example",
    ]
    assert "Sam's answer is the key part." in mail.text
    assert mail.text.endswith(
        "From: Sam Lee <sam@ridgeline.example>\nTo: Tom Reyes <tom@tacit.example>\n\n"
        "We will run the pilot in April with 20 drivers."
    )
    assert mail.text.count("---------- Forwarded message ----------") == 2


def test_outlook_forward_takes_the_first_header_block_as_the_original() -> None:
    body = (
        "See below.\n\n________________________________\n"
        "From: Sam Lee <sam@ridgeline.example>\nSent: Monday, March 3, 2025 4:00 PM\n"
        "To: Priya Raman <priya@tacit.example>\nSubject: RE: pilot\n\n"
        "We will run the pilot in April.\n\nSent from my iPhone\n\n"
        "________________________________\n"
        "From: Priya Raman <priya@tacit.example>\nSent: Monday, March 3, 2025 1:00 PM\n"
        "To: Sam Lee <sam@ridgeline.example>\nSubject: pilot\n\nWhen do you start?\n"
    )

    mail = parse_mail(plain(body, subject="FW: pilot", To="notes@tacit.example"))

    assert emails(mail.forwarded) == ["sam@ridgeline.example", "priya@tacit.example"]
    assert mail.text.endswith("Subject: RE: pilot\n\nWe will run the pilot in April.")
    assert "When do you start" not in mail.text


def test_apple_mail_forward_quoted_in_html_is_unquoted() -> None:
    html = (
        "<div>Worth knowing.</div><div><br><blockquote type='cite'>"
        "<div>Begin forwarded message:</div><br>"
        "<div><b>From: </b>Léa Dubois &lt;lea@vantor.example&gt;</div>"
        "<div><b>Subject: </b>Security review</div>"
        "<div><b>Date: </b>4 March 2025 at 09:00:00 CET</div>"
        "<div><b>To: </b>Priya Raman &lt;priya@tacit.example&gt;</div><br>"
        "<div>Our CISO Marc must approve every vendor.</div></blockquote></div>"
    )
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = PRIYA, "notes@tacit.example", "Fwd: Security review"
    msg.set_content(html, subtype="html")

    mail = parse_mail(msg.as_bytes())

    assert emails(mail.forwarded) == ["lea@vantor.example", "priya@tacit.example"]
    assert mail.text.startswith("Worth knowing.\n\n---------- Forwarded message ----------")
    assert mail.text.endswith("Our CISO Marc must approve every vendor.")


# --- signatures and footers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        "\n-- \nPriya Raman\nAccount Executive\n",
        "\n--\nPriya\n",
        "\nSent from my iPhone\n",
        "\nGet Outlook for iOS\n",
        "\nBest regards,\nPriya Raman\nAccount Executive | Tacit\n+1 555 0100\n",
        "\nThanks!\n-Priya\n",
        "\nCheers,\nP.\n",
        "\nMit freundlichen Grüßen\nJörg Müller\n",
        "\nThis email and any attachments are confidential and may be privileged.\n"
        "If you have received it in error, notify the sender.\n\nMore legalese here.\n",
        "\nCONFIDENTIALITY NOTICE: the information in this message is for the addressee.\n",
        "\nTo unsubscribe from these updates, click here.\n",
        "\nYou received this message because you are subscribed to the Sales group.\n",
    ],
)
def test_signatures_and_footers_are_stripped(tail: str) -> None:
    text = clean_text("Deb holds the purse strings; Meg signs above $50k.\n" + tail).text
    assert text == "Deb holds the purse strings; Meg signs above $50k."


@pytest.mark.parametrize(
    "body",
    [
        "Thanks! Meg confirmed the budget is approved for Q3.",
        "Thanks,\nMeg confirmed the budget is approved for Q3 and Deb will send the PO today.",
        "Best option: the annual plan.\nMeg prefers it.",
        "Key facts:\n- Deb signs\n- Meg decides\n- Legal needs 60 days",
    ],
)
def test_ordinary_text_is_not_mistaken_for_a_signature(body: str) -> None:
    assert clean_text(body).text == body


def test_an_external_sender_banner_at_the_top_is_dropped() -> None:
    body = (
        "CAUTION: This email originated from outside of the organization. Do not click links.\n\n"
        "Deb will sign the PO on Friday."
    )
    assert clean_text(body).text == "Deb will sign the PO on Friday."


def test_format_flowed_lines_are_joined() -> None:
    flowed = (
        "This is a long line that was \nwrapped by the client.\n> quoted and \n> flowed\n-- \nP"
    )
    assert unflow(flowed, delsp=False).split("\n") == [
        "This is a long line that was wrapped by the client.",
        "> quoted and flowed",
        "-- ",
        "P",
    ]
    raw = (
        f"From: {PRIYA}\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        "Meg signs anything over \r\n$50k.\r\n"
    ).encode()
    assert parse_mail(raw).text == "Meg signs anything over $50k."


# --- the note -----------------------------------------------------------------------------


def test_note_body_is_subject_text_and_attachment_list() -> None:
    attachments = [
        Attachment("deck.pdf", "application/pdf", 25_000_000),
        Attachment("logo.png", "image/png", 12_345),
    ]
    assert note_body("Re: Fwd: Renewal", "Meg signs.", attachments, max_chars=20_000) == (
        "Renewal\n\nMeg signs.\n\n"
        "Attachments: deck.pdf (application/pdf, 25.0 MB), logo.png (image/png, 12 KB)"
    )
    assert note_body("", "", [], max_chars=100) == "(no subject)"


def test_a_long_message_is_shortened_at_a_paragraph_and_keeps_its_attachment_list() -> None:
    text = "\n\n".join(f"Paragraph {i}: " + "word " * 200 for i in range(40))
    attachments = [Attachment(f"file{i}.pdf", "application/pdf", 10) for i in range(25)]

    body = note_body("Long", text, attachments, max_chars=20_000)

    assert len(body) <= 20_000
    assert body.startswith("Long\n\nParagraph 0:")
    assert "[…] (the message goes on" in body
    assert body.endswith("file19.pdf (application/pdf, 10 bytes), and 5 more")
    assert attachment_summary([]) == ""


def test_a_message_of_many_parts_lists_a_bounded_number() -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = PRIYA, MEG, "Scans"
    msg.set_content("All the scans.")
    for n in range(300):
        msg.add_attachment(b"x", "image", "png", filename=f"scan{n}.png")

    mail = parse_mail(msg.as_bytes())

    assert len(mail.attachments) == 200 and mail.attachments[-1].filename == "scan199.png"


def test_shorten_keeps_short_text_and_cuts_long_text_at_a_break() -> None:
    assert shorten("short", 10) == "short"
    first = "Deb holds the purse strings, Meg signs."  # 39 characters
    assert (
        shorten(f"{first}\n\n{'x' * 200}", 120)
        == f"{first}\n\n[…] (the message goes on; this is as much as a note holds)"
    )
    # A break early in the room would waste most of it: cut mid-paragraph instead.
    early = shorten(f"Hi\n\n{'x' * 200}", 120)
    assert early.startswith("Hi\n\nxxxx") and len(early) <= 120


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 bytes"), (999, "999 bytes"), (12_345, "12 KB"), (2_500_000, "2.5 MB")],
)
def test_human_sizes(size: int, shown: str) -> None:
    assert human_size(size) == shown


@pytest.mark.parametrize(
    ("subject", "bare"),
    [("Re: Fwd: Renewal", "Renewal"), ("AW: WG: Budget", "Budget"), ("Regarding X", "Regarding X")],
)
def test_bare_subject(subject: str, bare: str) -> None:
    assert bare_subject(subject) == bare


def test_the_default_email_limit_lets_a_25_mb_attachment_through() -> None:
    encoded = 25_000_000 * 4 // 3 * 78 // 76  # base64, in lines of 76 characters and CRLF
    assert Settings(_env_file=None).max_email_bytes > encoded + 1_000_000  # type: ignore[call-arg]

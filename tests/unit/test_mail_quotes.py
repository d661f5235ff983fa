"""Reading what people write in e-mail: quoted replies, forwards, signatures and footers, and
the note a message becomes."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from app.config import Settings
from app.mail.clean import clean_text
from app.mail.note import attachment_summary, human_size, note_body, shorten
from app.mail.parse import Attachment, bare_subject, parse_mail, unflow
from tests.unit.test_mail_parse import MEG, PRIYA, emails, plain

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

"""Requests Tacit sends to addresses its users give (webhooks): the address checked when it is
given and again, resolved and pinned, before each request; the body signed per the Standard
Webhooks spec; the receiver's answer cut to an excerpt. No database and no app code: the
domain hands it a URL, a secret and a body, and gets an ``Outcome`` back."""

"""Keyed fingerprints of a person: what a suppression keeps instead of their name and e-mail
address, so that the list of erased people cannot be read back, nor tested with guessed
names, by anyone holding the database without the server's key.

A fingerprint is an HMAC-SHA256 under that key of the normalised value: an e-mail address
lower-cased; a name as its words (letters and digits, accents folded, case folded), at one
account, so "Dana  Whitfield" and "DANA WHITFIELD" are one person and a namesake at another
account is another. To recognise a suppressed name in free text, every run of one to
``MAX_NAME_WORDS`` words of the text is fingerprinted and looked up.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Iterator

MAX_NAME_WORDS = 5
_WORD = re.compile(r"[^\W_]+")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def name_words(text: str) -> list[str]:
    """The words of ``text`` as names are compared: accents folded, case folded."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return _WORD.findall(folded)


def emails_in(text: str) -> list[str]:
    return [match.group().strip(".").lower() for match in _EMAIL.finditer(text)]


class Fingerprints:
    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("a fingerprint needs a non-empty key")
        self._key = key

    def _digest(self, kind: str, value: str) -> str:
        return hmac.digest(self._key, f"{kind}\x1f{value}".encode(), "sha256").hex()

    def email(self, email: str) -> str:
        return self._digest("email", email.strip().lower())

    def name(self, account_id: int, name: str) -> str:
        return self._digest(f"name\x1f{account_id}", " ".join(name_words(name)))

    def names_in(self, account_id: int, text: str) -> Iterator[str]:
        """The fingerprint of every run of up to ``MAX_NAME_WORDS`` words of ``text``."""
        words = name_words(text)
        for start in range(len(words)):
            for end in range(start + 1, min(start + MAX_NAME_WORDS, len(words)) + 1):
                yield self._digest(f"name\x1f{account_id}", " ".join(words[start:end]))

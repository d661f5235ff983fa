"""Keyed fingerprints of a person: what a suppression keeps instead of their name and e-mail
address, so that the list of erased people cannot be read back, nor tested with guessed
names, by anyone holding the database without the server's key.

A fingerprint is an HMAC-SHA256 under that key of the normalised value: an e-mail address
lower-cased; a name as its words (letters and digits, accents folded, case folded), so "Dana
Whitfield" and "DANA  WHITFIELD" are one name. To recognise a suppressed name in free text,
every run of as many words as a suppressed name has is fingerprinted and looked up, once per
text, whichever accounts the caller then compares (a suppression keeps its account and the
name's length beside the fingerprint).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Iterable, Iterator

_MEMO = 50_000  # runs of words remembered: a few megabytes
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
        # Runs of words repeat across the rows of an import; each is keyed once.
        self._seen: dict[str, str] = {}

    def _digest(self, kind: str, value: str) -> str:
        return hmac.digest(self._key, f"{kind}\x1f{value}".encode(), "sha256").hex()

    def email(self, email: str) -> str:
        return self._digest("email", email.strip().lower())

    def name(self, name: str) -> str:
        return self._digest("name", " ".join(name_words(name)))

    def names_in(self, text: str, lengths: Iterable[int]) -> Iterator[str]:
        """The fingerprint of every run of ``lengths`` words of ``text`` (names are that long)."""
        words = name_words(text)
        for length in sorted(n for n in set(lengths) if n > 0):
            for start in range(len(words) - length + 1):
                gram = " ".join(words[start : start + length])
                if (digest := self._seen.get(gram)) is None:
                    if len(self._seen) >= _MEMO:
                        self._seen.clear()
                    digest = self._seen[gram] = self._digest("name", gram)
                yield digest

"""People erased at their request, kept out: a suppression per erased contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.models.columns import created_column


class Suppression(Base):
    """An erased person, known only by keyed fingerprints (``app.privacy.fingerprint``) of
    their e-mail address and of their name, which counts at their account only; never by the
    name or address. A record naming them is refused until an admin lifts the suppression. When
    the account goes, the suppression of the address stays."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    name_hash: Mapped[str] = mapped_column(String(64), index=True)
    # How many words the name has: text is searched for runs of that many words only.
    name_words: Mapped[int] = mapped_column(Integer)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # The erasing admin's words, redacted like the notes.
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_column()

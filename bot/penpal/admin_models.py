"""Pen-pal moderation kept beside the pen-pal tables: members left out of pairing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class PairingBan(Base):
    """A member a moderator left out of every future pen-pal round of the server, until undone.

    ``banned_by`` is kept for the audit trail only: the member is never told who it was."""

    __tablename__ = "penpal_pairing_bans"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    banned_by: Mapped[int | None] = mapped_column(BigInteger)
    banned_at: Mapped[datetime]

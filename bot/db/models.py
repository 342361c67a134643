"""Core tables: per-server settings, the audit log, and small bits of bot state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class GuildSettings(Base):
    """What a moderator chose for a server in /setup."""

    __tablename__ = "guild_settings"
    DEFAULT_LEAVER_DAYS = 30

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    moderator_role_id: Mapped[int | None] = mapped_column(BigInteger)
    mod_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # A departed member's data is erased this many days after they leave (0: at once).
    leaver_retention_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_LEAVER_DAYS, server_default=str(DEFAULT_LEAVER_DAYS)
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """Who changed what, for moderators to review."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_guild_id_at", "guild_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]


class BotState(Base):
    """Small named values the bot keeps between runs (e.g. the hash of the last command sync)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class DmChannel(Base):
    """A member's direct-message channel with the bot: Discord keeps it for good, so it is opened
    once (a request Discord limits tightly), not after every restart."""

    __tablename__ = "dm_channels"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]

"""Checking the bot's permissions in a channel, named as moderators see them in Discord."""

from __future__ import annotations

from collections.abc import Iterable

import discord

from bot.channels import PERMISSION_LABELS, ChannelUse
from bot.errors import UserFacingError
from bot.i18n import _, command_mention, join_list

Channel = discord.abc.GuildChannel | discord.Thread


def missing_permissions(channel: Channel, needs: Iterable[str]) -> list[str]:
    """The needed permissions the bot lacks in ``channel``, translated."""
    allowed = channel.permissions_for(channel.guild.me)
    return [_(PERMISSION_LABELS[name]) for name in needs if not getattr(allowed, name)]


def require_permissions(channel: Channel, needs: Iterable[str]) -> None:
    """Refuse a channel where the bot lacks what it needs; nothing is saved."""
    missing = missing_permissions(channel, needs)
    if missing:
        raise UserFacingError(
            _(
                "I lack these permissions in {channel}: {permissions}. Nothing was saved; allow them "
                "for me there (channel settings > Permissions), then save again."
            ).format(channel=channel.mention, permissions=join_list(missing))
        )


def _kind(channel: Channel) -> str:
    if isinstance(channel, discord.ForumChannel):
        return "forum"
    if isinstance(channel, discord.TextChannel) and channel.is_news():
        return "announcement"
    return "text"


def channel_checklist(guild: discord.Guild, uses: Iterable[ChannelUse]) -> list[str]:
    """One line per channel the bot uses: ready, not chosen, gone, wrong kind, or what it lacks."""
    lines = []
    for use in uses:
        purpose = _(use.purpose)
        how = command_mention(use.set_with)
        channel = guild.get_channel(use.channel_id) if use.channel_id else None
        if use.channel_id is None:
            lines.append(
                "⬜ "
                + _("{purpose}: not chosen yet; choose one with {command}.").format(
                    purpose=purpose, command=how
                )
            )
        elif channel is None:
            lines.append(
                "⚠️ "
                + _("{purpose}: the channel no longer exists; choose another with {command}.").format(
                    purpose=purpose, command=how
                )
            )
        elif _kind(channel) not in use.kinds:
            lines.append(
                "⚠️ "
                + _(
                    "{purpose}: {channel} is the wrong kind of channel; choose another with {command}."
                ).format(purpose=purpose, channel=channel.mention, command=how)
            )
        elif missing := missing_permissions(channel, use.needs):
            lines.append(
                "⚠️ "
                + _("{purpose}: {channel}, but I lack {permissions} there.").format(
                    purpose=purpose, channel=channel.mention, permissions=join_list(missing)
                )
            )
        else:
            lines.append("✅ " + _("{purpose}: {channel}").format(purpose=purpose, channel=channel.mention))
    return lines

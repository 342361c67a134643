"""/admin: the moderators' console. Export and import the community's data, pause and resume
programmes, and pen-pal operations (pair, unpair, leave out of pairing).

Thin: each command parses its options and hands over to a private module, which calls the
services (bot.pauses, bot.penpal.admin_ops, the feature registry) and renders their outcomes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_only
from bot.db.core_repo import record_audit
from bot.text import MESSAGE_CONTENT, fit
from bot.translator import _T
from cogs.console import _data, _pairing, _programmes
from cogs.console._programmes import pause_report

__all__ = ["Console", "pause_report", "setup"]

if TYPE_CHECKING:
    from bot.client import SisterBot

Audit = Callable[..., Awaitable[None]]
NO_PINGS = discord.AllowedMentions.none()


@moderator_only()
class Console(
    commands.GroupCog,
    group_name=_T("admin"),
    group_description=_T("The community's data, programme pauses and pen-pal pairing (moderators)"),
):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot
        super().__init__()

    async def _audit(self, interaction: discord.Interaction, action: str, **details: object) -> None:
        async with self.bot.database.session() as session:
            await record_audit(
                session,
                guild_id=interaction.guild_id,
                actor_id=interaction.user.id,
                action=action,
                at=self.bot.clock.now(),
                **details,
            )

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.followup.send(fit(text, MESSAGE_CONTENT), ephemeral=True, allowed_mentions=NO_PINGS)

    # -- data ---------------------------------------------------------------------------------

    @app_commands.command(
        name=_T("export"),
        description=_T(
            "A zip of CSV files: members, groups, partnerships, articles, check-ins, survey results"
        ),
    )
    async def export(self, interaction: discord.Interaction) -> None:
        await _data.export(self.bot, interaction, self._audit)

    @app_commands.command(
        name=_T("import"),
        description=_T("Add or update pen-pal members from a members.csv in the export's format"),
    )
    @app_commands.describe(file=_T("A members.csv file, as /admin export writes it"))
    @app_commands.rename(file=_T("file"))
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        await _data.import_members_csv(self.bot, interaction, file, self._audit)

    # -- programme pauses -----------------------------------------------------------------------

    @app_commands.command(
        name=_T("pause-programme"),
        description=_T("Pause one programme or all in this server: nothing of it is posted until resumed"),
    )
    @app_commands.describe(
        programme=_T("The programme to pause (default: all)"),
        reason=_T("Why, for the other moderators (at most 200 characters)"),
    )
    @app_commands.rename(programme=_T("programme"), reason=_T("reason"))
    async def pause_programme(
        self, interaction: discord.Interaction, programme: str | None = None, reason: str | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._reply(
            interaction,
            await _programmes.pause_programme(self.bot, interaction, programme, reason, self._audit),
        )

    @app_commands.command(
        name=_T("resume-programme"),
        description=_T("Resume a paused programme (or all): what came due meanwhile runs once now"),
    )
    @app_commands.describe(programme=_T("The programme to resume (default: all)"))
    @app_commands.rename(programme=_T("programme"))
    async def resume_programme(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._reply(
            interaction, await _programmes.resume_programme(self.bot, interaction, programme, self._audit)
        )

    @pause_programme.autocomplete("programme")
    @resume_programme.autocomplete("programme")
    async def programme_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _programmes.programme_choices(self.bot, current)

    # -- pen-pal pairing ------------------------------------------------------------------------

    @app_commands.command(name=_T("pair"), description=_T("Pair two or three members as pen pals now"))
    @app_commands.describe(
        member_a=_T("A member with a pen-pal profile"),
        member_b=_T("Another member with a pen-pal profile"),
        member_c=_T("A third member, for a group of three"),
        force=_T("Pair them even if they share no language or paused their matching"),
    )
    @app_commands.rename(
        member_a=_T("member_a"), member_b=_T("member_b"), member_c=_T("member_c"), force=_T("force")
    )
    async def pair(
        self,
        interaction: discord.Interaction,
        member_a: discord.Member,
        member_b: discord.Member,
        member_c: discord.Member | None = None,
        force: bool = False,
    ) -> None:
        members = [member for member in (member_a, member_b, member_c) if member is not None]
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._reply(
            interaction, await _pairing.pair(self.bot, interaction, members, force, self._audit)
        )

    @app_commands.command(name=_T("unpair"), description=_T("End a member's open pen-pal group"))
    @app_commands.describe(member=_T("A member in an open pen-pal group"))
    @app_commands.rename(member=_T("member"))
    async def unpair(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._reply(interaction, await _pairing.unpair(self.bot, interaction, member, self._audit))

    @app_commands.command(
        name=_T("ban-from-pairing"), description=_T("Leave a member out of every future pen-pal round")
    )
    @app_commands.describe(
        member=_T("The member to leave out"), undo=_T("Let the member back into the rounds instead")
    )
    @app_commands.rename(member=_T("member"), undo=_T("undo"))
    async def ban_from_pairing(
        self, interaction: discord.Interaction, member: discord.Member, undo: bool = False
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._reply(interaction, await _pairing.ban(self.bot, interaction, member, undo, self._audit))


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Console(bot))

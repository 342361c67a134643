"""/jobs: moderators see what the bot will do, and what failed, and can try a failed job again."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_check
from bot.db.core_repo import record_audit
from bot.errors import UserFacingError
from bot.i18n import _
from bot.scheduler import store
from bot.timefmt import both
from bot.translator import _T

if TYPE_CHECKING:
    from bot.client import SisterBot
    from bot.scheduler import ScheduledJob

LISTED = 15


def describe_job(job: ScheduledJob, timezone: str, *, with_error: bool) -> str:
    line = _("#{id} {kind} · due {when} · attempts {attempts}").format(
        id=job.id, kind=job.kind, when=both(job.due_at, timezone), attempts=job.attempts
    )
    if with_error and job.last_error:
        error = job.last_error.strip().splitlines()[-1][:180]
        line += "\n" + _("  last error: {error}").format(error=error)
    return line


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Jobs(commands.GroupCog, group_name=_T("jobs"), group_description=_T("Scheduled jobs (moderators)")):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name=_T("failed"), description=_T("Jobs that failed and were parked"))
    @moderator_check()
    async def failed(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        jobs = await self.bot.scheduler.failed_jobs(interaction.guild.id, limit=LISTED)
        timezone = await self.bot.guild_timezone(interaction.guild.id)
        if not jobs:
            await interaction.response.send_message(_("No failed jobs. All is well."), ephemeral=True)
            return
        lines = [_("Failed jobs (retry one with /jobs retry):")]
        lines += [describe_job(job, timezone, with_error=True) for job in jobs]
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True)

    @app_commands.command(name=_T("upcoming"), description=_T("What the bot will do next"))
    @moderator_check()
    async def upcoming(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        async with self.bot.database.session() as session:
            jobs = await store.upcoming_jobs(session, interaction.guild.id, limit=LISTED)
        timezone = await self.bot.guild_timezone(interaction.guild.id)
        if not jobs:
            await interaction.response.send_message(_("Nothing is scheduled."), ephemeral=True)
            return
        lines = [describe_job(job, timezone, with_error=False) for job in jobs]
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True)

    @app_commands.command(name=_T("retry"), description=_T("Try a failed job again now"))
    @app_commands.describe(job=_T("The job number shown by /jobs failed"))
    @app_commands.rename(job=_T("job"))
    @moderator_check()
    async def retry(self, interaction: discord.Interaction, job: app_commands.Range[int, 1]) -> None:
        assert interaction.guild is not None
        retried = await self.bot.scheduler.retry_failed(job, guild_id=interaction.guild.id)
        if retried is None:
            raise UserFacingError(
                _("There is no failed job #{id} in this server. /jobs failed lists them.").format(id=job)
            )
        async with self.bot.database.session() as session:
            await record_audit(
                session,
                guild_id=interaction.guild.id,
                actor_id=interaction.user.id,
                action="job.retry",
                at=self.bot.clock.now(),
                job_id=job,
                kind=retried.kind,
            )
        await interaction.response.send_message(
            _("Job #{id} will run again now.").format(id=job), ephemeral=True
        )
        await self.bot.scheduler.run_due_jobs()


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Jobs(bot))

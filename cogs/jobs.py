"""/jobs: moderators see what the bot will do, and what failed, and can try a failed job again."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import interaction_guild_settings, moderator_only
from bot.db.core_repo import record_audit
from bot.errors import UserFacingError
from bot.i18n import _, command_mention, job_label, ngettext
from bot.scheduler import store
from bot.text import MESSAGE_CONTENT, fit, single_line
from bot.timefmt import both
from bot.translator import _T

if TYPE_CHECKING:
    from bot.client import SisterBot
    from bot.scheduler import ScheduledJob

LISTED = 15
ERROR_SHOWN = 180


def describe_job(job: ScheduledJob, timezone: str, *, with_error: bool) -> str:
    """One job for moderators: its kind as words, when it is due in the server's zone, its tries."""
    line = ngettext(
        "#{id} {kind} · due {when} · {attempts} attempt",
        "#{id} {kind} · due {when} · {attempts} attempts",
        job.attempts,
    ).format(id=job.id, kind=job_label(job.kind), when=both(job.due_at, timezone), attempts=job.attempts)
    if with_error and job.last_error:
        lines = job.last_error.strip().splitlines() or [""]
        error = fit(single_line(lines[-1]), ERROR_SHOWN)
        line += "\n" + _("  last error: {error}").format(error=error)
    return line


async def server_timezone(interaction: discord.Interaction, default: str) -> str:
    settings = await interaction_guild_settings(interaction)
    return settings.timezone if settings is not None else default


def fit_lines(lines: list[str]) -> str:
    """Whole lines up to a message's length, so no job is cut in half."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 2 > MESSAGE_CONTENT:
            kept.append("…")
            break
        kept.append(line)
        used += len(line) + 1
    return fit("\n".join(kept), MESSAGE_CONTENT)


@moderator_only()
class Jobs(commands.GroupCog, group_name=_T("jobs"), group_description=_T("Scheduled jobs (moderators)")):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name=_T("failed"), description=_T("Jobs that failed and were parked"))
    async def failed(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        timezone = await server_timezone(interaction, self.bot.settings.bot.default_timezone)
        jobs = await self.bot.scheduler.failed_jobs(interaction.guild.id, limit=LISTED)
        if not jobs:
            await interaction.response.send_message(_("No failed jobs. All is well."), ephemeral=True)
            return
        lines = [
            ngettext(
                "{count} failed job (try one again with {command}):",
                "{count} failed jobs (try one again with {command}):",
                len(jobs),
            ).format(count=len(jobs), command=command_mention("jobs retry"))
        ]
        lines += [describe_job(job, timezone, with_error=True) for job in jobs]
        await interaction.response.send_message(fit_lines(lines), ephemeral=True)

    @app_commands.command(name=_T("upcoming"), description=_T("What the bot will do next"))
    async def upcoming(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        timezone = await server_timezone(interaction, self.bot.settings.bot.default_timezone)
        async with self.bot.database.session() as session:
            jobs = await store.upcoming_jobs(session, interaction.guild.id, limit=LISTED)
        if not jobs:
            await interaction.response.send_message(_("Nothing is scheduled."), ephemeral=True)
            return
        lines = [
            ngettext(
                "The next {count} job, times in {timezone}:",
                "The next {count} jobs, times in {timezone}:",
                len(jobs),
            ).format(count=len(jobs), timezone=timezone)
        ]
        lines += [describe_job(job, timezone, with_error=False) for job in jobs]
        await interaction.response.send_message(fit_lines(lines), ephemeral=True)

    @app_commands.command(name=_T("retry"), description=_T("Try a failed job again now"))
    @app_commands.describe(job=_T("The job number shown by /jobs failed"))
    @app_commands.rename(job=_T("job"))
    async def retry(
        self, interaction: discord.Interaction, job: app_commands.Range[int, 1, 2**31 - 1]
    ) -> None:
        assert interaction.guild is not None
        retried = await self.bot.scheduler.retry_failed(job, guild_id=interaction.guild.id)
        if retried is None:
            raise UserFacingError(
                _("There is no failed job #{id} in this server. {command} lists them.").format(
                    id=job, command=command_mention("jobs failed")
                )
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

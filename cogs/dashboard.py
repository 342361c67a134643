"""/dashboard: the community's health for moderators, as an embed, a chart and a CSV file.

The figures come from every feature through the registry (:mod:`bot.dashboard`); the chart is
drawn in a worker process so other members' commands keep answering while it renders.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from babel.dates import format_date
from discord import app_commands
from discord.ext import commands

from bot.checks import interaction_guild_settings, moderator_only
from bot.dashboard.chart import Panel, render_in_worker, shutdown_chart_worker
from bot.dashboard.export import report_csv
from bot.dashboard.periods import Period
from bot.dashboard.report import MEASURES, RATES, Report, build_report
from bot.i18n import N_, _, current_locale, join_list
from bot.reference import localized_country_name, localized_language_name
from bot.text import EMBED_FIELD_VALUE, fit
from bot.translator import _T

if TYPE_CHECKING:
    from bot.client import SisterBot

LABELS = {
    "active_members": N_("Active members"),
    "new_members": N_("New members"),
    "countries": N_("Number of countries"),
    "languages": N_("Number of languages"),
    "pairs_made": N_("Pen-pal pairs made"),
    "connected_rate": N_("Pairs that connected"),
    "checkins_done": N_("Check-ins done"),
    "partnerships_active": N_("Partnerships active"),
    "partnerships_new": N_("New partnerships"),
    "seeking_posts": N_("Libraries seeking a sister"),
    "seeking_fits": N_("Sister-library fits found"),
    "articles_shared": N_("Articles shared"),
    "articles_saved": N_("Articles saved"),
    "nps": N_("Net Promoter Score"),
    "survey_response_rate": N_("Survey response rate"),
}
PERIOD_NAMES = {
    Period.WEEK: N_("the last 7 days"),
    Period.MONTH: N_("the last 5 weeks"),
    Period.QUARTER: N_("the last 13 weeks"),
    Period.YEAR: N_("the last 12 months"),
}
PERIOD_CHOICES = [
    app_commands.Choice(name=_T("week"), value=Period.WEEK.value),
    app_commands.Choice(name=_T("month"), value=Period.MONTH.value),
    app_commands.Choice(name=_T("quarter"), value=Period.QUARTER.value),
    app_commands.Choice(name=_T("year"), value=Period.YEAR.value),
]
CHART = "dashboard.png"
PARTIAL_NOTES = {
    Period.WEEK: N_("Dashed: today so far"),
    Period.MONTH: N_("Dashed: this week so far"),
    Period.QUARTER: N_("Dashed: this week so far"),
    Period.YEAR: N_("Dashed: this month so far"),
}


def show(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    number = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{number}%" if name in RATES and name != "nps" else number


def change(now: float | None, before: float | None) -> str:
    if now is None or before is None or now == before:
        return ""
    return f" ({'▲' if now > before else '▼'} {abs(now - before):g})"


def bucket_label(report: Report, index: int) -> str:
    day = report.buckets[index].first_day
    locale = current_locale()
    if report.period is Period.YEAR:
        return format_date(day, "MMM" if locale == "en" else "M月", locale=locale)
    return format_date(day, "d MMM" if locale == "en" else "M月d日", locale=locale)


def chart_panels(report: Report) -> list[Panel]:
    series = report.series
    return [
        Panel(
            _(LABELS["active_members"]), {_(LABELS[n]): series[n] for n in ("active_members", "new_members")}
        ),
        Panel(
            _("Pen pals"),
            {
                _(LABELS["pairs_made"]): series["pairs_made"],
                _(LABELS["checkins_done"]): series["checkins_done"],
            },
        ),
        Panel(_("Articles"), {_(LABELS[n]): series[n] for n in ("articles_shared", "articles_saved")}),
        Panel(
            _("Satisfaction and connection (%)"),
            {_(LABELS[n]): series[n] for n in ("connected_rate", "nps", "survey_response_rate")},
            percent=True,
        ),
    ]


def report_embed(report: Report) -> discord.Embed:
    locale = current_locale()
    first = report.buckets[0].first_day
    last = report.buckets[-1].first_day if report.period is not Period.YEAR else report.end.date()
    embed = discord.Embed(
        title=_("Community health: {period}").format(period=_(PERIOD_NAMES[report.period])),
        description=_("{start} to {end} ({timezone}); changes against the period before.").format(
            start=format_date(first, "medium", locale=locale),
            end=format_date(last, "medium", locale=locale),
            timezone=report.timezone,
        ),
        colour=discord.Colour.blurple(),
    )
    for name in MEASURES:
        value = report.totals[name]
        embed.add_field(name=_(LABELS[name]), value=show(name, value) + change(value, report.previous[name]))
    if report.countries:
        names = join_list(localized_country_name(code, locale) for code in report.countries)
        embed.add_field(name=_("Countries represented"), value=fit(names, EMBED_FIELD_VALUE), inline=False)
    if report.languages:
        names = join_list(localized_language_name(code, locale) for code in report.languages)
        embed.add_field(name=_("Languages represented"), value=fit(names, EMBED_FIELD_VALUE), inline=False)
    embed.set_image(url=f"attachment://{CHART}")
    return embed


class Dashboard(commands.Cog):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=_T("dashboard"), description=_T("The community's health: figures, trends and a CSV")
    )
    @app_commands.describe(period=_T("How far back to look (default: the last 5 weeks)"))
    @app_commands.rename(period=_T("period"))
    @app_commands.choices(period=PERIOD_CHOICES)
    @moderator_only()
    async def dashboard(
        self, interaction: discord.Interaction, period: app_commands.Choice[str] | None = None
    ) -> None:
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await interaction_guild_settings(interaction)
        timezone = settings.timezone if settings else self.bot.settings.bot.default_timezone
        chosen = Period(period.value) if period else Period.MONTH
        report = await build_report(
            self.bot.features.community_stats, interaction.guild.id, chosen, self.bot.clock.now(), timezone
        )
        title = _("Community health: {period}").format(period=_(PERIOD_NAMES[chosen]))
        labels = [bucket_label(report, index) for index in range(len(report.buckets))]
        png = await render_in_worker(title, labels, chart_panels(report), _(PARTIAL_NOTES[chosen]))
        stamp = report.end.strftime("%Y%m%d")
        await interaction.followup.send(
            embed=report_embed(report),
            files=[
                discord.File(io.BytesIO(png), filename=CHART),
                discord.File(
                    io.BytesIO(report_csv(report)), filename=f"dashboard-{chosen.value}-{stamp}.csv"
                ),
            ],
            ephemeral=True,
        )


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Dashboard(bot))


async def teardown(bot: SisterBot) -> None:
    shutdown_chart_worker()

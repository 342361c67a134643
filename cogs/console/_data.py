"""/admin export and import: the community's data as CSV files, and members back from that format.

The tables come from every feature through the registry; the import fills pen-pal profiles, the
one place the export's ``members.csv`` comes from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.checks import interaction_guild_settings
from bot.errors import UserFacingError
from bot.i18n import N_, _, current_locale, ngettext, register_audit_label
from bot.inputs import InputError
from bot.penpal.tables import MAX_IMPORT_ROWS, MEMBER_COLUMNS, import_members
from bot.tables import zip_tables
from bot.text import MESSAGE_CONTENT, fit

if TYPE_CHECKING:
    from bot.client import SisterBot

Audit = Callable[..., Awaitable[None]]

IMPORT_MAX_BYTES = 2 * 1024 * 1024
REFUSALS_SHOWN = 10
REQUIRED_COLUMNS = ("user_id", "display_name", "library", "country", "languages")
register_audit_label("admin.export", N_("data exported"))
register_audit_label("admin.import", N_("members imported"))
REFUSAL_REASONS = {
    "not_in_server": N_("not a member of this server"),
    "unreadable": N_("could not be read: a field is too long or its quotes do not match"),
}


async def export(bot: SisterBot, interaction: discord.Interaction, audit: Audit) -> None:
    assert interaction.guild is not None
    await interaction.response.defer(ephemeral=True, thinking=True)
    now = bot.clock.now()
    tables = await bot.features.export_tables(interaction.guild.id)
    archive = zip_tables(tables, generated_at=now)
    await audit(interaction, "admin.export", tables=len(tables))
    await interaction.followup.send(
        _(
            "The community's data as CSV files (UTF-8). Survey results carry no names. "
            "Keep this file safe: it holds members' profiles."
        ),
        file=discord.File(io.BytesIO(archive), filename=f"sisterlib-{interaction.guild.id}-{now:%Y%m%d}.zip"),
        ephemeral=True,
    )


def _read_rows(reader: csv.DictReader[str]) -> list[dict[str, str] | None]:
    """Every record of the file; ``None`` for one the reader refuses (a field over its 131,072
    character limit, say), so that row is named and skipped while the others are imported."""
    rows: list[dict[str, str] | None] = []
    while True:
        try:
            rows.append(next(reader))
        except StopIteration:
            return rows
        except csv.Error:
            rows.append(None)


async def import_members_csv(
    bot: SisterBot, interaction: discord.Interaction, file: discord.Attachment, audit: Audit
) -> None:
    assert interaction.guild is not None
    if file.size > IMPORT_MAX_BYTES or not file.filename.lower().endswith(".csv"):
        raise UserFacingError(
            _("Attach a .csv file of at most {megabytes} MB, like the members.csv of {command}.").format(
                megabytes=IMPORT_MAX_BYTES // (1024 * 1024), command="/admin export"
            )
        )
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        text = (await file.read()).decode("utf-8-sig")
    except (discord.HTTPException, UnicodeDecodeError):
        await interaction.followup.send(
            _("I could not read that file as UTF-8 text. Nothing was imported."), ephemeral=True
        )
        return
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        await interaction.followup.send(
            _(
                "The file lacks these columns: {columns}. Use the members.csv columns: {expected}. "
                "Nothing was imported."
            ).format(columns=", ".join(missing), expected=", ".join(MEMBER_COLUMNS)),
            ephemeral=True,
        )
        return
    rows = _read_rows(reader)
    settings = await interaction_guild_settings(interaction)
    locale = settings.locale if settings else current_locale()
    present = {member.id for member in interaction.guild.members if not member.bot}
    outcome = await import_members(bot.database, bot.clock, interaction.guild.id, rows, present, locale)
    await audit(
        interaction,
        "admin.import",
        created=outcome.created,
        updated=outcome.updated,
        refused=len(outcome.refused),
    )
    lines = [
        _("Imported: {created} new, {updated} updated, {refused} skipped.").format(
            created=outcome.created, updated=outcome.updated, refused=len(outcome.refused)
        )
    ]
    if len(rows) > MAX_IMPORT_ROWS:
        lines.append(_("Only the first {count} rows were read.").format(count=MAX_IMPORT_ROWS))
    for number, reason in outcome.refused[:REFUSALS_SHOWN]:
        why = reason.render() if isinstance(reason, InputError) else _(REFUSAL_REASONS[reason])
        lines.append(_("Row {number}: {reason}").format(number=number, reason=why))
    if len(outcome.refused) > REFUSALS_SHOWN:
        more = len(outcome.refused) - REFUSALS_SHOWN
        lines.append(ngettext("…and {count} more row.", "…and {count} more rows.", more).format(count=more))
    await interaction.followup.send(fit("\n".join(lines), MESSAGE_CONTENT), ephemeral=True)

"""Command names and descriptions in the member's own language, through discord.py's Translator."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation, TranslationContextTypes, locale_str

from bot.i18n import DEFAULT_LOCALE, catalog, is_valid_command_name, normalise_locale

_NAME_LOCATIONS = {
    TranslationContextLocation.command_name,
    TranslationContextLocation.group_name,
    TranslationContextLocation.parameter_name,
}


def _T(message: str) -> locale_str:  # noqa: N802 - reads like the gettext marker it is
    """Mark a command name, description or choice for translation (and for extraction)."""
    return locale_str(message)


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self, string: locale_str, locale: discord.Locale, context: TranslationContextTypes
    ) -> str | None:
        tag = normalise_locale(locale.value)
        if tag == DEFAULT_LOCALE or tag.replace("_", "-") != locale.value:
            return None
        translated = catalog(tag).gettext(string.message)
        if translated == string.message:
            return None
        if context.location in _NAME_LOCATIONS and not is_valid_command_name(translated):
            return None
        return translated

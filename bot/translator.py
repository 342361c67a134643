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


# Discord's locales we have a catalog for (zh-CN), each with its catalog's tag. discord.py asks
# for every string in each of Discord's 30-odd locales at every start: the rest end here at once.
_CATALOG_TAGS = {
    locale: tag
    for locale in discord.Locale
    if (tag := normalise_locale(locale.value)) != DEFAULT_LOCALE and tag.replace("_", "-") == locale.value
}


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self, string: locale_str, locale: discord.Locale, context: TranslationContextTypes
    ) -> str | None:
        tag = _CATALOG_TAGS.get(locale)
        if tag is None:
            return None
        translated = catalog(tag).gettext(string.message)
        if translated == string.message:
            return None
        if context.location in _NAME_LOCATIONS and not is_valid_command_name(translated):
            return None
        return translated

import re
from pathlib import Path

import discord
import pytest
from discord.app_commands import TranslationContext, TranslationContextLocation, locale_str

from bot.i18n import (
    AVAILABLE_LOCALES,
    DEFAULT_LOCALE,
    _,
    is_valid_command_name,
    normalise_locale,
    using_locale,
)
from bot.i18n_tools import extract, load, missing_translations
from bot.translator import CatalogTranslator

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def test_every_string_in_the_code_is_translated_into_every_language() -> None:
    template = extract()
    assert len(template) > 20, "extraction found suspiciously few strings"
    translated = [locale for locale in AVAILABLE_LOCALES if locale != DEFAULT_LOCALE]
    assert translated, "the one list of locales names no language to translate into"
    for locale in translated:
        assert missing_translations(locale, template) == [], locale


def test_translations_keep_their_placeholders() -> None:
    for message in load("zh_CN"):
        if not message.id or not message.string:
            continue
        # A plural has an English singular and plural and one Chinese form: all carry the same ones.
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(PLACEHOLDER.findall(sources[-1]))
        for text in (*sources, *targets):
            assert sorted(PLACEHOLDER.findall(text)) == wanted, message.id


def test_locale_context_switches_language() -> None:
    with using_locale("zh-CN"):
        assert _("Settings saved.") == "设置已保存。"
    with using_locale("en-GB"):
        assert _("Settings saved.") == "Settings saved."


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("zh-CN", "zh_CN"), ("zh_CN", "zh_CN"), ("zh-TW", "en"), ("es-ES", "en"), (None, "en")],
)
def test_normalise_locale(tag: str | None, expected: str) -> None:
    assert normalise_locale(tag) == expected


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("setup", True),
        ("设置", True),
        ("mod_channel", True),
        ("Setup", False),
        ("a b", False),
        ("", False),
        ("x" * 33, False),
    ],
)
def test_command_name_rule(name: str, valid: bool) -> None:
    assert is_valid_command_name(name) is valid


async def test_translator_gives_chinese_names_and_descriptions_only_for_zh_cn() -> None:
    translator = CatalogTranslator()
    name_context = TranslationContext(TranslationContextLocation.command_name, None)
    assert await translator.translate(locale_str("setup"), discord.Locale.chinese, name_context) == "设置"
    assert (
        await translator.translate(locale_str("setup"), discord.Locale.taiwan_chinese, name_context) is None
    )
    assert (
        await translator.translate(locale_str("setup"), discord.Locale.american_english, name_context) is None
    )
    assert (
        await translator.translate(locale_str("no such text"), discord.Locale.chinese, name_context) is None
    )


def test_no_literal_is_translated_inside_an_f_string_where_extraction_cannot_see_it() -> None:
    root = Path(__file__).resolve().parents[2]
    hidden = re.compile(r"""\{\s*(?:_|ngettext)\(\s*['"]""")
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("bot", "cogs")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hidden.search(line)
    ]
    assert found == []


def test_plurals_are_extracted_with_both_english_forms_and_chinese_has_one() -> None:
    template = extract()
    plurals = [message.id for message in template if isinstance(message.id, tuple)]
    assert (
        "{count} failed job (try one again with {command}):",
        "{count} failed jobs (try one again with {command}):",
    ) in plurals
    chinese = load("zh_CN")
    assert chinese.num_plurals == 1
    for singular, _plural in plurals:
        found = chinese.get((singular, _plural))
        assert found is not None, singular
        assert isinstance(found.string, tuple | list)
        assert len(found.string) == 1, singular

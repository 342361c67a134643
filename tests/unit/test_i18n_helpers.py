"""Lists, plurals, command mentions and job labels in each language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.i18n import (
    N_,
    command_mention,
    command_name,
    job_label,
    join_list,
    ngettext,
    register_job_label,
    remember_command_ids,
    using_locale,
)


@pytest.fixture(autouse=True)
def _no_ids() -> Iterator[None]:
    remember_command_ids({})
    yield
    remember_command_ids({})


def test_lists_use_each_language_s_separator() -> None:
    with using_locale("en"):
        assert join_list(["UTC", "Asia/Shanghai"]) == "UTC, Asia/Shanghai"
    with using_locale("zh-CN"):
        assert join_list(["英语", "中文"]) == "英语、中文"


def test_english_plurals_agree_with_the_count() -> None:
    with using_locale("en"):
        assert ngettext("{n} job", "{n} jobs", 1).format(n=1) == "1 job"
        assert ngettext("{n} job", "{n} jobs", 2).format(n=2) == "2 jobs"
        assert ngettext("{n} job", "{n} jobs", 0).format(n=0) == "0 jobs"


def test_a_command_with_a_known_id_is_a_clickable_mention_with_its_default_path() -> None:
    remember_command_ids({"penpal": 123, "jobs": 456})
    with using_locale("zh-CN"):
        # Discord shows each reader the localized names; the mention itself keeps the default ones.
        assert command_mention("penpal join") == "</penpal join:123>"
        assert command_mention("/jobs failed") == "</jobs failed:456>"


def test_without_an_id_the_command_is_named_in_the_reader_s_language() -> None:
    with using_locale("en"):
        assert command_mention("help") == "/help"
    with using_locale("zh-CN"):
        assert command_mention("help") == "/帮助"
        assert command_mention("setup") == "/设置"


def test_a_written_out_name_is_in_the_reader_s_language_even_when_ids_are_known() -> None:
    remember_command_ids({"setup": 1})
    with using_locale("zh-CN"):
        assert command_name("/setup") == "/设置"
    with using_locale("en"):
        assert command_name("setup") == "/setup"


def test_job_kinds_show_as_translated_words_and_unknown_kinds_as_themselves() -> None:
    register_job_label("test.kind", N_("Check-in"))
    with using_locale("en"):
        assert job_label("test.kind") == "Check-in"
        assert job_label("test.unknown") == "test.unknown"


def test_chinese_has_one_plural_form_for_every_count() -> None:
    singular, plural = (
        "{count} failed job (try one again with {command}):",
        "{count} failed jobs (try one again with {command}):",
    )
    with using_locale("zh-CN"):
        one = ngettext(singular, plural, 1)
        many = ngettext(singular, plural, 7)
    assert one == many
    assert "失败" in one
    with using_locale("en"):
        assert ngettext(singular, plural, 1) == singular
        assert ngettext(singular, plural, 7) == plural

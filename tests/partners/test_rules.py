"""The partnership input rules: each bad input is refused with what to fix, quoting little."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import using_locale
from bot.partners import rules
from bot.partners.rules import InputError

TODAY = date(2026, 3, 27)


def refusal(call: object, *args: object) -> str:
    with pytest.raises(InputError) as raised:
        call(*args)  # type: ignore[operator]
    with using_locale("en"):
        return raised.value.render()


def test_goals_of_2001_characters_are_refused_clearly() -> None:
    message = refusal(rules.check_goals, "x" * 2001)
    assert "at most 1000 characters" in message
    assert len(message) < 200  # the input is quoted briefly, not echoed
    assert rules.check_goals("  Swap books  ") == "Swap books"


@pytest.mark.parametrize("value", ["", "   ", "\u200b\u200b", "\u3164"])
def test_invisible_names_are_refused(value: str) -> None:
    assert "cannot be empty" in refusal(rules.check_name, value, rules.LIBRARY_MAX, "our library")


def test_names_are_kept_as_typed_on_one_line() -> None:
    assert rules.check_name(" 上海图书馆\n(东馆) ", rules.LIBRARY_MAX, "x") == "上海图书馆 (东馆)"
    assert rules.check_name("**Bold** @everyone", rules.LIBRARY_MAX, "x") == "**Bold** @everyone"


def test_hostile_long_input_is_quoted_defused_and_short() -> None:
    message = refusal(rules.check_name, "@everyone " + "<@123> *x* " * 500, rules.LIBRARY_MAX, "our library")
    assert "@everyone" not in message
    assert "<@123>" not in message
    assert len(message) < 200


@pytest.mark.parametrize("value", ["2026/09/01", "01-09-2026", "2026-02-30", "tomorrow", "明天", "9" * 5000])
def test_start_dates_must_be_real_iso_dates(value: str) -> None:
    message = refusal(rules.check_start_date, value, TODAY)
    assert "YYYY-MM-DD" in message or "too long" in message


def test_start_dates_far_away_are_refused() -> None:
    assert "too far" in refusal(rules.check_start_date, "1850-01-01", TODAY)
    assert "too far" in refusal(rules.check_start_date, "2030-01-01", TODAY)
    assert rules.check_start_date(" 2026-9-1 ", TODAY) == date(2026, 9, 1)


def test_photos_are_checked_for_type_and_size() -> None:
    photo = rules.check_photo("https://cdn/x.png", "image/png", 1000, "x.png")
    assert photo.content_type == "image/png"
    assert rules.check_photo("u", "image/JPEG; charset=x", 10, "a.jpg").content_type == "image/jpeg"
    assert "PNG, JPEG, GIF or WebP" in refusal(rules.check_photo, "u", "application/pdf", 10, "plan.pdf")
    assert "PNG, JPEG, GIF or WebP" in refusal(rules.check_photo, "u", None, 10, "x")
    assert "at most 8 MB" in refusal(rules.check_photo, "u", "image/png", 9 * 1024 * 1024, "big.png")


def test_flags_come_from_the_iso_code() -> None:
    assert rules.flag("CN") == "🇨🇳"
    assert rules.flag("de") == "🇩🇪"
    assert rules.flag(None) == ""
    assert rules.flag("ZZZ") == ""


def test_form_ids_round_trip_and_refuse_others() -> None:
    assert rules.read_form_id(rules.form_id(42)) == 42
    assert rules.read_form_id("partner:form:abc") is None
    assert rules.read_form_id("penpal:profile:::") is None

"""The pen-pal input rules, without Discord: what is accepted, and what each refusal says."""

from datetime import UTC, datetime

import pytest

from bot.i18n import using_locale
from bot.inputs import InputError, check_country, check_languages, check_timezone
from bot.penpal.rules import (
    CUSTOM_ID_MAX,
    DISPLAY_NAME_MAX,
    ProfileChoices,
    check_choices,
    check_profile_text,
    check_rating_comment,
    form_id,
    parse_interests,
    parse_pause_until,
    rating_form_id,
    read_form_id,
    read_rating_form_id,
)
from bot.text import QUOTE_LIMIT

NOW = datetime(2026, 3, 27, 23, 30, tzinfo=UTC)  # already the 28th in Shanghai
HOSTILE = [
    "A" * 5000,
    "\u200b\u200b",
    "<@123456789012345678> @everyone <@&42>",
    "**bold** `code` ~~gone~~ ||spoiler|| [link](http://x)",
    "这不是一个国家也不是语言",
]


def refusal(call: object, *args: object) -> str:
    with pytest.raises(InputError) as raised:
        call(*args)  # type: ignore[operator]
    return raised.value.render()


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(
    "rule",
    [
        lambda text: check_country(text, "en"),
        lambda text: check_languages(text, "en"),
        check_timezone,
        lambda text: parse_pause_until(text, "Asia/Shanghai", NOW),
    ],
    ids=["country", "languages", "timezone", "until"],
)
def test_hostile_text_is_refused_briefly_and_harmlessly(rule: object, text: str) -> None:
    message = refusal(rule, text)
    assert len(message) < 300
    assert "A" * (QUOTE_LIMIT + 1) not in message
    assert "<@123456789012345678>" not in message
    assert "@everyone" not in message
    assert "<@&42>" not in message
    assert "**bold**" not in message


def test_long_text_is_refused_for_its_length_before_anything_else() -> None:
    message = refusal(check_country, "Germany" * 700, "en")
    assert "too long for a country" in message
    assert "at most 100 characters" in message
    with using_locale("zh_CN"):
        assert "作为时区太长了" in refusal(check_timezone, "Europe/" * 20)


def test_names_are_understood_in_any_language_the_bot_speaks() -> None:
    assert check_languages("English, 中文", "en") == ("en", "zh")
    assert check_languages("English，中文, en", "zh_CN") == ("en", "zh")
    assert check_country("中国", "en") == "CN"
    assert check_country("de", "zh_CN") == "DE"
    assert check_timezone("asia/shanghai") == "Asia/Shanghai"


def test_unknown_names_suggest_close_ones_in_the_member_language() -> None:
    assert "Germany (DE)" in refusal(check_country, "Germny", "en")
    with using_locale("zh_CN"):
        message = refusal(check_country, "Germny", "zh_CN")
    assert "德国 (DE)" in message
    assert "你是不是指" in message
    assert "Spanish (es)" in refusal(check_languages, "English, Spansh", "en")


def test_zero_width_text_is_no_language_and_no_interest() -> None:
    assert "at least one language" in refusal(check_languages, "\u200b, \u2060", "en")
    assert parse_interests("reading, \u200b, ,  Local History ") == ["reading", "local history"]


@pytest.mark.parametrize(
    ("name", "library"), [("\u200b", "Shanghai Library"), ("Wei", "\u200b\u3164"), ("  ", "x")]
)
def test_an_invisible_display_name_or_library_is_refused(name: str, library: str) -> None:
    assert "cannot be blank" in refusal(check_profile_text, name, library, "", "")


def test_profile_text_is_cleaned_and_length_checked() -> None:
    text = check_profile_text("  Wei \n Zhang ", "Shanghai Library,\tShanghai", "\u200b", "Reading, maps")
    assert (text.display_name, text.library, text.intro, text.interests) == (
        "Wei Zhang",
        "Shanghai Library, Shanghai",
        "",
        ["reading", "maps"],
    )
    message = refusal(check_profile_text, "N" * (DISPLAY_NAME_MAX + 1), "Library", "", "")
    assert "too long for your display name" in message
    assert "N" * (QUOTE_LIMIT + 1) not in message


def test_pause_until_accepts_dates_and_durations_in_the_member_zone() -> None:
    assert parse_pause_until("2026-04-05", "Asia/Shanghai", NOW) == datetime(2026, 4, 4, 16, tzinfo=UTC)
    assert parse_pause_until(" 2W ", "Asia/Shanghai", NOW) == datetime(2026, 4, 10, 16, tzinfo=UTC)
    assert "after today" in refusal(parse_pause_until, "2026-03-28", "Asia/Shanghai", NOW)
    assert "at most a year" in refusal(parse_pause_until, "400d", "Asia/Shanghai", NOW)


def test_the_form_id_carries_every_choice_and_is_read_back() -> None:
    choices = check_choices("en", "China", "English, 中文", "Asia/Shanghai", "evenings")
    custom_id = form_id(choices)
    assert custom_id == "penpal:profile:CN:en.zh:Asia/Shanghai:evenings"
    assert read_form_id(custom_id) == choices
    assert read_form_id(form_id(ProfileChoices())) == ProfileChoices()


def test_the_longest_choices_still_fit_a_custom_id() -> None:
    six = ", ".join(["fil", "haw", "yue", "ceb", "nds", "gsw"])
    choices = check_choices("en", "GB", six, "America/Argentina/ComodRivadavia", "afternoons")
    assert len(form_id(choices)) <= CUSTOM_ID_MAX
    assert read_form_id(form_id(choices)) == choices


@pytest.mark.parametrize(
    "custom_id",
    [
        "penpal:profile:XX:en:UTC:",  # no such country
        "penpal:profile::qq:UTC:",  # no such language
        "penpal:profile:::Mars/Olympus:",  # no such zone
        "penpal:profile::::sometimes",  # not a choice
        "penpal:profile:CN:en",  # cut short
        "penpal:rating:7",
    ],
)
def test_a_forged_or_foreign_form_id_is_not_read(custom_id: str) -> None:
    assert read_form_id(custom_id) is None


def test_the_rating_form_id_carries_group_and_stars() -> None:
    assert rating_form_id(12, 4) == "penpal:rating:12:4"
    assert read_rating_form_id("penpal:rating:12:4") == (12, 4)
    for forged in ("penpal:rating:12:6", "penpal:rating:12", "penpal:rating:x:3", "penpal:profile:::UTC:"):
        assert read_rating_form_id(forged) is None
    with pytest.raises(ValueError, match="1 to 5"):
        rating_form_id(12, 0)


def test_a_rating_comment_is_kept_only_when_visible_and_short_enough() -> None:
    assert check_rating_comment("  Lovely chat.\n") == "Lovely chat."
    assert check_rating_comment("\u200b \n") is None
    assert "too long for a comment" in refusal(check_rating_comment, "x" * 1001)

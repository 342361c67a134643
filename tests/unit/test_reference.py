import pytest

from bot.reference import (
    localized_country_name,
    localized_language_name,
    resolve_country,
    resolve_language,
    resolve_timezone,
    search_countries,
    search_languages,
    search_timezones,
    suggest_countries,
    suggest_languages,
    suggest_timezones,
)


@pytest.mark.parametrize(
    ("typed", "locale", "code"),
    [
        ("Germany", "en", "DE"),
        ("de", "en", "DE"),
        ("德国", "zh_CN", "DE"),
        ("DEU", "en", "DE"),
        ("Narnia", "en", None),
    ],
)
def test_resolve_country(typed: str, locale: str, code: str | None) -> None:
    assert resolve_country(typed, locale) == code


@pytest.mark.parametrize(
    ("typed", "locale", "code"),
    [
        ("English", "en", "en"),
        ("zho", "en", "zh"),
        ("中文", "zh_CN", "zh"),
        ("ES", "en", "es"),
        ("Elvish", "en", None),
    ],
)
def test_resolve_language(typed: str, locale: str, code: str | None) -> None:
    assert resolve_language(typed, locale) == code


def test_close_matches_are_suggested_for_typos() -> None:
    assert suggest_countries("Germny")[0] == "Germany (DE)"
    assert suggest_languages("Spansh")[0] == "Spanish (es)"
    assert suggest_timezones("Europe/Berln")[0] == "Europe/Berlin"
    assert suggest_countries("Chnia", "zh_CN")[0] == "中国 (CN)"


def test_names_follow_the_member_language() -> None:
    assert localized_country_name("DE", "zh_CN") == "德国"
    assert localized_country_name("DE", "en") == "Germany"
    assert localized_language_name("zh", "zh_CN") == "中文"
    assert localized_language_name("es", "en") == "Spanish"


def test_autocomplete_searches_rank_prefix_matches_first_and_stay_within_discord_limit() -> None:
    assert search_countries("ger")[0] == ("DE", "Germany (DE)")
    assert search_languages("eng")[0] == ("en", "English (en)")
    assert search_timezones("berl") == ["Europe/Berlin"]
    assert len(search_timezones("")) == 25
    assert len(search_languages("")) == 25
    assert resolve_timezone("asia/shanghai") == "Asia/Shanghai"
    assert resolve_timezone("Mars/Base") is None


LOCALES = ("en", "zh_CN")
TYPED = ("Germny", "Chna", "中国", "Spansh", "chin", "中文", "eng", "日本", "Japn", "fr", "Portugese")


@pytest.mark.parametrize("shown_in", LOCALES)
@pytest.mark.parametrize("typed_by", LOCALES)
def test_every_suggestion_is_accepted_when_typed_back_in_either_language(
    shown_in: str, typed_by: str
) -> None:
    checked = 0
    for typed in TYPED:
        for label in suggest_countries(typed, shown_in):
            assert resolve_country(label, typed_by) is not None, (label, typed_by)
            checked += 1
        for label in suggest_languages(typed, shown_in):
            assert resolve_language(label, typed_by) is not None, (label, typed_by)
            checked += 1
        for code, label in search_countries(typed, shown_in):
            assert resolve_country(label, typed_by) == code, (label, typed_by)
            assert resolve_country(code, typed_by) == code
            checked += 1
        for code, label in search_languages(typed, shown_in):
            assert resolve_language(label, typed_by) == code, (label, typed_by)
            assert resolve_language(code, typed_by) == code
            checked += 1
        for name in suggest_timezones(typed) + search_timezones(typed):
            assert resolve_timezone(name) == name
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("typed", ["中文", "汉语", "Chinese", "Chinese (zh)", "中文 (zh)", " zh "])
def test_chinese_is_accepted_from_an_english_member_too(typed: str) -> None:
    assert resolve_language(typed, "en") == "zh"


@pytest.mark.parametrize("typed", ["x" * 5000, "Europe/" * 20, "\u200b", "", "a\x00b", "../../etc/passwd"])
def test_impossible_time_zones_are_refused_without_an_error(typed: str) -> None:
    assert resolve_timezone(typed) is None

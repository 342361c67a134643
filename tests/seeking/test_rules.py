"""What a member may type for a post: every refusal says what to fix and quotes at most 50 characters."""

from __future__ import annotations

import pytest

from bot.inputs import InputError
from bot.seeking.rules import HOPE_MAX, check_filter, check_post
from bot.text import QUOTE_LIMIT


def test_a_post_reads_country_and_languages_in_any_language() -> None:
    checked = check_post(" Shanghai  Library ", "中国", "中文, English", " Books ", "An exchange", "en")
    assert (checked.library, checked.country, checked.languages) == ("Shanghai Library", "CN", ("zh", "en"))
    assert (checked.offer, checked.hope) == ("Books", "An exchange")


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("library", "x" * 5000, "too long"),
        ("library", "\u200b\u200b\u3164", "cannot be blank"),
        ("offer", "y" * 5000, "too long"),
        ("hope", "z" * (HOPE_MAX + 1), "too long"),
        ("offer", "\u200b \u2800", "offers in a few visible words"),
        ("country", "Atlantis", "not a country"),
        ("languages", "Klingonese", "not a language"),
    ],
)
def test_bad_fields_are_refused_with_a_short_quote(field: str, value: str, says: str) -> None:
    fields = {"library": "A Library", "country": "US", "languages": "en", "offer": "Books", "hope": "Visits"}
    fields[field] = value
    with pytest.raises(InputError) as refused:
        check_post(**fields, locale="en")
    rendered = refused.value.render()
    assert says in rendered
    quoted = refused.value.params.get("value", "")
    assert len(quoted) <= QUOTE_LIMIT + 20  # escaped markdown adds backslashes at most


def test_list_filters_take_one_language() -> None:
    assert check_filter("Germany", "German", "en").country == "DE"
    assert check_filter(None, "中文", "en").language == "zh"
    with pytest.raises(InputError, match="one language"):
        check_filter(None, "English, 中文", "en")

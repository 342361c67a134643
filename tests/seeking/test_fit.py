"""The fit rule: a shared language, another country, and what one offers meeting what the other
hopes for (or a hope both share). Pure functions: no database."""

from __future__ import annotations

import pytest

from bot.seeking.fit import MAX_FITS_PER_POST, PostTerms, best_fits, fit, keywords, terms


def post(user_id: int, country: str, languages: tuple[str, ...], offer: str, hope: str) -> PostTerms:
    return terms(user_id, country, languages, offer, hope)


US = post(1, "US", ("en",), "Children's storytime and a book exchange", "Picture books in Chinese")
CN = post(2, "CN", ("zh", "en"), "中文图画书 (picture books)", "英文图书交换")


def test_english_keywords_drop_common_words_and_plurals() -> None:
    found = keywords("We offer our libraries' books and workshops for the children")
    assert {"book", "workshop", "children", "topic:books", "topic:training", "topic:children"} <= found
    assert not {"we", "offer", "our", "the", "and", "for", "library"} & found


def test_chinese_keywords_are_two_character_runs_without_filler() -> None:
    found = keywords("我们希望交换图书，开展儿童活动")
    assert {"交换", "图书", "儿童", "活动", "topic:books", "topic:exchange", "topic:children"} <= found
    assert not {"我们", "希望", "们希", "望交"} & found


def test_topics_bridge_english_and_chinese() -> None:
    assert keywords("book exchange") & keywords("交换图书") == {"topic:books", "topic:exchange"}
    assert "topic:penpals" in keywords("a pen-pal programme") & keywords("笔友活动")
    assert keywords("children's storytime") & keywords("儿童故事") == {"topic:children", "topic:stories"}


def test_a_fit_needs_a_shared_language() -> None:
    french = post(3, "FR", ("fr",), "Picture books", "A book exchange")
    assert fit(US, french) is None
    assert fit(french, US) is None


def test_a_fit_needs_another_country() -> None:
    neighbour = post(3, "US", ("en",), "Picture books in Chinese", "A book exchange")
    assert fit(US, neighbour) is None


def test_a_fit_needs_overlapping_hopes_and_offers() -> None:
    unrelated = post(3, "GH", ("en",), "Football coaching", "Solar panels")
    assert fit(US, unrelated) is None
    found = fit(US, CN)
    assert found is not None
    assert found.shared_languages == ("en",)
    assert "topic:books" in found.they_offer_what_you_hope  # their picture books, our hope
    assert "topic:exchange" in found.you_offer_what_they_hope  # our book exchange, their hope


def test_a_shared_hope_is_a_fit_too() -> None:
    a = post(3, "GH", ("en",), "Football coaching", "Digital archives training")
    b = post(4, "KE", ("en",), "Solar panels", "Training on digital archives")
    found = fit(a, b)
    assert found is not None
    assert "topic:archives" in found.shared_hopes
    assert not found.they_offer_what_you_hope


def test_the_same_member_never_fits_themselves() -> None:
    same = post(1, "CN", ("en",), "Picture books in Chinese", "A book exchange")
    assert fit(US, same) is None


@pytest.mark.parametrize("limit", [1, MAX_FITS_PER_POST])
def test_best_fits_are_capped_and_ordered_by_what_is_shared(limit: int) -> None:
    weak = post(3, "GH", ("en",), "Football", "Picture books")
    strong = post(4, "KE", ("en",), "Picture books in Chinese", "A book exchange and storytime")
    others = [weak, strong] + [post(10 + i, "IN", ("en",), "Books", "Storytime") for i in range(10)]
    found = best_fits(US, others, limit=limit)
    assert len(found) == limit
    assert found[0][0] == strong


def test_hostile_text_gives_no_keywords_but_does_not_fail() -> None:
    assert keywords("\u200b\u200b @everyone <@123> **__~~") <= {"everyone"}
    assert len(keywords("书" * 5000)) <= 2

"""Canonical URLs and the links found in a message, as tables of what members paste."""

from __future__ import annotations

import pytest

from bot.articles.errors import UrlError
from bot.articles.urls import MAX_URL_LENGTH, canonical_url, find_urls


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.com/a", "https://example.com/a"),
        ("  https://example.com/a \n", "https://example.com/a"),
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("https://example.com", "https://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?utm_source=x&utm_medium=y&UTM_Campaign=z&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=1&gclid=2&msclkid=3&yclid=4&igshid=5", "https://example.com/a"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&ref_src=3&_hsenc=4&_hsmi=5&p=1", "https://example.com/a?p=1"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/%7euser/%2f%e4%b8%ad", "https://example.com/~user/%2F%E4%B8%AD"),
        ("https://example.com/中文?q=图书馆", "https://example.com/%E4%B8%AD%E6%96%87?q=%E5%9B%BE%E4%B9%A6%E9%A6%86"),
        # A query typed in GBK stays the same bytes: decoding it as UTF-8 would merge distinct pages.
        ("https://example.com/s?q=%B0%A1", "https://example.com/s?q=%B0%A1"),
        ("https://Bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://图书馆.中国/", "https://xn--1jq52s681d.xn--fiqs8s/"),
        # As browsers resolve them (IDNA 2008): "ß" is its own letter, full-width letters fold.
        ("https://straße.example/", "https://xn--strae-oqa.example/"),
        ("https://ＥＸＡＭＰＬＥ.com/", "https://example.com/"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("http://[2001:0DB8:0:0:0:0:0:1]/x", "http://[2001:db8::1]/x"),
        ("http://192.0.2.7:8080/", "http://192.0.2.7:8080/"),
        (
            "https://mp.weixin.qq.com/s?__biz=MzA5&mid=2651&idx=1&sn=ab12&chksm=8b&scene=21#wechat_redirect",
            "https://mp.weixin.qq.com/s?__biz=MzA5&idx=1&mid=2651&sn=ab12",
        ),
    ],
)
def test_canonical_url(text, expected):
    assert canonical_url(text) == expected


def test_the_same_article_spelled_many_ways_is_one_url():
    spellings = [
        "https://news.example.org/story?id=3",
        "HTTPS://NEWS.example.org:443/story?id=3#comments",
        "https://news.example.org/./story?utm_source=newsletter&id=3&fbclid=x",
        "https://news.example.org/story?id=3&",
    ]
    assert {canonical_url(text) for text in spellings} == {"https://news.example.org/story?id=3"}


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("", "empty", {}),
        ("   ", "empty", {}),
        ("ftp://example.com/file", "scheme", {"scheme": "ftp"}),
        ("javascript:alert(1)", "scheme", {"scheme": "javascript"}),
        ("file:///etc/passwd", "scheme", {"scheme": "file"}),
        ("example.com/article", "scheme", {"scheme": ""}),
        ("https://user:secret@example.com/", "credentials", {}),
        ("https://user@example.com/", "credentials", {}),
        ("https:///path-only", "no_host", {}),
        ("https://example.com:0/", "bad_port", {}),
        ("https://example.com:99999/", "bad_port", {}),
        ("https://example.com:http/", "bad_port", {}),
        ("https://-bad-.example/", "bad_host", {}),
        ("https://a..b/", "bad_host", {}),
        ("https://exa$mple.com/", "bad_host", {}),
        ("https://[fe80::1%25eth0]/", "bad_host", {}),
        ("https://exa mple.com/", "not_a_url", {}),
        ("https://example.com/\x00", "not_a_url", {}),
        ("https://[::1/", "not_a_url", {}),
        ("https://example.com/" + "a" * MAX_URL_LENGTH, "too_long", {"limit": MAX_URL_LENGTH}),
        # Short as typed, too long once each character is percent-encoded.
        ("https://example.com/" + "中" * 700, "too_long", {"limit": MAX_URL_LENGTH}),
    ],
)
def test_refused_links_name_the_problem(text, code, params):
    with pytest.raises(UrlError) as caught:
        canonical_url(text)
    assert caught.value.code == code
    assert caught.value.params == params


def test_longest_link_allowed_is_accepted():
    text = "https://example.com/" + "a" * (MAX_URL_LENGTH - len("https://example.com/"))
    assert canonical_url(text) == text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("no links here", []),
        ("read https://example.com/a now", ["https://example.com/a"]),
        ("read https://example.com/a.", ["https://example.com/a"]),
        ("(see https://example.com/a)", ["https://example.com/a"]),
        ("https://en.example.org/wiki/Library_(building)", ["https://en.example.org/wiki/Library_(building)"]),
        ("suppressed <https://example.com/quiet>", ["https://example.com/quiet"]),
        ("[our post](https://example.com/post)", ["https://example.com/post"]),
        ("[our post](<https://example.com/post>)", ["https://example.com/post"]),
        ("spoiler ||https://example.com/end||", ["https://example.com/end"]),
        ("escaped https://example.com/a\\_b\\_c", ["https://example.com/a_b_c"]),
        ("`https://example.com/code` and https://example.com/real", ["https://example.com/real"]),
        ("```\nhttps://example.com/block\n```", []),
        (
            "https://example.com/a?utm_source=x https://EXAMPLE.com/a#top https://example.com/b",
            ["https://example.com/a", "https://example.com/b"],
        ),
        ("ftp://example.com/a and https://user:pw@example.com/ are not shared", []),
        ("两个链接：https://example.com/中文，以及 https://example.org/x", None),
    ],
)
def test_find_urls(message, expected):
    found = find_urls(message)
    if expected is None:
        # Full-width punctuation is part of a URL to Discord too; only the second link is clean.
        assert found[-1] == "https://example.org/x"
        assert len(found) == 2
    else:
        assert found == expected

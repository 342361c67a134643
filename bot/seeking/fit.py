"""When two seeking posts fit: a shared language, different countries, and overlapping hopes and
offers. Pure functions, no database and no Discord.

The pen-pal scorer (:mod:`bot.pairing`) compares interests as whole tags typed from a list; a post's
offer and hope are free text in English or Chinese. So the overlap here is on keywords: English
words (lower-cased, plural "s" dropped, common words left out), Chinese two-character runs (Chinese
has no spaces to split on), and a small bilingual list of library topics, so "book exchange" meets
"交换图书" and "children's programmes" meets "儿童活动".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# What makes a post fit another, at least: one keyword in common between what one offers and the
# other hopes for (either way), or between both hopes (a common goal).
MIN_OVERLAP = 1
# A new post tells its poster (and each other poster) about its best fits only, so one post in a
# busy server cannot send a flood of messages.
MAX_FITS_PER_POST = 5

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


_ENGLISH_STOP = _listed(
    """
    a about after all also an and any are as at be been but by can could do for from get give
    have her his how in into is it its just like more most much my new no not of on one or other
    our out over own per same share sharing so some such than that the their them then there
    these they this those through to too up us very via want was we well were what when where
    which who will with would you your offer offers offering hope hopes hoping looking look seek
    seeking sister sisters library libraries partner partners partnership find love help ideas
    idea way ways each both
    """
)
# Two-character runs that say nothing about the topic ("we", "hope", "offer", "library"...).
_CHINESE_STOP = _listed(
    """
    我们 你们 他们 希望 可以 提供 能够 一些 一个 以及 还有 非常 欢迎 寻找 需要 愿意 我馆 本馆
    图书馆 书馆 姐妹 合作 伙伴 进行 相关 之间 通过 其他 方面 不同 更多 很多 一起 共同 我们的
    """
)
# Function characters that never start or end a topic word: runs are split on them.
_CHINESE_BREAKS = re.compile("[的了和与及在是等或也并把被让给为对向从很都就还要]")

# Library topics in both languages: any of these words counts as the topic itself.
_TOPICS: dict[str, tuple[str, ...]] = {
    "books": ("book", "books", "图书", "书籍", "藏书", "读物"),
    "exchange": ("exchange", "swap", "交换", "交流", "互换"),
    "children": (
        "child",
        "children",
        "kid",
        "kids",
        "儿童",
        "少儿",
        "孩子",
        "青少年",
        "youth",
        "teen",
        "teens",
    ),
    "reading": ("reading", "阅读", "读书"),
    "visit": ("visit", "visits", "exchange visit", "访问", "参观", "互访", "来访"),
    "staff": ("staff", "librarian", "librarians", "馆员", "员工"),
    "training": ("training", "workshop", "workshops", "培训", "研讨"),
    "digital": ("digital", "digitisation", "digitization", "数字", "数字化"),
    "archives": ("archive", "archives", "档案"),
    "language": ("language", "languages", "语言", "外语"),
    "culture": ("culture", "cultural", "文化"),
    "events": ("event", "events", "programme", "programmes", "program", "programs", "活动"),
    "stories": ("story", "stories", "storytelling", "storytime", "故事"),
    "translation": ("translation", "translate", "翻译"),
    "research": ("research", "研究"),
    "technology": ("technology", "tech", "技术", "科技"),
    "history": ("history", "heritage", "历史", "地方史"),
    "exhibitions": ("exhibition", "exhibitions", "展览"),
    "donation": ("donation", "donations", "donate", "捐赠", "捐书"),
    "music": ("music", "音乐"),
    "art": ("art", "arts", "艺术"),
    "games": ("game", "games", "游戏"),
    "students": ("student", "students", "学生"),
    "makerspace": ("maker", "makerspace", "创客"),
    "penpals": ("penpal", "penpals", "pen-pal", "letters", "letter", "笔友", "书信"),
    "video": ("video", "videos", "online", "zoom", "视频", "线上", "在线"),
}
_TOPIC_OF: dict[str, str] = {word: topic for topic, words in _TOPICS.items() for word in words}


@dataclass(frozen=True)
class PostTerms:
    """What the fit rule reads of a post."""

    user_id: int
    country: str
    languages: frozenset[str]
    offer: frozenset[str]
    hope: frozenset[str]


@dataclass(frozen=True)
class Fit:
    """Why two posts fit; ``score`` orders fits (more in common first)."""

    shared_languages: tuple[str, ...]
    they_offer_what_you_hope: frozenset[str]
    you_offer_what_they_hope: frozenset[str]
    shared_hopes: frozenset[str]

    @property
    def score(self) -> int:
        return (
            2 * len(self.they_offer_what_you_hope | self.you_offer_what_they_hope)
            + len(self.shared_hopes)
            + len(self.shared_languages)
        )


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def keywords(text: str) -> frozenset[str]:
    """The words of ``text`` that say what it is about, with library topics as ``topic:NAME``."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("'s", "")
    found: set[str] = set()
    for topic, words in _TOPICS.items():
        if any(not word.isalpha() and word in folded for word in words):
            found.add(f"topic:{topic}")
    chinese = _CHINESE_BREAKS.sub(" ", folded)
    for stop in sorted(_CHINESE_STOP, key=len, reverse=True):
        chinese = chinese.replace(stop, " ")
    for run in _HAN.findall(folded):
        for topic_word, topic in _TOPIC_OF.items():
            if _HAN.fullmatch(topic_word) and topic_word in run:
                found.add(f"topic:{topic}")
    for run in _HAN.findall(chinese):
        for index in range(len(run) - 1):
            pair = run[index : index + 2]
            if pair not in _CHINESE_STOP:
                found.add(pair)
    for word in _WORD.findall(_HAN.sub(" ", folded)):
        if len(word) < 3 or word in _ENGLISH_STOP:
            continue
        topic = _TOPIC_OF.get(word) or _TOPIC_OF.get(_stem(word))
        if topic is not None:
            found.add(f"topic:{topic}")
        found.add(_stem(word))
    return frozenset(found)


def terms(user_id: int, country: str, languages: Iterable[str], offer: str, hope: str) -> PostTerms:
    return PostTerms(
        user_id=user_id,
        country=country.upper(),
        languages=frozenset(code.lower() for code in languages),
        offer=keywords(offer),
        hope=keywords(hope),
    )


def fit(mine: PostTerms, theirs: PostTerms) -> Fit | None:
    """How ``theirs`` fits ``mine``, or None: the same member, no shared language, the same
    country, or nothing in common between what one offers and the other hopes for."""
    if mine.user_id == theirs.user_id or mine.country == theirs.country:
        return None
    shared = tuple(sorted(mine.languages & theirs.languages))
    if not shared:
        return None
    found = Fit(
        shared_languages=shared,
        they_offer_what_you_hope=theirs.offer & mine.hope,
        you_offer_what_they_hope=mine.offer & theirs.hope,
        shared_hopes=mine.hope & theirs.hope,
    )
    overlap = found.they_offer_what_you_hope | found.you_offer_what_they_hope | found.shared_hopes
    return found if len(overlap) >= MIN_OVERLAP else None


def best_fits(
    mine: PostTerms, others: Sequence[PostTerms], limit: int = MAX_FITS_PER_POST
) -> list[tuple[PostTerms, Fit]]:
    """The posts that fit ``mine``, best first (ties: the older post, i.e. the order given)."""
    found = [(other, match) for other in others if (match := fit(mine, other)) is not None]
    found.sort(key=lambda pair: -pair[1].score)  # stable: earlier posts win ties
    return found[:limit]

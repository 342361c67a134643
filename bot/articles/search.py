"""Full-text search over a server's articles, ranked, on SQLite (FTS5) and PostgreSQL.

SQLite reads the ``articles_fts`` FTS5 table (``trigram`` tokenizer: any substring of three or
more characters matches, which is what Chinese needs) and ranks by BM25's term-frequency and
length parts (see :func:`_sqlite_rank`). PostgreSQL matches
words with a stored ``tsvector`` column and substrings with ``pg_trgm`` (both indexed, see
:mod:`bot.articles.models`) and ranks by ``ts_rank``. Terms shorter than
three characters cannot use a trigram index: on SQLite they narrow the indexed match or are
scanned for alone; on PostgreSQL such a query is a substring scan, newest first.

A search ranks at most :data:`CANDIDATES` matches, the most recently stored ones, and counts no
further (a list then says "1,000+"): a word in every third article of 100,000 is answered from
its newest 1,000 matches instead of ranking and counting 30,000.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)

from bot.articles.models import Article, ArticleTag

MAX_TERMS = 8
# How many matches a search ranks and counts at most: the most recently stored ones.
CANDIDATES = 1000
_FTS = table("articles_fts", column("rowid"), column("rank"))
_SIMPLE = literal_column("'simple'::regconfig")
# asyncpg prepares each statement; from the sixth run PostgreSQL may plan it once for any words,
# blind to how common they are, and read the whole primary key in parallel workers (80 ms instead
# of 10 here). Planned for the words at hand, each search stays on the plan that suits them.
_POSTGRES_SETUP = ("SET LOCAL plan_cache_mode = force_custom_plan",)
# ``to_tsvector('simple', search_text)`` stored by PostgreSQL (see bot.articles.models), not mapped.
_VECTOR = literal_column("articles.articles_fts_vector")
# BM25's usual constants (FTS5's own): how fast repeats of a word stop counting, and how much a
# long text is discounted.
_K1 = 1.2
_B = 0.75


def search_text(article: Article, tags: Sequence[str]) -> str:
    """What the search indexes read for ``article``: its words and the member's, in one string."""
    parts = (article.title, article.description, article.site_name, article.note, " ".join(tags))
    return "\n".join(part for part in parts if part)


def terms(query: str) -> list[str]:
    """The query's words, at most :data:`MAX_TERMS` of them, duplicates dropped."""
    seen: dict[str, None] = {}
    for word in query.split():
        seen.setdefault(word.casefold(), None)
    return list(seen)[:MAX_TERMS]


@dataclass(frozen=True)
class Search:
    """A search, bounded: at most ``limit`` matches are ranked, found in a cheap order first.

    ``matches`` holds the matching articles' ids in that cheap order (the most recently stored
    first when a rank follows, else the newest first); ``rank`` reads, from the first ``limit``
    of them, a rank where lower is better (by default their ``rank`` column). Counting and
    ranking read only those first rows, so a common word costs the same over 1,000 articles as
    over a million.
    """

    matches: Select[Any]
    cheap_order: tuple[ColumnElement[Any], ...]
    limit: int
    newest: bool  # the cheap order is the newest first (else the most recently stored first)
    # Statements to run first in the same transaction.
    setup: tuple[str, ...] = ()
    rank: Callable[[Subquery], ColumnElement[Any]] = lambda found: found.c.rank

    def page(self, offset: int, size: int) -> Select[tuple[Article, int]]:
        """Articles ``offset`` to ``offset + size`` of the first ``limit`` matches, best first, each
        with how many matched (up to ``limit + 1``: more than ``limit`` shows as "1,000+").

        One statement: the matches are found once, then counted and ranked."""
        found = self.matches.order_by(*self.cheap_order).limit(self.limit + 1).subquery("found")
        cheap = (found.c.created_at.desc(), found.c.id.desc()) if self.newest else (found.c.id.desc(),)
        numbered = select(
            found.c.id,
            found.c.created_at,
            self.rank(found).label("rank"),
            func.count().over().label("total"),
            func.row_number().over(order_by=cheap).label("position"),
        ).subquery("numbered")
        return (
            select(Article, numbered.c.total)
            .join(numbered, Article.id == numbered.c.id)
            .where(numbered.c.position <= self.limit)
            .order_by(numbered.c.rank, numbered.c.created_at.desc(), numbered.c.id.desc())
            .limit(size)
            .offset(offset)
        )

    def count(self) -> Select[tuple[int]]:
        """How many match, up to ``limit + 1``: asked only for a page past the last match."""
        found = self.matches.order_by(*self.cheap_order).limit(self.limit + 1).subquery()
        return select(func.count()).select_from(found)


def matching(
    query: Select[tuple[Article]],
    dialect: str,
    words: Sequence[str],
    *,
    tag: str | None = None,
    language: str | None = None,
    limit: int = CANDIDATES,
) -> Search:
    """``query`` narrowed to articles matching every word (and tag, language), best first."""
    if tag is not None:
        query = query.where(Article.id.in_(select(ArticleTag.article_id).where(ArticleTag.tag == tag)))
    if language is not None:
        query = query.where(
            or_(Article.language == language, Article.language.like(f"{_escape(language)}-%", escape="\\"))
        )
    if dialect == "postgresql":
        return _postgres(query, words, limit)
    return _sqlite(query, words, limit)


def _newest(query: Select[tuple[Article]], limit: int, setup: tuple[str, ...] = ()) -> Search:
    """Matches without a rank (no indexable word): the newest first."""
    columns = query.with_only_columns(
        Article.id.label("id"), Article.created_at.label("created_at"), literal(0).label("rank")
    )
    return Search(columns, (Article.created_at.desc(), Article.id.desc()), limit, True, setup)


def _sqlite(query: Select[tuple[Article]], words: Sequence[str], limit: int) -> Search:
    long_words = [word for word in words if len(word) >= 3]
    short = [_contains(word) for word in words if len(word) < 3]
    if not long_words:
        return _newest(query.where(*short), limit)
    phrase = " ".join('"' + word.replace('"', '""') + '"' for word in long_words)
    # FTS5 hands out its matches in rowid order, newest stored first with DESC: LIMIT stops it.
    # The unary ``+`` hides the rowid from FTS5 as a lookup key: without it SQLite may walk the
    # server's articles and run the full-text query once for each.
    rowid = literal_column("articles_fts.rowid")
    folded = func.lower(Article.search_text)
    counts = [
        func.max(1, (func.length(folded) - func.length(func.replace(folded, literal(word), ""))) / len(word))
        .label(f"tf{index}")
        for index, word in enumerate(words)
    ]
    matches = (
        query.join(_FTS, Article.id == literal_column("+articles_fts.rowid"))
        .where(literal_column("articles_fts").op("MATCH")(phrase), *short)
        .with_only_columns(
            Article.id.label("id"),
            Article.created_at.label("created_at"),
            func.length(Article.search_text).label("length"),
            *counts,
        )
    )
    return Search(matches, (rowid.desc(),), limit, False, rank=lambda found: _sqlite_rank(found, len(words)))


def _sqlite_rank(found: Subquery, words: int) -> ColumnElement[Any]:
    """BM25 of the candidates in ``found`` without the words' rarity, lower is better.

    Every candidate holds every word, so rarity only weighs one word's repeats against
    another's; FTS5's ``bm25()`` would learn it by reading each word's every match in the whole
    index, most of a common word's search. Repeats are counted in the text as SQLite lower-cases
    it (ASCII letters; a match FTS5 found by folding other letters counts once), and lengths in
    characters, against the candidates' average."""
    average = func.avg(found.c.length).over()
    norm = _K1 * (1 - _B + _B * found.c.length / func.max(average, 1))
    score = None
    for index in range(words):
        count = found.c[f"tf{index}"]
        part = count * (_K1 + 1) / (count + norm)
        score = part if score is None else score + part
    assert score is not None
    return -score


def _postgres(query: Select[tuple[Article]], words: Sequence[str], limit: int) -> Search:
    if not words:
        return _newest(query, limit, _POSTGRES_SETUP)
    contains_all = and_(*(_contains(word) for word in words))
    if any(len(word) < 3 for word in words):
        # Too short for trigrams: a scan by substring, which stops at the newest matches.
        return _newest(query.where(contains_all), limit, _POSTGRES_SETUP)
    vector = _VECTOR
    tsquery = func.plainto_tsquery(_SIMPLE, " ".join(words))
    # Latin words match as words; Chinese runs have no spaces, so substrings (both indexed).
    # Read backwards along the primary key, the newest stored matches come first and ts_rank is
    # computed for those only (a bitmap scan of the indexes when the words are rare).
    found = or_(vector.op("@@")(tsquery), contains_all)
    matches = query.where(found).with_only_columns(
        Article.id.label("id"),
        Article.created_at.label("created_at"),
        (-func.ts_rank(vector, tsquery)).label("rank"),
    )
    return Search(matches, (Article.id.desc(),), limit, False, _POSTGRES_SETUP)


def _contains(word: str) -> ColumnElement[bool]:
    return Article.search_text.ilike(f"%{_escape(word)}%", escape="\\")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

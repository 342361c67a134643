"""Full-text search over a server's articles, ranked, on SQLite (FTS5) and PostgreSQL.

SQLite reads the ``articles_fts`` FTS5 table (``trigram`` tokenizer: any substring of three or
more characters matches, which is what Chinese needs) and ranks by BM25. PostgreSQL matches
words with a stored ``tsvector`` column and substrings with ``pg_trgm`` (both indexed, see
:mod:`bot.articles.models`) and ranks by ``ts_rank``. Terms shorter than
three characters cannot use a trigram index: on SQLite they narrow the indexed match or are
scanned for alone; on PostgreSQL such a query is a substring scan, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, or_, select, table

from bot.articles.models import Article, ArticleTag

MAX_TERMS = 8
_FTS = table("articles_fts", column("rowid"), column("rank"))
_SIMPLE = literal_column("'simple'::regconfig")
# ``to_tsvector('simple', search_text)`` stored by PostgreSQL (see bot.articles.models), not mapped.
_VECTOR = literal_column("articles.articles_fts_vector")


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


def matching(
    query: Select[tuple[Article]],
    dialect: str,
    words: Sequence[str],
    *,
    tag: str | None = None,
    language: str | None = None,
) -> Select[tuple[Article]]:
    """``query`` narrowed to articles matching every word (and tag, language), best first."""
    if tag is not None:
        query = query.where(Article.id.in_(select(ArticleTag.article_id).where(ArticleTag.tag == tag)))
    if language is not None:
        query = query.where(
            or_(Article.language == language, Article.language.like(f"{_escape(language)}-%", escape="\\"))
        )
    if not words:
        return query.order_by(Article.created_at.desc(), Article.id.desc())
    if dialect == "postgresql":
        return _postgres(query, words)
    return _sqlite(query, words)


def _sqlite(query: Select[tuple[Article]], words: Sequence[str]) -> Select[tuple[Article]]:
    long_words = [word for word in words if len(word) >= 3]
    short = [_contains(word) for word in words if len(word) < 3]
    if not long_words:
        return query.where(and_(*short)).order_by(Article.created_at.desc(), Article.id.desc())
    phrase = " ".join('"' + word.replace('"', '""') + '"' for word in long_words)
    # Joined directly (no subquery) so that the count of matches never computes BM25, which only
    # the page's ORDER BY asks for. The unary ``+`` hides the rowid from FTS5 as a lookup key: without
    # it SQLite may walk the server's articles and run the full-text query once for each.
    return (
        query.join(_FTS, Article.id == literal_column("+articles_fts.rowid"))
        .where(literal_column("articles_fts").op("MATCH")(phrase), *short)
        .order_by(_FTS.c.rank, Article.created_at.desc(), Article.id.desc())
    )


def _postgres(query: Select[tuple[Article]], words: Sequence[str]) -> Select[tuple[Article]]:
    contains_all = and_(*(_contains(word) for word in words))
    if any(len(word) < 3 for word in words):
        # Too short for trigrams: a scan by substring, where ranking every row would cost more
        # than the search; newest first.
        return query.where(contains_all).order_by(Article.created_at.desc(), Article.id.desc())
    vector = _VECTOR
    tsquery = func.plainto_tsquery(_SIMPLE, " ".join(words))
    # Latin words match as words; Chinese runs have no spaces, so substrings (both indexed).
    found = or_(vector.op("@@")(tsquery), contains_all)
    rank = func.ts_rank(vector, tsquery)
    return query.where(found).order_by(rank.desc(), Article.created_at.desc(), Article.id.desc())


def _contains(word: str) -> ColumnElement[bool]:
    return Article.search_text.ilike(f"%{_escape(word)}%", escape="\\")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

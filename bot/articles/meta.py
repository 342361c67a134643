"""What a shared page says about itself: title, description, site, language, image, canonical link.

OpenGraph first, then Twitter cards, then plain HTML, read with a real HTML parser (selectolax,
the Lexbor engine). The text is decoded as a browser would: the byte order mark, the
Content-Type charset, a ``<meta charset>`` near the top, and only then a guess
(charset-normalizer), so GBK/GB18030 and Big5 pages read right with or without a header. Labels
follow the WHATWG Encoding Standard: "gb2312" and "gbk" mean GB18030, "big5" means Big5-HKSCS,
"iso-8859-1" means windows-1252.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import charset_normalizer
from selectolax.lexbor import LexborHTMLParser

from bot import text
from bot.articles.errors import UrlError
from bot.articles.fetch import FetchRefusal, fetch_page
from bot.articles.urls import MAX_URL_LENGTH, canonical_url

TITLE_LIMIT = text.EMBED_TITLE
DESCRIPTION_LIMIT = text.EMBED_FIELD_VALUE
SITE_NAME_LIMIT = text.EMBED_AUTHOR
# Where a <meta charset> may stand; the standard says 1024 bytes, long heads put it later.
META_CHARSET_WINDOW = 8192
# How much of the first non-ASCII text the guess reads: enough to be right, quick on 1 MB.
DETECTION_SAMPLE = 64 * 1024

_ENCODING_LABELS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "csgb2312": "gb18030",
    "chinese": "gb18030", "iso-ir-58": "gb18030", "gb_2312-80": "gb18030", "gb_2312": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cn-big5": "big5hkscs", "csbig5": "big5hkscs",
    "x-x-big5": "big5hkscs", "cp950": "big5hkscs",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252",
    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8",  # a meta tag cannot mean these
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")

_TITLE_KEYS = ("og:title", "twitter:title")
_DESCRIPTION_KEYS = ("og:description", "twitter:description", "description")
_SITE_KEYS = ("og:site_name", "application-name")
_IMAGE_KEYS = ("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src")


@dataclass(frozen=True)
class PageMeta:
    url: str
    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    language: str | None = None
    image_url: str | None = None
    # The page's own canonical link, kept only when it names the same host: a page must not
    # claim to be another site's article, which would steal that article's shares.
    canonical_url: str | None = None
    encoding: str | None = None


def page_metadata(html_bytes: bytes, content_type: str | None, url: str) -> PageMeta:
    """The metadata of the page ``url`` whose body is ``html_bytes`` and whose Content-Type header
    is ``content_type``. CPU work on up to a megabyte: from the event loop, call :func:`read_page`
    or run this in a thread."""
    encoding = page_encoding(html_bytes, content_type)
    tree = LexborHTMLParser(html_bytes.decode(encoding, errors="replace"))
    metas: dict[str, str] = {}
    for node in tree.css("meta"):
        key = (node.attributes.get("property") or node.attributes.get("name") or "").strip().lower()
        content = node.attributes.get("content")
        if key and content and key not in metas:
            metas[key] = content
        equiv = (node.attributes.get("http-equiv") or "").strip().lower()
        if equiv and content and f"http-equiv:{equiv}" not in metas:
            metas[f"http-equiv:{equiv}"] = content
    base = _base_url(tree, url)
    title_node = tree.css_first("title")
    title = _first(metas, _TITLE_KEYS) or (title_node.text() if title_node is not None else None)
    html_node = tree.css_first("html")
    languages = [
        html_node.attributes.get("lang") if html_node is not None else None,
        metas.get("og:locale"),
        metas.get("http-equiv:content-language"),
    ]
    image = _first(metas, _IMAGE_KEYS) or _link_href(tree, "image_src")
    return PageMeta(
        url=url,
        title=_clean(title, TITLE_LIMIT),
        description=_clean(_first(metas, _DESCRIPTION_KEYS), DESCRIPTION_LIMIT),
        site_name=_clean(_first(metas, _SITE_KEYS), SITE_NAME_LIMIT),
        language=next((tag for tag in map(language_tag, languages) if tag), None),
        image_url=_absolute_http_url(image, base),
        canonical_url=_same_host_canonical(_link_href(tree, "canonical"), base, url),
        encoding=encoding,
    )


async def read_page(url: str, **fetch_options: Any) -> PageMeta | FetchRefusal:
    """Fetch ``url`` safely (see :func:`bot.articles.fetch.fetch_page`) and read its metadata in a
    thread, so neither the network nor the parsing holds up the event loop."""
    result = await fetch_page(url, **fetch_options)
    if isinstance(result, FetchRefusal):
        return result
    content_type = result.content_type + (f"; charset={result.charset}" if result.charset else "")
    return await asyncio.to_thread(page_metadata, result.body, content_type, result.url)


def page_encoding(body: bytes, content_type: str | None) -> str:
    """The Python codec to decode ``body`` with, decided as a browser would (see the module doc)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name + ("-sig" if name == "utf-8" else "")
    declared = _charset_parameter(content_type)
    if declared:
        return declared
    match = _META_CHARSET.search(body, 0, META_CHARSET_WINDOW)
    if match:
        declared = codec_for_label(match.group(1).decode("ascii"))
        if declared:
            return declared
    return _guess(body)


def codec_for_label(label: str) -> str | None:
    """The Python codec for a charset label, by the WHATWG names; None for a label nobody knows."""
    label = label.strip().strip("\"'").lower()
    if label in _ENCODING_LABELS:
        return _ENCODING_LABELS[label]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def language_tag(value: str | None) -> str | None:
    """A BCP 47 language tag in its usual case ("zh-CN", "zh-Hant-TW"), or None if ``value`` is not one."""
    if not value:
        return None
    candidate = value.split(",")[0].strip().replace("_", "-")
    if not _LANGUAGE.match(candidate) or len(candidate) > 35:
        return None
    first, *rest = candidate.split("-")
    parts = [first.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())
        else:
            parts.append(part.lower())
    return "-".join(parts)


def _charset_parameter(content_type: str | None) -> str | None:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return codec_for_label(value)
    return None


def _guess(body: bytes) -> str:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        # A body cut at the size cap may end inside a character; the rest still counts as UTF-8.
        if error.reason == "unexpected end of data" and error.start >= len(body) - 3:
            return "utf-8"
    else:
        return "utf-8"
    # Markup and scripts are ASCII in every encoding here: read the text where it starts.
    start = next((index for index, byte in enumerate(body) if byte >= 0x80), 0)
    best = charset_normalizer.from_bytes(body[start : start + DETECTION_SAMPLE]).best()
    if best is None:
        return "utf-8"
    return codec_for_label(best.encoding) or "utf-8"


def _first(metas: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((metas[key] for key in keys if metas.get(key, "").strip()), None)


def _link_href(tree: LexborHTMLParser, rel: str) -> str | None:
    for node in tree.css("link[rel][href]"):
        if rel in (node.attributes.get("rel") or "").lower().split():
            return node.attributes.get("href")
    return None


def _base_url(tree: LexborHTMLParser, url: str) -> str:
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    return _absolute_http_url(href, url) or url


def _absolute_http_url(href: str | None, base: str) -> str | None:
    if not href or not href.strip():
        return None
    absolute = urljoin(base, href.strip())
    if urlsplit(absolute).scheme not in {"http", "https"} or len(absolute) > MAX_URL_LENGTH:
        return None
    return absolute


def _same_host_canonical(href: str | None, base: str, url: str) -> str | None:
    absolute = _absolute_http_url(href, base)
    if absolute is None:
        return None
    try:
        canonical = canonical_url(absolute)
        page = canonical_url(url)
    except UrlError:
        return None
    if _bare_host(canonical) != _bare_host(page):
        return None
    return canonical


def _bare_host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    # A site's mobile and "www" names are the same site; any other subdomain may be someone else's.
    for prefix in ("www.", "m."):
        host = host.removeprefix(prefix)
    return host


def _clean(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    line = text.single_line(value)
    if not text.has_visible_text(line):
        return None
    return text.fit(line, limit)

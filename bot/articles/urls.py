"""One spelling per article: canonical URLs, so the same page shared twice is found again.

``w3lib`` (Scrapy's URL library) does the hard, well-tested part: IDNA hosts, percent-encoding
case, dot segments, sorted query parameters, no fragment. Added here is what it leaves alone:
the http(s)-only rule, credentials, default ports, length, and the tracking parameters that make
one article look like many.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote, urlsplit, urlunsplit

import idna
from w3lib.url import canonicalize_url

from bot.articles.errors import UrlError

MAX_URL_LENGTH = 2048
SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that say who sent the reader, never which page they read. Compared lower-case.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "ref_src", "ref_url", "_hsenc", "_hsmi",
        "__hstc", "__hssc", "__hsfp", "hsctatracking", "mkt_tok", "_ga", "_gl", "oly_anon_id",
        "oly_enc_id", "vero_id", "vero_conv", "wickedid", "s_cid", "spm", "share_source",
    }
)
TRACKING_PREFIXES = ("utm_",)
# WeChat articles carry a dozen session and share parameters; these four name the article.
SITE_KEEPS_ONLY = {"mp.weixin.qq.com": frozenset({"__biz", "mid", "idx", "sn"})}

_HOST = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")


def canonical_url(text: str) -> str:
    """The one spelling of the link in ``text``, or :class:`UrlError` saying what is wrong.

    Lower-case scheme and host, IDNA host, no default port, no fragment, no tracking parameters,
    the other parameters sorted, the path normalised. Only ``http`` and ``https`` links with a
    host and without credentials, at most ``MAX_URL_LENGTH`` characters before and after. A link
    without a scheme is refused rather than guessed: the member adds ``https://``.
    """
    text = text.strip()
    if not text:
        raise UrlError("empty")
    if len(text) > MAX_URL_LENGTH:
        raise UrlError("too_long", limit=MAX_URL_LENGTH)
    if any(ord(char) < 0x20 or char.isspace() for char in text):
        raise UrlError("not_a_url")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
    except ValueError as error:
        raise UrlError("not_a_url") from error
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UrlError("scheme", scheme=scheme)
    if "@" in parts.netloc:
        raise UrlError("credentials")
    if not host:
        raise UrlError("no_host")
    try:
        port = parts.port
    except ValueError as error:
        raise UrlError("bad_port") from error
    if port == 0:
        raise UrlError("bad_port")
    host = _checked_host(host)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = _without_tracking(parts.query, host)
    try:
        result = canonicalize_url(urlunsplit((scheme, netloc, parts.path, query, "")))
    except (ValueError, UnicodeError) as error:
        raise UrlError("not_a_url") from error
    # An encoded path can be three times the typed one: the limit holds for what is stored.
    if len(result) > MAX_URL_LENGTH:
        raise UrlError("too_long", limit=MAX_URL_LENGTH)
    return result


def _checked_host(host: str) -> str:
    """The host in its ASCII form, or a refusal when it cannot be a host name or an IP address."""
    if ":" in host:
        if "%" in host:
            raise UrlError("bad_host")  # a zone id names an interface of the machine, not a site
        try:
            # One spelling of an IPv6 address: "2001:0db8:0:0::1" is "2001:db8::1".
            return str(ipaddress.IPv6Address(host))
        except ValueError as error:
            raise UrlError("bad_host") from error
    try:
        # UTS 46 without the transitional mapping, as browsers do: "straße" keeps its "ß".
        ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError) as error:
        raise UrlError("bad_host") from error
    if not _HOST.match(ascii_host) or len(ascii_host) > 253:
        raise UrlError("bad_host")
    return ascii_host


def _without_tracking(query: str, host: str) -> str:
    """``query`` without tracking parameters; kept pieces stay byte for byte as they came."""
    keeps_only = SITE_KEEPS_ONLY.get(host)
    kept = []
    for piece in query.split("&"):
        if not piece:
            continue
        name = unquote(piece.split("=", 1)[0].replace("+", " ")).lower()
        if keeps_only is not None and name not in keeps_only:
            continue
        if name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append(piece)
    return "&".join(kept)


# Discord ends a link at white space and at angle brackets; "|" starts or ends a spoiler.
_URL_IN_TEXT = re.compile(r"https?://[^\s<>|]+", re.IGNORECASE)
_CODE = re.compile(r"```.*?```|``.+?``|`[^`\n]+`", re.DOTALL)
_TRAILING = ".,:;!?'\"*_~"
_MARKDOWN_ESCAPE = re.compile(r"\\([\\*_~`|>\[\]()#-])")


def find_urls(message_text: str) -> list[str]:
    """The shareable links in a Discord message, canonical, without repeats, in message order.

    Suppressed links (``<https://...>``) and masked links (``[text](https://...)``) count: the
    member chose to show them. Links inside code spans and blocks do not (Discord does not link
    them either). Markdown escapes inside a link (``a\\_b``) are undone, trailing punctuation and
    unbalanced closing brackets dropped, and links that :func:`canonical_url` refuses skipped.
    """
    found: list[str] = []
    seen: set[str] = set()
    for match in _URL_IN_TEXT.finditer(_CODE.sub(" ", message_text)):
        candidate = _trim_link(_MARKDOWN_ESCAPE.sub(r"\1", match.group(0)))
        try:
            url = canonical_url(candidate)
        except UrlError:
            continue
        if url not in seen:
            seen.add(url)
            found.append(url)
    return found


def _trim_link(link: str) -> str:
    while link and (link[-1] in _TRAILING or _unbalanced_close(link)):
        link = link[:-1]
    return link


def _unbalanced_close(link: str) -> bool:
    last = link[-1]
    opening = {")": "(", "]": "["}.get(last)
    return opening is not None and link.count(opening) < link.count(last)

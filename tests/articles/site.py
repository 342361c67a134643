"""A small web site on 127.0.0.1 that behaves like the pages members share, good and bad.

The fetch code reaches it as ``library.test`` through :class:`FakeResolver`, and a rule that allows
exactly this site's port: loopback in general stays refused, as in production.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import zlib
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.articles.fetch import AddressRule, allow_only

HOST_NAME = "library.test"
HUGE_SIZE = 3_000_000
SLOW_SECONDS = 2.0

OPENGRAPH_PAGE = b"""<!doctype html>
<html lang="en-GB"><head>
<meta charset="utf-8">
<title>Fallback title | Riverside Library</title>
<meta property="og:title" content="  Reading rooms   that\n stay open late ">
<meta property="og:description"
 content="How a small library kept its doors open until midnight &amp; what readers did.">
<meta property="og:site_name" content="Riverside Library">
<meta property="og:image" content="/images/reading-room.jpg">
<meta name="description" content="plain description, not used when OpenGraph has one">
<link rel="canonical" href="/stories/late-rooms?utm_source=feed">
</head><body><p>Hello</p></body></html>"""

ZH_SIMPLIFIED = (
    "图书馆夜间开放的经验分享",
    "我们的社区图书馆从去年开始延长开放时间，每天晚上开放到十点。读者们在安静的阅览室里学习、"
    "阅读报纸和杂志，孩子们在家长的陪伴下参加故事会。馆员们说，夜间开放让更多上班族有机会借书还书，"
    "也让图书馆真正成为社区的客厅。我们希望和姊妹图书馆交流这方面的做法，共同提高服务水平。",
)
ZH_TRADITIONAL = (
    "圖書館夜間開放的經驗分享",
    "我們的社區圖書館從去年開始延長開放時間，每天晚上開放到十點。讀者們在安靜的閱覽室裡學習、"
    "閱讀報紙和雜誌，孩子們在家長的陪伴下參加故事會。館員們說，夜間開放讓更多上班族有機會借書還書，"
    "也讓圖書館真正成為社區的客廳。我們希望和姊妹圖書館交流這方面的做法，共同提高服務水準。",
)


def chinese_page(title: str, body: str, encoding: str, *, meta_charset: bool) -> bytes:
    meta = f'<meta charset="{encoding}">' if meta_charset else ""
    html = (
        f"<!doctype html><html><head>{meta}<title>{title}</title>"
        f'<meta name="description" content="{body[:40]}"></head>'
        f"<body><p>{body}</p><p>{body}</p></body></html>"
    )
    return html.encode(encoding)


RSS_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Riverside Library news</title><link>https://riverside.example/</link>
<description>News</description>
<item><title>Third post</title><link>https://riverside.example/3?utm_source=rss</link>
<guid isPermaLink="false">post-3</guid><pubDate>Wed, 03 Jun 2026 09:00:00 +0000</pubDate></item>
<item><title>Second post</title><link>/2</link><pubDate>Tue, 02 Jun 2026 09:00:00 +0000</pubDate></item>
<item><title>First post</title><link>https://riverside.example/1</link>
<guid>post-1</guid><pubDate>Mon, 01 Jun 2026 09:00:00 +0000</pubDate></item>
</channel></rss>"""

ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
<title>姊妹图书馆通讯</title><id>urn:uuid:feed-1</id><updated>2026-06-02T08:00:00Z</updated>
<link rel="alternate" href="https://sister.example/"/>
<entry><title>第二期</title><id>urn:uuid:issue-2</id><link rel="alternate" href="https://sister.example/issues/2"/>
<updated>2026-06-02T08:00:00Z</updated><summary>本期介绍夜间开放。</summary></entry>
<entry><title>第一期</title><id>urn:uuid:issue-1</id><link rel="alternate" href="https://sister.example/issues/1"/>
<updated>2026-05-01T08:00:00Z</updated></entry>
</feed>""".encode()

BOMB_SIZE = 50_000_000


@functools.cache
def gzip_bomb() -> bytes:
    """A small gzip body that inflates to ``BOMB_SIZE`` bytes of HTML."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * 1_000_000
    pieces = [compressor.compress(b"<html><head><title>bomb</title></head><body>")]
    pieces += [compressor.compress(zeros) for _ in range(BOMB_SIZE // len(zeros))]
    pieces.append(compressor.flush())
    return b"".join(pieces)


FEED_ETAG = '"feed-v1"'
FEED_LAST_MODIFIED = "Tue, 02 Jun 2026 08:00:00 GMT"


class FakeResolver(AbstractResolver):
    """Names to addresses from a table; a name not in it does not exist."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"{host} does not exist")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.table[host]
        ]

    async def close(self) -> None:
        return None


@dataclass
class Site:
    port: int
    other_port: int  # a second server on 127.0.0.1 that the rule does not allow
    hits: Counter[str] = field(default_factory=Counter)
    resolver: FakeResolver = field(default_factory=lambda: FakeResolver({HOST_NAME: ["127.0.0.1"]}))

    @property
    def allow(self) -> AddressRule:
        return allow_only(("127.0.0.1", self.port))

    def url(self, path: str) -> str:
        return f"http://{HOST_NAME}:{self.port}{path}"

    def fetch_options(self) -> dict[str, object]:
        return {"resolver": self.resolver, "allow": self.allow}


def build_app(site: Site) -> web.Application:
    routes = web.RouteTableDef()

    @web.middleware
    async def count_hits(request: web.Request, handler):
        site.hits[request.path] += 1
        return await handler(request)

    def html(body: bytes, content_type: str = "text/html; charset=utf-8") -> web.Response:
        return web.Response(body=body, headers={"Content-Type": content_type})

    @routes.get("/article")
    async def article(request: web.Request) -> web.Response:
        return html(OPENGRAPH_PAGE)

    @routes.get(r"/hop/{left:\d+}")
    async def hop(request: web.Request) -> web.Response:
        left = int(request.match_info["left"])
        # Relative, then absolute, locations: both kinds come up in real chains.
        if left <= 1:
            location = "/article"
        else:
            location = f"/hop/{left - 1}" if left % 2 else site.url(f"/hop/{left - 1}")
        raise web.HTTPFound(location)

    @routes.get("/to-loopback")
    async def to_loopback(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://127.0.0.1:{site.other_port}/article")

    @routes.get("/to-file")
    async def to_file(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    @routes.get("/huge")
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        response.content_length = HUGE_SIZE
        await response.prepare(request)
        await response.write(b"<html><head><title>A very long page</title></head><body>")
        sent = 56
        line = b"<p>" + b"x" * 9_993 + b"</p>\n"
        try:
            while sent < HUGE_SIZE:
                piece = line[: HUGE_SIZE - sent]
                await response.write(piece)
                sent += len(piece)
        except ConnectionError:
            pass  # the client stopped reading, as it should
        return response

    @routes.get("/bomb")
    async def bomb(request: web.Request) -> web.Response:
        headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        return web.Response(body=gzip_bomb(), headers=headers)

    @routes.get("/bad-location")
    async def bad_location(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "http://[::1"})

    @routes.get("/paper.pdf")
    async def pdf(request: web.Request) -> web.Response:
        pdf_start = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        return web.Response(body=pdf_start, headers={"Content-Type": "application/pdf"})

    @routes.get("/no-type")
    async def no_type(request: web.Request) -> web.Response:
        response = web.Response(body=b"<html><title>untyped</title></html>")
        response.headers.pop("Content-Type", None)
        return response

    @routes.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(SLOW_SECONDS)
        return html(OPENGRAPH_PAGE)

    @routes.get("/always-304")
    async def always_not_modified(request: web.Request) -> web.Response:
        return web.Response(status=304)

    @routes.get("/missing")
    async def missing(request: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    @routes.get(r"/zh/{encoding:gbk|big5}/{how:header|meta|none}")
    async def chinese(request: web.Request) -> web.Response:
        encoding, how = request.match_info["encoding"], request.match_info["how"]
        title, body = ZH_SIMPLIFIED if encoding == "gbk" else ZH_TRADITIONAL
        page = chinese_page(title, body, encoding, meta_charset=how == "meta")
        return html(page, f"text/html; charset={encoding}" if how == "header" else "text/html")

    def feed(body: bytes, content_type: str):
        async def handler(request: web.Request) -> web.Response:
            headers = {"ETag": FEED_ETAG, "Last-Modified": FEED_LAST_MODIFIED}
            if request.headers.get("If-None-Match") == FEED_ETAG or (
                "If-None-Match" not in request.headers
                and request.headers.get("If-Modified-Since") == FEED_LAST_MODIFIED
            ):
                return web.Response(status=304, headers=headers)
            return web.Response(body=body, headers={**headers, "Content-Type": content_type})

        return handler

    app = web.Application(middlewares=[count_hits])
    app.add_routes(routes)
    app.router.add_get("/feed.rss", feed(RSS_FEED, "application/rss+xml; charset=utf-8"))
    app.router.add_get("/feed.atom", feed(ATOM_FEED, "application/atom+xml"))
    app.router.add_get("/feed-as-html", feed(RSS_FEED, "text/html"))
    return app


def build_other_app() -> web.Application:
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=OPENGRAPH_PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/article", page)
    return app

"""A partner's newsletter on 127.0.0.1 that the tests change: new issues, outages, ETags."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from bot.articles.fetch import allow_only
from tests.articles.site import HOST_NAME, FakeResolver


@dataclass
class Newsletter:
    port: int = 0
    issues: list[tuple[str, str]] = field(default_factory=list)  # (id, title), newest first
    down: bool = False
    requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{HOST_NAME}:{self.port}/feed.xml"

    def fetch_options(self) -> dict[str, object]:
        return {
            "resolver": FakeResolver({HOST_NAME: ["127.0.0.1"]}),
            "allow": allow_only(("127.0.0.1", self.port)),
        }

    def body(self) -> bytes:
        items = "".join(
            f"<item><title>{title}</title><link>https://partner.example/{issue}</link>"
            f"<guid>{issue}</guid></item>"
            for issue, title in self.issues
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Partner news</title><link>https://partner.example/</link>{items}</channel></rss>"
        ).encode()

    def etag(self) -> str:
        return f'"{len(self.issues)}"'


@asynccontextmanager
async def newsletter() -> AsyncIterator[Newsletter]:
    letter = Newsletter(issues=[("issue-1", "First issue")])

    async def feed(request: web.Request) -> web.Response:
        letter.requests.append(dict(request.headers))
        if letter.down:
            return web.Response(status=503)
        if request.headers.get("If-None-Match") == letter.etag():
            return web.Response(status=304, headers={"ETag": letter.etag()})
        return web.Response(
            body=letter.body(), headers={"ETag": letter.etag(), "Content-Type": "application/rss+xml"}
        )

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    letter.port = runner.addresses[0][1]
    try:
        yield letter
    finally:
        await runner.cleanup()

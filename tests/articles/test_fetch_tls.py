"""HTTPS to a checked address: the connection goes to the resolved IP, the certificate is checked
against the link's name, and the server is told that name (SNI and Host)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import pytest
import trustme
from aiohttp import web

from bot.articles.fetch import FetchRefusal, FetchResult, allow_only, fetch_page
from tests.articles.site import HOST_NAME, OPENGRAPH_PAGE, FakeResolver


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


async def serve_tls(certificate: trustme.LeafCert, seen: dict[str, list[str]]) -> tuple[web.AppRunner, int]:
    async def page(request: web.Request) -> web.Response:
        seen["host"].append(request.headers["Host"])
        return web.Response(body=OPENGRAPH_PAGE, content_type="text/html")

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    context.sni_callback = lambda _socket, name, _context: seen["sni"].append(name)
    app = web.Application()
    app.router.add_get("/article", page)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    return runner, runner.addresses[0][1]


@pytest.fixture
def client_tls(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


@pytest.fixture
async def tls_site(authority, only_local_connections) -> AsyncIterator[tuple[int, dict[str, list[str]]]]:
    seen: dict[str, list[str]] = {"host": [], "sni": []}
    runner, port = await serve_tls(authority.issue_cert(HOST_NAME), seen)
    try:
        yield port, seen
    finally:
        await runner.cleanup()


async def test_https_connects_to_the_checked_address_in_the_links_name(tls_site, client_tls):
    port, seen = tls_site
    resolver = FakeResolver({HOST_NAME: ["127.0.0.1"]})
    result = await fetch_page(
        f"https://{HOST_NAME}:{port}/article", resolver=resolver, allow=allow_only(("127.0.0.1", port)),
        tls=client_tls,
    )
    assert isinstance(result, FetchResult), result
    assert b"og:title" in result.body
    assert seen == {"host": [f"{HOST_NAME}:{port}"], "sni": [HOST_NAME]}
    assert resolver.asked == [HOST_NAME]


async def test_a_certificate_for_another_name_is_refused(authority, client_tls, only_local_connections):
    seen: dict[str, list[str]] = {"host": [], "sni": []}
    runner, port = await serve_tls(authority.issue_cert("elsewhere.test"), seen)
    try:
        result = await fetch_page(
            f"https://{HOST_NAME}:{port}/article",
            resolver=FakeResolver({HOST_NAME: ["127.0.0.1"]}),
            allow=allow_only(("127.0.0.1", port)),
            tls=client_tls,
        )
    finally:
        await runner.cleanup()
    assert result == FetchRefusal("tls", f"https://{HOST_NAME}:{port}/article")
    assert seen["host"] == []

"""The local test site, and a guard that no test here connects anywhere but this machine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.articles.site import Site, build_app, build_other_app


async def _start(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, port


@pytest.fixture
async def site(only_local_connections: list[tuple]) -> AsyncIterator[Site]:
    other_runner, other_port = await _start(build_other_app())
    the_site = Site(port=0, other_port=other_port)
    runner, port = await _start(build_app(the_site))
    the_site.port = port
    try:
        yield the_site
    finally:
        await runner.cleanup()
        await other_runner.cleanup()


@pytest.fixture
async def only_local_connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Fails a test whose fetch would open a connection off this machine, before any packet leaves.

    A refusal test that wrongly let 10.0.0.1 through must fail here, not send traffic there.
    """
    attempts: list[tuple] = []
    loop = asyncio.get_running_loop()
    original = loop.sock_connect

    async def guarded(sock, address):
        attempts.append(address)
        if address[0] not in {"127.0.0.1", "::1"}:
            raise AssertionError(f"a test tried to connect to {address}")
        return await original(sock, address)

    monkeypatch.setattr(loop, "sock_connect", guarded)
    return attempts

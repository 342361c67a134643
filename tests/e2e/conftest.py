from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import World, world


@pytest.fixture
async def database_url(migrated_database_url: str) -> str:
    """End-to-end tests start from a database already migrated (see tests/conftest.py)."""
    return migrated_database_url


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    """The bot in a fresh sandbox guild. Fails the test on any contract violation or bot error."""
    async with world(database_url) as running:
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []

"""The feature registry: installing a feature wires its jobs and data hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.features import Feature, FeatureRegistry, JobKind
from bot.i18n import job_label, using_locale
from bot.scheduler import JobContext, JobScheduler


@dataclass
class Notes:
    """A feature's member data: what it keeps about whom."""

    kept: dict[int, list[str]] = field(default_factory=dict)

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        return {"notes": list(self.kept.get(user_id, []))}

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        return len(self.kept.pop(user_id, []))

    async def count_member(self, guild_id: int, user_id: int) -> int:
        return len(self.kept.get(user_id, []))


@dataclass
class Host:
    scheduler: JobScheduler
    items: list[type[Any]] = field(default_factory=list)

    def add_dynamic_items(self, *items: type[Any]) -> None:
        self.items += items

    def remove_dynamic_items(self, *items: type[Any]) -> None:
        self.items = [item for item in self.items if item not in items]


class Button:
    pass


async def nothing(_ctx: JobContext) -> None:
    return None


@pytest.fixture
def host(tmp_path: Any) -> Host:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'features.db'}")
    return Host(JobScheduler(database, ManualClock(datetime(2026, 3, 27, tzinfo=UTC)), owner="tests"))


async def test_installing_a_feature_wires_jobs_buttons_services_and_hooks(host: Host) -> None:
    notes = Notes({5: ["a", "b"]})
    moved: list[int] = []

    async def timezone_changed(guild_id: int) -> None:
        moved.append(guild_id)

    registry = FeatureRegistry(host)
    registry.install(
        Feature(
            name="notes",
            extension="cogs.notes",
            tables=(),
            member_data=notes,
            services=(notes,),
            jobs=(JobKind("notes.remind", nothing, "note reminder", timedelta(hours=1)),),
            dynamic_items=(Button,),
            on_timezone_changed=timezone_changed,
        )
    )
    assert registry.service(Notes) is notes
    assert host.items == [Button]
    with using_locale("en"):
        assert job_label("notes.remind") == "note reminder"
    with pytest.raises(ValueError, match="already registered"):
        host.scheduler.register("notes.remind", nothing)
    assert await registry.count_member(1, 5) == {"notes": 2}
    assert await registry.export_member(1, 5) == {"notes": {"notes": ["a", "b"]}}
    assert await registry.erase_member(1, 5) == {"notes": 2}
    assert await registry.count_member(1, 5) == {"notes": 0}
    await registry.timezone_changed(1)
    assert moved == [1]
    registry.uninstall("notes")
    assert host.items == []
    with pytest.raises(LookupError):
        registry.service(Notes)


def test_a_feature_is_installed_once(host: Host) -> None:
    registry = FeatureRegistry(host)
    feature = Feature(
        name="notes", extension="cogs.notes", tables=("bot.penpal.models",), member_data=Notes()
    )
    registry.install(feature)
    with pytest.raises(ValueError, match="already installed"):
        registry.install(feature)


def test_a_feature_whose_tables_the_migrations_do_not_know_is_refused(host: Host) -> None:
    registry = FeatureRegistry(host)
    feature = Feature(name="notes", extension="cogs.notes", tables=("bot.notes.models",), member_data=Notes())
    with pytest.raises(ValueError, match=r"bot\.db\.registry"):
        registry.install(feature)

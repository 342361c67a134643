"""Imports every module that defines tables, so the metadata is complete for Alembic."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from bot.db.base import Base

MODEL_MODULES = (
    "bot.db.models",
    "bot.scheduler.models",
    "bot.penpal.models",
    "bot.articles.models",
    "bot.seeking.models",
    "bot.checkins.models",
    "bot.partners.models",
    "bot.announcements.models",
    "bot.members.models",
    "bot.reminders.models",
    "bot.surveys.models",
    "bot.pauses",
    "bot.penpal.admin_models",
)

# Search indexes kept beside the tables (SQLite FTS5 tables with their shadow tables, PostgreSQL
# expression indexes): created by the migrations, not described by the models, so autogenerate
# must neither drop them nor call them drift.
UNMODELLED_PREFIXES = ("articles_fts",)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's ``include_object`` hook: everything but the unmodelled search indexes."""
    return not (reflected and name is not None and name.startswith(UNMODELLED_PREFIXES))


def load_metadata() -> MetaData:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata

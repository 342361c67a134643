"""Imports every module that defines tables, so the metadata is complete for Alembic."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from bot.db.base import Base

MODEL_MODULES = (
    "bot.db.models",
    "bot.scheduler.models",
    "bot.penpal.models",
)


def load_metadata() -> MetaData:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata

"""Storage: the async engine, sessions, and the declarative base every model derives from."""

from bot.db.base import Base
from bot.db.engine import Database, create_engine_for, is_postgres, is_sqlite

__all__ = ["Base", "Database", "create_engine_for", "is_postgres", "is_sqlite"]

"""A member's own data, gathered from every feature or erased from every feature.

No Discord here. The features' hooks (:class:`bot.features.MemberData`) do the work; this module
turns what they export into one JSON document a member can read, and sums what an erase removed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

EXPORT_FORMAT = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def export_document(
    *, guild_id: int, user_id: int, generated_at: datetime, features: Mapping[str, Mapping[str, Any]]
) -> bytes:
    """What the bot keeps about one member of one server, as UTF-8 JSON (Chinese kept readable)."""
    document = {
        "format": EXPORT_FORMAT,
        "server_id": str(guild_id),
        "member_id": str(user_id),
        "generated_at": generated_at.isoformat(),
        "features": dict(sorted(features.items())),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=_plain).encode()


def export_filename(guild_id: int, user_id: int, generated_at: datetime) -> str:
    return f"sisterlib-{guild_id}-{user_id}-{generated_at:%Y%m%d}.json"


def items_kept(counts: Mapping[str, int]) -> int:
    return sum(counts.values())

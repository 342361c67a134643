import json
from datetime import UTC, date, datetime
from enum import StrEnum

from bot.privacy import export_document, export_filename, items_kept


class Colour(StrEnum):
    RED = "red"


def test_the_export_is_readable_json_with_chinese_kept_and_ids_as_strings() -> None:
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    raw = export_document(
        guild_id=2**60,
        user_id=7,
        generated_at=at,
        features={
            "penpal": {"library": "上海图书馆", "joined": at, "since": date(2026, 1, 2), "c": Colour.RED}
        },
    )
    assert "上海图书馆".encode() in raw  # not \\u escapes: a member can read their own file
    document = json.loads(raw)
    assert document["server_id"] == str(2**60)  # JavaScript readers would round a 60-bit number
    assert document["features"]["penpal"] == {
        "library": "上海图书馆",
        "joined": "2026-12-01T09:30:00+00:00",
        "since": "2026-01-02",
        "c": "red",
    }
    assert export_filename(1, 2, at) == "sisterlib-1-2-20261201.json"


def test_items_kept_sums_every_feature() -> None:
    assert items_kept({"penpal": 3, "articles": 0, "reminders": 2}) == 5
    assert items_kept({}) == 0

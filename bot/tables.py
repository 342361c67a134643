"""Moderators' exports: each feature's data as CSV tables, zipped together. No Discord here.

A feature's ``tables`` hook returns :class:`CsvTable` objects for one server. Survey results are
exported without names; member tables carry Discord ids so an import can match them again.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EXPORT_FORMAT = 1


@dataclass(frozen=True)
class CsvTable:
    name: str  # the file name without .csv, e.g. "members"
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


TablesProvider = Callable[[int], Awaitable[Sequence[CsvTable]]]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ";".join(str(item) for item in value)
    text = str(value)
    # A cell starting with = + - @ is a formula to spreadsheet programs: members typed these.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def table_csv(table: CsvTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([cell(value) for value in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode()


def zip_tables(tables: Iterable[CsvTable], *, generated_at: datetime) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{table.name}.csv", table_csv(table))
        archive.writestr(
            "README.txt", f"sisterlib export, format {EXPORT_FORMAT}, {generated_at.isoformat()}\n"
        )
    return buffer.getvalue()

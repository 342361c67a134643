import csv
import io
import zipfile
from datetime import UTC, datetime

from bot.tables import CsvTable, cell, zip_tables

AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_cells_are_plain_and_never_spreadsheet_formulas() -> None:
    assert cell(None) == ""
    assert cell(AT) == "2026-12-01T09:00:00+00:00"
    assert cell(["en", "zh"]) == "en;zh"
    assert cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert cell("@everyone") == "'@everyone"
    assert cell("上海图书馆") == "上海图书馆"


def test_the_zip_holds_one_csv_per_table_readable_with_chinese() -> None:
    raw = zip_tables(
        [
            CsvTable("members", ("user_id", "library"), [(1, "上海图书馆"), (2, "-1")]),
            CsvTable("empty", ("a",)),
        ],
        generated_at=AT,
    )
    archive = zipfile.ZipFile(io.BytesIO(raw))
    assert sorted(archive.namelist()) == ["README.txt", "empty.csv", "members.csv"]
    rows = list(csv.reader(io.StringIO(archive.read("members.csv").decode("utf-8-sig"))))
    assert rows == [["user_id", "library"], ["1", "上海图书馆"], ["2", "'-1"]]

"""Reading HR's staff lists (CSV or XLSX) into rows of known columns, before any row is checked.

What the columns mean and how a row is checked and written: learning.staff_import. Here: the file's limits
(size, rows, a zip bomb), its encoding and delimiter, the header's names and aliases, and the cells' text
and dates as HR's spreadsheets give them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.errors import RuleViolation
from learning.staff import nfc

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_ROWS = 200_000
MAX_HTTP_ROWS = 50_000  # ~15 s of checking and writing, inside a web worker's timeout; more: the CLI
MAX_XLSX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024  # a zip bomb is refused before openpyxl opens it
MAX_CELL_CHARS = 1000

REQUIRED_COLUMNS = ("staff_number", "full_name", "birth_date", "gender", "unit", "category")
OPTIONAL_COLUMNS = ("leadership_role", "is_leader", "position", "languages", "is_language_teacher",
                    "is_external_relations", "username", "joined_on", "left_on")
HEADER_ALIASES = {
    "mã_nhân_sự": "staff_number", "số_hiệu": "staff_number", "họ_và_tên": "full_name", "họ_tên": "full_name",
    "ngày_sinh": "birth_date", "giới_tính": "gender", "đơn_vị": "unit", "mã_đơn_vị": "unit",
    "unit_code": "unit", "chức_vụ": "leadership_role", "vị_trí_việc_làm": "position",
    "ngoại_ngữ": "languages", "tài_khoản": "username", "tên_đăng_nhập": "username",
    "ngày_vào": "joined_on", "ngày_vào_làm": "joined_on", "ngày_nghỉ": "left_on", "ngày_nghỉ_việc": "left_on",
}


class StaffFileRefused(RuleViolation):
    """The file as a whole cannot be read as a staff list: nothing is checked row by row."""

    slug, title = "staff-file-refused", "Staff file refused"


@dataclass(frozen=True, slots=True)
class SheetRow:
    number: int  # the spreadsheet's row number (the header is row 1)
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StaffSheet:
    columns: tuple[str, ...]  # the known columns present
    rows: list[SheetRow]
    ignored_columns: tuple[str, ...] = ()


def read_staff_file(data: bytes, *, filename: str, max_rows: int | None = None) -> StaffSheet:
    """Read a CSV or XLSX staff list. Raises StaffFileRefused (too big, not CSV/XLSX, missing columns)."""
    max_rows = MAX_ROWS if max_rows is None else max_rows
    if len(data) > MAX_FILE_BYTES:
        raise StaffFileRefused(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", field="file")
    name = filename.lower()
    if name.endswith((".xls", ".ods", ".numbers")):
        raise StaffFileRefused("only .xlsx or .csv files can be read; save the sheet as one of those", field="file")
    if data[:4] == b"PK\x03\x04":
        return _sheet(*_read_xlsx(data), max_rows=max_rows)
    if name.endswith((".xlsx", ".xlsm")):
        raise StaffFileRefused("the file is named .xlsx but is not an XLSX workbook", field="file")
    return _sheet(*_read_csv(data), max_rows=max_rows)


def _read_csv(data: bytes) -> tuple[list[Any], Iterator[tuple[int, list[Any]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StaffFileRefused(f"the CSV file is not UTF-8 (byte {error.start}); save it as CSV UTF-8",
                               field="file") from None
    if "\x00" in text:
        raise StaffFileRefused("the file is binary, not CSV", field="file")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, [])
    return header, ((index, row) for index, row in enumerate(reader, start=2))


def _read_xlsx(data: bytes) -> tuple[list[Any], Iterator[tuple[int, list[Any]]]]:
    import openpyxl  # only XLSX imports pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED_BYTES:
                raise StaffFileRefused("the workbook unpacks to too much data", field="file")
        if "xl/workbook.xml" not in names:
            raise StaffFileRefused("the zip file is not an XLSX workbook", field="file")
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except StaffFileRefused:
        raise
    except Exception as error:  # openpyxl raises many kinds on a broken workbook
        raise StaffFileRefused(f"the XLSX workbook cannot be read: {error}", field="file") from None
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = list(next(rows, ()))

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for index, row in enumerate(rows, start=2):
                yield index, list(row)
        finally:
            workbook.close()

    return header, numbered()


def _column_name(header: Any) -> str:
    name = re.sub(r"\s+", "_", nfc(str(header or "")).strip().lower())
    return HEADER_ALIASES.get(name, name)


def _sheet(header: list[Any], rows: Iterable[tuple[int, list[Any]]], *, max_rows: int) -> StaffSheet:
    names = [_column_name(cell) for cell in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise StaffFileRefused(f"missing required columns: {', '.join(missing)} (the first row must name the "
                               f"columns: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})",
                               errors={"columns": [f"missing: {column}" for column in missing]})
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise StaffFileRefused(f"columns named twice: {', '.join(repeated)}",
                               errors={"columns": [f"named twice: {column}" for column in repeated]})
    known = set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    positions = {name: index for index, name in enumerate(names) if name in known}
    sheet_rows = []
    for number, cells in rows:
        if all(cell_text(cell) == "" for cell in cells):
            continue  # blank lines between blocks are common in HR sheets
        if len(sheet_rows) >= max_rows:
            raise StaffFileRefused(f"more than {max_rows} rows; split the file"
                                   + (" or use 'levelpath staff import'" if max_rows < MAX_ROWS else ""),
                                   field="file")
        sheet_rows.append(SheetRow(number, {name: cells[index] if index < len(cells) else None
                                            for name, index in positions.items()}))
    return StaffSheet(columns=tuple(positions), rows=sheet_rows,
                      ignored_columns=tuple(n for n in names if n and n not in known))


def cell_text(cell: Any) -> str:
    """A cell as text: composed Unicode, trimmed; a whole number from a numeric cell without its ".0"."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # 12.0 from a numeric XLSX cell is the code "12"
    return nfc(str(cell)).strip()


def parse_date(cell: Any) -> date | None:
    """A date cell, YYYY-MM-DD or DD/MM/YYYY; None when it is none of those."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None

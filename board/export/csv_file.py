"""``ratings-TL-2026Q3.csv``: one row per rating, as Excel on a Chinese Windows opens it.

UTF-8 with a byte-order mark (without it Excel reads the file as GBK and shows mojibake), CRLF
line ends, a Chinese header row (the English key of every column is in docs/design.md), dates
as ``YYYY-MM-DD HH:MM:SS`` (Excel recognises them), and text that cannot become a formula
(``cells.safe_text``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from board.export.cells import safe_text
from board.export.data import Column

__all__ = ["CsvRatings"]


class CsvRatings:
    """Writes the ratings table to ``path``, row by row (nothing is kept in memory)."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self._file: TextIO = open(path, "w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file, lineterminator="\r\n")
        self._writer.writerow([c.header for c in columns])
        # One converter per column, chosen once: a quarter is millions of rows × 20 cells.
        self._cells = [_CELLS[c.kind] for c in columns]
        self.rows = 0

    def add(self, row: Sequence[Any]) -> None:
        self._writer.writerow([cell(v) for cell, v in zip(self._cells, row, strict=True)])
        self.rows += 1

    def close(self) -> None:
        self._file.close()


def _text(value: str | None) -> str:
    return safe_text(value) if value else ""


def _time(value: datetime | None) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value else ""


def _number(value: float | None) -> Any:
    return "" if value is None else value


_CELLS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "datetime": _time,
    "int": _number,
    "float": _number,
}

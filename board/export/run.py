"""``export_quarter``: the three files of a quarter, whole or not at all."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from board.export.csv_file import CsvRatings
from board.export.data import ExportError, QuarterData, RatingRows, check_quarter, load_quarter
from board.export.files import PendingFiles
from board.export.report import write_report
from board.export.workbook import MAX_SHEET_ROWS, QuarterWorkbook
from sync.client import AdminClient, ApiError

__all__ = [
    "EXPORT_FILES",
    "ExportResult",
    "Progress",
    "export_quarter",
    "prefetched",
    "stream_ratings",
    "target_paths",
]

log = logging.getLogger(__name__)

# (what is being done, done so far, total or None)
Progress = Callable[[str, int, int | None], None]
PAGE_SIZE = 5000
T = TypeVar("T")


@dataclass(frozen=True)
class ExportResult:
    paths: list[Path]  # csv, xlsx, pdf (those chosen)
    ratings: int
    data: QuarterData


# The files an export can write, in the order they are listed.
EXPORT_FILES = ("csv", "xlsx", "pdf")


def target_paths(
    out_dir: Path, hall: str, quarter: str, files: Collection[str] = EXPORT_FILES
) -> list[Path]:
    """``ratings-TL-2026Q3.csv``, ``quarter-TL-2026Q3.xlsx``, ``report-TL-2026Q3.pdf`` (those of
    them ``files`` names)."""
    names = {
        "csv": f"ratings-{hall}-{quarter}.csv",
        "xlsx": f"quarter-{hall}-{quarter}.xlsx",
        "pdf": f"report-{hall}-{quarter}.pdf",
    }
    return [out_dir / names[kind] for kind in EXPORT_FILES if kind in files]


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """``items``, produced on a thread of their own up to ``depth`` ahead of the consumer.

    The server prepares the next page while this process writes the last one (two cores, two
    processes at work instead of one waiting for the other); at most ``depth`` + 2 pages are
    alive (the one being written, those waiting, the one being fetched). An error in the
    producer is raised here; closing the generator stops the producer.
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as e:  # handed to the consumer, raised there
            put(("error", e))

    worker = threading.Thread(target=produce, name="export-pages", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join(timeout=5)


def _no_progress(what: str, done: int, total: int | None) -> None:
    pass


def stream_ratings(
    client: AdminClient,
    data: QuarterData,
    rows: RatingRows,
    sinks: Sequence[Callable[[list[Any]], None]],
    progress: Progress = _no_progress,
    page_size: int = PAGE_SIZE,
) -> int:
    """Every rating of the quarter, made the export's row once and handed to each sink; the
    next page is fetched while this one is written. Returns how many were written."""
    total = data.total_ratings
    done = 0
    progress("ratings", 0, total)
    pages = client.iter_rating_pages(
        data.hall["code"], data.quarter, page_size=page_size, contacts=data.include_contacts
    )
    for page in prefetched(pages):
        for rating in page.ratings:
            row = rows.row(rating)
            for sink in sinks:
                sink(row)
        done += len(page.ratings)
        progress("ratings", done, max(total, done))
    return done


def export_quarter(
    client: AdminClient,
    hall: str,
    quarter: str,
    out_dir: Path,
    *,
    force: bool = False,
    include_contacts: bool = False,
    files: Collection[str] = EXPORT_FILES,
    progress: Progress = _no_progress,
    page_size: int = PAGE_SIZE,
    max_sheet_rows: int = MAX_SHEET_ROWS,
) -> ExportResult:
    """Write the quarter's CSV, workbook and report (those ``files`` names) into ``out_dir``.

    Nothing is overwritten without ``force``; every file is written under a temporary name
    and renamed only when all of them are complete, so an error or Ctrl-C leaves no partial
    file. Raises ``ExportError`` with a message for the office.
    """
    check_quarter(quarter)
    unknown = sorted(set(files) - set(EXPORT_FILES))
    if unknown or not files:
        raise ExportError(
            f"choose the files among {', '.join(EXPORT_FILES)}"
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    targets = target_paths(out_dir, hall, quarter, files)
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise ExportError(f"{names} already exist(s); pass --force to overwrite")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(f"cannot create {out_dir}: {e.strerror}") from None
    progress("quarter", 0, None)
    data = load_quarter(client, hall, quarter, include_contacts=include_contacts)
    csv_path, xlsx_path, pdf_path = target_paths(out_dir, hall, quarter)
    try:
        with PendingFiles().session() as pending:
            if "pdf" in files:
                progress("report", 0, None)
                write_report(pending.temp_for(pdf_path), data)
            done = 0
            if "csv" in files or "xlsx" in files:
                rows = RatingRows(data)
                csv_out, book = None, None
                sinks: list[Callable[[list[Any]], None]] = []
                if "csv" in files:
                    csv_out = CsvRatings(pending.temp_for(csv_path), rows.columns)
                    sinks.append(csv_out.add)
                if "xlsx" in files:
                    book = QuarterWorkbook(
                        pending.temp_for(xlsx_path), data, rows.columns, max_rows=max_sheet_rows
                    )
                    sinks.append(book.add_rating)
                try:
                    done = stream_ratings(client, data, rows, sinks, progress, page_size)
                finally:
                    if csv_out is not None:
                        csv_out.close()
                if book is not None:
                    progress("workbook", 0, None)
                    book.close()
            paths = pending.commit()
    except ApiError as e:
        raise ExportError(
            f"the export stopped, no file was written: {e.detail}", e.status
        ) from None
    except OSError as e:
        raise ExportError(
            f"cannot write into {out_dir}: {e.strerror or e}; no file was written"
        ) from None
    log.info("exported %s %s: %d ratings", hall, quarter, done)
    return ExportResult(paths=[p for p in targets if p in paths], ratings=done, data=data)

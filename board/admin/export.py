"""``hall-admin export``: the quarter's files from the command line, with progress.

    hall-admin export --hall TL --quarter 2026Q3 --out DIR [--force] [--include-contacts]

On a terminal a progress bar (rich) shows the ratings as they stream; piped or redirected,
plain lines say the same. Exit status: 0 written; 1 the server refused or could not be reached;
2 a problem to fix here (bad or future quarter, files exist, no token); 130 interrupted. In
every failure no file was written or overwritten.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from board.admin._cli import Commands
from board.admin._records import office_client
from board.export.data import ExportError
from board.export.run import EXPORT_FILES, Progress, export_quarter
from sync.client import AdminClient

__all__ = ["add_export_arguments", "cmd_export", "register", "run_export"]

_WHAT = {
    "quarter": "reading the quarter's standings, roster and terminals",
    "report": "drawing the PDF report",
    "ratings": "ratings",
    "workbook": "finishing the workbook",
}


def _files(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(k.strip().lower() for k in text.split(",") if k.strip()))
    unknown = [k for k in chosen if k not in EXPORT_FILES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"choose among {', '.join(EXPORT_FILES)}, comma-separated (got {text!r})"
        )
    return chosen


def add_export_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("--hall", required=True, help="hall code, e.g. TL")
    c.add_argument("--quarter", required=True, help="e.g. 2026Q3 (the hall's local quarter)")
    c.add_argument("--out", type=Path, required=True, help="directory for the files")
    c.add_argument(
        "--only",
        type=_files,
        default=EXPORT_FILES,
        metavar="csv,xlsx,pdf",
        help="write only these files (default: all three)",
    )
    c.add_argument("--force", action="store_true", help="overwrite files that exist")
    c.add_argument(
        "--include-contacts",
        action="store_true",
        help="add the phone numbers citizens left (keep the files confidential)",
    )


class _PlainProgress:
    """Progress as lines (piped or redirected): each step once, the ratings every 10 %."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.what = ""
        self.shown = -1

    def __call__(self, what: str, done: int, total: int | None) -> None:
        if what != "ratings":
            if what != self.what:
                print(f"export: {_WHAT[what]}", file=self.err, flush=True)
            self.what = what
            return
        pct = 100 * done // total if total else 100
        step = pct // 10 * 10
        if self.what != "ratings" or step > self.shown:
            print(f"export: ratings {done}/{total or done} ({pct}%)", file=self.err, flush=True)
            self.shown = step
        self.what = what


@contextmanager
def _plain_progress(err: TextIO) -> Iterator[Progress]:
    yield _PlainProgress(err)


@contextmanager
def _rich_progress(err: TextIO) -> Iterator[Progress]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(file=err)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, object] = {}

        def show(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(_WHAT[what], total=total)
            task = tasks[what]
            bar.update(task, completed=done, total=total)  # type: ignore[arg-type]

        yield show


def run_export(args: argparse.Namespace, client_for: Callable[[], AdminClient],
               err: TextIO | None = None) -> int:  # fmt: skip
    """Run the export for parsed ``args``; messages on ``err`` (stderr); the exit status."""
    err = err or sys.stderr
    if args.include_contacts:
        print(
            "hall-admin: --include-contacts: the CSV and the workbook will contain the phone "
            "numbers citizens left; keep them confidential",
            file=err,
        )
    progress = _rich_progress if err.isatty() else _plain_progress
    try:
        with client_for() as client, progress(err) as show:
            result = export_quarter(
                client,
                args.hall,
                args.quarter,
                args.out,
                force=args.force,
                include_contacts=args.include_contacts,
                files=args.only,
                progress=show,
            )
    except ExportError as e:
        print(f"hall-admin: {e}", file=err)
        return 2 if e.status is None else 1
    except KeyboardInterrupt:
        print("hall-admin: interrupted; no file was written", file=err)
        return 130
    d = result.data
    if d.provisional:
        print(
            f"hall-admin: {args.quarter} is not published: every file says 暂定 (provisional)",
            file=err,
        )
    for p in result.paths:
        print(p)
    print(f"hall-admin: {result.ratings} ratings exported", file=err)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    return run_export(args, lambda: office_client(args))


def register(commands: Commands) -> None:
    c = commands.add("export", cmd_export, "write the quarter's CSV, XLSX workbook and PDF report")
    add_export_arguments(c)

"""``hall-board``: the wall screen of a service hall.

    hall-board --server http://store:8000 --token TOKEN --hall TL            # live, full screen
    hall-board --demo-data --windowed                                         # no server needed
    hall-board --demo-data --screenshots out/                                 # every page to PNG

The server URL and the board's token may also come from ``HALL_SERVER_URL`` and
``HALL_BOARD_TOKEN`` (a token on the command line shows in the process list), the hall from
``HALL_BOARD_HALL``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from board.source import POLL_INTERVAL_S
from sync.defaults import DEFAULT_TZ
from sync.quarter import Quarter

__all__ = ["build_parser", "main"]

log = logging.getLogger(__name__)


def current_quarter(tz: str = DEFAULT_TZ) -> str:
    return str(Quarter.at(datetime.now(UTC), tz))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hall-board", description="服务评价红黑榜 · the hall's wall board"
    )
    p.add_argument("--server", default=os.environ.get("HALL_SERVER_URL"), help="central store URL")
    p.add_argument(
        "--token", default=os.environ.get("HALL_BOARD_TOKEN"), help="the board's bearer token"
    )
    p.add_argument("--hall", default=os.environ.get("HALL_BOARD_HALL"), help="hall code, e.g. TL")
    p.add_argument("--quarter", default=None, help="e.g. 2026Q3 (default: the current quarter)")
    p.add_argument("--windowed", action="store_true", help="a normal window, not full screen")
    p.add_argument("--screenshot", type=Path, help="render the first page to this PNG and exit")
    p.add_argument("--screenshots", type=Path, help="render every page into this folder and exit")
    p.add_argument(
        "--demo-data", action="store_true", help="show the synthetic demo hall, no server"
    )
    p.add_argument("--rotate-s", type=float, default=15.0, help="seconds per page (default 15)")
    p.add_argument("--poll-s", type=float, default=POLL_INTERVAL_S, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per 2-second poll
    quarter = args.quarter or current_quarter()
    if not Quarter.is_label(quarter):
        sys.stderr.write(f"hall-board: --quarter must look like 2026Q3, got {quarter!r}\n")
        return 2
    if not args.demo_data and not (args.server and args.token and args.hall):
        sys.stderr.write(
            "hall-board: needs --server, --token and --hall (or HALL_SERVER_URL, "
            "HALL_BOARD_TOKEN, HALL_BOARD_HALL), or --demo-data to show the demo hall\n"
        )
        return 2
    headless = bool(args.screenshot or args.screenshots)
    if headless and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from board._qt.app import run  # Qt only now: argument errors answer fast, with no display

    return run(args, quarter)


if __name__ == "__main__":
    raise SystemExit(main())

"""``hall-admin poster --quarter 2026Q3``: the quarter's red/black list poster (A3 PDF and PNG).

The options are declared here, with no Qt; ``board._qt.poster`` draws the page once the command
runs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from board.admin._cli import Commands, resolve_token
from sync.client import DEFAULT_SERVER_URL

__all__ = ["add_poster_arguments", "cmd_poster", "register"]


def add_poster_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``hall-admin poster``."""
    p.add_argument("--quarter", required=True, help="e.g. 2026Q3")
    p.add_argument("--out", type=Path, default=Path("."), help="folder for the PDF and PNG")
    p.add_argument("--demo-data", action="store_true", help="the synthetic demo hall, no server")
    p.add_argument("--server", default=os.environ.get("HALL_SERVER_URL"))
    p.add_argument("--token", default=os.environ.get("HALL_BOARD_TOKEN"))
    p.add_argument("--hall", default=os.environ.get("HALL_BOARD_HALL"))


def cmd_poster(args: argparse.Namespace) -> int:
    from board._qt.poster import main_poster

    if not args.server:
        args.server = DEFAULT_SERVER_URL
    if not args.token and not args.demo_data:
        args.token = resolve_token(None)  # the admin may read every hall's standings
    code: int = main_poster(args)
    return code


def register(commands: Commands) -> None:
    c = commands.add(
        "poster",
        cmd_poster,
        "print the quarter's red/black list poster (A3 PDF and PNG)",
        common=False,  # its --token is a board's token (HALL_BOARD_TOKEN), not only the admin's
    )
    add_poster_arguments(c)

"""``hall-admin`` with no command: open the office console (``board._qt.console``).

Only the console's own options may be given (``--server``, ``--token``, ``--screenshots``);
anything else is a command for the command line. Qt is imported only when the console opens.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from board.admin._cli import resolve_token

__all__ = ["console_main", "opens_console"]

_OPTIONS = ("--server", "--token", "--screenshots")


def opens_console(argv: list[str]) -> bool:
    """No command given (only the console's own options): open the console."""
    rest = iter(argv)
    for a in rest:
        if a in _OPTIONS:
            next(rest, None)
        elif a.startswith(tuple(o + "=" for o in _OPTIONS)):
            continue
        else:
            return False  # a command, --help, or an option the console does not know
    return True


def console_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="hall-admin",
        description="The hall office's console; 'hall-admin --help' lists the commands.",
    )
    p.add_argument("--server", default=os.environ.get("HALL_SERVER_URL"), help="the store's URL")
    p.add_argument(
        "--token",
        default=os.environ.get("HALL_ADMIN_TOKEN"),
        help="open with the admin token instead of signing in (env HALL_ADMIN_TOKEN)",
    )
    p.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="render every page at 1366x768 and 1920x1080, zh and en, then exit "
        "(a demo hall when no --server is given)",
    )
    args = p.parse_args(argv)
    token = args.token
    if args.screenshots is not None and args.server and not token:
        token = resolve_token(None)
    from board._qt.console.app import main as console

    return console(args.server, token, args.screenshots)

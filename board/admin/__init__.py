"""``hall-admin``: the hall office's command line to the central store.

    hall-admin                      # no command: the office console window (board._qt.console)

    hall-admin roster import assets/roster/demo-hall.csv
    hall-admin kiosk enroll --window A01 [--minutes 30] [--png code.png | --png code.svg]
    hall-admin kiosk list
    hall-admin kiosk revoke TERMINAL
    hall-admin board credential [--hall TL] [--label wall]
    hall-admin board list [--all]
    hall-admin board revoke ID
    hall-admin anomalies [--terminal T] [--all]
    hall-admin poster --quarter 2026Q3
    hall-admin export --hall TL --quarter 2026Q3 --out DIR [--force] [--include-contacts]
    hall-admin operator add NAME --role office|inspector|unit --hall TL [--unit YJJ] [--json]
    hall-admin operator list | reset-password NAME | disable NAME | enable NAME | sign-in NAME
    hall-admin audit [--actor A] [--action operator.*] [--since 2026-12-01] [--verify] [--json]

The server is ``--server`` or ``HALL_SERVER_URL`` (default http://127.0.0.1:8600); the admin
token is ``--token``, else ``HALL_ADMIN_TOKEN``, else the ``admin-token`` file the server wrote
in its data dir (``--data-dir``, ``HALL_DATA_DIR`` or the platform's data dir) on first start.
An office operator uses its own session instead: ``hall-admin operator sign-in NAME --json``
gives the token for ``--token``/``HALL_ADMIN_TOKEN``.
Exit status: 0 done, 1 the server refused (the message says why), 2 a usage or setup problem.

Every module of this package whose name does not start with ``_`` is one group of commands and
has ``register(commands: Commands)``, which adds its commands (see ``board.admin._cli``). A new
group is a new module here; nothing else needs editing. Group modules import no Qt at import time:
``hall-admin kiosk list`` must answer fast on a machine with no display.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from pathlib import Path

from board.admin._cli import Commands, SetupError, resolve_token
from board.admin._console import console_main, opens_console
from sync.client import DEFAULT_SERVER_URL, ApiError

__all__ = ["build_parser", "group_modules", "main", "resolve_token"]

log = logging.getLogger(__name__)


def group_modules() -> list[str]:
    """The command groups: this package's public modules, by name."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--server",
        default=os.environ.get("HALL_SERVER_URL", DEFAULT_SERVER_URL),
        help="the central store (env HALL_SERVER_URL; default %(default)s)",
    )
    common.add_argument(
        "--token",
        help="admin token or an operator's session token (env HALL_ADMIN_TOKEN, else the "
        "server's token file)",
    )
    common.add_argument(
        "--data-dir",
        type=Path,
        help="the server's data dir, where it wrote admin-token (env HALL_DATA_DIR, else the "
        "platform's data dir, as the server)",
    )

    p = argparse.ArgumentParser(
        prog="hall-admin",
        description="Administer a Hall Ratings central store: roster, terminals, credentials.",
    )
    commands = Commands(p.add_subparsers(dest="command", required=True, metavar="COMMAND"), common)
    for name in group_modules():
        importlib.import_module(f"{__name__}.{name}").register(commands)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    if opens_console(argv):  # no command: the office console window
        try:
            return console_main(argv)
        except SetupError as e:
            print(f"hall-admin: {e}", file=sys.stderr)
            return 2
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except SetupError as e:
        print(f"hall-admin: {e}", file=sys.stderr)
        return 2
    except ApiError as e:
        print(
            f"hall-admin: {e.detail}" + (f" (HTTP {e.status})" if e.status else ""), file=sys.stderr
        )
        return 1

"""What the office-record command groups share: the client, the hall, dates, ``--json``.

With ``--json`` a command prints only JSON on stdout (the API's objects, indented), so a script
reads it with ``json.load``; messages and errors go to stderr as usual. Without it, a short
human-readable form. ``--hall`` may be left out when the store has one hall.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Any

from board.admin._cli import SetupError, resolve_token
from sync.client import OfficeClient

__all__ = [
    "add_hall",
    "add_json",
    "day",
    "emit",
    "hall_of",
    "local",
    "office_client",
    "token_of",
    "when",
]


def office_client(args: argparse.Namespace) -> OfficeClient:
    """The store's office API with the admin token or an operator's session token."""
    return OfficeClient(args.server, token_of(args))


def token_of(args: argparse.Namespace) -> str:
    """The token ``--token``, ``HALL_ADMIN_TOKEN`` or ``--data-dir``'s token file say."""
    return resolve_token(args.token, getattr(args, "data_dir", None))


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print only JSON (the API's answer) for scripts"
    )


def add_hall(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hall", help="hall code (may be left out when the store has one hall)")


def hall_of(args: argparse.Namespace, client: OfficeClient) -> str:
    """``--hall``, or the store's only hall; a setup error when there are several or none."""
    if getattr(args, "hall", None):
        return str(args.hall)
    halls = [h["code"] for h in client.halls()]
    if len(halls) == 1:
        return str(halls[0])
    if not halls:
        raise SetupError("the store has no hall yet: import a roster first")
    raise SetupError(f"the store has several halls ({', '.join(halls)}): pass --hall")


def day(text: str) -> date:
    """An ``argparse`` type: ``2026-09-30`` or ``today``."""
    if text == "today":
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date looks like 2026-09-30, got {text!r}") from None


def when(text: str) -> datetime:
    """An ``argparse`` type: an ISO date-time; without a zone it is this machine's local time."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a time looks like 2026-10-08T09:30, got {text!r}"
        ) from None
    return value if value.tzinfo else value.astimezone()


def emit(data: Any) -> None:
    """Print ``data`` as JSON, and nothing else."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def local(stamp: str | None) -> str:
    """An ISO time from the API as this machine's local ``YYYY-MM-DD HH:MM``."""
    if not stamp:
        return "—"
    return f"{datetime.fromisoformat(stamp).astimezone():%Y-%m-%d %H:%M}"

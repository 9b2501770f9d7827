"""What every ``hall-admin`` command group shares: how it registers, the admin token, the client."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_data_dir

from sync.client import AdminClient
from sync.defaults import ADMIN_TOKEN_FILE, APP_NAME

__all__ = ["Commands", "Handler", "SetupError", "admin_client", "resolve_token", "token_file"]

Handler = Callable[[argparse.Namespace], int]
"""A command: gets the parsed arguments, returns the exit status."""


class SetupError(Exception):
    """Something the admin must fix before the command can run (no token, unreadable file)."""


class Commands:
    """Where a group module adds its commands.

    ``commands.add("anomalies", cmd_anomalies, "…")`` adds ``hall-admin anomalies``;
    ``commands.group("kiosk", "…").add("list", …)`` adds ``hall-admin kiosk list``. Each command
    takes ``--server``, ``--token`` and ``--data-dir`` unless it passes ``common=False``.
    """

    def __init__(
        self,
        sub: argparse._SubParsersAction[argparse.ArgumentParser],
        common: argparse.ArgumentParser,
    ) -> None:
        self._sub = sub
        self._common = common

    def add(
        self, name: str, func: Handler, help: str, *, common: bool = True
    ) -> argparse.ArgumentParser:
        """A command; returns its parser for the command's own arguments."""
        parents = [self._common] if common else []
        c = self._sub.add_parser(name, parents=parents, help=help, description=help)
        c.set_defaults(func=func)
        return c

    def group(self, name: str, help: str) -> Commands:
        """A group of actions (``hall-admin NAME ACTION``)."""
        sub = self._sub.add_parser(name, help=help).add_subparsers(
            dest=f"{name}_command", required=True, metavar="ACTION"
        )
        return Commands(sub, self._common)


def token_file(data_dir: Path | None = None) -> Path:
    """The server's admin-token file: in ``data_dir`` (``--data-dir``), else where the server
    keeps it (``HALL_DATA_DIR``, else the platform's data dir)."""
    where = data_dir or os.environ.get("HALL_DATA_DIR") or user_data_dir(APP_NAME)
    return Path(where) / ADMIN_TOKEN_FILE


def resolve_token(given: str | None, data_dir: Path | None = None) -> str:
    """The admin token: the option, the environment, or the server's token file."""
    if given:
        return given
    env = os.environ.get("HALL_ADMIN_TOKEN")
    if env:
        return env
    path = token_file(data_dir)
    try:
        return path.read_text().strip()
    except OSError:
        raise SetupError(
            f"no admin token: pass --token, set HALL_ADMIN_TOKEN, or run on the server's machine "
            f"(the server writes {path} on first start)"
        ) from None


def admin_client(args: argparse.Namespace) -> AdminClient:
    """The store's admin API as ``--server``, ``--token`` and ``--data-dir`` say."""
    return AdminClient(args.server, resolve_token(args.token, getattr(args, "data_dir", None)))

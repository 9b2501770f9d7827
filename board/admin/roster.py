"""``hall-admin roster import FILE``: the hall's units, windows, staff and reasons."""

from __future__ import annotations

import argparse
from pathlib import Path

from board.admin._cli import Commands, SetupError, admin_client
from sync.client import ApiError


def cmd_roster_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SetupError(f"cannot read {path}: {e.strerror}") from None
    with admin_client(args) as admin:
        try:
            s = admin.import_roster(data, path.name)
        except ApiError as e:
            if e.status != 422 or not e.problems:
                raise
            print(f"{path}: refused, nothing was applied ({len(e.problems)} problem(s)):")
            for p in e.problems:
                print(f"  line {p['line']}, column {p['column']}: {p['message']}")
            return 1
    verb = "created" if s["hall_created"] else "updated"
    print(f"hall {s['hall']} {s['name']} ({s['tz']}) {verb} from {path.name}:")
    for kind in ("categories", "units", "windows", "staff", "reasons"):
        k = s[kind]
        print(
            f"  {kind:<10} {k['total']:>4}  (+{k['added']} new, {k['updated']} changed, "
            f"-{k['removed']} removed)"
        )
    return 0


def register(commands: Commands) -> None:
    roster = commands.group("roster", "the hall's roster")
    c = roster.add("import", cmd_roster_import, "import a roster file (CSV or XLSX)")
    c.add_argument("file", type=Path)

"""``hall-admin anomalies``: seq gaps and hash-chain breaks the store found per terminal."""

from __future__ import annotations

import argparse

from board.admin._cli import Commands, admin_client


def cmd_anomalies(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        rows = admin.anomalies(args.terminal, include_resolved=args.all)
    if not rows:
        print("no anomalies" + ("" if args.all else " open"))
        return 0
    for a in rows:
        state = f"resolved {a.resolved_at.astimezone():%Y-%m-%d %H:%M}" if a.resolved_at else "open"
        print(
            f"{a.detected_at.astimezone():%Y-%m-%d %H:%M}  {a.terminal}  {a.kind:<12} "
            f"{a.detail}  [{state}]"
        )
    return 0


def register(commands: Commands) -> None:
    c = commands.add("anomalies", cmd_anomalies, "seq gaps and hash-chain breaks per terminal")
    c.add_argument("--terminal")
    c.add_argument("--all", action="store_true", help="include resolved ones")

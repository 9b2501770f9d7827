"""``hall-admin board credential``: a token for a wall board."""

from __future__ import annotations

import argparse

from board.admin._cli import Commands, admin_client


def cmd_board_credential(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        token = admin.create_board_credential(args.hall, args.label)
    scope = f"hall {args.hall}" if args.hall else "every hall"
    print(f"Board token (reads {scope}; shown once, keep it like a password):")
    print(token)
    return 0


def register(commands: Commands) -> None:
    board = commands.group("board", "wall boards")
    c = board.add("credential", cmd_board_credential, "print a new board token")
    c.add_argument("--hall", help="limit the token to one hall")
    c.add_argument("--label", help="a note, e.g. 'lobby wall'")

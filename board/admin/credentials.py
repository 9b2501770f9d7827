"""``hall-admin board credential|list|revoke``: the wall boards' credentials."""

from __future__ import annotations

import argparse

from board.admin._cli import Commands, admin_client


def cmd_board_credential(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        cred = admin.create_board_credential(args.hall, args.label)
    print(f"Board credential {cred.id} reads {cred.scope}.")
    if cred.hall is None:
        print("It reads every hall of this store; --hall HALL makes a token for one hall only.")
    print("Its token (shown once; keep it like a password):")
    print(cred.token)
    return 0


def cmd_board_list(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        creds = admin.board_credentials(include_revoked=args.all)
    if not creds:
        print("no board credentials" + ("" if args.all else " in use"))
        return 0
    print(f"{'id':>4}  {'reads':<14} {'created':<16} {'state':<18} label")
    for c in creds:
        state = f"revoked {c.revoked_at.astimezone():%Y-%m-%d}" if c.revoked_at else "active"
        print(
            f"{c.id:>4}  {c.scope:<14} {c.created_at.astimezone():%Y-%m-%d %H:%M} "
            f"{state:<18} {c.label or ''}"
        )
    return 0


def cmd_board_revoke(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        c = admin.revoke_board_credential(args.credential)
    print(f"board credential {c.id} (reads {c.scope}) revoked; its token no longer works")
    return 0


def register(commands: Commands) -> None:
    board = commands.group("board", "wall boards")
    c = board.add("credential", cmd_board_credential, "print a new board token")
    c.add_argument("--hall", help="limit the token to one hall (default: it reads every hall)")
    c.add_argument("--label", help="a note, e.g. 'lobby wall'")
    c = board.add("list", cmd_board_list, "list board credentials and what each reads")
    c.add_argument("--all", action="store_true", help="include revoked ones")
    c = board.add("revoke", cmd_board_revoke, "end a board credential: its token stops working")
    c.add_argument("credential", type=int, help="its id, from hall-admin board list")

"""``hall-admin operator``: the office's named accounts (office, inspector, unit).

    hall-admin operator add wang.fang --role office --hall TL [--full-name 王芳]
    hall-admin operator add yjj.liu --role unit --hall TL --unit YJJ
    hall-admin operator list [--hall TL]
    hall-admin operator reset-password yjj.liu
    hall-admin operator disable yjj.liu          # (enable to undo)
    hall-admin operator sign-in wang.fang --json # a session token for --token
    hall-admin operator change-password --token SESSION   # one's own password

Without ``--password-stdin`` the server makes the password and it is printed once; with it, the
first line of standard input is the password (``printf '%s\\n' "$PW" | hall-admin …``).
``--json`` prints only JSON (the created or changed account; ``password`` where one was made).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from board.admin._cli import Commands, SetupError, admin_client
from board.admin._output import add_json_flag, print_json
from sync.client import sign_in

ROLES = ("office", "inspector", "unit")


def _password_from_stdin(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise SetupError("--password-stdin: standard input has no password on its first line")
    return line


def _describe(o: dict[str, Any]) -> str:
    scope = (
        f"unit {o['unit']} of hall {o['halls'][0]}"
        if o["role"] == "unit"
        else ", ".join(o["halls"])
    )
    name = f"{o['name']} ({o['full_name']})" if o.get("full_name") else o["name"]
    return f"{name}: {o['role']}, {scope}"


def _state(o: dict[str, Any]) -> str:
    if o.get("disabled_at"):
        return "disabled"
    if o.get("locked_until"):
        return "locked"
    return "active"


def cmd_add(args: argparse.Namespace) -> int:
    password = _password_from_stdin(args)
    with admin_client(args) as admin:
        made = admin.create_operator(
            args.name,
            args.role,
            args.hall,
            unit=args.unit,
            full_name=args.full_name or "",
            password=password,
        )
    if args.json:
        print_json(made)
        return 0
    print(f"operator {_describe(made)} created")
    if made.get("password"):
        print("Password (shown once; hand it over in person; the operator changes it with")
        print("'hall-admin operator change-password' or in the console after signing in):")
        print(made["password"])
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        rows = admin.operators(args.hall)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no operators" + (f" in hall {args.hall}" if args.hall else ""))
        return 0
    print(f"{'name':<20} {'role':<10} {'halls / unit':<16} {'state':<9} last sign-in")
    for o in rows:
        scope = f"{o['halls'][0]}/{o['unit']}" if o["role"] == "unit" else ",".join(o["halls"])
        seen = o.get("last_signin_at") or "never"
        print(f"{o['name']:<20} {o['role']:<10} {scope:<16} {_state(o):<9} {seen[:16]}")
    return 0


def cmd_reset_password(args: argparse.Namespace) -> int:
    password = _password_from_stdin(args)
    with admin_client(args) as admin:
        out = admin.reset_operator_password(args.name, password)
    if args.json:
        print_json(out)
        return 0
    ended = out["sessions_ended"]
    print(f"password of {args.name} reset; {ended} session(s) ended, any lock lifted")
    if out.get("password"):
        print("New password (shown once):")
        print(out["password"])
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        o = admin.disable_operator(args.name)
    if args.json:
        print_json(o)
    else:
        print(f"operator {args.name} disabled: signed out everywhere, cannot sign in")
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        o = admin.enable_operator(args.name)
    if args.json:
        print_json(o)
    else:
        print(f"operator {args.name} enabled")
    return 0


def cmd_sign_in(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = _password_from_stdin(args) or ""
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password of {args.name}: ")
    else:
        raise SetupError("give the password on standard input with --password-stdin")
    s = sign_in(args.server, args.name, password)
    if args.json:
        print_json(
            {
                "token": s.token,
                "expires_at": s.expires_at.isoformat(),
                "name": s.name,
                "role": s.role,
                "halls": list(s.halls),
                "unit": s.unit,
            }
        )
        return 0
    print(f"signed in as {s.name} ({s.role}) until {s.expires_at.astimezone():%Y-%m-%d %H:%M}")
    print("Session token (use as --token or HALL_ADMIN_TOKEN; keep it like a password):")
    print(s.token)
    return 0


def cmd_change_password(args: argparse.Namespace) -> int:
    if args.password_stdin:
        current = sys.stdin.readline().rstrip("\r\n")
        new = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        current = getpass.getpass("current password: ")
        new = getpass.getpass("new password: ")
        if getpass.getpass("new password again: ") != new:
            raise SetupError("the two new passwords differ; nothing changed")
    else:
        raise SetupError("give the current and the new password on stdin with --password-stdin")
    if not current or not new:
        raise SetupError("--password-stdin: the current password, then the new one, one a line")
    with admin_client(args) as api:
        api.change_password(current, new)
    if args.json:
        print_json({"changed": True})
    else:
        print("password changed; the account's other sessions have ended")
    return 0


def register(commands: Commands) -> None:
    op = commands.group("operator", "named accounts of the office, inspectors and units")
    c = op.add("add", cmd_add, "create an operator (the server makes its password)")
    c.add_argument("name", help="the sign-in name, e.g. wang.fang")
    c.add_argument("--role", required=True, choices=ROLES)
    c.add_argument(
        "--hall",
        action="append",
        required=True,
        help="a hall it acts in (repeat for several; a unit operator has one)",
    )
    c.add_argument("--unit", help="role unit: its unit's code")
    c.add_argument("--full-name", help="the person's name, e.g. 王芳")
    c.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add_json_flag(c)
    c = op.add("list", cmd_list, "list the operators (of your halls)")
    c.add_argument("--hall")
    add_json_flag(c)
    c = op.add(
        "reset-password", cmd_reset_password, "set a new password; ends its sessions, lifts a lock"
    )
    c.add_argument("name")
    c.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add_json_flag(c)
    c = op.add("disable", cmd_disable, "disable an account: signed out, cannot sign in")
    c.add_argument("name")
    add_json_flag(c)
    c = op.add("enable", cmd_enable, "enable a disabled account again")
    c.add_argument("name")
    add_json_flag(c)
    c = op.add(
        "change-password",
        cmd_change_password,
        "change your own password (--token is your session token)",
    )
    c.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the current password, then the new one, from stdin (one a line)",
    )
    add_json_flag(c)
    c = op.add("sign-in", cmd_sign_in, "sign in as an operator: print a session token")
    c.add_argument("name")
    c.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add_json_flag(c)

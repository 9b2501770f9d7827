"""``hall-admin``: the hall office's command line to the central store.

    hall-admin roster import assets/roster/demo-hall.csv
    hall-admin kiosk enroll --window A01 [--minutes 30] [--png code.png | --png code.svg]
    hall-admin kiosk list
    hall-admin kiosk revoke TERMINAL
    hall-admin board credential [--hall TL] [--label wall]
    hall-admin anomalies [--terminal T] [--all]
    hall-admin poster --quarter 2026Q3

The server is ``--server`` or ``HALL_SERVER_URL`` (default http://127.0.0.1:8600); the admin
token is ``--token``, else ``HALL_ADMIN_TOKEN``, else the ``admin-token`` file the server wrote
in its data dir (``HALL_DATA_DIR`` or the platform's data dir) on first start.
Exit status: 0 done, 1 the server refused (the message says why), 2 a usage or setup problem.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_data_dir

from sync.client import DEFAULT_SERVER_URL, AdminClient, ApiError

__all__ = ["main", "resolve_token"]

log = logging.getLogger(__name__)


class SetupError(Exception):
    """Something the admin must fix before the command can run (no token, unreadable file)."""


def token_file() -> Path:
    data_dir = os.environ.get("HALL_DATA_DIR") or user_data_dir("hall-ratings")
    return Path(data_dir) / "admin-token"


def resolve_token(given: str | None) -> str:
    """The admin token: the option, the environment, or the server's token file."""
    if given:
        return given
    env = os.environ.get("HALL_ADMIN_TOKEN")
    if env:
        return env
    path = token_file()
    try:
        return path.read_text().strip()
    except OSError:
        raise SetupError(
            f"no admin token: pass --token, set HALL_ADMIN_TOKEN, or run on the server's machine "
            f"(the server writes {path} on first start)"
        ) from None


def _client(args: argparse.Namespace) -> AdminClient:
    return AdminClient(args.server, resolve_token(args.token))


# ---------------------------------------------------------------- commands


def cmd_roster_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SetupError(f"cannot read {path}: {e.strerror}") from None
    with _client(args) as admin:
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


def cmd_kiosk_enroll(args: argparse.Namespace) -> int:
    with _client(args) as admin:
        code = admin.create_enrolment_code(args.window, hall=args.hall, minutes=args.minutes)
    local = code.expires_at.astimezone()
    print(f"Enrolment code for window {code.window} of hall {code.hall}:")
    print()
    print(f"    {code.code}")
    print()
    print(
        f"Valid once, until {local:%Y-%m-%d %H:%M %Z}. On the kiosk: hall-kiosk --enroll {code.code}"
    )
    if args.png:
        write_qr(code.code, args.png)
        print(f"QR code written to {args.png}")
    else:
        print_qr(code.code, sys.stdout)
    return 0


def cmd_kiosk_list(args: argparse.Namespace) -> int:
    with _client(args) as admin:
        terminals = admin.list_terminals(args.hall)
    if not terminals:
        print("no terminals enrolled")
        return 0
    print(f"{'terminal':<34} {'hall':<6} {'window':<7} {'seq':>7} {'state':<9} last seen")
    for t in terminals:
        state = "revoked" if t.revoked_at else "active"
        seen = f"{t.last_seen_at.astimezone():%Y-%m-%d %H:%M}" if t.last_seen_at else "never"
        warn = f"  ({t.open_anomalies} anomalies)" if t.open_anomalies else ""
        print(
            f"{t.id:<34} {t.hall:<6} {t.window:<7} {t.highest_contiguous_seq:>7} {state:<9} "
            f"{seen}{warn}"
        )
    return 0


def cmd_kiosk_revoke(args: argparse.Namespace) -> int:
    with _client(args) as admin:
        t = admin.revoke_terminal(args.terminal)
    print(f"terminal {t.id} (window {t.window} of hall {t.hall}) revoked; its ratings stay")
    return 0


def cmd_board_credential(args: argparse.Namespace) -> int:
    with _client(args) as admin:
        token = admin.create_board_credential(args.hall, args.label)
    scope = f"hall {args.hall}" if args.hall else "every hall"
    print(f"Board token (reads {scope}; shown once, keep it like a password):")
    print(token)
    return 0


def cmd_anomalies(args: argparse.Namespace) -> int:
    with _client(args) as admin:
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


def cmd_poster(args: argparse.Namespace) -> int:
    from board.poster import main_poster

    if not args.server:
        args.server = DEFAULT_SERVER_URL
    if not args.token and not args.demo_data:
        args.token = resolve_token(None)  # the admin may read every hall's standings
    code: int = main_poster(args)
    return code


# ---------------------------------------------------------------- QR codes


def print_qr(text: str, out: io.TextIOBase | object) -> None:
    """The code as a QR code in the terminal (half-block characters)."""
    import qrcode

    qr = qrcode.QRCode(border=2)
    qr.add_data(text)
    qr.print_ascii(out=out, invert=True)


def write_qr(text: str, path: Path) -> None:
    """The code as a QR image: SVG by qrcode itself, PNG painted by Qt (no Pillow needed)."""
    import qrcode

    if path.suffix.lower() == ".svg":
        from qrcode.image.svg import SvgPathImage

        img = qrcode.make(text, image_factory=SvgPathImage, box_size=20, border=4)
        with open(path, "wb") as f:
            img.save(f)
        return
    if path.suffix.lower() != ".png":
        raise SetupError(f"{path}: the QR code can be written as .png or .svg")
    qr = qrcode.QRCode(border=4)
    qr.add_data(text)
    matrix = qr.get_matrix()
    from PySide6.QtGui import QColor, QImage

    scale = 12
    size = len(matrix) * scale
    image = QImage(size, size, QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    black = QColor("black").rgb()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    for dx in range(scale):
                        image.setPixel(x * scale + dx, y * scale + dy, black)
    if not image.save(str(path)):
        raise SetupError(f"could not write {path}")


# ---------------------------------------------------------------- parser


def _parser(argv: list[str]) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--server",
        default=os.environ.get("HALL_SERVER_URL", DEFAULT_SERVER_URL),
        help="the central store (env HALL_SERVER_URL; default %(default)s)",
    )
    common.add_argument("--token", help="admin token (env HALL_ADMIN_TOKEN, else the token file)")

    p = argparse.ArgumentParser(
        prog="hall-admin",
        description="Administer a Hall Ratings central store: roster, terminals, credentials.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        func: Callable[[argparse.Namespace], int],
        help: str,
    ) -> argparse.ArgumentParser:
        c = parent.add_parser(name, parents=[common], help=help, description=help)
        c.set_defaults(func=func)
        return c

    roster = sub.add_parser("roster", help="the hall's roster").add_subparsers(
        dest="roster_command", required=True, metavar="ACTION"
    )
    c = command(roster, "import", cmd_roster_import, "import a roster file (CSV or XLSX)")
    c.add_argument("file", type=Path)

    kiosk = sub.add_parser("kiosk", help="counter terminals").add_subparsers(
        dest="kiosk_command", required=True, metavar="ACTION"
    )
    c = command(kiosk, "enroll", cmd_kiosk_enroll, "print a one-time enrolment code for a window")
    c.add_argument("--window", required=True, help="window code, e.g. A01")
    c.add_argument("--hall", help="hall code (needed only if several halls have that window)")
    c.add_argument("--minutes", type=int, help="how long the code stays valid (default 30)")
    c.add_argument("--png", type=Path, help="write the QR code to this .png or .svg file")
    c = command(kiosk, "list", cmd_kiosk_list, "list enrolled terminals")
    c.add_argument("--hall")
    c = command(kiosk, "revoke", cmd_kiosk_revoke, "end a terminal: its token stops working")
    c.add_argument("terminal")

    board = sub.add_parser("board", help="wall boards").add_subparsers(
        dest="board_command", required=True, metavar="ACTION"
    )
    c = command(board, "credential", cmd_board_credential, "print a new board token")
    c.add_argument("--hall", help="limit the token to one hall")
    c.add_argument("--label", help="a note, e.g. 'lobby wall'")

    c = command(sub, "anomalies", cmd_anomalies, "seq gaps and hash-chain breaks per terminal")
    c.add_argument("--terminal")
    c.add_argument("--all", action="store_true", help="include resolved ones")

    poster = sub.add_parser(
        "poster", help="print the quarter's red/black list poster (A3 PDF and PNG)"
    )
    poster.set_defaults(func=cmd_poster)
    if "poster" in argv:  # its options come with the Qt code that draws it: load only when used
        from board.poster import add_poster_arguments

        add_poster_arguments(poster)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser(argv).parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())

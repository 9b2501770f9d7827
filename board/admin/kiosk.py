"""``hall-admin kiosk enroll|list|revoke``: the counter terminals."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from board.admin._cli import Commands, SetupError, admin_client


def cmd_kiosk_enroll(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
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
    with admin_client(args) as admin:
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
    with admin_client(args) as admin:
        t = admin.revoke_terminal(args.terminal)
    print(f"terminal {t.id} (window {t.window} of hall {t.hall}) revoked; its ratings stay")
    return 0


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
    from board._qt.qr_image import write_png  # Qt only for a PNG

    if not write_png(qr.get_matrix(), path):
        raise SetupError(f"could not write {path}")


def register(commands: Commands) -> None:
    kiosk = commands.group("kiosk", "counter terminals")
    c = kiosk.add("enroll", cmd_kiosk_enroll, "print a one-time enrolment code for a window")
    c.add_argument("--window", required=True, help="window code, e.g. A01")
    c.add_argument("--hall", help="hall code (needed only if several halls have that window)")
    c.add_argument("--minutes", type=int, help="how long the code stays valid (default 30)")
    c.add_argument("--png", type=Path, help="write the QR code to this .png or .svg file")
    c = kiosk.add("list", cmd_kiosk_list, "list enrolled terminals")
    c.add_argument("--hall")
    c = kiosk.add("revoke", cmd_kiosk_revoke, "end a terminal: its token stops working")
    c.add_argument("terminal")

"""``hall-kiosk``: the counter app.

    hall-kiosk [--config FILE] [--windowed] [--size 1920x1080]
               [--screenshot PNG] [--screenshots DIR] [--enroll CODE]

With no config file the demo runs (window A01 of the demo hall). A bad config is shown on
screen and on stderr, exit code 2. ``--screenshots DIR`` renders every screen at 1920×1080 and
1280×800 into DIR using a throwaway store, and works with no display.

Environment: ``HALL_KIOSK_BENCH_FIRST_FRAME=1`` prints ``first_frame rss_kb=N`` once the first
frame is painted and exits (tests/bench/bench_kiosk_start.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from kiosk.config import ConfigError, KioskConfig, load_config, load_roster
from kiosk.flow import Flow
from kiosk.store import LocalStore, StoreUnavailable
from sync.roster import Roster

if TYPE_CHECKING:
    from kiosk.sync_link import SyncLink

__all__ = [
    "main",
    "make_flow",
    "open_store",
    "parse_args",
    "qr_url",
    "restore_sign_in",
    "save_sign_in",
]

log = logging.getLogger("kiosk")

SIGNED_IN_FILE = "signed-in.json"
EXIT_CONFIG = 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="hall-kiosk", description="The counter rating kiosk.")
    p.add_argument("--config", type=Path, help="kiosk TOML file (default: the user config dir)")
    p.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    p.add_argument("--size", type=_size, help="window size WxH, e.g. 1920x1080")
    p.add_argument("--screenshot", type=Path, metavar="PNG", help="render the start screen, exit")
    p.add_argument("--screenshots", type=Path, metavar="DIR", help="render every screen, exit")
    p.add_argument("--enroll", metavar="CODE", help="enrol this kiosk with a one-time code, exit")
    return p.parse_args(argv)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1920x1080, got {text!r}") from None
    if w < 640 or h < 480:
        raise argparse.ArgumentTypeError("size must be at least 640x480")
    return w, h


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    rendering = bool(args.screenshot or args.screenshots)
    if rendering and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    try:
        config = load_config(args.config)
    except ConfigError as e:
        return _config_failed(e, args)

    if args.enroll:
        return _enroll(config, args.enroll)

    link = _sync_link(config)
    try:
        roster = load_roster(config, cached=link.cached_roster() if link else None)
    except ConfigError as e:
        return _config_failed(e, args)

    from kiosk._qt.app import run  # Qt only now: config errors and enrolment answer without it

    return run(args, config, roster, link)


# ------------------------------------------------------------------------------ start-up
def make_flow(config: KioskConfig, roster: Roster, store: LocalStore | None, **kw: Any) -> Flow:
    """The counter's flow as its config describes it (``kw``: problem, clock)."""
    return Flow(
        roster=roster,
        window=config.window,
        store=store,
        timings=config.timings,
        misuse=config.misuse(roster),
        staff_pin=config.staff_pin,
        language=config.language,
        **kw,
    )


def open_store(
    config: KioskConfig, roster: Roster
) -> tuple[LocalStore | None, str | None, Path | None]:
    try:
        store = LocalStore(config.store_path, tz=roster.hall.tz)
    except StoreUnavailable as e:
        log.error("local store unavailable: %s", e)
        return None, e.reason, None
    if store.recovered_from:
        log.warning("corrupt data file moved aside to %s", store.recovered_from)
    return store, None, store.recovered_from


def _sync_link(config: KioskConfig) -> SyncLink | None:
    """The pusher link when a server is configured; local-only kiosks never import httpx."""
    if not config.server_url:
        return None
    from kiosk.sync_link import SyncLink

    return SyncLink(config)


def qr_url(config: KioskConfig, roster: Roster) -> str | None:
    """The phone rating page for this window (the hall too: a district store holds many)."""
    if not config.server_url:
        return None
    query = urlencode({"hall": roster.hall.code, "window": config.window})
    return f"{config.server_url.rstrip('/')}/rate?{query}"


# ----------------------------------------------------------------------- config errors
def _config_failed(e: ConfigError, args: argparse.Namespace) -> int:
    sys.stderr.write(f"hall-kiosk: configuration error: {e}\n")
    if args.screenshot or args.screenshots:
        return EXIT_CONFIG
    from kiosk._qt.app import show_config_error

    show_config_error(e, args)
    return EXIT_CONFIG


def _enroll(config: KioskConfig, code: str) -> int:
    if not config.server_url:
        sys.stderr.write(
            f"hall-kiosk: {config.source}: [kiosk.server_url] is empty; "
            "set the server's address before enrolling\n"
        )
        return EXIT_CONFIG
    from kiosk.sync_link import EnrollError, SyncLink

    try:
        creds = SyncLink(config).enroll(code)
    except EnrollError as e:
        sys.stderr.write(f"hall-kiosk: enrolment failed: {e}\n")
        return 1
    sys.stdout.write(
        f"enrolled: terminal {creds.terminal}, window {creds.window}, hall {creds.hall}\n"
    )
    return 0


# --------------------------------------------------------------------- sign-in memory
def save_sign_in(flow: Flow, config: KioskConfig) -> None:
    """Remember who is signed in so a restart mid-day keeps the attribution."""
    path = config.data_dir / SIGNED_IN_FILE
    s = flow.signed_in
    today = datetime.now(UTC).astimezone(flow.roster.zone).date().isoformat()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if s is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(json.dumps({"staff": s.code, "date": today}), encoding="utf-8")
    except OSError as e:
        log.warning("cannot remember the sign-in: %s", e)


def restore_sign_in(flow: Flow, config: KioskConfig) -> None:
    path = config.data_dir / SIGNED_IN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    today = datetime.now(UTC).astimezone(flow.roster.zone).date().isoformat()
    code = data.get("staff") if isinstance(data, dict) else None
    # A sign-in lasts one working day: tomorrow's first citizen must not rate yesterday's staff.
    if data.get("date") == today and code in {s.code for s in flow.window_staff}:
        flow.sign_in(code)


if __name__ == "__main__":
    sys.exit(main())

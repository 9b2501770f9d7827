"""``hall-admin --screenshots DIR``: every console page, at 1366×768 and 1920×1080, zh and en.

Against ``--server`` with the admin token, or, without one, a demo hall started for the purpose
(``board.demo``: the demo roster and a quarter of ratings pushed as kiosks would). Besides the
pages: the sign-in form with a refusal, the enrolment code's QR dialog, and a roster file's
problems listed by line and column.
"""

from __future__ import annotations

import logging
import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from board._qt.console.app import SIZES, ConsolePrefs, _app
from board._qt.console.qt_common import Identity
from board._qt.console.qt_window import ConsoleWindow
from board._qt.console.qt_worker import ApiWorker, Client
from board._qt.console.texts import LANGS, Lang
from sync.client import ApiError

__all__ = ["render_screenshots", "shoot_console"]

log = logging.getLogger(__name__)

BAD_ROSTER = (
    "kind,code,name,parent,detail,note\n"
    "hall,TL,铜梁区市民服务中心,,Asia/Shanghai,\n"
    "hours,mon,,,08:20-17:30,\n"
    "unit,YJJ,区应急管理局,NOSUCH,,\n"
    "window,A01,无差别综合窗口1,YJJ,WZB,\n"
    "staff,,王小琴,YJJ,A01,\n"
)


def _grab(widget: QWidget, path: Path) -> Path:
    QApplication.processEvents()
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    return path


def shoot_console(out: Path, server: str, client_factory: object, identity: Identity) -> list[Path]:
    """Render every page of ``identity``'s console at each size and language."""
    written: list[Path] = []
    for lang in LANGS:
        for w, h in SIZES:
            written += _shoot_one(out, server, client_factory, identity, lang, w, h)
    return written


def _shoot_one(
    out: Path,
    server: str,
    client_factory: object,
    identity: Identity,
    lang: Lang,
    w: int,
    h: int,
) -> list[Path]:
    from PySide6.QtCore import Qt

    from board._qt.console.qt_signin import SignInWindow, refusal_text
    from board._qt.console.texts import Tr

    prefix = f"{w}x{h}-{lang}"
    written: list[Path] = []
    form = SignInWindow(ConsolePrefs(name="li.na"), server, lang=lang)
    form.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    form.resize(w, h)
    form.show()
    form.message.setText(refusal_text(Tr(lang), ApiError(401, "wrong name or password"), server))
    written.append(_grab(form, out / f"{prefix}-00-sign-in.png"))
    form.close()
    form.deleteLater()

    api = ApiWorker(client_factory())  # type: ignore[operator]
    window = ConsoleWindow(api, identity, lang=lang, client_factory=client_factory)  # type: ignore[arg-type]
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.resize(w, h)
    window.show()
    try:
        window.settle()
        written += window.render_pages(out, prefix)
        if "terminals" in window.pages:
            page = window.show_page("terminals")
            window.settle()
            dialog = page.enrol()  # type: ignore[attr-defined]
            window.settle()
            dialog._on_create()
            window.settle()
            written.append(_grab(dialog, out / f"{prefix}-90-enrol-qr.png"))
            dialog.close()
        if "roster" in window.pages:
            page = window.show_page("roster")
            window.settle()
            bad = out / "bad-roster.csv"
            bad.write_text(BAD_ROSTER, encoding="utf-8")
            page.import_file(bad)  # type: ignore[attr-defined]
            window.settle()
            dialog = page.dialog  # type: ignore[attr-defined]
            if dialog is not None:
                written.append(_grab(dialog, out / f"{prefix}-91-roster-problems.png"))
                dialog.close()
            bad.unlink()
    finally:
        window.close()
        api.stop()
        window.deleteLater()
        QApplication.processEvents()
    return written


def render_screenshots(out: Path, server: str | None, token: str | None) -> int:
    """Write the screenshots; start a demo hall when no server is given. Returns an exit code."""
    app = _app()
    out.mkdir(parents=True, exist_ok=True)
    assert app is not None
    if server and token:
        identity = Identity(server, "admin", "admin")
        paths = shoot_console(out, server, lambda: Client(server, token), identity)
        log.info("wrote %d screenshots to %s", len(paths), out)
        return 0
    from assets import DEMO_ROSTER
    from board.demo import Hall, fill_history
    from board.demo_office import fill_office
    from sync.roster import parse_roster

    where = Path(tempfile.mkdtemp(prefix="hall-console-shots-"))
    hall = Hall(where)
    try:
        hall.start_server()
        with hall.admin() as a:
            a.import_roster_file(DEMO_ROSTER)
        roster = parse_roster(DEMO_ROSTER)
        rng = random.Random(20261122)
        fill_history(hall, roster, datetime.now(UTC), rng)
        fill_office(hall.url, hall.admin_token, roster, datetime.now(UTC), rng)
        url, admin_token = hall.url, hall.admin_token
        identity = Identity(url, "admin", "admin")
        paths = shoot_console(out, url, lambda: Client(url, admin_token), identity)
    finally:
        hall.stop()
    log.info("wrote %d screenshots to %s", len(paths), out)
    return 0

"""``hall-admin`` with no command: the office console window.

    hall-admin                                  # sign in (server, name, password)
    hall-admin --server URL --token TOKEN       # open with the admin token (bootstrap, scripts)
    hall-admin --screenshots DIR                # every page, 1366×768 and 1920×1080, zh and en

With ``--screenshots`` and no ``--server``, a demo hall is started in a temporary directory
(the demo roster and a quarter of ratings, as ``hall-demo`` does) and photographed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from board._qt.console.texts import Lang
from sync.defaults import APP_NAME

__all__ = ["ConsolePrefs", "main", "run_console"]

log = logging.getLogger(__name__)

SIZES = ((1366, 768), (1920, 1080))


@dataclass
class ConsolePrefs:
    """What the console remembers between runs: server, name, language, hall. Never a password."""

    server: str = ""
    name: str = ""
    lang: Lang = "zh"
    hall: str = ""

    @staticmethod
    def path() -> Path:
        return Path(user_config_dir(APP_NAME)) / "console.json"

    @classmethod
    def load(cls) -> ConsolePrefs:
        try:
            d = json.loads(cls.path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        lang: Lang = "en" if d.get("lang") == "en" else "zh"
        return cls(str(d.get("server", "")), str(d.get("name", "")), lang, str(d.get("hall", "")))

    def save(self) -> None:
        p = self.path()
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            data = {"server": self.server, "name": self.name, "lang": self.lang, "hall": self.hall}
            p.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as e:  # remembering is a convenience; never stop the console for it
            log.warning("could not remember the console's settings in %s: %s", p, e)


def _app() -> Any:
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from assets._qt import cjk_family

    app = QApplication.instance() or QApplication(sys.argv[:1])
    f = QFont(cjk_family())
    f.setPixelSize(15)
    QApplication.setFont(f)  # the shipped CJK font: an office PC may have none
    return app


def run_console(server: str | None, token: str | None) -> int:
    """Open the console: with ``token`` at once, else after signing in. Blocks until closed."""
    from board._qt.console.qt_session import ConsoleShell

    app = _app()
    shell = ConsoleShell(ConsolePrefs.load(), server=server, token=token)
    shell.start()
    try:
        return int(app.exec())
    finally:
        shell.stop()


def main(server: str | None, token: str | None, screenshots: Path | None) -> int:
    """``hall-admin [--server URL] [--token T] [--screenshots DIR]``."""
    if screenshots is not None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from board._qt.console.shots import render_screenshots

        return render_screenshots(screenshots, server, token)
    return run_console(server, token)

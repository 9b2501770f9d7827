"""The neutral chime on the thank-you screen: the same sound for every level.

PySide6-Essentials has no QtMultimedia. If the full PySide6 is installed we use QSoundEffect;
otherwise a desktop sound player (``paplay``/``aplay``) is started detached, never blocking the
GUI thread; with neither, the kiosk stays silent and relies on the visible thank-you screen.
"""

from __future__ import annotations

import logging
import shutil
from typing import Any

from PySide6.QtCore import QProcess, QUrl

from assets import CHIME as CHIME_FILE

__all__ = ["CHIME", "Chime"]

log = logging.getLogger(__name__)

CHIME = CHIME_FILE


class Chime:
    """Plays ``CHIME``; picks its backend on first use so start-up stays light."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._backend: str | None = None
        self._effect: Any = None
        self._player: str | None = None

    @property
    def backend(self) -> str:
        self._choose()
        return self._backend or "none"

    def _choose(self) -> None:
        if self._backend is not None:
            return
        try:
            from PySide6.QtMultimedia import QSoundEffect  # type: ignore[import-not-found,unused-ignore]

            self._effect = QSoundEffect()
            self._effect.setSource(QUrl.fromLocalFile(str(CHIME)))
            self._backend = "qtmultimedia"
            return
        except ImportError:
            pass
        for player in ("paplay", "aplay", "pw-play"):
            path = shutil.which(player)
            if path:
                self._player = path
                self._backend = player
                return
        log.info("no sound backend (QtMultimedia, paplay, aplay): the thank-you is visual only")
        self._backend = "none"

    def play(self) -> None:
        if not self.enabled:
            return
        self._choose()
        if self._effect is not None:
            self._effect.play()
        elif self._player is not None:
            args = ["-q", str(CHIME)] if self._backend == "aplay" else [str(CHIME)]
            QProcess.startDetached(self._player, args)

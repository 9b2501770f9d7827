"""The kiosk's sounds, played in-process: a neutral tap, the time-limit warning, the thank-you.

No external player and no QtMultimedia (PySide6-Essentials has none): the ``miniaudio`` wheel
carries its own audio code for ALSA and PulseAudio/PipeWire on Linux, WASAPI on Windows and
CoreAudio on macOS, loaded in this process. The tap is the same for every face, so nobody
near the counter can hear which level was chosen.

The device is opened on a background thread the first time a sound plays (opening an audio
device can take a moment; the GUI thread never waits for it) and then stays open; its own
audio thread pulls the queued clips. With no audio device at all the kiosk stays silent and
says so once in the log; the screens carry every cue on their own.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import wave
from collections import deque
from pathlib import Path
from typing import Any

from assets import ASSETS, CHIME

__all__ = ["RATE", "SOUND_FILES", "Sounds", "load_clip"]

log = logging.getLogger(__name__)

RATE = 22050  # every clip: 22.05 kHz, mono, 16-bit (scripts/make_sounds.py)
SOUND_FILES = {
    "tap": ASSETS / "sounds" / "tap.wav",
    "warning": ASSETS / "sounds" / "warning.wav",
    "thanks": CHIME,
}
RETRY_S = 30.0  # after a failed open, try the device again no sooner than this
PERIOD_MS = 30  # short periods: the tap sounds with the touch, not a fifth of a second later


def load_clip(path: Path) -> bytes:
    """The PCM frames of a 22.05 kHz mono 16-bit WAV file."""
    with wave.open(str(path), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise ValueError(f"{path}: want {RATE} Hz mono 16-bit")
        return w.readframes(w.getnframes())


class Sounds:
    """``play("tap" | "warning" | "thanks")``: queued, never blocks the caller."""

    def __init__(self, enabled: bool = True, backends: list[Any] | None = None) -> None:
        self.enabled = enabled
        self._backends = backends
        self._clips = {name: load_clip(path) for name, path in SOUND_FILES.items()}
        self._lock = threading.Lock()
        self._queue: deque[memoryview] = deque()
        self._device: Any = None
        self._opening = False
        self._failed_at: float | None = None
        self._closed = False
        self.backend = "not opened"

    def open(self) -> None:
        """Open the device now, in the background, so that the first tap sounds at once."""
        self._start(None)

    def play(self, name: str) -> None:
        self._start(self._clips[name])  # a KeyError for an unknown name: a bug, not a no-op

    def _start(self, clip: bytes | None) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self._closed:
                return
            if clip is not None:
                self._queue.append(memoryview(clip))
            if self._device is not None or self._opening:
                return
            if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_S:
                self._queue.clear()
                return
            self._opening = True
        threading.Thread(target=self._open, name="kiosk-sound-open", daemon=True).start()

    @property
    def busy(self) -> bool:
        """Clips are queued that the device has not taken yet."""
        with self._lock:
            return bool(self._queue)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            device, self._device = self._device, None
            self._queue.clear()
        if device is not None:
            device.close()

    # ------------------------------------------------------------------------ internals
    def _open(self) -> None:
        try:
            import miniaudio

            device = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=1,
                sample_rate=RATE,
                buffersize_msec=PERIOD_MS,
                backends=self._backends,
                app_name="hall-kiosk",
            )
            stream = self._stream()
            next(stream)
            device.start(stream)
        except Exception as e:  # no sound card, no server, a broken driver: stay silent
            log.warning("no sound (%s: %s); the screens carry every cue", type(e).__name__, e)
            with self._lock:
                self._opening = False
                self._failed_at = time.monotonic()
                self._queue.clear()
                self.backend = "none"
            return
        with self._lock:
            self._opening = False
            if self._closed:
                device.close()
                return
            self._device = device
            self.backend = str(device.backend)
        # Closed before the interpreter goes: a device closed during finalisation can hang
        # waiting for its audio thread, which waits for the interpreter.
        atexit.register(self.close)
        log.info("sound through %s", self.backend)

    def _stream(self) -> Any:
        """The device's generator: sent a frame count, yields that many frames or fewer (the
        device fills the rest with silence)."""
        frames = yield b""
        while True:
            want = frames * 2
            out = bytearray()
            with self._lock:
                while self._queue and len(out) < want:
                    head = self._queue[0]
                    take = head[: want - len(out)]
                    out += take
                    if len(take) == len(head):
                        self._queue.popleft()
                    else:
                        self._queue[0] = head[len(take) :]
            frames = yield bytes(out)

"""The kiosk's sounds reach the system's audio layer from inside the process, on a machine with
no sound player: heard, not merely asked for.

The "speaker" is ALSA's own ``file`` plugin, set up in the child's ``~/.asoundrc`` to write
every sample it is given into a FIFO this test reads. The child is a real kiosk window with
real ``Sounds``; its PATH holds no program at all, and PulseAudio is pointed nowhere so
that miniaudio takes ALSA, as on a counter PC with no sound server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from kiosk.sound import SOUND_FILES, Sounds, load_clip

CHILD = Path(__file__).with_name("sound_child.py")
SECOND = 22050 * 2  # bytes of 22.05 kHz mono 16-bit


def _listen(fifo: Path, proc: subprocess.Popen[str], timeout: float = 60) -> bytes:
    """Everything written to ``fifo`` until the child is done with it (paced like a device:
    the writer blocks while the pipe is full, so silence cannot pile up)."""
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    heard = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = None
            if chunk:
                heard += chunk
                # Keep at most a second of silence at the end: sound keeps its own pauses.
                sound_end = len(heard.rstrip(b"\0"))
                if len(heard) - sound_end > SECOND:
                    del heard[sound_end + SECOND :]
            elif chunk == b"" and proc.poll() is not None:
                break  # writer closed and the child has gone
            time.sleep(0.002)
    finally:
        os.close(fd)
    return bytes(heard)


def test_tap_thanks_and_warning_are_played_without_an_external_player(
    tmp_path: Path, demo_roster_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    fifo = tmp_path / "speaker"
    os.mkfifo(fifo)
    (home / ".asoundrc").write_text(
        f'pcm.!default {{\n  type file\n  slave.pcm "null"\n  file "{fifo}"\n  format "raw"\n}}\n',
        encoding="utf-8",
    )
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    env = {
        "HOME": str(home),
        "PATH": str(empty_bin),  # an empty directory: no audio player to start
        "QT_QPA_PLATFORM": "offscreen",
        "PULSE_SERVER": f"unix:{tmp_path / 'no-pulse'}",
        "XDG_RUNTIME_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(data), str(demo_roster_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        heard = _listen(fifo, proc)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert "programs on PATH: none" in out
    assert "backend: ALSA" in out, out + err[-2000:]
    clips = {name: load_clip(path) for name, path in SOUND_FILES.items()}
    where = {name: heard.find(clip) for name, clip in clips.items()}
    # Every sample of each clip reached the speaker, in the order the citizen caused them.
    assert all(pos >= 0 for pos in where.values()), (where, len(heard))
    assert where["tap"] < where["thanks"] < where["warning"]


def test_a_machine_without_any_audio_device_stays_silent_and_carries_on() -> None:
    sounds = Sounds(backends=["no-such-backend"])  # opening the device fails
    sounds.play("tap")
    deadline = time.monotonic() + 10
    while sounds.backend == "not opened" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sounds.backend == "none" and not sounds.busy
    sounds.play("thanks")  # no retry storm: dropped until RETRY_S has passed
    assert not sounds.busy
    sounds.close()

"""Benchmark: cold start to first frame, and resident memory, of ``hall-kiosk`` beside a bare
PySide6 window, measured in the same run.

Run: ``python -m tests.bench.bench_kiosk_start [--rounds 5]``. Not pass/fail. Each round starts
both programs as fresh processes (alternating, so caches warm both alike) and times from spawn
to the line each prints once its first frame has been painted; each reports its own VmRSS at
that moment. Aim (issue 2): start within 2× and memory within 1.6× of the bare window.

Byte-code caching is on for both (a deployed kiosk has its ``.pyc`` files), and a warm-up run
of each comes first. With no DISPLAY both run on Qt's offscreen platform, which paints into memory: the figures then
leave out the X server's share, for both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BARE = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication(sys.argv)

def report():
    rss = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines()
               if l.startswith("VmRSS:"))
    sys.stdout.write(f"first_frame rss_kb={rss}\n")
    sys.stdout.flush()
    app.exit(0)

class Window(QWidget):
    painted = False
    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            QTimer.singleShot(0, report)

w = Window()
w.resize(1280, 800)
w.show()
sys.exit(app.exec())
"""


def start_once(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds from spawn to the first-frame line, and the RSS (kB) the child reported."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("first_frame"):
            elapsed = time.perf_counter() - t0
            rss = int(line.split("rss_kb=")[1])
            proc.wait(timeout=30)
            return elapsed, rss
    proc.wait(timeout=30)
    raise RuntimeError(f"{cmd[:3]} exited {proc.returncode} without painting a frame")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)

    env = dict(os.environ)
    # A deployed kiosk runs from byte-compiled modules (pip writes them at install); without
    # this the kiosk's own ~4,000 lines would be compiled from source on every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    platform = env.get("QT_QPA_PLATFORM", "default")
    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp:
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            env[var] = str(Path(tmp) / var.lower())  # the demo config, its store in tmp
        kiosk_env = dict(env, HALL_KIOSK_BENCH_FIRST_FRAME="1")
        bare_cmd = [sys.executable, "-c", BARE]
        kiosk_cmd = [sys.executable, "-m", "kiosk.app", "--windowed", "--size", "1280x800"]
        start_once(kiosk_cmd, kiosk_env)  # warm-up: first run creates the store and caches
        start_once(bare_cmd, env)
        bare: list[tuple[float, int]] = []
        kiosk: list[tuple[float, int]] = []
        for _ in range(args.rounds):
            bare.append(start_once(bare_cmd, env))
            kiosk.append(start_once(kiosk_cmd, kiosk_env))

    def med(xs: list[tuple[float, int]], i: int) -> float:
        return statistics.median(x[i] for x in xs)

    bt, kt = med(bare, 0), med(kiosk, 0)
    bm, km = med(bare, 1) / 1024, med(kiosk, 1) / 1024
    print(f"platform: {platform}; rounds: {args.rounds}; medians")
    print(f"bare PySide6 window : first frame {bt * 1000:7.0f} ms   RSS {bm:6.1f} MB")
    print(f"hall-kiosk (demo)   : first frame {kt * 1000:7.0f} ms   RSS {km:6.1f} MB")
    print(
        f"ratio               : start {kt / bt:5.2f}x (aim <= 2)   memory {km / bm:5.2f}x (aim <= 1.6)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every test isolated: offscreen Qt, and config/data/cache dirs in a temp dir, never ~."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from assets import DEMO_ROSTER

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_home = Path(tempfile.mkdtemp(prefix="hall-tests-home-"))
for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[var] = str(_home / var.lower())
os.environ["HOME"] = str(_home)


@pytest.fixture
def demo_roster_path() -> Path:
    return DEMO_ROSTER


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d

"""The kiosk tests' shared fixtures: the demo roster's window A01 and a local store in a temp dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store import LocalStore
from sync.roster import Roster, parse_roster


@pytest.fixture
def roster(demo_roster_path: Path) -> Roster:
    """The demo hall's roster as window A01's kiosk sees it."""
    return parse_roster(demo_roster_path).for_window("A01")


@pytest.fixture
def store_path(data_dir: Path) -> Path:
    return data_dir / "kiosk.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[LocalStore]:
    """A fresh local store (the hall's default zone), closed after the test."""
    s = LocalStore(store_path)
    yield s
    s.close()

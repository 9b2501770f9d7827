"""The programs tests start, found through ``scripts/setup``'s list (the one place naming them).

``program("pdftoppm")`` is the program's path; a missing program FAILS the test (never a skip)
with what to run. A program not on the list fails too: add it to ``test_programs`` in
``scripts/setup`` first (``tests/test_test_programs.py`` checks that every test does).
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

import pytest

__all__ = ["SETUP", "program", "test_programs"]

SETUP = Path(__file__).resolve().parents[2] / "scripts" / "setup"
_BLOCK = re.compile(r"^test_programs=\($(.*?)^\)", re.M | re.S)
_ENTRY = re.compile(r'^\s*"(\S+)\s+(\S+)"')


@cache
def test_programs() -> dict[str, str]:
    """Program → Debian package, as ``scripts/setup --test`` installs them."""
    block = _BLOCK.search(SETUP.read_text(encoding="utf-8"))
    assert block, f"{SETUP} has no test_programs=( ... ) list"
    out: dict[str, str] = {}
    for line in block.group(1).splitlines():
        m = _ENTRY.match(line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


test_programs.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def program(name: str) -> str:
    """The path of ``name``; fails the test if it is not installed or not on the setup list."""
    package = test_programs().get(name)
    if package is None:
        pytest.fail(f"{name} is not in scripts/setup's test_programs list: add it there first")
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: install it with scripts/setup --test "
            f"(Debian package {package})"
        )
    return path

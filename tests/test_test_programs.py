"""Every program a test starts is on ``scripts/setup``'s list, and the list is installed.

A fresh clone runs ``scripts/setup --test`` and then the suite (``.ci/run``): a program missing
from the list is a red suite on the first fresh machine, as ``pdftoppm`` once was.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.programs import SETUP, test_programs

TESTS = Path(__file__).resolve().parent
_STARTERS = {"run", "Popen", "call", "check_call", "check_output"}


def _test_sources() -> Iterator[Path]:
    # Benchmarks are run by hand (tests/bench, README); the suite is everything else.
    for path in sorted(TESTS.rglob("*.py")):
        if "bench" not in path.relative_to(TESTS).parts:
            yield path


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def programs_started(source: str, name: str = "<test>") -> list[tuple[int, str, str]]:
    """(line, program, how) for each program the code names: ``program("x")``,
    ``shutil.which("x")``, and a subprocess started with a literal name (``how`` = "literal")."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(ast.parse(source, name)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if fname in ("program", "which") and (text := _literal(first)):
            found.append((node.lineno, text, fname))
        elif fname in _STARTERS and isinstance(first, ast.List | ast.Tuple) and first.elts:
            if text := _literal(first.elts[0]):
                found.append((node.lineno, text, "literal"))
    return found


def test_the_scan_finds_every_way_a_test_starts_a_program() -> None:
    code = (
        "import shutil, subprocess\n"
        "subprocess.run(['pdftoppm', 'x'])\n"
        "subprocess.Popen(('soffice', '--headless'))\n"
        "shutil.which('Xvfb')\n"
        "program('chromium')\n"
        "subprocess.run([sys.executable, '-m', 'kiosk.app'])\n"
    )
    assert [(p, how) for _, p, how in programs_started(code)] == [
        ("pdftoppm", "literal"),
        ("soffice", "literal"),
        ("Xvfb", "which"),
        ("chromium", "program"),
    ]


def test_every_program_a_test_starts_is_on_the_setup_list() -> None:
    listed = test_programs()
    missing, bare = [], []
    for path in _test_sources():
        where = path.relative_to(TESTS.parent)
        for line, name, how in programs_started(path.read_text(encoding="utf-8"), str(path)):
            if name not in listed:
                missing.append(f"{where}:{line}: {name}")
            elif how == "literal":
                bare.append(f"{where}:{line}: {name}")
    assert not missing, f"programs tests start that {SETUP.name} --test never installs: {missing}"
    # Started through tests.helpers.programs.program(), a missing program says what to install.
    assert not bare, f"start these through tests.helpers.programs.program(): {bare}"


def test_the_list_names_packages_and_they_are_installed() -> None:
    listed = test_programs()
    for name in ("pdftoppm", "pdftotext", "pdffonts", "Xvfb", "chromium"):
        assert name in listed
    assert listed["pdftoppm"] == "poppler-utils"
    not_found = sorted(p for p in listed if shutil.which(p) is None)
    assert not not_found, f"not installed (run scripts/setup --test): {not_found}"

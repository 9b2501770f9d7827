"""The QR code on the idle screen leads to this window's phone rating page, in this hall."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kiosk.app import qr_url
from kiosk.config import load_config, load_roster


def _config(tmp_path: Path, server: str) -> Path:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\nwindow = "A14"\nserver_url = "{server}"\n', encoding="utf-8")
    return cfg


def test_the_qr_code_names_the_hall_and_the_window(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "http://store.hall:8600/"))
    url = qr_url(config, load_roster(config))
    assert url is not None
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("store.hall:8600", "/rate")
    assert parse_qs(parts.query) == {"hall": ["TL"], "window": ["A14"]}


def test_a_local_only_kiosk_shows_no_qr_code(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, ""))
    assert qr_url(config, load_roster(config)) is None

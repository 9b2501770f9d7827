"""Kiosk config: defaults, the demo fallback, and errors that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import DEMO_ROSTER, ConfigError, Display, load_config, load_roster

GOOD = """
[kiosk]
window = "A13"
data_dir = "data"
language = "en"
server_url = "http://hall.local:8000/"
staff_pin = "2468"

[timings]
why_timeout_s = 90
timeout_scale = 3

[misuse]
min_interval_s = 5
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_config(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.window == "A13" and cfg.language == "en" and cfg.staff_pin == "2468"
    assert cfg.data_dir == tmp_path / "data"  # relative to the config file
    assert cfg.server_url == "http://hall.local:8000"
    assert cfg.roster_path == DEMO_ROSTER
    assert cfg.timings.why_timeout_s == 90 and cfg.timings.timeout_scale == 3
    assert cfg.timings.thanks_s == 4  # default
    roster = load_roster(cfg)
    assert set(roster.windows) == {"A13"}
    m = cfg.misuse(roster)
    # [misuse] wins; the rest come from the roster's setting rows (burst_count = 8).
    assert (m.min_interval_s, m.burst_count, m.burst_window_s) == (5, 8, 60)


def test_no_config_file_means_the_demo() -> None:
    cfg = load_config(None)  # conftest points the config dir at an empty temp dir
    assert cfg.is_demo and cfg.window == "A01" and cfg.roster_path == DEMO_ROSTER
    assert load_roster(cfg).windows["A01"].name == "1号窗口"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[kiosk]\nlanguage = "zh"\n', "kiosk.window", "missing"),
        ("[kiosk]\nwindow = 101\n", "kiosk.window", "must be a string"),
        ('[kiosk]\nwindow = "A01"\nlanguage = "fr"\n', "kiosk.language", '"zh" or "en"'),
        (
            '[kiosk]\nwindow = "A01"\n[timings]\nthanks_s = "4"\n',
            "timings.thanks_s",
            "must be a number",
        ),
        (
            '[kiosk]\nwindow = "A01"\n[timings]\ntimeout_scale = 20\n',
            "timings.timeout_scale",
            "between 1 and 10",
        ),
        ('[kiosk]\nwindow = "A01"\nstaff_pin = 1234\n', "kiosk.staff_pin", "must be a string"),
        ('[kiosk]\nwindow = "A01"\nstaff_pin = "12"\n', "kiosk.staff_pin", "4 to 8 digits"),
        ('[kiosk]\nwindow = "A01"\nroster = "nope.csv"\n', "kiosk.roster", "no such file"),
        ('[kiosk]\nwindow = "A01"\nserver_url = "hall:8000"\n', "kiosk.server_url", "http://"),
        ('[kiosk]\nwindow = "A01"\nwindwo = "x"\n', "kiosk.windwo", "unknown key"),
        ("[timings]\nthanks_s = 4\n", "kiosk", "missing section"),
        # Floors: a citizen must get 20 s of quiet and a 25 s warning; the thank-you is read.
        (
            '[kiosk]\nwindow = "A01"\n[timings]\nwhy_timeout_s = 0.5\n',
            "timings.why_timeout_s",
            "at least 45",
        ),
        ('[kiosk]\nwindow = "A01"\n[timings]\nthanks_s = 1\n', "timings.thanks_s", "at least 3"),
        (
            '[kiosk]\nwindow = "A01"\n[timings]\nlanguage_timeout_s = 10\n',
            "timings.language_timeout_s",
            "at least 45",
        ),
        (
            '[kiosk]\nwindow = "A01"\n[display]\ndiagonal_in = 300\n',
            "display.diagonal_in",
            "at most 100",
        ),
        (
            '[kiosk]\nwindow = "A01"\n[display]\nmm_per_px = "0.2"\n',
            "display.mm_per_px",
            "must be a number",
        ),
        ('[kiosk]\nwindow = "A01"\n[display]\ninches = 21\n', "display.inches", "unknown key"),
    ],
)
def test_bad_setting_names_key_and_file(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert e.value.key == key
    assert str(path) in str(e.value) and key in str(e.value) and words in str(e.value)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[kiosk\nwindow = A01\n")
    with pytest.raises(ConfigError, match="not valid TOML") as e:
        load_config(path)
    assert str(path) in str(e.value)


def test_named_file_missing_is_an_error_not_the_demo(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml")


def test_window_not_in_roster(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[kiosk]\nwindow = "Z99"\n'))
    with pytest.raises(ConfigError, match="'Z99' is not a window") as e:
        load_roster(cfg)
    assert e.value.key == "kiosk.window" and str(tmp_path) in str(e.value)


def test_bad_roster_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("kind,code,name,parent,detail,note\nunit,X,,,\n")
    cfg = load_config(write(tmp_path, '[kiosk]\nwindow = "A01"\nroster = "r.csv"\n'))
    with pytest.raises(ConfigError, match="r.csv") as e:
        load_roster(cfg)
    assert e.value.key == "kiosk.roster"


def test_server_roster_preferred_when_it_has_the_window(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[kiosk]\nwindow = "A01"\n'))
    server = load_roster(cfg).to_dict()
    server["windows"][0]["name"] = "一号综合窗口"
    assert load_roster(cfg, cached=server).windows["A01"].name == "一号综合窗口"
    server["windows"][0]["code"] = "B01"  # not ours: fall back to the file
    assert load_roster(cfg, cached=server).windows["A01"].name == "1号窗口"


def test_display_names_the_panel_or_a_default_per_resolution(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[kiosk]\nwindow = "A01"\n[display]\ndiagonal_in = 21.5\n'))
    assert round(cfg.display.pitch(1920, 1080), 3) == 0.248
    cfg = load_config(write(tmp_path, '[kiosk]\nwindow = "A01"\n[display]\nmm_per_px = 0.3\n'))
    assert cfg.display.pitch(1280, 800) == 0.3
    default = load_config(write(tmp_path, '[kiosk]\nwindow = "A01"\n')).display
    assert round(default.pitch(1920, 1080), 3) == 0.248  # a 21.5-inch counter panel
    assert round(default.pitch(1280, 800), 3) == 0.170  # a 10.1-inch tablet
    assert round(default.pitch(800, 1280), 3) == 0.170  # either orientation
    assert Display().pitch(1111, 777) == 0.17  # unknown: small pixels, so text errs large


def test_old_rate_timeout_key_still_starts_the_kiosk(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[kiosk]\nwindow = "A01"\n[timings]\nrate_timeout_s = 90\n'))
    assert cfg.timings.language_timeout_s == 90

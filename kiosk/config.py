"""The kiosk's configuration: one TOML file per counter, read with ``tomllib``.

::

    [kiosk]
    window = "A01"                 # required: the window code in the roster
    data_dir = "/var/lib/hall"     # default: the platform's user data dir
    language = "zh"                # "zh" or "en"
    server_url = ""                # empty: run local-only
    roster = "roster.csv"          # used until the server delivers one; default: the demo roster
    staff_pin = "1234"             # digits, opens the staff panel

    [timings]                      # seconds; each has a floor (Timings.FLOORS)
    language_timeout_s = 60        # idle screen left in the other language -> default (>= 45)
    why_timeout_s = 60             # reasons left untouched -> recorded as chosen so far (>= 45)
    thanks_s = 4                   # thank-you screen (>= 3)
    idle_return_s = 60             # PIN pad, staff panel -> idle (>= 15)
    timeout_scale = 1              # 1..10, lengthens every limit above (WCAG 2.2.1)

    [display]                      # optional: the panel, so sizes are physical (mm, pt)
    diagonal_in = 21.5             # the panel's diagonal in inches; or
    mm_per_px = 0.248              # the pixel pitch; neither: a default per resolution

    [misuse]                       # optional; else the roster's setting rows, else defaults
    min_interval_s = 3
    burst_count = 8
    burst_window_s = 60

Relative paths are relative to the config file. Every problem is a ``ConfigError`` that names
the key and the file.
"""

from __future__ import annotations

import logging
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import platformdirs

from assets import DEMO_ROSTER
from sync.defaults import APP_NAME, DEMO_PIN
from sync.roster import Roster, RosterError, parse_roster

__all__ = [
    "DEMO_ROSTER",
    "WARNING_S",
    "ConfigError",
    "Display",
    "KioskConfig",
    "Misuse",
    "Timings",
    "default_config_path",
    "load_config",
    "load_roster",
    "mm_per_px_for",
]

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the key and the file."""

    def __init__(self, source: str, key: str | None, message: str) -> None:
        self.source = source
        self.key = key
        where = f"{source}: [{key}] " if key else f"{source}: "
        super().__init__(where + message)


# A citizen screen warns this long before its limit (on screen and by sound): WCAG 2.2.1 asks
# for at least 20 s; the extra seconds cover the view's tick and the warning sound itself.
WARNING_S = 25.0


@dataclass(frozen=True)
class Timings:
    """Screen time limits in seconds, before ``timeout_scale`` is applied.

    ``seconds(name)`` is what the kiosk uses: never below the floor in ``FLOORS`` (a config
    file below it is refused; a value made in code is raised to it), times ``timeout_scale``.
    """

    language_timeout_s: float = 60.0
    why_timeout_s: float = 60.0
    thanks_s: float = 4.0
    idle_return_s: float = 60.0
    timeout_scale: float = 1.0

    # A citizen limit leaves 20 s of quiet before its warning; the thank-you stays long
    # enough to read; staff screens long enough to type a PIN.
    FLOORS: ClassVar[dict[str, float]] = {
        "language_timeout_s": 45.0,
        "why_timeout_s": 45.0,
        "thanks_s": 3.0,
        "idle_return_s": 15.0,
    }
    MAX_SCALE: ClassVar[float] = 10.0

    def seconds(self, name: str) -> float:
        """The limit ``name`` in seconds, floored, then lengthened by ``timeout_scale``."""
        scale = min(max(1.0, self.timeout_scale), self.MAX_SCALE)
        return max(float(getattr(self, name)), self.FLOORS[name]) * scale


@dataclass(frozen=True)
class Display:
    """The panel the kiosk runs on; sizes on screen are computed in millimetres from it.

    ``mm_per_px`` wins over ``diagonal_in``; with neither, ``mm_per_px_for`` guesses from the
    resolution (``DEFAULT_PANELS``), erring towards small pixels, i.e. larger text.
    """

    diagonal_in: float | None = None
    mm_per_px: float | None = None

    def pitch(self, width_px: int, height_px: int) -> float:
        """Millimetres per physical pixel for a panel of ``width_px`` × ``height_px``."""
        if self.mm_per_px is not None:
            return self.mm_per_px
        if self.diagonal_in is not None:
            return self.diagonal_in * 25.4 / math.hypot(width_px, height_px)
        return mm_per_px_for(width_px, height_px)


# Common counter and tablet panels: resolution -> diagonal in inches.
DEFAULT_PANELS: dict[tuple[int, int], float] = {
    (3840, 2160): 27.0,
    (2560, 1440): 27.0,
    (1920, 1200): 24.0,
    (1920, 1080): 21.5,
    (1680, 1050): 22.0,
    (1600, 900): 19.5,
    (1366, 768): 15.6,
    (1280, 1024): 17.0,
    (1280, 800): 10.1,
    (1024, 768): 9.7,
    (1024, 600): 7.0,
    (800, 480): 7.0,
}
# An unknown panel: a 10-inch tablet's pixel, so nothing comes out smaller than intended.
FALLBACK_MM_PER_PX = 0.17


def mm_per_px_for(width_px: int, height_px: int) -> float:
    """The default pixel pitch for a resolution (either orientation)."""
    w, h = max(width_px, height_px), min(width_px, height_px)
    diagonal = DEFAULT_PANELS.get((w, h))
    if diagonal is None:
        return FALLBACK_MM_PER_PX
    return diagonal * 25.4 / math.hypot(w, h)


@dataclass(frozen=True)
class Misuse:
    """Misuse thresholds: faces return no sooner than ``min_interval_s``; a burst is more
    than ``burst_count`` ratings within ``burst_window_s``."""

    min_interval_s: float = 3.0
    burst_count: int = 8
    burst_window_s: float = 60.0


@dataclass(frozen=True)
class KioskConfig:
    """One counter's settings. ``source`` is the file it came from (or ``<demo>``)."""

    window: str
    data_dir: Path
    roster_path: Path
    language: str = "zh"
    server_url: str = ""
    staff_pin: str = DEMO_PIN
    timings: Timings = field(default_factory=Timings)
    display: Display = field(default_factory=Display)
    # Keys given in [misuse]; the rest fall back to the roster's setting rows.
    misuse_overrides: dict[str, float] = field(default_factory=dict)
    source: str = "<demo>"
    is_demo: bool = False

    @property
    def store_path(self) -> Path:
        return self.data_dir / "kiosk.sqlite3"

    def misuse(self, roster: Roster | None) -> Misuse:
        """Thresholds from [misuse], else the roster's settings, else the defaults."""
        defaults = Misuse()
        values: dict[str, float] = {
            "min_interval_s": defaults.min_interval_s,
            "burst_count": float(defaults.burst_count),
            "burst_window_s": defaults.burst_window_s,
        }
        for key in values:
            if key in self.misuse_overrides:
                values[key] = self.misuse_overrides[key]
            elif roster is not None and key in roster.settings:
                try:
                    values[key] = float(roster.settings[key])
                except ValueError:
                    log.warning(
                        "roster setting %s=%r is not a number; using %s",
                        key,
                        roster.settings[key],
                        values[key],
                    )
        return Misuse(
            min_interval_s=max(0.0, values["min_interval_s"]),
            burst_count=max(1, int(values["burst_count"])),
            burst_window_s=max(1.0, values["burst_window_s"]),
        )


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "kiosk.toml"


def demo_config() -> KioskConfig:
    """Window A01 of the demo hall, data in the user data dir: what the README demo runs."""
    return KioskConfig(
        window="A01",
        data_dir=Path(platformdirs.user_data_dir(APP_NAME)) / "kiosk",
        roster_path=DEMO_ROSTER,
        source="<demo>",
        is_demo=True,
    )


def load_config(path: Path | None = None) -> KioskConfig:
    """Read ``path`` (default: the platform config dir); no file there at all -> the demo.

    An explicitly named file that does not exist is an error, not the demo.
    """
    if path is None:
        path = default_config_path()
        if not path.exists():
            log.info("no config at %s; running the demo (window A01)", path)
            return demo_config()
    src = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(src, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(src, None, f"cannot read the file: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(src, None, f"not valid TOML: {e}") from None
    return parse_config(data, source=src, base=path.resolve().parent)


def parse_config(data: dict[str, Any], *, source: str, base: Path) -> KioskConfig:
    """Validate parsed TOML; ``base`` resolves relative paths."""
    known = {"kiosk", "timings", "misuse", "display"}
    for section in data:
        if section not in known:
            raise ConfigError(
                source, section, f"unknown section; expected {', '.join(sorted(known))}"
            )
    kiosk = _table(data, "kiosk", source, required=True)
    timings = _table(data, "timings", source, required=False)
    misuse = _table(data, "misuse", source, required=False)
    display = _table(data, "display", source, required=False)

    _no_unknown(
        kiosk,
        "kiosk",
        {"window", "data_dir", "language", "server_url", "roster", "staff_pin"},
        source,
    )
    timings = dict(timings)
    if "rate_timeout_s" in timings and "language_timeout_s" not in timings:
        # The faces screen it limited is gone (faces are on the idle screen); its limit now
        # returns the idle screen to the default language.
        log.warning("%s: [timings] rate_timeout_s is now language_timeout_s", source)
        timings["language_timeout_s"] = timings.pop("rate_timeout_s")
    _no_unknown(timings, "timings", set(Timings.__dataclass_fields__), source)
    _no_unknown(display, "display", set(Display.__dataclass_fields__), source)
    _no_unknown(misuse, "misuse", set(Misuse.__dataclass_fields__), source)

    if "window" not in kiosk:
        raise ConfigError(
            source, "kiosk.window", 'missing: the window code of this counter, e.g. window = "A01"'
        )
    window = _str(kiosk, "window", "kiosk", source)
    if not window.strip():
        raise ConfigError(source, "kiosk.window", "must not be empty")

    language = _str(kiosk, "language", "kiosk", source, default="zh")
    if language not in LANGUAGES:
        raise ConfigError(source, "kiosk.language", f'must be "zh" or "en", got {language!r}')

    server_url = _str(kiosk, "server_url", "kiosk", source, default="").strip().rstrip("/")
    if server_url and not server_url.startswith(("http://", "https://")):
        raise ConfigError(
            source,
            "kiosk.server_url",
            f"must start with http:// or https:// (or be empty), got {server_url!r}",
        )

    pin = _staff_pin(kiosk, source)

    data_dir_s = _str(kiosk, "data_dir", "kiosk", source, default="")
    data_dir = (
        _path(data_dir_s, base)
        if data_dir_s
        else Path(platformdirs.user_data_dir(APP_NAME)) / "kiosk"
    )
    roster_s = _str(kiosk, "roster", "kiosk", source, default="")
    roster_path = _path(roster_s, base) if roster_s else DEMO_ROSTER
    if not roster_path.is_file():
        raise ConfigError(source, "kiosk.roster", f"no such file: {roster_path}")

    t = _timings(timings, source)
    panel = _display(display, source)
    overrides = {k: _number(misuse, k, "misuse", source, minimum=0) for k in misuse}
    if "burst_count" in overrides and overrides["burst_count"] < 1:
        raise ConfigError(source, "misuse.burst_count", "must be at least 1")

    return KioskConfig(
        window=window.strip(),
        data_dir=data_dir,
        roster_path=roster_path,
        language=language,
        server_url=server_url,
        staff_pin=pin,
        timings=t,
        display=panel,
        misuse_overrides=overrides,
        source=source,
    )


def _staff_pin(kiosk: dict[str, Any], source: str) -> str:
    pin = _str(kiosk, "staff_pin", "kiosk", source, default="")
    if pin and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ConfigError(
            source, "kiosk.staff_pin", 'must be 4 to 8 digits, in quotes (e.g. "2468")'
        )
    if not pin:
        log.warning(
            "%s: no [kiosk] staff_pin; the staff panel opens with the demo PIN %s", source, DEMO_PIN
        )
        pin = DEMO_PIN
    return pin


def _timings(timings: dict[str, Any], source: str) -> Timings:
    t = Timings(
        **{
            k: _number(timings, k, "timings", source, minimum=Timings.FLOORS.get(k, 1.0))
            for k in timings
        }
    )
    if not 1 <= t.timeout_scale <= Timings.MAX_SCALE:
        raise ConfigError(
            source, "timings.timeout_scale", f"must be between 1 and 10, got {t.timeout_scale}"
        )
    return t


def _display(display: dict[str, Any], source: str) -> Display:
    return Display(
        diagonal_in=_number(display, "diagonal_in", "display", source, minimum=5, maximum=100)
        if "diagonal_in" in display
        else None,
        mm_per_px=_number(display, "mm_per_px", "display", source, minimum=0.05, maximum=1.5)
        if "mm_per_px" in display
        else None,
    )


def load_roster(config: KioskConfig, cached: dict[str, Any] | None = None) -> Roster:
    """The roster to use: the server's cached copy if it has this window, else the file.

    Raises ``ConfigError`` naming ``kiosk.roster`` or ``kiosk.window``.
    """
    if cached is not None:
        try:
            roster = Roster.from_dict(cached)
            if config.window in roster.windows:
                return roster
            log.warning(
                "the server's roster lacks window %s; using %s", config.window, config.roster_path
            )
        except (KeyError, TypeError, ValueError) as e:
            log.warning("cached roster unusable (%s); using %s", e, config.roster_path)
    try:
        roster = parse_roster(config.roster_path)
    except RosterError as e:
        raise ConfigError(config.source, "kiosk.roster", str(e)) from None
    except OSError as e:
        raise ConfigError(
            config.source, "kiosk.roster", f"cannot read {config.roster_path}: {e}"
        ) from None
    if config.window not in roster.windows:
        sample = ", ".join(sorted(roster.windows)[:6])
        raise ConfigError(
            config.source,
            "kiosk.window",
            f"{config.window!r} is not a window in {config.roster_path.name} (it has {sample} …)",
        )
    return roster.for_window(config.window)


def _table(data: dict[str, Any], name: str, source: str, *, required: bool) -> dict[str, Any]:
    if name not in data:
        if required:
            raise ConfigError(source, name, "missing section")
        return {}
    v = data[name]
    if not isinstance(v, dict):
        raise ConfigError(source, name, "must be a table, e.g. [" + name + "]")
    return v


def _no_unknown(table: dict[str, Any], section: str, allowed: set[str], source: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                source,
                f"{section}.{key}",
                f"unknown key; expected one of {', '.join(sorted(allowed))}",
            )


def _str(
    table: dict[str, Any], key: str, section: str, source: str, default: str | None = None
) -> str:
    if key not in table:
        if default is None:
            raise ConfigError(source, f"{section}.{key}", "missing")
        return default
    v = table[key]
    if not isinstance(v, str):
        raise ConfigError(
            source, f"{section}.{key}", f"must be a string in quotes, got {type(v).__name__} {v!r}"
        )
    return v


def _number(
    table: dict[str, Any],
    key: str,
    section: str,
    source: str,
    *,
    minimum: float,
    maximum: float | None = None,
) -> float:
    v = table[key]
    unit = {"timings": " (seconds)", "display": ""}.get(section, "")
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ConfigError(
            source, f"{section}.{key}", f"must be a number{unit}, got {type(v).__name__} {v!r}"
        )
    if v < minimum:
        raise ConfigError(source, f"{section}.{key}", f"must be at least {minimum:g}, got {v}")
    if maximum is not None and v > maximum:
        raise ConfigError(source, f"{section}.{key}", f"must be at most {maximum:g}, got {v}")
    return float(v)


def _path(text: str, base: Path) -> Path:
    p = Path(text).expanduser()
    return p if p.is_absolute() else base / p

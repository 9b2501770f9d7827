"""Server settings from the environment / ``.env`` (``HALL_`` prefix), via pydantic-settings."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync.defaults import ADMIN_TOKEN_FILE, APP_NAME

__all__ = ["Settings", "default_data_dir"]


def default_data_dir() -> Path:
    """Where the server keeps its SQLite file and admin token unless told otherwise."""
    return Path(user_data_dir(APP_NAME))


class Settings(BaseSettings):
    """Everything the central store can be told; each field is ``HALL_<NAME>`` in the env."""

    model_config = SettingsConfigDict(env_prefix="HALL_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    # Empty: a SQLite file ``hall.db`` in data_dir.
    database_url: str = ""
    # Set to fix the admin token (else one is generated on first start into data_dir/admin-token).
    admin_token: SecretStr | None = None

    max_body_bytes: int = 2 * 1024 * 1024
    max_batch_records: int = 1000
    # Token bucket per terminal/board credential: sustained requests per second, burst size.
    rate_per_s: float = 20.0
    rate_burst: int = 40
    enrolment_minutes: int = 30
    # Failed enrolment attempts (wrong, used or expired codes) per client address within the
    # window before /enroll answers 429: codes are 60 bits, but a flood must not cost the store.
    enrol_max_failures: int = 10
    enrol_failure_window_s: float = 900
    enrolment_max_minutes: int = 7 * 24 * 60
    # Device clocks: how far ahead of the server, or before enrolment, still counts as plausible,
    # and how far a later seq may lie before an earlier one (NTP corrections) before it is flagged.
    clock_future_s: float = 24 * 3600
    clock_before_enrolment_s: float = 24 * 3600
    clock_backwards_s: float = 300
    # Ratings by phone (QR code, public page): kept in memory only, never with the rating.
    # One rating per client address per window per interval; per address and per window caps.
    qr_min_interval_s: float = 300
    qr_ip_per_hour: int = 20
    qr_window_per_hour: int = 120
    # The address citizens reach this server at, for the review letters' QR codes (e.g.
    # https://pj.tl.gov.cn); empty: the address the office's own request came in at.
    public_url: str = ""
    # Review codes that do not exist, per client address: a burst, then this many per hour.
    review_bad_codes_per_hour: int = 20

    # Operators: a session lasts about a working day (08:20-17:30 plus the last citizen); after
    # ``signin_free_failures`` wrong passwords each attempt waits ``signin_delay_s`` doubling, and
    # ``signin_lock_failures`` in a row lock the account for ``signin_lock_minutes``.
    session_hours: float = Field(default=10.0, gt=0, le=24 * 7)
    signin_free_failures: int = Field(default=3, ge=0)
    signin_delay_s: float = Field(default=2.0, ge=0)
    signin_lock_failures: int = Field(default=10, ge=1)
    signin_lock_minutes: float = Field(default=15.0, ge=0)
    password_min_length: int = Field(default=10, ge=6)

    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'hall.db'}"

    @property
    def admin_token_file(self) -> Path:
        return self.data_dir / ADMIN_TOKEN_FILE

"""Names and defaults every part of Hall Ratings shares: one definition each, imported."""

from __future__ import annotations

__all__ = ["ADMIN_TOKEN_FILE", "APP_NAME", "DEFAULT_TZ", "DEMO_PIN"]

APP_NAME = "hall-ratings"
"""The distribution's name, and the app name of the platform's config and data dirs."""

DEFAULT_TZ = "Asia/Shanghai"
"""A hall's time zone when its roster names none: quarters and weeks are reckoned in it."""

ADMIN_TOKEN_FILE = "admin-token"
"""The file in the server's data dir holding the admin token it made on first start (0600)."""

DEMO_PIN = "1234"
"""The staff PIN of the demo config; a kiosk still using it says so on its staff panel."""

"""The central store: a FastAPI app over SQLite or PostgreSQL (``hall-server``).

Kiosks push ratings here, pull their window's roster, and the board reads a quarter's
aggregates. Nothing in here is imported by the kiosk process.
"""

from importlib.metadata import PackageNotFoundError, version

from sync.defaults import APP_NAME

try:
    __version__ = version(APP_NAME)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

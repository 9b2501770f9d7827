"""The kiosk's Qt views: the touch screens over ``kiosk.flow``, and the Qt half of ``hall-kiosk``.

Only modules in this package import Qt (an import-linter contract in ``pyproject.toml`` checks
it); the rating flow, the local store and the config stay plain Python, tested without a display.
"""

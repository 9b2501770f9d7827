"""The board's Qt views: the wall screen, its live source, the poster painter, the shipped font.

Only modules in this package import Qt or pyqtgraph (an import-linter contract in
``pyproject.toml`` checks it); the standings engine, the poller and the CLI stay plain Python.
"""

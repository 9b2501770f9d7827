"""Alembic migrations of the central store (run at start and by ``hall-server migrate``)."""

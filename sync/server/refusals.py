"""Refusals of the office's operations, as the API answers them (never a 500).

The domain modules (``cases``, ``inspections``, ``appeals``, ``quarters``) raise these; one
exception handler (``sync.server.api.errors``) turns them into ``{"detail": message}`` with
the status.
"""

from __future__ import annotations

__all__ = ["Conflict", "Invalid", "NotFound", "OfficeError"]


class OfficeError(Exception):
    """A refusal the API answers with ``status`` and this message."""

    status = 400


class NotFound(OfficeError):
    status = 404


class Conflict(OfficeError):
    """The store's state does not allow it (a closed quarter, a case already closed …)."""

    status = 409


class Invalid(OfficeError):
    """Well-formed but meaningless (a unit the hall does not have, a date past the deadline …)."""

    status = 422

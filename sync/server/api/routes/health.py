"""``GET /health``: is the store up, and what time does it think it is (no credential)."""

from __future__ import annotations

from fastapi import APIRouter

from sync.server import __version__
from sync.server.api.deps import ClockDep
from sync.server.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(clock: ClockDep) -> HealthOut:
    return HealthOut(status="ok", server_time=clock(), version=__version__)

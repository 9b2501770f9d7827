"""``hall-server``: run the central store (uvicorn), or ``hall-server migrate`` and exit.

With no arguments it serves on 127.0.0.1:8600 over a SQLite file in the platform's data dir;
``--database-url postgresql+psycopg://user@host/db`` runs the same code on PostgreSQL. Every
option also comes from the environment (``HALL_DATABASE_URL``, ``HALL_DATA_DIR`` …).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

__all__ = ["main"]

log = logging.getLogger("sync.server")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hall-server",
        description="The Hall Ratings central store: ratings in from kiosks, standings data out.",
    )
    p.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite file in the data dir)")
    p.add_argument("--data-dir", type=Path, help="where the SQLite file and admin token live")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8600, help="port to listen on (default 8600)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument(
        "command",
        nargs="?",
        choices=["serve", "migrate"],
        default="serve",
        help="serve (default), or migrate the database to the current schema and exit",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Imported late so --help answers at once.
    from sync.server.core.config import Settings
    from sync.server.core.db import Database, run_migrations

    overrides: dict[str, Any] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    settings = Settings(**overrides)
    try:
        if args.command == "migrate":
            db = Database(settings.sqlalchemy_url())
            run_migrations(db.engine)
            db.dispose()
            return 0
        import uvicorn

        from sync.server.main import API_PREFIX, create_app

        app = create_app(settings)
    except Exception as e:  # a wrong URL or an unreachable database: say so, no traceback
        log.error("cannot open the database: %s", e)
        return 2
    log.info(
        "serving on http://%s:%d (API under %s, docs at /docs)", args.host, args.port, API_PREFIX
    )
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())

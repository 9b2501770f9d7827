"""The quarter's export: ``ratings-…csv``, ``quarter-…xlsx`` and ``report-…pdf`` (Qt-free).

    with AdminClient(url, token) as client:  # an OfficeClient or an operator's session too
        result = export_quarter(client, "TL", "2026Q3", Path("out"))

One pass over the quarter's ratings (``AdminClient.iter_rating_pages``, keyset pages) feeds
the CSV and the workbook together; the report needs only the standings and the office's
records. ``hall-admin export`` is the command line (``board.admin.export``); modules: ``data``
(what is exported, the ratings' columns), ``records`` (the office's records, follow-up rates),
``csv_file``, ``workbook``, ``report``, ``cells`` (formula-safe text), ``files`` (temporary
names, renamed when complete), ``run`` (the pipeline).
"""

from __future__ import annotations

from board.export.data import ExportError, QuarterData, load_quarter, rating_columns
from board.export.run import EXPORT_FILES, ExportResult, export_quarter, target_paths

__all__ = [
    "EXPORT_FILES",
    "ExportError",
    "ExportResult",
    "QuarterData",
    "export_quarter",
    "load_quarter",
    "rating_columns",
    "target_paths",
]

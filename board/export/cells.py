"""Text that a spreadsheet must show as text, never run as a formula.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some programs strip before looking) is read by Excel and LibreOffice as a formula when a CSV is
opened: a staff name typed as ``=HYPERLINK("http://…")`` would become a live link, and a
``-2+3`` a sum. The CSV therefore prefixes such text with an apostrophe, the convention OWASP
recommends and both programs show as text. The XLSX writes every text cell as a string cell,
which no program evaluates, so there the text stays exactly as typed.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "safe_text"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet cannot evaluate."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text

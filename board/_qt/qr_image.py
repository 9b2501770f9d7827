"""A QR code's modules painted into a PNG by Qt (no Pillow needed)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QImage

__all__ = ["write_png"]


def write_png(matrix: list[list[bool]], path: Path, scale: int = 12) -> bool:
    """Black modules on white, ``scale`` pixels each; False if the file could not be written."""
    size = len(matrix) * scale
    image = QImage(size, size, QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    black = QColor("black").rgb()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    for dx in range(scale):
                        image.setPixel(x * scale + dx, y * scale + dy, black)
    return bool(image.save(str(path)))

"""rating export index: keyset pages of a hall's quarter in arrival order

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # GET /admin/halls/{hall}/ratings walks (received_at, terminal, seq) within a hall's
    # quarter: with this index each page is one range scan from the cursor, whatever the page.
    op.create_index(
        "ix_rating_hall_quarter_received",
        "rating",
        ["hall", "quarter", "received_at", "terminal", "seq"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_rating_hall_quarter_received", table_name="rating")

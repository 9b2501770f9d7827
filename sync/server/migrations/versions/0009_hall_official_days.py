"""halls carry the official holiday arrangement for years chinesecalendar does not know

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty for every hall until its roster names holiday/workday rows.
    with op.batch_alter_table("hall", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holidays", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("workdays", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("hall", schema=None) as batch_op:
        batch_op.drop_column("workdays")
        batch_op.drop_column("holidays")

"""terminal channel: kiosk or qr (phone ratings through a window's virtual terminal)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every terminal before this revision was a kiosk: the server default says so.
    with op.batch_alter_table("terminal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="kiosk")
        )


def downgrade() -> None:
    with op.batch_alter_table("terminal", schema=None) as batch_op:
        batch_op.drop_column("channel")

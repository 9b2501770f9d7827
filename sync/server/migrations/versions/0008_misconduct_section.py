"""misconduct records may name the section (科室) they were found in

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null for every record made before: they name a unit only.
    with op.batch_alter_table("misconduct", schema=None) as batch_op:
        batch_op.add_column(sa.Column("section", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("misconduct", schema=None) as batch_op:
        batch_op.drop_column("section")

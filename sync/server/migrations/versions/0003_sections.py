"""sections (科室): the roster's sections, windows' and staff's section, ratings' section, rollups

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "section",
        sa.Column("hall", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("pos", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["hall"], ["hall.code"]),
        sa.PrimaryKeyConstraint("hall", "code"),
    )
    op.create_table(
        "rollup_section_level",
        sa.Column("hall", sa.String(length=64), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("section", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hall", "quarter", "section", "level", "flagged"),
    )
    op.create_table(
        "rollup_section_reason",
        sa.Column("hall", sa.String(length=64), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("section", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hall", "quarter", "section", "reason"),
    )
    # Null for everything stored before: windows, staff and ratings without a section.
    for table in ("window", "staff", "rating"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("section", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in ("rating", "staff", "window"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("section")
    op.drop_table("rollup_section_reason")
    op.drop_table("rollup_section_level")
    op.drop_table("section")

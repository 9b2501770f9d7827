"""operators (named accounts with roles, sessions as credentials) and the hash-chained audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sync.server.core.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sync.server.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('hall', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_hall'), ['hall'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_target'), ['target'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # The chain's head starts empty: the first entry links to 64 zeros.
    op.bulk_insert(
        sa.table('audit_head', sa.column('id', sa.Integer()), sa.column('seq', sa.Integer()),
                 sa.column('hash', sa.String())),
        [{'id': 1, 'seq': 0, 'hash': '0' * 64}],
    )
    op.create_table('operator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('halls', sa.JSON(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('password_hash', sa.String(length=500), nullable=False),
    sa.Column('created_at', sync.server.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('password_set_at', sync.server.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', sync.server.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_signins', sa.Integer(), nullable=False),
    sa.Column('retry_at', sync.server.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sync.server.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_signin_at', sync.server.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_name'), ['name'], unique=True)

    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sync.server.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_credential_operator'), ['operator'], unique=False)
        batch_op.create_foreign_key('fk_credential_operator', 'operator', ['operator'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_constraint('fk_credential_operator', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_credential_operator'))
        batch_op.drop_column('expires_at')
        batch_op.drop_column('operator')

    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operator_name'))

    op.drop_table('operator')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_target'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_hall'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')

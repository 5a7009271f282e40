"""audit events record the authority an event without a user acted for

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-02 06:15:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain text, no foreign key: an audit row is never changed or removed with what it names.
    op.add_column('audit_events', sa.Column('authority_code', sa.String(length=9), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_column('authority_code')

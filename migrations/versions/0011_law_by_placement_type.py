"""law by placement type: secure accommodation order, fostering-limit exemptions, reg 11(4)

Revision ID: 0011
Revises: 0018
Create Date: 2026-12-02 06:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        batch.add_column(sa.Column('secure_basis', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('secure_start', sa.Date(), nullable=True))
        batch.add_column(sa.Column('secure_end', sa.Date(), nullable=True))
        batch.add_column(sa.Column('fostering_exemption', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('placements') as batch:
        batch.add_column(sa.Column('fostering_exemption', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('approved_by', sa.String(length=9), nullable=True))
        batch.add_column(sa.Column('connected_person', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('decisions') as batch:
        batch.add_column(sa.Column('approval_rule', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('decisions') as batch:
        batch.drop_column('approval_rule')
    with op.batch_alter_table('placements') as batch:
        batch.drop_column('connected_person')
        batch.drop_column('approved_by')
        batch.drop_column('fostering_exemption')
    with op.batch_alter_table('referrals') as batch:
        batch.drop_column('fostering_exemption')
        batch.drop_column('secure_end')
        batch.drop_column('secure_start')
        batch.drop_column('secure_basis')

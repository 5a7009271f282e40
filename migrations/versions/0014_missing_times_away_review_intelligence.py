"""missing episode times not known, away episodes marked missing, review intelligence

Revision ID: 0014
Revises: 0003
Create Date: 2026-12-02 06:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Episodes recorded before this migration were entered with a time (or imported at
    # 00:00): they keep "time known", as they were shown until now.
    with op.batch_alter_table('missing_episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_time_known', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('end_time_known', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('marked_missing_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('marked_missing_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_missing_episodes_marked_missing_by_id_users', 'users', ['marked_missing_by_id'], ['id'])
    with op.batch_alter_table('missing_episodes', schema=None) as batch_op:
        batch_op.alter_column('start_time_known', server_default=None)
        batch_op.alter_column('end_time_known', server_default=None)

    with op.batch_alter_table('relocation_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intelligence', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table('relocation_reviews', schema=None) as batch_op:
        batch_op.alter_column('intelligence', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('relocation_reviews', schema=None) as batch_op:
        batch_op.drop_column('intelligence')
    with op.batch_alter_table('missing_episodes', schema=None) as batch_op:
        batch_op.drop_constraint('fk_missing_episodes_marked_missing_by_id_users', type_='foreignkey')
        batch_op.drop_column('marked_missing_at')
        batch_op.drop_column('marked_missing_by_id')
        batch_op.drop_column('end_time_known')
        batch_op.drop_column('start_time_known')

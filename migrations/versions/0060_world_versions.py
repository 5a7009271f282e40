"""a one-row token of the state to the world cases are built from

Revision ID: 0060
Revises: 0036
Create Date: 2026-12-02 12:10:00
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0060"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "world_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(length=32), nullable=False),
    )
    # The one row the app bumps: a new random token at each change. Random from the start too,
    # so two databases served by one process (tests, a bench) never share a version.
    op.bulk_insert(table, [{"id": 1, "version": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("world_versions")

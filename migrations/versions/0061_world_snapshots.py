"""world snapshots stored once; runs name their world instead of holding it

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-02 12:12:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0061"
down_revision = "0060"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "world_snapshots",
        sa.Column("sha256", sa.String(length=64), primary_key=True),
        sa.Column("parts", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    # Old runs keep their whole case in case_json and have no world_sha256 or summary.
    with op.batch_alter_table("ranking_runs") as batch_op:
        batch_op.add_column(sa.Column("world_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.JSON(), nullable=True))
        batch_op.create_foreign_key("fk_ranking_runs_world", "world_snapshots", ["world_sha256"], ["sha256"])
    with op.batch_alter_table("panel_runs") as batch_op:
        batch_op.add_column(sa.Column("world_sha256", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key("fk_panel_runs_world", "world_snapshots", ["world_sha256"], ["sha256"])


def downgrade() -> None:
    with op.batch_alter_table("panel_runs") as batch_op:
        batch_op.drop_constraint("fk_panel_runs_world", type_="foreignkey")
        batch_op.drop_column("world_sha256")
    with op.batch_alter_table("ranking_runs") as batch_op:
        batch_op.drop_constraint("fk_ranking_runs_world", type_="foreignkey")
        batch_op.drop_column("summary")
        batch_op.drop_column("world_sha256")
    op.drop_table("world_snapshots")

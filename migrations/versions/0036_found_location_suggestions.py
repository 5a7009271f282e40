"""suggested_areas from where a missing child was found: import_id optional, the episode and the force (decision 0085)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-02 13:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing suggestions all came from a police.uk import: they keep it; none has an episode.
    with op.batch_alter_table("suggested_areas") as batch_op:
        batch_op.alter_column("import_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("missing_episode_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("suggested_by_code", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            "fk_suggested_areas_missing_episode_id", "missing_episodes", ["missing_episode_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_suggested_areas_suggested_by_code", "organisations", ["suggested_by_code"], ["code"]
        )
        batch_op.create_unique_constraint("uq_suggested_areas_missing_episode_id", ["missing_episode_id"])


def downgrade() -> None:
    op.execute("DELETE FROM suggested_areas WHERE import_id IS NULL")
    with op.batch_alter_table("suggested_areas") as batch_op:
        batch_op.drop_constraint("uq_suggested_areas_missing_episode_id", type_="unique")
        batch_op.drop_constraint("fk_suggested_areas_suggested_by_code", type_="foreignkey")
        batch_op.drop_constraint("fk_suggested_areas_missing_episode_id", type_="foreignkey")
        batch_op.drop_column("suggested_by_code")
        batch_op.drop_column("missing_episode_id")
        batch_op.alter_column("import_id", existing_type=sa.Integer(), nullable=False)

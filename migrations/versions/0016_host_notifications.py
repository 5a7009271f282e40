"""host_notifications: reg 13 notifications to the host authority, and their acknowledgement

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-02 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("placing_authority_code", sa.String(length=9), nullable=False),
        sa.Column("host_authority_code", sa.String(length=9), nullable=False),
        sa.Column("law", sa.String(length=20), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"]),
        sa.ForeignKeyConstraint(["placing_authority_code"], ["local_authorities.gss_code"]),
        sa.ForeignKeyConstraint(["host_authority_code"], ["local_authorities.gss_code"]),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id", "host_authority_code"),
    )
    op.create_index("ix_host_notifications_decision_id", "host_notifications", ["decision_id"])
    op.create_index("ix_host_notifications_host_authority_code", "host_notifications", ["host_authority_code"])


def downgrade() -> None:
    op.drop_index("ix_host_notifications_host_authority_code", "host_notifications")
    op.drop_index("ix_host_notifications_decision_id", "host_notifications")
    op.drop_table("host_notifications")

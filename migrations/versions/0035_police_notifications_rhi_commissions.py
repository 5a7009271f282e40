"""police_notifications, rhi_commissions, missing_episodes.rhi_recorded_by_code (decision 0085)

Revision ID: 0035
Revises: 0032
Create Date: 2026-12-02 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: no existing notification or episode had a force or provider to name.
    op.create_table(
        "police_notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("host_notification_id", sa.Integer(), sa.ForeignKey("host_notifications.id"), nullable=False),
        sa.Column(
            "placing_authority_code", sa.String(length=9), sa.ForeignKey("local_authorities.gss_code"), nullable=False
        ),
        sa.Column(
            "host_authority_code", sa.String(length=9), sa.ForeignKey("local_authorities.gss_code"), nullable=False
        ),
        sa.Column("force_code", sa.String(length=40), sa.ForeignKey("organisations.code"), nullable=False),
        sa.Column("basis", sa.String(length=120), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("decision_id", "force_code"),
    )
    op.create_index("ix_police_notifications_decision_id", "police_notifications", ["decision_id"])
    op.create_index("ix_police_notifications_force_code", "police_notifications", ["force_code"])
    op.create_table(
        "rhi_commissions",
        sa.Column("provider_code", sa.String(length=40), sa.ForeignKey("organisations.code"), primary_key=True),
        sa.Column("authority_code", sa.String(length=9), sa.ForeignKey("local_authorities.gss_code"), primary_key=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
    )
    with op.batch_alter_table("missing_episodes") as batch_op:
        batch_op.add_column(sa.Column("rhi_recorded_by_code", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            "fk_missing_episodes_rhi_recorded_by_code", "organisations", ["rhi_recorded_by_code"], ["code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("missing_episodes") as batch_op:
        batch_op.drop_constraint("fk_missing_episodes_rhi_recorded_by_code", type_="foreignkey")
        batch_op.drop_column("rhi_recorded_by_code")
    op.drop_table("rhi_commissions")
    op.drop_index("ix_police_notifications_force_code", "police_notifications")
    op.drop_index("ix_police_notifications_decision_id", "police_notifications")
    op.drop_table("police_notifications")

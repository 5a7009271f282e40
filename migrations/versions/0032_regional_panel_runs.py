"""regional_panel_runs and regional_proposals: a co-operative's panel over its consenting members' open referrals, and the proposals it sends to placing authorities

Revision ID: 0032
Revises: 0041
Create Date: 2026-12-02 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table of its own, not panel_runs: a regional run belongs to a co-operative, not to one
    # authority, and its referral references are qualified by authority (E08000003/R-0001).
    op.create_table(
        "regional_panel_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cooperative_code", sa.String(length=40), sa.ForeignKey("organisations.code"), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("engine_version", sa.String(length=20), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("referral_refs", sa.JSON(), nullable=False),
        sa.Column("agreements", sa.JSON(), nullable=False),
        sa.Column("case_sha256", sa.String(length=64), nullable=False),
        sa.Column("case_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
    )
    op.create_index("ix_regional_panel_runs_cooperative_code", "regional_panel_runs", ["cooperative_code"])
    # A proposal sent to the placing authority: the ranking run it made on the authority's
    # referral, so the authority's Tasks list it until it decides.
    op.create_table(
        "regional_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("regional_panel_runs.id"), nullable=False),
        sa.Column("authority_code", sa.String(length=9), sa.ForeignKey("local_authorities.gss_code"), nullable=False),
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referrals.id"), nullable=False),
        sa.Column("ranking_run_id", sa.Integer(), sa.ForeignKey("ranking_runs.id"), nullable=False),
        sa.Column("placement_code", sa.String(length=40), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_regional_proposals_authority_code", "regional_proposals", ["authority_code"])


def downgrade() -> None:
    op.drop_index("ix_regional_proposals_authority_code", table_name="regional_proposals")
    op.drop_table("regional_proposals")
    op.drop_index("ix_regional_panel_runs_cooperative_code", table_name="regional_panel_runs")
    op.drop_table("regional_panel_runs")

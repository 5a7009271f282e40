"""referral references are unique within their authority, not across authorities

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-02 12:00:00

An import of another authority's reference used to be refused ("taken by another
authority's referral"), which told the importer that the reference exists elsewhere. Each
authority now has its own references; every lookup is by (authority, reference).
"""

from alembic import op

revision = "0019"
down_revision = "0015"
branch_labels = None
depends_on = None

# SQLite keeps the original constraint unnamed: batch mode reflects it under this name.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique_name() -> str:
    return "referrals_reference_key" if op.get_bind().dialect.name == "postgresql" else "uq_referrals_reference"


def upgrade() -> None:
    with op.batch_alter_table("referrals", naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint(_old_unique_name(), type_="unique")
        batch_op.create_unique_constraint("uq_referrals_authority_reference", ["authority_code", "reference"])


def downgrade() -> None:
    # Fails, as it should, if two authorities now hold the same reference.
    with op.batch_alter_table("referrals", naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint("uq_referrals_authority_reference", type_="unique")
        batch_op.create_unique_constraint(_old_unique_name(), ["reference"])

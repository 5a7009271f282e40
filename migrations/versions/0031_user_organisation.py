"""users.organisation_code: the co-operative, police force or provider a user acts for

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 12:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing user is an authority's own staff: None, as before.
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("organisation_code", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key("fk_users_organisation_code", "organisations", ["organisation_code"], ["code"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("fk_users_organisation_code", type_="foreignkey")
        batch_op.drop_column("organisation_code")

"""owners for placements, areas, groups and rivalries; groups can be retired; organisations,
co-operatives and data-sharing agreements (docs/decisions/0080)

Revision ID: 0030
Revises: 0016
Create Date: 2026-12-02 12:00:00

Every existing record gets the owner it would have had:
- placements: the authority that listed them when only one authority has ever imported
  placements here (a one-authority installation); otherwise the authority they stand in
  (`placements.authority_code`); otherwise the authority whose centre is nearest.
- areas: the authority that confirmed them from a police.uk suggestion; otherwise the
  authority whose centre is nearest the area's centre (the records keep no importer, and
  the authorities table holds each authority's centre, not its boundary).
- groups: the owner of the first area (by code) that names them; otherwise the authority
  of the first young person linked to them; otherwise the authority of the first user.
- rivalries: the owner of their first group.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0016'
branch_labels = None
depends_on = None

OWNED_TABLES = ("placements", "areas", "groups", "rivalries")


def upgrade() -> None:
    op.create_table(
        'organisations',
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=160), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )
    op.create_table(
        'cooperative_members',
        sa.Column('cooperative_code', sa.String(length=40), nullable=False),
        sa.Column('member_code', sa.String(length=40), nullable=False),
        sa.Column('joined_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['cooperative_code'], ['organisations.code']),
        sa.ForeignKeyConstraint(['member_code'], ['organisations.code']),
        sa.PrimaryKeyConstraint('cooperative_code', 'member_code'),
    )
    op.create_table(
        'sharing_agreements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cooperative_code', sa.String(length=40), nullable=False),
        sa.Column('member_code', sa.String(length=40), nullable=False),
        sa.Column('purpose', sa.String(length=30), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('review_by', sa.Date(), nullable=False),
        sa.Column('signed_by', sa.String(length=120), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.Column('end_reason', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cooperative_code'], ['organisations.code']),
        sa.ForeignKeyConstraint(['member_code'], ['organisations.code']),
        sa.ForeignKeyConstraint(['ended_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('sharing_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_agreements_cooperative_code'), ['cooperative_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_agreements_member_code'), ['member_code'], unique=False)

    bind = op.get_bind()
    # Every authority is an organisation under the same code (reference_data does the same on load).
    bind.execute(
        sa.text(
            "INSERT INTO organisations (code, name, kind) "
            "SELECT gss_code, name, 'local_authority' FROM local_authorities"
        )
    )
    for table in OWNED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('owner_code', sa.String(length=40), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_owner_code'), ['owner_code'], unique=False)
            batch_op.create_foreign_key(f'fk_{table}_owner_code', 'organisations', ['owner_code'], ['code'])
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
    _fill_owners(bind)


def _nearest(centres: list[tuple[str, float, float]], lat: float, lon: float) -> str | None:
    """The authority whose centre is nearest (lat, lon): equirectangular distance is plenty
    for choosing among centres tens of kilometres apart."""
    best: tuple[float, str] | None = None
    scale = math.cos(math.radians(lat))
    for code, c_lat, c_lon in centres:
        d = (lat - c_lat) ** 2 + ((lon - c_lon) * scale) ** 2
        if best is None or d < best[0]:
            best = (d, code)
    return best[1] if best else None


def _fill_owners(bind: Any) -> None:
    # English authorities only (E...): a Welsh or Scottish council's centre must not claim a
    # border placement an English authority listed.
    centres = [
        (code, lat, lon)
        for code, lat, lon in bind.execute(sa.text("SELECT gss_code, lat, lon FROM local_authorities"))
        if code.startswith("E")
    ]
    importers = [
        row[0]
        for row in bind.execute(
            sa.text(
                "SELECT DISTINCT authority_code FROM import_runs "
                "WHERE authority_code IS NOT NULL AND kind IN ('placements_csv', 'placements_standard', 'nps')"
            )
        )
    ]
    only_importer = importers[0] if len(importers) == 1 else None

    def set_owner(table: str, row_id: int, owner: str | None) -> None:
        # `table` is one of OWNED_TABLES, never input.
        bind.execute(sa.text(f"UPDATE {table} SET owner_code = :owner WHERE id = :id"), {"owner": owner, "id": row_id})

    for pid, la, lat, lon in list(bind.execute(sa.text("SELECT id, authority_code, lat, lon FROM placements"))):
        owner = only_importer or la or _nearest(centres, lat, lon)
        set_owner("placements", pid, owner)

    confirmed = {
        area_id: la
        for area_id, la in bind.execute(
            sa.text(
                "SELECT area_id, authority_code FROM suggested_areas "
                "WHERE status = 'confirmed' AND area_id IS NOT NULL AND authority_code IS NOT NULL"
            )
        )
    }
    area_owner: dict[int, str | None] = {}
    for aid, lat, lon in list(bind.execute(sa.text("SELECT id, lat, lon FROM areas ORDER BY code"))):
        area_owner[aid] = confirmed.get(aid) or _nearest(centres, lat, lon)
        set_owner("areas", aid, area_owner[aid])

    first_area_owner: dict[int, str | None] = {}
    for area_id, group_id in bind.execute(
        sa.text("SELECT ag.area_id, ag.group_id FROM area_groups ag JOIN areas a ON a.id = ag.area_id ORDER BY a.code")
    ):
        first_area_owner.setdefault(group_id, area_owner.get(area_id))
    first_person_owner: dict[int, str] = {}
    for group_id, la in bind.execute(
        sa.text(
            "SELECT l.group_id, y.responsible_authority_code FROM young_person_groups l "
            "JOIN young_people y ON y.id = l.young_person_id ORDER BY l.id"
        )
    ):
        first_person_owner.setdefault(group_id, la)
    first_user = bind.execute(sa.text("SELECT authority_code FROM users ORDER BY id LIMIT 1")).scalar()
    group_owner: dict[int, str | None] = {}
    for (gid,) in list(bind.execute(sa.text("SELECT id FROM groups"))):
        group_owner[gid] = first_area_owner.get(gid) or first_person_owner.get(gid) or first_user
        set_owner("groups", gid, group_owner[gid])
    for rid, gid in list(bind.execute(sa.text("SELECT id, group_id FROM rivalries"))):
        set_owner("rivalries", rid, group_owner.get(gid))


def downgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('retired_on')
    for table in reversed(OWNED_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_owner_code', type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_owner_code'))
            batch_op.drop_column('owner_code')
    with op.batch_alter_table('sharing_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_agreements_member_code'))
        batch_op.drop_index(batch_op.f('ix_sharing_agreements_cooperative_code'))
    op.drop_table('sharing_agreements')
    op.drop_table('cooperative_members')
    op.drop_table('organisations')

"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, text

from web import db
from web.migrate import alembic_config
from web.models import Base


def test_migrated_database_matches_the_models(app: Flask) -> None:
    """No difference between the migrated schema and the models (a missing migration fails here)."""
    with db.engine(app).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_migration_head_is_pinned(app: Flask) -> None:
    """One head, the one this test names: a new migration updates this line on purpose."""
    script = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    assert script.get_heads() == ["0061"]


def test_existing_records_get_the_owner_they_would_have_had(tmp_path: Path) -> None:
    """0030 fills an owner only where it is known: placements the one authority that ever listed
    placements; an area the authority that confirmed it from a police.uk suggestion; a group its
    first area's owner; a rivalry its group's. Anything else stays unowned (readable by all,
    written by nobody until the operator gives it an owner), never guessed."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0015")
            connection.execute(
                text(
                    "INSERT INTO local_authorities (gss_code, name, region_code, region_name, lat, lon) VALUES "
                    "('E08000003', 'Manchester', 'E12000002', 'North West', 53.47, -2.23), "
                    "('E08000006', 'Salford', 'E12000002', 'North West', 53.49, -2.33)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO placements (id, code, label, provider_name, status, setting, lat, lon, vacancies, "
                    "capacity, age_min, age_max, specialisms, specialist, fostering_exemption, connected_person, "
                    "authority_code, updated_at) VALUES "
                    "(1, 'P-1', 'P', 'Prov', 'active', 'foster', 53.0, -1.0, 1, 1, 0, 17, '[]', 0, 0, 0, "
                    "'E08000006', '2026-01-01 00:00:00'), "
                    "(2, 'P-2', 'P', 'Prov', 'active', 'foster', 53.47, -2.22, 1, 1, 0, 17, '[]', 0, 0, 0, "
                    "NULL, '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO groups (id, code, label, source, confidence, review_by) VALUES "
                    "(1, 'G-1', 'One', 'Test', 'high', '2027-01-01'), (2, 'G-2', 'Two', 'Test', 'high', '2027-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO rivalries (id, group_id, rival_group_id, source, confidence, review_by) "
                    "VALUES (1, 1, 2, 'Test', 'high', '2027-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO areas (id, code, label, kind, lat, lon, radius_km, severity, source, confidence, "
                    "review_by, updated_at) VALUES (1, 'A-1', 'Area', 'gang_territory', 53.495, -2.34, 1.0, 'high', "
                    "'Test', 'high', '2027-01-01', '2026-01-01 00:00:00')"
                )
            )
            connection.execute(text("INSERT INTO area_groups (area_id, group_id) VALUES (1, 1)"))
            connection.execute(
                text(
                    "INSERT INTO import_runs (id, kind, filename, sha256, authority_code, at, rows, summary) VALUES "
                    "(1, 'placements_csv', 'p.csv', 'x', 'E08000003', '2026-01-01 00:00:00', 2, '{}'), "
                    "(2, 'nps', 'n.jsonld', 'y', 'E08000006', '2026-01-02 00:00:00', 1, '{}')"
                )
            )
            command.upgrade(config, "0030")
            owners: dict[str, dict[int, str | None]] = {
                table: dict(connection.execute(text(f"SELECT id, owner_code FROM {table}")).all())
                for table in ("placements", "areas", "groups", "rivalries")
            }
            kinds: dict[str, str] = dict(connection.execute(text("SELECT code, kind FROM organisations")).all())
    finally:
        engine.dispose()
    # Manchester alone listed placements (an NPS import of referrals does not count), so it owns
    # them all, even the one standing in Salford.
    assert owners["placements"] == {1: "E08000003", 2: "E08000003"}
    # Where an area stands, or the nearest centre, does not say who recorded it: unowned.
    assert owners["areas"] == {1: None}
    assert owners["groups"] == {1: None, 2: None}
    assert owners["rivalries"] == {1: None}
    assert kinds == {"E08000003": "local_authority", "E08000006": "local_authority"}


def test_the_app_upgrades_a_sqlite_database_that_holds_data(tmp_path: Path) -> None:
    """`make run` on an existing database: batch migrations recreate tables other rows point at.

    With foreign keys on (as the app's connections have them), dropping the old `placements`
    table failed ("FOREIGN KEY constraint failed") once a current resident pointed at it.
    web.migrate.upgrade turns them off while migrating and checks them before committing.
    """
    from web import create_app
    from web.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'kept.db'}"
    config = alembic_config(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0015")
        connection.execute(
            text(
                "INSERT INTO local_authorities (gss_code, name, region_code, region_name, lat, lon) VALUES "
                "('E08000003', 'Manchester', 'E12000002', 'North West', 53.47, -2.23)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO placements (id, code, label, provider_name, status, setting, lat, lon, vacancies, "
                "capacity, age_min, age_max, specialisms, specialist, fostering_exemption, connected_person, "
                "authority_code, updated_at) VALUES (1, 'P-1', 'P', 'Prov', 'active', 'foster', 53.47, -2.22, "
                "1, 2, 0, 17, '[]', 0, 0, 0, 'E08000003', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO current_residents (id, placement_id, person_reference, since) "
                "VALUES (1, 1, 'YP-1', '2026-01-01')"
            )
        )
    engine.dispose()
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": url, "TESTING": True})
    upgrade(app)
    with db.engine(app).connect() as connection:
        head = ScriptDirectory.from_config(config).get_current_head()
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head
        assert connection.exec_driver_sql("SELECT code FROM placements").scalar_one() == "P-1"
        assert connection.exec_driver_sql("SELECT placement_id FROM current_residents").scalar_one() == 1
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1  # on again for the app

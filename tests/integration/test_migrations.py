"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

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

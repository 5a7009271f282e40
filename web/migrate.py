"""Running Alembic migrations from the app (make run, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from web import db

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


def upgrade(app: Flask) -> None:
    """Bring the app's database to the newest schema.

    On SQLite, batch migrations copy a table and drop the old one; with foreign keys on, a
    table other rows point at cannot be dropped (an upgrade of a database holding data failed
    so). Foreign keys are off while migrating, as Alembic advises for batch mode, and checked
    before the migration commits: a row left pointing nowhere fails the upgrade, which writes
    nothing.
    """
    config = alembic_config(app.config["DATABASE_URL"])
    with db.engine(app).connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # On the driver's connection, outside any transaction: inside one the pragma does nothing.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration would leave rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]

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
    """Bring the app's database to the newest schema."""
    config = alembic_config(app.config["DATABASE_URL"])
    with db.engine(app).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

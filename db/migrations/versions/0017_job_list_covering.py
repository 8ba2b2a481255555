"""a technician's job list from one index: per-job cost totals kept by triggers, a covering index

``GET /api/v2/technicians/{id}/jobs`` (seed 000 Phase 1.2) missed its target at 10 M work orders
(p95 24.5 ms against 10 ms): after the page's ids came from an index, each of the 20 jobs cost a
visit to the ``work_orders`` heap and one to ``job_costs`` (its index and heap) for parts cost and
labor hours, scattered random pages that a cold cache reads one by one.

- ``work_orders.parts_cost`` (USD, ``job_costs`` of ``cost_type = 'materials'``) and
  ``work_orders.labor_hours`` (``quantity`` of ``cost_type = 'labor'`` with ``unit = 'hour'``), 0
  when there are none, exactly the seed's two sub-selects. Row triggers on ``job_costs`` recompute
  the work order(s) a changed cost belongs to, whoever writes it; the work order row is locked first
  (``FOR UPDATE``) so two transactions adding costs to one job serialise and the second one's sum
  (a new snapshot per statement under READ COMMITTED) sees the first's rows.
- ``ix_work_orders_completed_page``: the completed jobs of a technician newest first, carrying
  every column the page shows, so a page is an index-only scan of one or two leaf pages. It
  replaces ``ix_work_orders_completed_newest`` (migration 0011), which carried ``job_type`` only.
  A B-tree entry must stay under 2704 bytes, so ``notes`` is limited to 1200 bytes
  (``service_location`` is at most 300 characters, 1200 bytes); the notes written today are a line.
- ``ix_technician_customer_totals_covering``: the rollup of migration 0011 per technician with all
  its figures, so the totals and the job list's count are index-only too.

Revision ID: 0017
Revises: 0007, 0012
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
#: main's chain: ... 0008 → 0007 (lot walks) → 0012 (seed 004 tables) → 0017
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the seed's parts cost and labor hours of one work order (``:wo`` stands for its id)
COSTS_OF = """
    SELECT coalesce(sum(c.total_cost) FILTER (WHERE c.cost_type = 'materials'), 0),
           coalesce(sum(c.quantity) FILTER (WHERE c.cost_type = 'labor' AND c.unit = 'hour'), 0)
      FROM job_costs c WHERE c.work_order_id = {wo}
"""
#: what the job list page reads from a completed work order, besides its keys
PAGE_COLUMNS = [
    "status",
    "job_type",
    "customer_id",
    "actual_end_time",
    "total_amount",
    "total_labor_minutes",
    "gallons_pumped",
    "tank_size",
    "parts_cost",
    "labor_hours",
    "service_location",
    "notes",
]
TOTALS_COLUMNS = [
    "jobs",
    "revenue",
    "returns",
    "pump_out_jobs",
    "pump_out_revenue",
    "repair_jobs",
    "repair_revenue",
    "other_jobs",
    "other_revenue",
]
NOTES_MAX_BYTES = 1200


def upgrade() -> None:
    op.add_column(
        "work_orders", sa.Column("parts_cost", sa.Numeric(14, 2), nullable=False, server_default="0")
    )
    op.add_column(
        "work_orders", sa.Column("labor_hours", sa.Numeric(14, 2), nullable=False, server_default="0")
    )
    op.execute(
        """
        UPDATE work_orders w SET parts_cost = c.parts_cost, labor_hours = c.labor_hours
          FROM (SELECT work_order_id,
                       coalesce(sum(total_cost) FILTER (WHERE cost_type = 'materials'), 0) AS parts_cost,
                       coalesce(sum(quantity) FILTER (WHERE cost_type = 'labor' AND unit = 'hour'), 0)
                           AS labor_hours
                  FROM job_costs GROUP BY work_order_id) c
         WHERE w.id = c.work_order_id
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION refresh_work_order_costs(p_work_order varchar) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM work_orders WHERE id = p_work_order FOR UPDATE;
            UPDATE work_orders SET (parts_cost, labor_hours) = ({COSTS_OF.format(wo="p_work_order")})
             WHERE id = p_work_order;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION job_costs_refresh_work_order() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM refresh_work_order_costs(OLD.work_order_id);
            END IF;
            IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR OLD.work_order_id <> NEW.work_order_id) THEN
                PERFORM refresh_work_order_costs(NEW.work_order_id);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER job_costs_work_order_costs AFTER INSERT OR DELETE OR UPDATE OF "
        "work_order_id, cost_type, unit, quantity, total_cost ON job_costs "
        "FOR EACH ROW EXECUTE FUNCTION job_costs_refresh_work_order()"
    )
    op.create_check_constraint(
        op.f("ck_work_orders_notes_fit_job_list_index"),
        "work_orders",
        f"octet_length(notes) <= {NOTES_MAX_BYTES}",
    )
    op.drop_index("ix_work_orders_completed_newest", table_name="work_orders")
    op.create_index(
        "ix_work_orders_completed_page",
        "work_orders",
        ["technician_id", sa.text("scheduled_date DESC"), sa.text("id DESC")],
        postgresql_where=sa.text("status = 'completed'"),
        postgresql_include=PAGE_COLUMNS,
    )
    op.create_index(
        "ix_technician_customer_totals_covering",
        "technician_customer_totals",
        ["technician_id"],
        postgresql_include=TOTALS_COLUMNS,
    )


def downgrade() -> None:
    op.drop_index("ix_technician_customer_totals_covering", table_name="technician_customer_totals")
    op.drop_index("ix_work_orders_completed_page", table_name="work_orders")
    op.create_index(
        "ix_work_orders_completed_newest",
        "work_orders",
        ["technician_id", sa.text("scheduled_date DESC"), sa.text("id DESC")],
        postgresql_where=sa.text("status = 'completed'"),
        postgresql_include=["job_type"],
    )
    op.drop_constraint(op.f("ck_work_orders_notes_fit_job_list_index"), "work_orders", type_="check")
    op.execute("DROP TRIGGER job_costs_work_order_costs ON job_costs")
    op.execute("DROP FUNCTION job_costs_refresh_work_order()")
    op.execute("DROP FUNCTION refresh_work_order_costs(varchar)")
    op.drop_column("work_orders", "labor_hours")
    op.drop_column("work_orders", "parts_cost")

"""a rollup of completed work per technician and customer, kept current by triggers (seed 000 at scale)

``GET /api/v2/technicians/{id}/performance`` summed every completed job of the technician and, for
returns, probed each one for an earlier job at the same customer: at 10 M work orders that is
20 000 rows and 20 000 probes per call. ``technician_customer_totals`` holds, per (technician,
customer), the counts and revenue by seed 000 category and the number of returns. A return (a
completed job with an earlier completed job of the same technician at the same customer 1 to 30
days before it) only ever depends on that pair's jobs, so the endpoint's answer is the sum of the
technician's pair rows, exactly the seed's SQL.

Every writer keeps it current, whatever code it runs (the workflow activities, ``fieldops seed
history``, a manual fix in psql): row triggers on ``work_orders`` recompute the pair(s) a changed
completed job belongs to (``refresh_technician_customer_totals``), under a transaction advisory
lock on the pair, so concurrent completions at one customer serialise and the second sees the
first (READ COMMITTED takes a new snapshot per statement). Bulk loads may switch the triggers off
(``SET session_replication_role = replica``) and call ``rebuild_technician_customer_totals()``.

The category lists are seed 000's (``domain.catalog.PUMP_OUT_JOB_TYPES`` / ``REPAIR_JOB_TYPES``;
a unit test checks they agree). A partial index on the completed jobs of a pair makes a recompute
read only that pair; another (carrying ``job_type``) finds a page of the job list newest first
without visiting the table.

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-25
"""

# ruff: noqa: S608  (the SQL is built from this module's constants only)
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUMP_OUTS = "('pumping', 'grease_trap')"
REPAIRS = "('repair', 'maintenance')"

#: the aggregate of one pair's completed jobs ``w`` (columns in table order after the keys)
PAIR_AGGREGATE = f"""
    count(*),
    coalesce(sum(w.total_amount), 0),
    count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM work_orders e
        WHERE e.technician_id = w.technician_id AND e.customer_id = w.customer_id
          AND e.status = 'completed' AND e.id <> w.id
          AND w.scheduled_date - e.scheduled_date BETWEEN 1 AND 30)),
    count(*) FILTER (WHERE w.job_type IN {PUMP_OUTS}),
    coalesce(sum(w.total_amount) FILTER (WHERE w.job_type IN {PUMP_OUTS}), 0),
    count(*) FILTER (WHERE w.job_type IN {REPAIRS}),
    coalesce(sum(w.total_amount) FILTER (WHERE w.job_type IN {REPAIRS}), 0),
    count(*) FILTER (WHERE w.job_type NOT IN {PUMP_OUTS} AND w.job_type NOT IN {REPAIRS}),
    coalesce(sum(w.total_amount) FILTER (WHERE w.job_type NOT IN {PUMP_OUTS} AND w.job_type NOT IN {REPAIRS}), 0)
"""
COLUMNS = (
    "technician_id, customer_id, jobs, revenue, returns, pump_out_jobs, pump_out_revenue, "
    "repair_jobs, repair_revenue, other_jobs, other_revenue"
)
#: what a change to a completed job can alter in the rollup
WATCHED = "status, technician_id, customer_id, job_type, total_amount, scheduled_date"


def upgrade() -> None:
    money = sa.Numeric(14, 2)
    op.create_table(
        "technician_customer_totals",
        sa.Column("technician_id", sa.String(20), primary_key=True),
        sa.Column("customer_id", sa.Integer(), primary_key=True),
        sa.Column("jobs", sa.Integer(), nullable=False),
        sa.Column("revenue", money, nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("pump_out_jobs", sa.Integer(), nullable=False),
        sa.Column("pump_out_revenue", money, nullable=False),
        sa.Column("repair_jobs", sa.Integer(), nullable=False),
        sa.Column("repair_revenue", money, nullable=False),
        sa.Column("other_jobs", sa.Integer(), nullable=False),
        sa.Column("other_revenue", money, nullable=False),
    )
    op.create_index(
        "ix_work_orders_completed_pair",
        "work_orders",
        ["technician_id", "customer_id", "scheduled_date"],
        postgresql_where=sa.text("status = 'completed'"),
    )
    op.create_index(
        "ix_work_orders_completed_newest",
        "work_orders",
        ["technician_id", sa.text("scheduled_date DESC"), sa.text("id DESC")],
        postgresql_where=sa.text("status = 'completed'"),
        postgresql_include=["job_type"],
    )
    op.execute(
        f"""
        CREATE FUNCTION refresh_technician_customer_totals(p_technician varchar, p_customer integer)
        RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended(p_technician || ':' || p_customer, 11));
            DELETE FROM technician_customer_totals
             WHERE technician_id = p_technician AND customer_id = p_customer;
            INSERT INTO technician_customer_totals ({COLUMNS})
            SELECT p_technician, p_customer, {PAIR_AGGREGATE}
              FROM work_orders w
             WHERE w.technician_id = p_technician AND w.customer_id = p_customer
               AND w.status = 'completed'
            HAVING count(*) > 0;
        END $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION rebuild_technician_customer_totals() RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            LOCK TABLE technician_customer_totals IN EXCLUSIVE MODE;
            DELETE FROM technician_customer_totals;
            INSERT INTO technician_customer_totals ({COLUMNS})
            SELECT w.technician_id, w.customer_id, {PAIR_AGGREGATE}
              FROM work_orders w
             WHERE w.technician_id IS NOT NULL AND w.status = 'completed'
             GROUP BY w.technician_id, w.customer_id;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION work_orders_refresh_totals() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND OLD.status = 'completed' AND OLD.technician_id IS NOT NULL THEN
                PERFORM refresh_technician_customer_totals(OLD.technician_id, OLD.customer_id);
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.status = 'completed' AND NEW.technician_id IS NOT NULL
               AND (TG_OP = 'INSERT' OR OLD.status <> 'completed'
                    OR OLD.technician_id IS DISTINCT FROM NEW.technician_id
                    OR OLD.customer_id <> NEW.customer_id) THEN
                PERFORM refresh_technician_customer_totals(NEW.technician_id, NEW.customer_id);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER work_orders_totals_insert AFTER INSERT ON work_orders FOR EACH ROW "
        "WHEN (NEW.status = 'completed') EXECUTE FUNCTION work_orders_refresh_totals()"
    )
    op.execute(
        f"CREATE TRIGGER work_orders_totals_update AFTER UPDATE OF {WATCHED} ON work_orders FOR EACH ROW "
        f"WHEN ((OLD.status = 'completed' OR NEW.status = 'completed') "
        f"AND (OLD.{', OLD.'.join(WATCHED.split(', '))}) IS DISTINCT FROM "
        f"(NEW.{', NEW.'.join(WATCHED.split(', '))})) "
        "EXECUTE FUNCTION work_orders_refresh_totals()"
    )
    op.execute(
        "CREATE TRIGGER work_orders_totals_delete AFTER DELETE ON work_orders FOR EACH ROW "
        "WHEN (OLD.status = 'completed') EXECUTE FUNCTION work_orders_refresh_totals()"
    )
    op.execute("SELECT rebuild_technician_customer_totals()")


def downgrade() -> None:
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER work_orders_totals_{trigger} ON work_orders")
    op.execute("DROP FUNCTION work_orders_refresh_totals()")
    op.execute("DROP FUNCTION rebuild_technician_customer_totals()")
    op.execute("DROP FUNCTION refresh_technician_customer_totals(varchar, integer)")
    op.drop_index("ix_work_orders_completed_newest", table_name="work_orders")
    op.drop_index("ix_work_orders_completed_pair", table_name="work_orders")
    op.drop_table("technician_customer_totals")

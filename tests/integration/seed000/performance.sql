WITH completed_jobs AS (
    SELECT
        id, customer_id, job_type, total_amount, scheduled_date
    FROM work_orders
    WHERE technician_id = :tech_id
      AND status = 'completed'
),
returns AS (
    SELECT COUNT(*) as return_count
    FROM completed_jobs c1
    WHERE EXISTS (
        SELECT 1 FROM completed_jobs c2
        WHERE c1.customer_id = c2.customer_id
          AND c1.id != c2.id
          AND c1.scheduled_date - c2.scheduled_date BETWEEN 1 AND 30
    )
)
SELECT
    COUNT(*) as total_jobs,
    COALESCE(SUM(total_amount), 0) as total_revenue,
    COUNT(*) FILTER (WHERE job_type IN ('pumping', 'grease_trap')) as pump_out_jobs,
    COALESCE(SUM(total_amount) FILTER (WHERE job_type IN ('pumping', 'grease_trap')), 0) as pump_out_revenue,
    COUNT(*) FILTER (WHERE job_type IN ('repair', 'maintenance')) as repair_jobs,
    COALESCE(SUM(total_amount) FILTER (WHERE job_type IN ('repair', 'maintenance')), 0) as repair_revenue,
    COUNT(*) FILTER (WHERE job_type NOT IN ('pumping', 'grease_trap', 'repair', 'maintenance')) as other_jobs,
    COALESCE(SUM(total_amount) FILTER (WHERE job_type NOT IN ('pumping', 'grease_trap', 'repair', 'maintenance')), 0) as other_revenue,
    (SELECT return_count FROM returns) as returns_count
FROM completed_jobs;

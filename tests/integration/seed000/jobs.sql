SELECT
    wo.id, wo.scheduled_date, wo.actual_end_time as completed_date,
    wo.customer_id, c.first_name || ' ' || c.last_name as customer_name,
    wo.service_location, wo.job_type, wo.status,
    wo.total_amount, wo.total_labor_minutes as duration_minutes, wo.notes,
    -- Parts cost from job_costs
    (SELECT COALESCE(SUM(total_cost), 0) FROM job_costs
     WHERE work_order_id = wo.id AND cost_type = 'materials') as parts_cost,
    -- Labor hours from job_costs
    (SELECT COALESCE(SUM(quantity), 0) FROM job_costs
     WHERE work_order_id = wo.id AND cost_type = 'labor' AND unit = 'hour') as labor_hours
FROM work_orders wo
LEFT JOIN customers c ON wo.customer_id = c.id
WHERE wo.technician_id = :tech_id
  AND wo.status = 'completed'
  AND (:job_category = 'all' OR
       (:job_category = 'pump_outs' AND wo.job_type IN ('pumping', 'grease_trap')) OR
       (:job_category = 'repairs' AND wo.job_type IN ('repair', 'maintenance')))
ORDER BY wo.scheduled_date DESC
LIMIT :page_size OFFSET :offset;

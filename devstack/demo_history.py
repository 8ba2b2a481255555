"""History for the demo data set: a year of completed work orders per technician (seed 000 Phase 1.4).

Job mix 60% pumping, 15% grease trap, 15% repair, 10% maintenance (plus emergencies), 5-15 jobs a
month weighted toward recent months, returns at the same customer (a job of the same mix), labor
and materials job_costs on repair-type jobs; every note carries ``[SEED DATA]``.

Each job also has what the live work records, so seed 002's reliability and SLA metrics have data
for seeded days: the arrival window the customer was given (``service_window_start``/``_end``, two
or four hours in the technician's local zone, about 1 in 12 missed by 10-60 minutes), the arrival
(``actual_start_time``) and the request time (``created_at``: 1-14 days before for planned work, 20
minutes to 3 hours before the arrival for an emergency, whose window is its 4-hour SLA, missed by 1
in 10).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from db.models import Customer, JobCost, WorkOrder
from domain.catalog import DEFAULT_CATALOG, PUMP_OUT_JOB_TYPES

#: Working hours in ``Technician.working_hours`` are wall-clock times in this zone.
LOCAL_TZ = ZoneInfo("America/Chicago")
SEED_NOTE = "[SEED DATA]"
CENT = Decimal("0.01")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OFF_DAY_HOURS = ("09:00", "16:00")
_REQUIRED_SKILL = {entry.code: entry.required_skill for entry in DEFAULT_CATALOG}
#: Seed 000 Phase 1.4 job mix (percent); emergencies come on top (3% of days, 30% of days off).
_JOB_MIX = {"pumping": 60, "grease_trap": 15, "repair": 15, "maintenance": 10}
_TANKS = {"pumping": (750, 1000, 1000, 1250, 1500, 1500, 2000), "grease_trap": (500, 750, 1000, 1500)}
#: (work order note, labor description, part) per repair-type job.
_REPAIRS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "repair": (
        ("Replaced failed effluent pump", "Pull and replace effluent pump", "Effluent pump 1/2 HP"),
        ("Replaced float switch; alarm cleared", "Diagnose alarm, replace float", "Mechanical float switch"),
        ("Replaced broken outlet baffle", "Excavate lid, replace baffle", "Sanitary tee baffle 4 in"),
        ("Repaired cracked riser and lid", "Reseal riser, fit new lid", "24 in riser and lid"),
        ("Replaced distribution box", "Excavate and set distribution box", "Distribution box 6-hole"),
        ("Repaired collapsed inlet line", "Dig out and relay inlet line", "PVC pipe and fittings"),
    ),
    "maintenance": (
        ("Serviced aerobic unit; cleaned spray heads", "Aerobic system service", "Chlorine tablets"),
        ("Cleaned effluent filter; tested alarm", "Filter cleaning, alarm test", "Effluent filter cartridge"),
        ("Rebuilt air compressor", "Compressor service", "Diaphragm rebuild kit"),
    ),
    "emergency": (
        ("Emergency: sewage backup; cleared blocked outlet", "Call-out, jet outlet line", "Outlet tee"),
        ("Emergency: pump failure, high-water alarm", "Emergency pump swap", "Effluent pump 1/2 HP"),
        ("Emergency: tank overflowing after storm", "Emergency pump-down and repair", "Riser gasket kit"),
    ),
}


def _history_days(rng: random.Random, hours: dict, today: date) -> list[date]:
    """60-100 distinct dates in the 360 days before ``today``: 5-15 per 30-day window, recent ones heavier."""
    counts = [5] * 12
    for _ in range(rng.randint(60, 100) - 60):
        room = [k for k in range(12) if counts[k] < 15]
        counts[rng.choices(room, weights=[0.85**k for k in room])[0]] += 1
    days: list[date] = []
    for k, count in enumerate(counts):
        window = [today - timedelta(days=30 * k + i) for i in range(1, 31)]
        work = [d for d in window if WEEKDAYS[d.weekday()] in hours]
        off = [d for d in window if WEEKDAYS[d.weekday()] not in hours]
        n_off = min(len(off), sum(rng.random() < 0.07 for _ in range(count)))
        # a part-time schedule may have fewer working days in a window than jobs drawn for it
        days += rng.sample(off, n_off) + rng.sample(work, min(len(work), count - n_off))
    return sorted(days)


def _customer_weight(job_type: str, kind: str) -> float:
    if job_type == "grease_trap":
        return {"restaurant": 3.0, "fleet": 1.0}.get(kind, 0.0)
    if job_type == "pumping":
        return 0.0 if kind in ("restaurant", "fleet") else 1.0
    return 2.0 if kind == "fleet" else 1.0


def _minutes(hhmm: str) -> int:
    hh, mm = hhmm.split(":")
    return int(hh) * 60 + int(mm)


def _usd(value: float | Decimal, low: int, high: int) -> Decimal:
    return min(max(Decimal(str(value)), Decimal(low)), Decimal(high)).quantize(CENT)


def completion_volumes(rng: random.Random, job_type: str) -> dict[str, int]:
    """What a technician reports when completing a pump out (``gallons_pumped`` and
    ``tank_size_gallons`` of ``POST /api/v1/repairs/{id}/complete``), drawn as the seeded history
    draws them (a tank of the job type's sizes, 75-100 % of it pumped, to 50 gal); ``{}`` for other
    job types. For the demo day: ``{"labor_minutes": ..., **completion_volumes(rng, job_type)}``."""
    if job_type not in PUMP_OUT_JOB_TYPES:
        return {}
    tank = rng.choice(_TANKS[job_type])
    return {"gallons_pumped": round(tank * rng.uniform(0.75, 1.0) / 50) * 50, "tank_size_gallons": tank}


#: arrival windows offered to customers (minutes), and the share of arrivals after the window
_WINDOW_MINUTES = (120, 120, 240)
LATE_SHARE = 1 / 12
LATE_EMERGENCY_SHARE = 1 / 10
#: an emergency's window is its SLA (``domain.analytics.metrics.EMERGENCY_SLA_MINUTES``)
_EMERGENCY_WINDOW_MINUTES = 240


def _booking(
    rng: random.Random, arrival: datetime, *, emergency: bool
) -> tuple[datetime, datetime, datetime]:
    """(request time, window start, window end) of a job the technician reached at ``arrival``
    (aware UTC). A planned job was booked 1-14 days before into a 2- or 4-hour window on the
    hour that holds the arrival, or, for 1 in 12, ended 10-60 minutes before it; an emergency was
    called in 20 minutes to 3 hours before the arrival (1 in 10: 4 h 5 min to 6 h, missing its
    4-hour SLA), its window running from the call."""
    if emergency:  # 1 in 10 misses the SLA (reached 4 h 5 min to 6 h after the call)
        late = rng.random() < LATE_EMERGENCY_SHARE
        requested = arrival - timedelta(
            minutes=rng.randrange(245, 361, 5) if late else rng.randrange(20, 181, 5)
        )
        return requested, requested, requested + timedelta(minutes=_EMERGENCY_WINDOW_MINUTES)
    length = timedelta(minutes=rng.choice(_WINDOW_MINUTES))
    if rng.random() < LATE_SHARE:
        end = arrival - timedelta(minutes=rng.randrange(10, 61, 5))
        start = end - length
    else:
        hour = arrival.replace(minute=0, second=0, microsecond=0)
        start = hour - timedelta(hours=rng.randrange(0, int(length.total_seconds() // 3600)))
        end = start + length  # start <= arrival < end: the window's hours include the arrival's
    requested = start - timedelta(days=rng.randint(1, 14), minutes=rng.randrange(0, 600, 5))
    return requested, start, end


def _work_order(
    rng: random.Random,
    tech_id: str,
    hours: dict,
    day: date,
    job_type: str,
    customer: Customer,
    *,
    is_return: bool,
) -> WorkOrder:
    open_at, close_at = hours.get(WEEKDAYS[day.weekday()], _OFF_DAY_HOURS)
    window = _minutes(close_at) - _minutes(open_at)
    costs: list[tuple[str, str, Decimal, str, Decimal]] = []
    gallons: int | None = None
    tank_size: str | None = None
    if job_type in PUMP_OUT_JOB_TYPES:
        tank = rng.choice(_TANKS[job_type])
        gallons = round(tank * rng.uniform(0.75, 1.0) / 50) * 50
        rate = rng.uniform(0.18, 0.30) if job_type == "pumping" else rng.uniform(0.25, 0.40)
        amount = _usd(100 + gallons * rate, 150, 800)
        low, high = (60, 150) if job_type == "pumping" else (45, 120)
        minutes = min(window, rng.randrange(low, high + 1, 15))
        tank_size = f"{tank} gal"
        detail = f"Pumped {gallons:,} gal; tank {tank_size}"
        if job_type == "grease_trap":
            detail += "; grease interceptor"
    else:
        problem, labor_text, part = rng.choice(_REPAIRS[job_type])
        max_half_hours = 2 * min(3 if job_type == "maintenance" else 6, window // 60)
        labor_hours = Decimal(rng.randint(2, max_half_hours)) / 2
        rate = Decimal(rng.randrange(75, 151, 5))
        qty = rng.randint(1, 3)
        unit_cost = Decimal(rng.randint(-(-5000 // qty), 50000 // qty)) / 100
        costs = [
            ("labor", labor_text, labor_hours, "hour", rate),
            ("materials", part, Decimal(qty), "each", unit_cost),
        ]
        cost = labor_hours * rate + qty * unit_cost
        if job_type == "emergency":
            amount = _usd(cost * Decimal(str(rng.uniform(1.8, 2.6))), 450, 2500)
        else:
            amount = _usd(cost * Decimal(str(rng.uniform(1.15, 1.8))), 200, 2000)
        minutes = int(labor_hours * 60)
        detail = problem
    local_open = datetime.combine(day, time.fromisoformat(open_at), tzinfo=LOCAL_TZ)
    start = (local_open + timedelta(minutes=rng.randrange(0, window - minutes + 1, 15))).astimezone(UTC)
    end = start + timedelta(minutes=minutes)
    requested_at, window_start, window_end = _booking(rng, start, emergency=job_type == "emergency")
    order = WorkOrder(
        customer_id=customer.id,
        technician_id=tech_id,
        job_type=job_type,
        status="completed",
        priority="emergency" if job_type == "emergency" else "normal",
        scheduled_date=day,
        created_at=requested_at,
        service_window_start=window_start,
        service_window_end=window_end,
        actual_start_time=start,
        actual_end_time=end,
        total_amount=amount,
        total_labor_minutes=minutes,
        service_location=f"{customer.address}, {customer.city}, {customer.state} {customer.zip_code}",
        gallons_pumped=gallons,
        tank_size=tank_size,
        notes=f"{SEED_NOTE} {'Return visit. ' if is_return else ''}{detail}",
        estimate_amount=amount,
        estimate_version=1,
        approval_mode="seed",
        workflow_id=None,
        invoiced_at=end + timedelta(minutes=rng.randrange(15, 181, 5)),
    )
    order.job_costs = [
        JobCost(
            cost_type=kind,
            description=text,
            quantity=qty,
            unit=unit,
            unit_cost=price,
            total_cost=(qty * price).quantize(CENT),
            created_at=end,
        )
        for kind, text, qty, unit, price in costs
    ]
    return order


def tech_history(
    rng: random.Random,
    tech_id: str,
    skills: tuple[str, ...],
    hours: dict,
    customers: list[tuple[str, Customer]],
    today: date,
) -> list[WorkOrder]:
    """One technician's completed jobs; only job types whose catalog skill he holds."""
    mix = {job: weight for job, weight in _JOB_MIX.items() if _REQUIRED_SKILL[job] in skills}
    emergencies = _REQUIRED_SKILL["emergency"] in skills
    if not mix:
        return []
    by_id = {c.id: c for _, c in customers}
    kinds = {c.id: kind for kind, c in customers}
    jobs: list[WorkOrder] = []
    for day in _history_days(rng, hours, today):
        recent = [wo for wo in jobs if 1 <= (day - wo.scheduled_date).days <= 30]
        if recent and rng.random() < 0.1:
            # a return (seed 000: the same customer within 30 days) is a job of the usual mix at a
            # recent customer who has that kind of job, so returns do not tilt the mix; with no
            # such customer it is an ordinary job of that type
            job_type = rng.choices(list(mix), weights=list(mix.values()))[0]
            fits = [wo for wo in recent if _customer_weight(job_type, kinds[wo.customer_id]) > 0]
            if fits:
                customer = by_id[rng.choice(fits).customer_id]
                jobs.append(_work_order(rng, tech_id, hours, day, job_type, customer, is_return=True))
                continue
            jobs.append(_ordinary(rng, tech_id, hours, day, job_type, customers, recent))
            continue
        off_day = WEEKDAYS[day.weekday()] not in hours
        if emergencies and rng.random() < (0.3 if off_day else 0.03):
            job_type = "emergency"
        else:
            job_type = rng.choices(list(mix), weights=list(mix.values()))[0]
        jobs.append(_ordinary(rng, tech_id, hours, day, job_type, customers, recent))
    return jobs


def _ordinary(
    rng: random.Random,
    tech_id: str,
    hours: dict,
    day: date,
    job_type: str,
    customers: list[tuple[str, Customer]],
    recent: list[WorkOrder],
) -> WorkOrder:
    """A job at a customer who has ``job_type`` work, rarely one served in the last 30 days."""
    seen = {wo.customer_id for wo in recent}
    weights = [_customer_weight(job_type, kind) * (0.05 if c.id in seen else 1) for kind, c in customers]
    customer = rng.choices([c for _, c in customers], weights=weights)[0]
    return _work_order(rng, tech_id, hours, day, job_type, customer, is_return=False)

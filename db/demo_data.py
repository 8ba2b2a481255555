"""Demo data set: 8 technicians, 10 customers and a year of completed work (seed 000 Phase 1.4).

Everything is drawn from one ``random.Random(rng_seed)`` so a given ``(today, rng_seed)`` always
yields the same rows. History work orders carry ``[SEED DATA]`` in ``notes`` and ``approval_mode
= 'seed'``; places are real Austin-metro ZIP centroids (``db.demo_places``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.demo_places import AUSTIN_CITIES, metro_zip_centroids, pick_zip, street_address
from db.models import Customer, CustomerPricing, JobCost, Technician, TechnicianSkill, WorkOrder
from domain.catalog import DEFAULT_CATALOG, PUMP_OUT_JOB_TYPES

__all__ = ["AUSTIN_CITIES", "DemoDataSummary", "load_demo_data", "metro_zip_centroids"]

#: Working hours in ``Technician.working_hours`` are wall-clock times in this zone.
LOCAL_TZ = ZoneInfo("America/Chicago")
SEED_NOTE = "[SEED DATA]"
CENT = Decimal("0.01")

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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


@dataclass(frozen=True, slots=True)
class DemoDataSummary:
    """Row counts in the database after ``load_demo_data`` (what is there, inserted or pre-existing)."""

    customers: int
    technicians: int
    work_orders: int
    job_costs: int


def _hours(start: str = "08:00", end: str = "17:00", *, saturday: bool = False) -> dict[str, list[str]]:
    hours = {day: [start, end] for day in _WEEKDAYS[:5]}
    if saturday:
        hours["sat"] = ["08:00", "13:00"]
    return hours


#: (id, first name, last name, home city, skills, working hours).
_TECHNICIANS = (
    ("T-001", "Marcus", "Reyes", "Austin", ("pumping", "repair", "inspection"), _hours()),
    ("T-002", "Dana", "Whitfield", "Round Rock", ("pumping", "repair"), _hours(saturday=True)),
    ("T-003", "Luis", "Ortega", "Pflugerville", ("repair", "installation"), _hours("07:00", "15:30")),
    ("T-004", "Priya", "Nair", "Cedar Park", ("repair", "camera", "inspection"), _hours()),
    ("T-005", "Jake", "Sullivan", "Georgetown", ("pumping", "inspection"), _hours()),
    ("T-006", "Keisha", "Boone", "Buda", ("repair",), _hours(saturday=True)),
    ("T-007", "Tom", "Nguyen", "Leander", ("pumping",), _hours()),
    ("T-008", "Ana", "Castillo", "Kyle", ("repair", "camera"), _hours()),
)


def _pricing(threshold: int, percent: str, **tiers: str) -> dict:
    prices = {key: Decimal(value) for key, value in tiers.items()}
    return {
        "use_custom_pricing": bool(tiers),
        "volume_discount_threshold": threshold,
        "volume_discount_percentage": Decimal(percent),
        **prices,
    }


def _customer(kind: str, first: str, last: str, city: str, limit: str, photo: bool, contact: str, **extra):
    return {
        "kind": kind,
        "first_name": first,
        "last_name": last,
        "city": city,
        "preferred_contact_method": contact,
        "max_auto_approve_amount": Decimal(limit),
        "require_photo_for_approval": photo,
        **extra,
    }


#: ``kind`` decides which job types a customer gets; ``pricing``/``preferred`` become related rows.
_CUSTOMERS = (
    _customer(
        "fleet",
        "Renee",
        "Alvarado",
        "Austin",
        "500.00",
        True,
        "email",
        company_name="Capital Metro Fleet Services",
        fleet_size=45,
        lot_walking_enabled=True,
        lot_walking_schedule={"days": ["tue"], "time": "07:00"},
        lot_walking_time=time(7, 0),
        auto_approve_lot_repairs=True,
        service_mode="HYBRID",
        payment_terms="NET_60",
        pricing=_pricing(
            10,
            "5.00",
            repair_1_price="45.00",
            repair_2_price="38.00",
            repair_3_price="32.00",
            repair_4_price="28.00",
            repair_5_plus_price="22.00",
        ),
    ),
    _customer(
        "restaurant",
        "Hector",
        "Molina",
        "Round Rock",
        "250.00",
        True,
        "sms",
        company_name="Lone Star Smokehouse",
        payment_terms="NET_30",
        preferred=("T-007",),
        notes="Grease interceptor behind the kitchen; service before 10:00",
    ),
    _customer(
        "commercial",
        "Jordan",
        "Pierce",
        "Austin",
        "400.00",
        False,
        "email",
        company_name="Hill Country Rentals",
        pricing=_pricing(8, "5.00"),
    ),
    _customer(
        "commercial",
        "Patricia",
        "Lang",
        "Georgetown",
        "300.00",
        True,
        "email",
        company_name="Bluebonnet Hills HOA",
        pricing=_pricing(6, "7.50"),
    ),
    _customer("residential", "Brenda", "Kowalski", "Manor", "100.00", True, "sms", payment_terms="PREPAID"),
    _customer("residential", "Gloria", "Chen", "Cedar Park", "150.00", False, "sms"),
    _customer("residential", "Walter", "Briggs", "Kyle", "200.00", True, "sms"),
    _customer("residential", "Megan", "O'Donnell", "Leander", "250.00", False, "email"),
    _customer("residential", "Samuel", "Okafor", "Pflugerville", "175.00", True, "sms"),
    _customer("residential", "Rosa", "Delgado", "Buda", "350.00", False, "email"),
)


def _email(first: str, last: str) -> str:
    return f"{first}.{last}".lower().replace("'", "") + "@example.com"


def _technicians(rng: random.Random) -> dict[str, Technician]:
    techs: dict[str, Technician] = {}
    used: set[str] = set()
    for i, (tech_id, first, last, city, skills, hours) in enumerate(_TECHNICIANS):
        zip_code, _, lat, lon = pick_zip(rng, city, avoid=used)
        used.add(zip_code)
        techs[tech_id] = Technician(
            id=tech_id,
            first_name=first,
            last_name=last,
            email=_email(first, last),
            phone=f"+1512555{101 + i:04d}",
            working_hours={k: list(v) for k, v in hours.items()},
            home_latitude=lat,
            home_longitude=lon,
            home_zip=zip_code,
            is_manager=False,
            can_assign_work=False,
            can_override_pricing=False,
            skills=[TechnicianSkill(skill_type=skill, verified=True) for skill in skills],
        )
    boss = techs["T-001"]
    boss.is_manager = boss.can_assign_work = boss.can_override_pricing = True
    boss.approval_limit = Decimal("750.00")
    boss.managed_technicians = [techs["T-002"], techs["T-003"], techs["T-004"]]
    lead = techs["T-005"]
    lead.is_manager = True
    lead.approval_limit = Decimal("300.00")
    lead.managed_technicians = [techs["T-006"], techs["T-007"], techs["T-008"]]
    return techs


def _customers(rng: random.Random, techs: dict[str, Technician]) -> list[tuple[str, Customer]]:
    out: list[tuple[str, Customer]] = []
    used: set[str] = set()
    for i, raw in enumerate(_CUSTOMERS):
        spec = dict(raw)
        kind, pricing, preferred = spec.pop("kind"), spec.pop("pricing", None), spec.pop("preferred", ())
        zip_code, city, lat, lon = pick_zip(rng, spec.pop("city"), avoid=used)
        used.add(zip_code)
        customer = Customer(
            **spec,
            email=_email(spec["first_name"], spec["last_name"]),
            phone=f"+1{'512' if i % 3 else '737'}555{121 + i:04d}",
            address=street_address(rng),
            city=city,
            state="TX",
            zip_code=zip_code,
            latitude=lat,
            longitude=lon,
        )
        if pricing:
            customer.pricing = CustomerPricing(**pricing)
        customer.preferred_technicians = [techs[t] for t in preferred]
        out.append((kind, customer))
    return out


def _history_days(rng: random.Random, hours: dict, today: date) -> list[date]:
    """60-100 distinct dates in the 360 days before ``today``: 5-15 per 30-day window, recent ones heavier."""
    counts = [5] * 12
    for _ in range(rng.randint(60, 100) - 60):
        room = [k for k in range(12) if counts[k] < 15]
        counts[rng.choices(room, weights=[0.85**k for k in room])[0]] += 1
    days: list[date] = []
    for k, count in enumerate(counts):
        window = [today - timedelta(days=30 * k + i) for i in range(1, 31)]
        work = [d for d in window if _WEEKDAYS[d.weekday()] in hours]
        off = [d for d in window if _WEEKDAYS[d.weekday()] not in hours]
        n_off = min(len(off), sum(rng.random() < 0.07 for _ in range(count)))
        days += rng.sample(off, n_off) + rng.sample(work, count - n_off)
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
    open_at, close_at = hours.get(_WEEKDAYS[day.weekday()], _OFF_DAY_HOURS)
    window = _minutes(close_at) - _minutes(open_at)
    costs: list[tuple[str, str, Decimal, str, Decimal]] = []
    if job_type in PUMP_OUT_JOB_TYPES:
        tank = rng.choice(_TANKS[job_type])
        gallons = round(tank * rng.uniform(0.75, 1.0) / 50) * 50
        rate = rng.uniform(0.18, 0.30) if job_type == "pumping" else rng.uniform(0.25, 0.40)
        amount = _usd(100 + gallons * rate, 150, 800)
        low, high = (60, 150) if job_type == "pumping" else (45, 120)
        minutes = min(window, rng.randrange(low, high + 1, 15))
        detail = f"Pumped {gallons:,} gal; tank {tank} gal"
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
    order = WorkOrder(
        customer_id=customer.id,
        technician_id=tech_id,
        job_type=job_type,
        status="completed",
        priority="emergency" if job_type == "emergency" else "normal",
        scheduled_date=day,
        actual_start_time=start,
        actual_end_time=end,
        total_amount=amount,
        total_labor_minutes=minutes,
        service_location=f"{customer.address}, {customer.city}, {customer.state} {customer.zip_code}",
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


def _tech_history(
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
    jobs: list[WorkOrder] = []
    for day in _history_days(rng, hours, today):
        recent = [wo for wo in jobs if 1 <= (day - wo.scheduled_date).days <= 30]
        if recent and rng.random() < 0.1:
            prev = rng.choice(recent)
            job_type = "repair" if "repair" in mix else prev.job_type
            customer = by_id[prev.customer_id]
            jobs.append(_work_order(rng, tech_id, hours, day, job_type, customer, is_return=True))
            continue
        off_day = _WEEKDAYS[day.weekday()] not in hours
        if emergencies and rng.random() < (0.3 if off_day else 0.03):
            job_type = "emergency"
        else:
            job_type = rng.choices(list(mix), weights=list(mix.values()))[0]
        seen = {wo.customer_id for wo in recent}
        weights = [_customer_weight(job_type, kind) * (0.05 if c.id in seen else 1) for kind, c in customers]
        customer = rng.choices([c for _, c in customers], weights=weights)[0]
        jobs.append(_work_order(rng, tech_id, hours, day, job_type, customer, is_return=False))
    return jobs


def _summary(session: Session) -> DemoDataSummary:
    def count(model: type) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return DemoDataSummary(count(Customer), count(Technician), count(WorkOrder), count(JobCost))


def load_demo_data(session: Session, *, today: date, rng_seed: int = 7) -> DemoDataSummary:
    """Insert the demo technicians, customers and 12 months of history before ``today`` (seed 000 Phase 1.4).

    Idempotent: if any customer or technician exists, inserts nothing and returns the current counts.
    Flushes but never commits (the caller owns the transaction). Inserts 8 technicians (T-001..T-008,
    T-001 and T-005 managers), 10 customers at Austin-metro ZIP centroids (one fleet, one restaurant)
    and 60-100 completed work orders per technician (ids ``WO-YYYYMMDD-Hnnnn`` in chronological order)
    with labor/materials ``job_costs`` on repair, maintenance and emergency jobs. Money is Decimal USD,
    times are aware UTC inside the technician's local (America/Chicago) working hours.
    """
    if session.scalar(select(func.count()).select_from(Customer)) or session.scalar(
        select(func.count()).select_from(Technician)
    ):
        return _summary(session)
    rng = random.Random(rng_seed)
    techs = _technicians(rng)
    customers = _customers(rng, techs)
    session.add_all(techs.values())
    session.add_all(c for _, c in customers)
    session.flush()  # customer ids for the history
    orders: list[WorkOrder] = []
    for tech_id, _, _, _, skills, hours in _TECHNICIANS:
        orders += _tech_history(rng, tech_id, skills, hours, customers, today)
    orders.sort(key=lambda wo: (wo.actual_start_time, wo.technician_id))
    for n, order in enumerate(orders, start=1):
        order.id = f"WO-{order.scheduled_date:%Y%m%d}-H{n:04d}"
    session.add_all(orders)
    session.flush()
    return _summary(session)

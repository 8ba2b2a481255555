"""Demo data set: 8 technicians, 10 customers and a year of completed work (seed 000 Phase 1.4).

Everything is drawn from one ``random.Random(rng_seed)`` so a given ``(today, rng_seed)`` always
yields the same rows. History work orders carry ``[SEED DATA]`` in ``notes`` and ``approval_mode
= 'seed'``; places are real Austin-metro ZIP centroids (``devstack.demo_places``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Customer, CustomerPricing, JobCost, Technician, TechnicianSkill, WorkOrder
from devstack.demo_history import WEEKDAYS, tech_history
from devstack.demo_places import AUSTIN_CITIES, metro_zip_centroids, pick_zip, street_address

__all__ = ["AUSTIN_CITIES", "DemoDataSummary", "load_demo_data", "metro_zip_centroids"]


@dataclass(frozen=True, slots=True)
class DemoDataSummary:
    """Row counts in the database after ``load_demo_data`` (what is there, inserted or pre-existing)."""

    customers: int
    technicians: int
    work_orders: int
    job_costs: int


def _hours(start: str = "08:00", end: str = "17:00", *, saturday: bool = False) -> dict[str, list[str]]:
    hours = {day: [start, end] for day in WEEKDAYS[:5]}
    if saturday:
        hours["sat"] = ["08:00", "13:00"]
    return hours


#: (id, first name, last name, home city, skills, working hours). Every technician both pumps and
#: repairs, as septic crews do, so the history's job mix follows seed 000's 60/15/15/10 (with half
#: the roster repair-only it came out 34 % pumping); specialties come on top.
_TECHNICIANS = (
    ("T-001", "Marcus", "Reyes", "Austin", ("pumping", "repair", "inspection"), _hours()),
    ("T-002", "Dana", "Whitfield", "Round Rock", ("pumping", "repair"), _hours(saturday=True)),
    (
        "T-003",
        "Luis",
        "Ortega",
        "Pflugerville",
        ("pumping", "repair", "installation"),
        _hours("07:00", "15:30"),
    ),
    ("T-004", "Priya", "Nair", "Cedar Park", ("pumping", "repair", "camera", "inspection"), _hours()),
    ("T-005", "Jake", "Sullivan", "Georgetown", ("pumping", "repair", "inspection"), _hours()),
    ("T-006", "Keisha", "Boone", "Buda", ("pumping", "repair"), _hours(saturday=True)),
    ("T-007", "Tom", "Nguyen", "Leander", ("pumping", "repair"), _hours()),
    ("T-008", "Ana", "Castillo", "Kyle", ("pumping", "repair", "camera"), _hours()),
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
        orders += tech_history(rng, tech_id, skills, hours, customers, today)
    orders.sort(key=lambda wo: (wo.actual_start_time, wo.technician_id))
    for n, order in enumerate(orders, start=1):
        order.id = f"WO-{order.scheduled_date:%Y%m%d}-H{n:04d}"
    session.add_all(orders)
    session.flush()
    return _summary(session)

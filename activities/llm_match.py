"""The technician-match helper's facts (seed 004 Phase 2 ``match-technician``): the assignment
model's own figures for a work order (``domain.assignment.score_candidates``: skill, drive
minutes, booked minutes, wait, preference bonus and the pair cost the CP-SAT model minimises)
and, when the day has a dispatch plan, the routing optimizer's reason for the stop
(``domain/routing``, ``route_optimizations.waypoints``). Technicians appear by id only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from activities.assignment import technician_availability
from activities.llm_facts import Prepared, privacy_of
from activities.llm_service import render_prompt
from config import Settings
from db.models import Customer, WorkOrder
from db.repositories import catalog, dispatch, technicians
from db.repositories import work_orders as work_order_repo
from domain.assignment import AssignmentParams, JobToAssign, score_candidates
from domain.contracts.llm import MatchExplanation

#: candidates shown to the model (cheapest first)
MAX_CANDIDATES = 5


def _not_before(day: date, today: date, now: datetime, tz: str) -> datetime:
    """Today: the current hour (so answers stay cacheable within the hour); a later day: its
    local midnight (everyone's shift start counts)."""
    if day <= today:
        return now.replace(minute=0, second=0, microsecond=0)
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _plan_reason(session: Session, *, day: date, work_order_id: str) -> dict[str, Any] | None:
    plan = dispatch.current_plan(session, day=day)
    if plan is None:
        return None
    for route in plan.routes:
        for stop in route.waypoints or []:
            if stop.get("work_order_id") == work_order_id:
                return {
                    "technician_id": route.technician_id,
                    "why": stop.get("why"),
                    "added_travel_minutes": stop.get("added_travel_minutes"),
                    "runner_up_technician_id": stop.get("runner_up_technician_id"),
                }
    return None


def prepare_match(
    session: Session, wo: WorkOrder, customer: Customer, as_of: date, settings: Settings
) -> Prepared:
    """Why the model's best technician fits ``wo`` on its day (today at the earliest): every
    eligible technician's figures, the assigned and runner-up technicians recorded on the work
    order, and the dispatch plan's reason. The fallback explains from ``technician_match.fallback``."""
    entry = catalog.get(session, wo.job_type)
    day = max(wo.scheduled_date, as_of)
    now = datetime.now(UTC)
    params = AssignmentParams(
        road_factor=settings.road_factor,
        average_speed_kmh=settings.average_speed_kmh,
        time_limit_seconds=settings.assignment_time_limit_seconds,
    )
    durations = catalog.durations_minutes(session)
    bookings = work_order_repo.bookings_on(session, day=day, exclude=wo.id)
    avail = [
        a
        for t in technicians.active(session)
        if (a := technician_availability(t, day, bookings.get(t.id, []), durations, settings.timezone))
    ]
    preferred = frozenset(t.id for t in customer.preferred_technicians)
    candidates = []
    skill = entry.required_skill if entry is not None else wo.job_type
    if entry is not None:
        job = JobToAssign(
            job_id=wo.id,
            lat=customer.latitude,
            lon=customer.longitude,
            required_skill=skill,
            duration_minutes=entry.duration_minutes,
            priority=wo.priority,
            preferred_technician_ids=preferred,
        )
        candidates = score_candidates(job, avail, _not_before(day, as_of, now, settings.timezone), params)
    facts: dict[str, Any] = {
        "work_order_id": wo.id,
        "job_type": wo.job_type,
        "required_skill": skill,
        "priority": wo.priority,
        "day": day.isoformat(),
        "assigned_technician_id": wo.technician_id,
        "runner_up_technician_id": wo.runner_up_technician_id,
        "technicians_on_shift": len(avail),
        "weights": {
            "workload_weight": params.workload_weight,
            "preferred_bonus_minutes": params.preferred_bonus_minutes,
        },
        "candidates": [
            {
                "technician_id": c.technician_id,
                "travel_minutes": c.travel_minutes,
                "booked_minutes": c.booked_minutes,
                "wait_minutes": c.wait_minutes,
                "cost": c.cost,
                "preferred": c.technician_id in preferred,
            }
            for c in candidates[:MAX_CANDIDATES]
        ],
        "best_technician_id": candidates[0].technician_id if candidates else None,
        "dispatch_plan": _plan_reason(session, day=day, work_order_id=wo.id),
    }

    def fallback() -> MatchExplanation:
        factors = []
        if candidates:
            best = candidates[0]
            factors.append(f"skill '{skill}' held by {len(candidates)} technician(s) free that day")
            factors.append(
                f"{best.technician_id}: {best.travel_minutes} min drive, {best.booked_minutes} min booked"
            )
            if best.technician_id in preferred:
                factors.append(f"customer's preferred technician (-{params.preferred_bonus_minutes} min)")
            if len(candidates) > 1:
                ru = candidates[1]
                factors.append(f"runner-up {ru.technician_id}: cost {ru.cost} vs {best.cost}")
        return MatchExplanation(
            explanation=render_prompt("technician_match.fallback", facts), factors=factors
        )

    return Prepared(f"work_order:{wo.id}", facts, facts, fallback, privacy_of(customer))

"""Smart assignment activity: loads the day's technicians and bookings, runs the CP-SAT model.

Runs on the ``fieldops-optimizer`` task queue with heartbeats. A PostgreSQL advisory lock makes
assignments take turns across every optimizer worker, so two repairs never see the same free
slot. When the requested day has no room the
next days are tried (``HORIZON_DAYS``); the chosen technician, day, service window and the
explanation (winner and runner-up) are written to the work order. The status that follows
(assigned, or awaiting assignment) is the workflow's to decide and persist.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.errors import failure, permanent_db_errors
from config import Settings
from db.models import Technician, WorkOrder
from db.repositories import audit, catalog, customers, technicians
from db.repositories import work_orders as repo
from db.session import transaction
from domain.assignment import AssignmentParams, JobToAssign, TechnicianAvailability, assign_jobs
from domain.contracts.assignment import ASSIGN_TECHNICIAN, AssignInput, AssignmentFailure, AssignResult
from domain.contracts.shared import CommonFailure
from domain.schedule import local_today, shift_for
from domain.work_status import TERMINAL_STATUSES

HORIZON_DAYS = 7
ASSIGNMENT_LOCK_KEY = 0x6669656C64  # "field": the advisory lock serialising assignments


class AssignmentActivities:
    """Technician assignment; ``settings`` gives road factor, speed, window length and time zone."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings

    def _params(self) -> AssignmentParams:
        s = self._settings
        return AssignmentParams(
            road_factor=s.road_factor,
            average_speed_kmh=s.average_speed_kmh,
            time_limit_seconds=s.assignment_time_limit_seconds,
        )

    def _availability(
        self,
        tech: Technician,
        day: date,
        booked: list[tuple[WorkOrder, float, float]],
        durations: dict[str, int],
    ) -> TechnicianAvailability | None:
        """``tech``'s day (:func:`technician_availability` in the company's zone)."""
        return technician_availability(tech, day, booked, durations, self._settings.timezone)

    @activity.defn(name=ASSIGN_TECHNICIAN.name)
    @permanent_db_errors
    def assign_technician(self, inp: AssignInput) -> AssignResult:
        """Pick (or check the named) technician and a service window; writes the assignment
        (technician, day, window, explanation), not the status.

        Raises ``AssignmentFailure.UNKNOWN_TECHNICIAN`` for a named technician who does not
        exist, is inactive or lacks the job's skill; ``CommonFailure.NOT_FOUND`` without the order.
        """
        now = datetime.now(UTC)
        with transaction(self._sessions) as session:
            _take_assignment_lock(session)
            wo = repo.get(session, inp.work_order_id, lock=True)
            if wo is None:
                raise failure(CommonFailure.NOT_FOUND, f"work order {inp.work_order_id} not found")
            if wo.status in TERMINAL_STATUSES:
                return AssignResult(technician_id=None, explanation=f"work order is {wo.status}")
            entry = catalog.get(session, wo.job_type)
            customer = customers.get(session, wo.customer_id)
            if entry is None or customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"catalog entry or customer of {wo.id} not found")
            durations = catalog.durations_minutes(session)
            techs = technicians.active(session, technician_id=inp.technician_id)
            if inp.technician_id:
                if not techs:
                    raise failure(
                        AssignmentFailure.UNKNOWN_TECHNICIAN,
                        f"technician {inp.technician_id} does not exist or is inactive",
                    )
                if entry.required_skill not in {s.skill_type for s in techs[0].skills}:
                    raise failure(
                        AssignmentFailure.UNKNOWN_TECHNICIAN,
                        f"technician {inp.technician_id} lacks the skill '{entry.required_skill}' this job needs",
                    )
            job = JobToAssign(
                job_id=wo.id,
                lat=customer.latitude,
                lon=customer.longitude,
                required_skill=entry.required_skill,
                duration_minutes=entry.duration_minutes,
                priority=wo.priority,
                preferred_technician_ids=frozenset(t.id for t in customer.preferred_technicians),
            )
            first_day = max(wo.scheduled_date, local_today(now, self._settings.timezone))
            explanation = "no technician found"
            for offset in range(HORIZON_DAYS):
                day = first_day + timedelta(days=offset)
                activity.heartbeat(f"solving {day}")
                bookings = repo.bookings_on(session, day=day, exclude=wo.id)
                avail = [
                    a for t in techs if (a := self._availability(t, day, bookings.get(t.id, []), durations))
                ]
                if not avail:
                    continue
                (result,) = assign_jobs([job], avail, not_before=now, params=self._params())
                explanation = result.explanation
                if result.technician_id is None:
                    continue
                activity.heartbeat(f"writing {day}")
                if activity.is_cancelled():  # this attempt was given up (heartbeat timeout): do not write
                    raise failure(AssignmentFailure.ATTEMPT_CANCELLED, "assignment attempt cancelled")
                window_start = _window_start(
                    result.arrival, entry.duration_minutes, avail, result.technician_id
                )
                window_end = window_start + timedelta(minutes=self._settings.service_window_minutes)
                runner_up = result.runner_up
                wo.technician_id = result.technician_id
                wo.scheduled_date = day
                wo.service_window_start, wo.service_window_end = window_start, window_end
                wo.assignment_explanation = result.explanation
                wo.runner_up_technician_id = runner_up.technician_id if runner_up else None
                audit.record(
                    session,
                    actor=inp.actor,
                    action="assigned",
                    entity_id=wo.id,
                    details={
                        "technician_id": result.technician_id,
                        "day": day.isoformat(),
                        "window_start": window_start.isoformat(),
                        "explanation": result.explanation,
                    },
                )
                return AssignResult(
                    technician_id=result.technician_id,
                    scheduled_date=day,
                    window_start=window_start,
                    window_end=window_end,
                    explanation=result.explanation,
                    runner_up_technician_id=runner_up.technician_id if runner_up else None,
                )
            explanation = f"no room in the next {HORIZON_DAYS} days: {explanation}"
            if inp.technician_id:  # a refused manual assignment changes nothing
                return AssignResult(technician_id=None, explanation=explanation)
            wo.assignment_explanation = explanation
            wo.technician_id = wo.service_window_start = wo.service_window_end = None
            return AssignResult(technician_id=None, explanation=wo.assignment_explanation)

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [self.assign_technician]


def technician_availability(
    tech: Technician,
    day: date,
    booked: list[tuple[WorkOrder, float, float]],
    durations: dict[str, int],
    time_zone: str,
) -> TechnicianAvailability | None:
    """``tech``'s day for the assignment model: free after his ``booked`` jobs (planned at their
    window start; durations in minutes by job type), at the last site; None when he is off on
    ``day`` (shift in ``time_zone``). Also read by the technician-match explanation (LLM helpers)."""
    shift = shift_for(tech.working_hours or {}, day, time_zone)
    if shift is None:
        return None
    free_from, lat, lon, minutes = shift[0], tech.home_latitude, tech.home_longitude, 0
    for job, site_lat, site_lon in booked:
        start = job.actual_start_time or job.service_window_start or shift[0]
        end = start + timedelta(minutes=durations.get(job.job_type, 60))
        free_from = max(free_from, end)
        minutes += durations.get(job.job_type, 60)
        lat, lon = site_lat, site_lon
    return TechnicianAvailability(
        technician_id=tech.id,
        name=tech.name,
        skills=frozenset(s.skill_type for s in tech.skills),
        shift_start=shift[0],
        shift_end=shift[1],
        free_from=free_from,
        position_lat=lat,
        position_lon=lon,
        booked_minutes=minutes,
    )


def _take_assignment_lock(session: Session) -> None:
    """The transaction-scoped advisory lock serialising assignments across optimizer workers;
    heartbeats while waiting, and gives up when the attempt was cancelled (heartbeat timeout)."""
    while not repo.try_advisory_xact_lock(session, key=ASSIGNMENT_LOCK_KEY):
        activity.heartbeat("waiting for the assignment lock")
        if activity.is_cancelled():
            raise failure(AssignmentFailure.ATTEMPT_CANCELLED, "assignment attempt cancelled while waiting")
        time.sleep(0.2)


def _window_start(arrival: datetime, duration_minutes: int, avail: list, technician_id: str) -> datetime:
    """The next quarter hour, unless that pushes the job past the shift; then the arrival's own quarter."""
    shift_end = next(a.shift_end for a in avail if a.technician_id == technician_id)
    start = _ceil_quarter(arrival)
    if start + timedelta(minutes=duration_minutes) > shift_end:
        start = arrival.replace(minute=arrival.minute - arrival.minute % 15, second=0, microsecond=0)
    return start


def _ceil_quarter(moment: datetime) -> datetime:
    """Round up to the quarter hour: windows start on :00, :15, :30, :45 and the technician is
    planned on site at the window start, so the next booking starts after start + duration."""
    base = moment.replace(second=0, microsecond=0)
    if base < moment:
        base += timedelta(minutes=1)
    return base + timedelta(minutes=(-base.minute) % 15)

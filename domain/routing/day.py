"""One service day as a RoutingProblem: from technicians' and jobs' records to minutes and costs.

The adapter between what the database holds (seed 003 Priority 1 "smart assignment", seed 001
Phase 6.2: workload, distance, skills, history, availability, manual override) and the VRPTW model
of :mod:`domain.routing.model`. Pure: the activity loads the records, this module decides.

Time origin: minute 0 is local midnight of ``day`` in the company's zone (``tz_name``); every
minute value converts back with :meth:`DayProblem.at` to an aware UTC datetime.

Rules, in the order they are applied:

1. Technicians: the shift is ``working_hours`` of the weekday in the company zone
   (:func:`domain.schedule.shift_for`); a day off (no hours, or a date in ``days_off``) leaves the
   technician out. On the current day nobody is planned before ``now``. A technician working on a
   started job leaves from its site when it is expected to end (its start + catalog duration);
   the started job itself is locked and not re-planned. The lunch break (policy) applies when it
   fits in the remaining shift. Start and end are the home base.
2. Jobs: service minutes from the catalog, never zero (RoutingError otherwise); required skill;
   window: ``morning``/``afternoon`` (policy hours) or an ``exact`` window (start within it), else
   the whole day; never before ``now``. A dispatcher's pin fixes the technician and, with a time,
   the start (a one-minute window): pinned jobs never move.
3. Priority: ``emergency`` jobs must be served today (no drop penalty: when none can be, the plan
   says why); other jobs may be deferred at a penalty of ``priority_penalty[priority]`` travel
   minutes x (1 + ``age_growth_per_day`` x days since the request), so older and more urgent
   jobs are deferred last.
4. Soft preferences as costs (travel minutes): ``preferred_cost`` for a technician outside the
   customer's preferred technicians (when the customer has any), ``continuity_cost`` for one
   other than the technician who last worked there, and workload balance (``balance_weight``).
5. A job pinned to a technician who is off that day, or whose window has passed, is not
   modelled; it is reported unassigned (``window_infeasible``) with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.routing.model import (
    Break,
    Job,
    Point,
    ReasonCode,
    RoutingError,
    RoutingProblem,
    Technician,
    Unassigned,
)
from domain.schedule import shift_for

WINDOW_KINDS = ("morning", "afternoon", "exact")
PRIORITIES = ("emergency", "high", "normal", "low")


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """Tunables of a dispatch day. Local times as ``HH:MM``; minutes; costs in travel minutes."""

    buffer_minutes: float = 10.0
    morning: tuple[str, str] = ("08:00", "12:00")
    afternoon: tuple[str, str] = ("12:00", "17:00")
    lunch_earliest: str | None = "11:30"
    lunch_latest: str = "13:30"
    lunch_minutes: float = 30.0
    priority_penalty: Mapping[str, float] = field(
        default_factory=lambda: {"high": 480.0, "normal": 240.0, "low": 120.0}
    )
    age_growth_per_day: float = 0.5
    preferred_cost: float = 15.0
    continuity_cost: float = 10.0
    balance_weight: float = 0.2
    max_jobs: int | None = None


@dataclass(frozen=True, slots=True)
class TechnicianRecord:
    """A technician as stored: ``working_hours`` ``{"mon": ["08:00", "17:00"], …}``, home (lat, lon),
    skills, dates off, and the started job he is on (its site and expected end, aware), if any."""

    technician_id: str
    working_hours: Mapping[str, Sequence[str]]
    home: Point
    skills: frozenset[str]
    days_off: frozenset[date] = frozenset()
    busy_until: datetime | None = None
    busy_at: Point | None = None


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job not yet started. ``window_kind`` is None (any time), ``morning``, ``afternoon`` or
    ``exact`` (then ``window_start``/``window_end``, aware); ``requested_on`` dates its age.
    ``pinned_technician_id``/``pinned_start`` are the dispatcher's manual override;
    ``assigned_technician_id``/``assigned_start`` the current assignment (read by slot search,
    never a constraint of the re-plan)."""

    job_id: str
    location: Point
    service_minutes: int
    required_skills: frozenset[str]
    priority: str = "normal"
    requested_on: date | None = None
    window_kind: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    pinned_technician_id: str | None = None
    pinned_start: datetime | None = None
    preferred_technician_ids: frozenset[str] = frozenset()
    last_technician_id: str | None = None
    assigned_technician_id: str | None = None
    assigned_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class DayProblem:
    """The day's RoutingProblem, its time origin (local midnight as aware UTC), and the jobs
    reported unassigned before modelling (pinned to a technician who is off)."""

    day: date
    origin: datetime
    problem: RoutingProblem
    pre_unassigned: tuple[Unassigned, ...] = ()
    priorities: Mapping[str, str] = field(default_factory=dict)

    def at(self, minutes: float) -> datetime:
        """The aware UTC instant ``minutes`` after the origin (rounded to the second)."""
        return self.origin + timedelta(seconds=round(minutes * 60))

    def minutes(self, moment: datetime) -> float:
        """Minutes from the origin to aware ``moment``."""
        return (moment - self.origin).total_seconds() / 60.0


def _local_minutes(hhmm: str) -> float:
    t = time.fromisoformat(hhmm)
    return t.hour * 60.0 + t.minute


def local_origin(day: date, tz_name: str) -> datetime:
    """Local midnight of ``day`` in ``tz_name`` as aware UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def drop_penalty(job: JobRecord, day: date, policy: DispatchPolicy) -> float | None:
    """None (must be served) for an emergency, else the priority's penalty grown by the job's age
    in days (rule 3); raises RoutingError for an unknown priority."""
    if job.priority == "emergency":
        return None
    if job.priority not in policy.priority_penalty:
        raise RoutingError(f"job {job.job_id}: unknown priority {job.priority!r}")
    age = max(0, (day - job.requested_on).days) if job.requested_on else 0
    return policy.priority_penalty[job.priority] * (1.0 + policy.age_growth_per_day * age)


def build_day(
    day: date,
    tz_name: str,
    technicians: Sequence[TechnicianRecord],
    jobs: Sequence[JobRecord],
    *,
    policy: DispatchPolicy | None = None,
    now: datetime | None = None,
) -> DayProblem:
    """The RoutingProblem of ``day`` (rules 1 to 5 of this module). ``now`` (aware) keeps the plan out
    of the past; None plans the whole day. Raises RoutingError for a job with no service minutes,
    an unknown window kind or priority, or an exact window without both ends."""
    policy = policy or DispatchPolicy()
    origin = local_origin(day, tz_name)

    def mins(moment: datetime) -> float:
        return (moment - origin).total_seconds() / 60.0

    not_before = mins(now) if now is not None else float("-inf")
    techs: list[Technician] = []
    for rec in technicians:
        if day in rec.days_off:
            continue
        shift = shift_for({k: list(v) for k, v in rec.working_hours.items()}, day, tz_name)
        if shift is None:
            continue
        start_m, end_m = mins(shift[0]), mins(shift[1])
        start_m = max(start_m, not_before)
        site: Point = rec.home
        if rec.busy_until is not None:
            start_m = max(start_m, mins(rec.busy_until))
            site = rec.busy_at or rec.home
        if start_m >= end_m:
            continue
        brk: Break | None = None
        if policy.lunch_earliest is not None:
            earliest = max(_local_minutes(policy.lunch_earliest), start_m)
            latest = min(_local_minutes(policy.lunch_latest), end_m - policy.lunch_minutes)
            if earliest <= latest:
                brk = Break(earliest, latest, policy.lunch_minutes)
        techs.append(
            Technician(
                technician_id=rec.technician_id,
                start=site,
                end=rec.home,
                shift_start=start_m,
                shift_end=end_m,
                skills=rec.skills,
                break_=brk,
                max_jobs=policy.max_jobs,
            )
        )
    on_shift = {t.technician_id for t in techs}
    known = {t.technician_id for t in technicians}
    modelled: list[Job] = []
    pre: list[Unassigned] = []
    for rec_job in jobs:
        if rec_job.service_minutes <= 0:
            raise RoutingError(f"job {rec_job.job_id}: service minutes must be positive (catalog duration)")
        w_start, w_end = 0.0, 24 * 60.0
        if rec_job.window_kind == "morning":
            w_start, w_end = (_local_minutes(x) for x in policy.morning)
        elif rec_job.window_kind == "afternoon":
            w_start, w_end = (_local_minutes(x) for x in policy.afternoon)
        elif rec_job.window_kind == "exact":
            if rec_job.window_start is None or rec_job.window_end is None:
                raise RoutingError(f"job {rec_job.job_id}: an exact window needs its start and end")
            w_start, w_end = mins(rec_job.window_start), mins(rec_job.window_end)
        elif rec_job.window_kind is not None:
            raise RoutingError(f"job {rec_job.job_id}: unknown window kind {rec_job.window_kind!r}")
        pin = rec_job.pinned_technician_id
        if pin is not None and pin not in on_shift:
            why = "is not an active technician" if pin not in known else "is off or has no time left that day"
            pre.append(
                Unassigned(rec_job.job_id, ReasonCode.WINDOW, f"pinned to technician {pin}, who {why}")
            )
            continue
        if rec_job.pinned_start is not None:
            w_start = w_end = mins(rec_job.pinned_start)
        if max(w_start, not_before) > w_end:
            pre.append(Unassigned(rec_job.job_id, ReasonCode.WINDOW, "its service window has already passed"))
            continue
        w_start = max(w_start, not_before)
        costs: list[tuple[str, float]] = []
        for t in techs:
            c = 0.0
            if rec_job.preferred_technician_ids and t.technician_id not in rec_job.preferred_technician_ids:
                c += policy.preferred_cost
            if rec_job.last_technician_id is not None and t.technician_id != rec_job.last_technician_id:
                c += policy.continuity_cost
            if c > 0:
                costs.append((t.technician_id, c))
        modelled.append(
            Job(
                job_id=rec_job.job_id,
                location=rec_job.location,
                window_start=w_start,
                window_end=w_end,
                service_minutes=float(rec_job.service_minutes),
                required_skills=rec_job.required_skills,
                drop_penalty=drop_penalty(rec_job, day, policy),
                pinned_technician_id=pin,
                technician_costs=tuple(costs),
            )
        )
    problem = RoutingProblem(
        technicians=techs,
        jobs=modelled,
        buffer_minutes=policy.buffer_minutes,
        balance_weight=policy.balance_weight,
    )
    return DayProblem(
        day=day,
        origin=origin,
        problem=problem,
        pre_unassigned=tuple(pre),
        priorities={j.job_id: j.priority for j in jobs},
    )

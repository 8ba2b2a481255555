"""Bookable service windows for a new job (self-service slots; issue 7, "Where it runs").

For each day and each service window (morning, afternoon: :class:`domain.routing.day.DispatchPolicy`
hours), the new job is inserted at its cheapest feasible position into the day's current routes:
every technician's assigned jobs of that day in the order of their arrival windows. A window is
bookable when at least one technician can take the job there without breaking any job's window,
his shift, break or limits (the float schedule of :mod:`domain.routing.schedule`). Nothing moves:
this is an offer, the re-plan decides the route.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from domain.routing.day import DispatchPolicy, JobRecord, TechnicianRecord, build_day
from domain.routing.explain import insertions
from domain.routing.schedule import points_of
from domain.routing.travel import TravelMatrix, TravelProvider

CANDIDATE_ID = "__candidate__"


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable window: its kind and bounds (aware UTC), the earliest cheapest arrival, how many
    technicians could take it and the travel minutes the cheapest one adds."""

    day: date
    window: str
    window_start: datetime
    window_end: datetime
    planned_start: datetime
    technicians: int
    added_travel_minutes: float


def current_sequences(technician_ids: Sequence[str], jobs: Sequence[JobRecord]) -> list[list[int]]:
    """Per technician (in ``technician_ids`` order), the indices into ``jobs`` of his assigned jobs
    ordered by assigned start (jobs without one last, by id)."""
    out: list[list[int]] = []
    for tid in technician_ids:
        mine = [i for i, j in enumerate(jobs) if j.assigned_technician_id == tid]
        mine.sort(
            key=lambda i: (
                jobs[i].assigned_start is None,
                jobs[i].assigned_start or datetime.min.replace(tzinfo=UTC),
                jobs[i].job_id,
            )
        )
        out.append(mine)
    return out


def bookable_windows(
    day: date,
    tz_name: str,
    technicians: Sequence[TechnicianRecord],
    jobs: Sequence[JobRecord],
    candidate: JobRecord,
    travel: TravelProvider,
    *,
    policy: DispatchPolicy | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The windows of ``day`` in which ``candidate`` fits (morning first). ``jobs`` are the day's
    plannable jobs with their current assignment; ``now`` keeps offers out of the past.
    Raises RoutingError for invalid records (see :func:`domain.routing.day.build_day`)."""
    policy = policy or DispatchPolicy()
    slots: list[Slot] = []
    matrix: TravelMatrix | None = None
    for kind in ("morning", "afternoon"):
        cand = replace(candidate, job_id=CANDIDATE_ID, window_kind=kind, pinned_technician_id=None)
        dp = build_day(day, tz_name, technicians, [*jobs, cand], policy=policy, now=now)
        problem = dp.problem
        index = {j.job_id: i for i, j in enumerate(problem.jobs)}
        if CANDIDATE_ID not in index:
            continue  # the window has passed
        if matrix is None or len(matrix.minutes) != len(points_of(problem)):
            matrix = travel.matrix(points_of(problem))
        by_record = {j.job_id: j for j in jobs}
        modelled = [by_record[j.job_id] for j in problem.jobs if j.job_id in by_record]
        seqs_records = current_sequences([t.technician_id for t in problem.technicians], modelled)
        seqs = [[index[modelled[i].job_id] for i in seq] for seq in seqs_records]
        options = insertions(problem, matrix, seqs, index[CANDIDATE_ID])
        if not options:
            continue
        best = options[0]
        stop = next(s for s in best.route.stops if s.job_id == CANDIDATE_ID)
        job = problem.jobs[index[CANDIDATE_ID]]
        slots.append(
            Slot(
                day=day,
                window=kind,
                window_start=dp.at(job.window_start),
                window_end=dp.at(job.window_end),
                planned_start=dp.at(stop.start),
                technicians=len(options),
                added_travel_minutes=round(best.added_travel_minutes, 2),
            )
        )
    return slots

"""Insertion of approved repairs into the day's routes, micro-batched (issue 7, "Where it runs").

``insert_repair`` runs on the ``fieldops-optimizer`` queue. Calls that arrive together in one
worker are collected by :class:`activities.batching.MicroBatcher` (``insertion_batch_window_ms``)
and solved in one transaction, under the assignment advisory lock that also serialises the
per-job CP-SAT assignment and the day's re-plan across every optimizer worker:

1. the requested work orders are read and row-locked; one already ended answers with its status,
   one that already has a technician (a retried attempt whose batch was written) answers with
   that assignment, unchanged;
2. from the first requested day (the scheduled date, never before today) on, for up to
   ``HORIZON_DAYS`` days: the day's booked jobs (any work order with a technician on that day,
   not started, not ended) keep their technician and their promised arrival window; every
   request not yet placed whose day has come is inserted with the rest of its batch
   (:func:`domain.routing.insert.insert_batch`), the result is checked by the independent float
   checker, and the placements are written (technician, day, arrival window from the planned
   start's quarter hour, explanation, runner-up, audit entry);
3. a request with no room in the horizon answers with no technician and the binding reason.

Each request gets its own answer (the activity's result); a batch that fails fails each of its
activities, which Temporal retries (nothing half-written: one transaction per batch).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.assignment import ASSIGNMENT_LOCK_KEY, HORIZON_DAYS
from activities.batching import MicroBatcher
from activities.dispatch import floor_quarter
from activities.errors import failure, permanent_db_errors
from activities.travel import travel_provider
from config import Settings
from db.repositories import audit, dispatch, insertion
from db.repositories import work_orders as repo
from db.repositories.dispatch import OpenJob, technician_records
from db.session import transaction
from domain.contracts.assignment import INSERT_REPAIR, AssignInput, AssignResult
from domain.contracts.shared import CommonFailure
from domain.geo import EARTH_RADIUS_KM
from domain.routing import (
    HaversineTravel,
    Point,
    RoutingError,
    TravelMatrix,
    TravelProvider,
    check_plan,
    points_of,
)
from domain.routing.day import DispatchPolicy, JobRecord, TechnicianRecord, build_day
from domain.routing.insert import insert_batch
from domain.routing.slots import current_sequences
from domain.schedule import local_today
from domain.work_status import TERMINAL_STATUSES

WAIT_BEAT_SECONDS = 1.0


def travel_matrix(provider: TravelProvider, points: Sequence[Point]) -> TravelMatrix:
    """``provider``'s matrix over ``points``; the haversine provider's is computed with numpy
    (the same formula as :func:`domain.geo.haversine_km`, vectorised: a batch's days have tens
    of points each, and the pure-Python matrix was a third of a batch's time)."""
    if not isinstance(provider, HaversineTravel) or not points:
        return provider.matrix(points)
    if provider.speed_kmh <= 0 or provider.road_factor <= 0:
        raise ValueError("speed_kmh and road_factor must be positive")
    rad = np.radians(np.asarray(points, dtype=float))
    lat, lon = rad[:, 0:1], rad[:, 1:2]
    a = np.sin((lat.T - lat) / 2) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin((lon.T - lon) / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a))) * provider.road_factor
    minutes = km / provider.speed_kmh * 60.0
    return TravelMatrix(
        minutes=tuple(tuple(row) for row in minutes.tolist()), km=tuple(tuple(row) for row in km.tolist())
    )


@dataclass(frozen=True, slots=True)
class _Day:
    """A day of the horizon as read once per batch: its booked jobs and the technicians."""

    day: date
    booked: list[OpenJob]
    technicians: list[TechnicianRecord]
    last: bool  # some request's last day: the reasons of jobs left out are worked out


@dataclass
class _Request:
    """A request being placed: its row and the first day it may go to."""

    job: OpenJob
    first_day: date
    reason: str = "no technician on shift"


def _record(job: OpenJob, *, booked: bool, now: datetime) -> JobRecord:
    """The routing record of a job: a booked one is pinned to its technician and keeps its
    promised arrival window (still open at ``now`` when it is running late); a new one has the
    customer's window preference."""
    wo = job.work_order
    kind, start, end = wo.window_preference, wo.preferred_window_start, wo.preferred_window_end
    pinned = wo.pinned_technician_id
    if booked:
        pinned = wo.technician_id
        if wo.service_window_start is not None and wo.service_window_end is not None:
            kind, start = "exact", wo.service_window_start
            end = max(wo.service_window_end, now + timedelta(minutes=1))
    return JobRecord(
        job_id=wo.id,
        location=(job.lat, job.lon),
        service_minutes=job.duration_minutes,
        required_skills=frozenset({job.required_skill}),
        priority=wo.priority,
        requested_on=None,
        window_kind=kind,
        window_start=start,
        window_end=end,
        pinned_technician_id=pinned,
        pinned_start=wo.pinned_start,
        preferred_technician_ids=job.preferred_technician_ids,
        last_technician_id=job.last_technician_id,
        assigned_technician_id=wo.technician_id if booked else None,
        assigned_start=wo.service_window_start if booked else None,
    )


class InsertionActivities:
    """``insert_repair`` with its per-worker micro-batcher; ``settings`` give the batch window,
    the improvement time, the arrival-window length, the time zone and the travel provider."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        travel: TravelProvider | None = None,
        policy: DispatchPolicy | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._travel = travel or travel_provider(settings)
        self._policy = policy or DispatchPolicy()
        self.batcher: MicroBatcher[AssignInput, AssignResult] = MicroBatcher(
            self.solve_batch, window_seconds=settings.insertion_batch_window_ms / 1000.0, name="insertion"
        )

    @activity.defn(name=INSERT_REPAIR.name)
    def insert_repair(self, inp: AssignInput) -> AssignResult:
        """Insert one approved repair into its day's routes together with the requests that
        arrive with it; returns its assignment (technician None: no room, reason given).

        Raises ``CommonFailure.INVALID_DATA`` for a named technician (that is a manual
        assignment, not an insertion), ``CommonFailure.NOT_FOUND`` without the work order."""
        if inp.technician_id is not None:
            raise failure(
                CommonFailure.INVALID_DATA, "insertion picks the technician; assign by hand instead"
            )
        answer = self.batcher.submit(inp.work_order_id, inp)
        while True:
            try:
                return answer.result(timeout=WAIT_BEAT_SECONDS)
            except FutureTimeout:
                activity.heartbeat("waiting for the insertion batch")

    @permanent_db_errors
    def solve_batch(
        self, requests: Sequence[tuple[str, AssignInput]]
    ) -> Mapping[str, AssignResult | Exception]:
        """Place every request of one batch (steps 1 to 3 of the module docstring); answers by
        work order id."""
        now = datetime.now(UTC)
        tz = self._settings.timezone
        today = local_today(now, tz)
        answers: dict[str, AssignResult | Exception] = {}
        actors = {key: inp.actor for key, inp in requests}
        batch_id = uuid.uuid4().hex
        with transaction(self._sessions) as session:
            while not repo.try_advisory_xact_lock(session, key=ASSIGNMENT_LOCK_KEY):
                threading.Event().wait(0.05)
            rows = insertion.requested(session, work_order_ids=[key for key, _ in requests])
            pending: dict[str, _Request] = {}
            for key, _ in requests:
                job = rows.get(key)
                if job is None:
                    answers[key] = failure(CommonFailure.NOT_FOUND, f"work order {key} not found")
                    continue
                wo = job.work_order
                if wo.status in TERMINAL_STATUSES:
                    answers[key] = AssignResult(technician_id=None, explanation=f"work order is {wo.status}")
                elif wo.technician_id is not None and wo.scheduled_date is not None:
                    answers[key] = AssignResult(
                        technician_id=wo.technician_id,
                        scheduled_date=wo.scheduled_date,
                        window_start=wo.service_window_start,
                        window_end=wo.service_window_end,
                        explanation=wo.assignment_explanation or "already assigned",
                        runner_up_technician_id=wo.runner_up_technician_id,
                    )
                else:
                    pending[key] = _Request(job, max(wo.scheduled_date or today, today))
            if pending:
                span = timedelta(days=HORIZON_DAYS - 1)  # each request's own horizon
                first = min(r.first_day for r in pending.values())
                last = max(r.first_day for r in pending.values()) + span
                booked = insertion.booked_between(session, first=first, last=last, exclude=list(pending))
                staff = dispatch.technicians(session)
                day = first
                while day <= last and pending:
                    due = {k: r for k, r in pending.items() if r.first_day <= day <= r.first_day + span}
                    if due:
                        techs = technician_records(session, day=day, staff=staff, started=day <= today)
                        final = any(day == r.first_day + span for r in due.values())
                        day_ = _Day(day, booked.get(day, []), techs, final)
                        self._place_day(
                            session, day_, now, today, due, answers, actors, len(requests), batch_id
                        )
                        for key in due:
                            if key in answers:
                                del pending[key]
                    day += timedelta(days=1)
            for key, req in pending.items():
                wo = req.job.work_order
                explanation = f"no room in the next {HORIZON_DAYS} days: {req.reason}"
                wo.assignment_explanation = explanation
                wo.technician_id = wo.service_window_start = wo.service_window_end = None
                answers[key] = AssignResult(technician_id=None, explanation=explanation)
        return answers

    def _place_day(
        self,
        session: Session,
        day_: _Day,
        now: datetime,
        today: date,
        due: dict[str, _Request],
        answers: dict[str, AssignResult | Exception],
        actors: Mapping[str, str],
        batch_size: int,
        batch_id: str,
    ) -> None:
        """Insert the ``due`` requests into the day's routes and write those placed."""
        day, booked = day_.day, day_.booked
        records = [_record(j, booked=True, now=now) for j in booked]
        records += [_record(r.job, booked=False, now=now) for r in due.values()]
        dp = build_day(
            day,
            self._settings.timezone,
            day_.technicians,
            records,
            policy=self._policy,
            now=now if day <= today else None,
        )
        problem = dp.problem
        for u in dp.pre_unassigned:
            if u.job_id in due:
                due[u.job_id].reason = u.detail
        index = {j.job_id: i for i, j in enumerate(problem.jobs)}
        modelled_booked = [r for r in records[: len(booked)] if r.job_id in index]
        seqs = [
            [index[modelled_booked[i].job_id] for i in seq]
            for seq in current_sequences([t.technician_id for t in problem.technicians], modelled_booked)
        ]
        new = [index[k] for k in due if k in index]
        if not new:
            return
        matrix = travel_matrix(self._travel, points_of(problem))
        started = time.perf_counter()
        result = insert_batch(
            problem,
            matrix,
            seqs,
            new,
            improve_seconds=self._settings.insertion_improve_seconds,
            explain_unplaced=day_.last,
        )
        violations = check_plan(problem, result.plan(problem), matrix)
        if violations:  # never written: the whole batch fails and is retried
            raise RoutingError(f"insertion plan failed the float check: {violations[0].message}")
        window = timedelta(minutes=self._settings.service_window_minutes)
        stops = {s.job_id: s for r in result.routes for s in r.stops}
        for j, p in result.placed.items():
            key = problem.jobs[j].job_id
            wo = due[key].job.work_order
            start = floor_quarter(dp.at(stops[key].start))
            runner = (
                f"; runner-up {p.runner_up_technician_id} (+{p.runner_up_cost:.1f})"
                if p.runner_up_technician_id is not None and p.runner_up_cost is not None
                else "; no other technician had room"
            )
            explanation = (
                f"inserted into {p.technician_id}'s route on {day}: +{p.cost:.1f} travel minutes"
                f"{runner} (batch of {batch_size})"
            )
            wo.technician_id, wo.scheduled_date = p.technician_id, day
            wo.service_window_start, wo.service_window_end = start, start + window
            wo.assignment_explanation = explanation
            wo.runner_up_technician_id = p.runner_up_technician_id
            audit.record(
                session,
                actor=actors.get(key, "optimizer"),
                action="assigned",
                entity_id=wo.id,
                details={
                    "technician_id": p.technician_id,
                    "day": day.isoformat(),
                    "window_start": start.isoformat(),
                    "explanation": explanation,
                    "batch": batch_size,
                    "batch_id": batch_id,
                    "solve_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            answers[key] = AssignResult(
                technician_id=p.technician_id,
                scheduled_date=day,
                window_start=start,
                window_end=start + window,
                explanation=explanation,
                runner_up_technician_id=p.runner_up_technician_id,
            )
        for u in result.unplaced:
            due[u.job_id].reason = f"{u.reason.value}: {u.detail}"

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [self.insert_repair]

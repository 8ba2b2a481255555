"""Dispatch activities: re-optimise a service day (optimizer queue) and tell people of changes.

``solve_dispatch_day`` loads the day (technicians on shift, jobs not yet started, started jobs),
builds the routing problem (:func:`domain.routing.day.build_day`), solves it with OR-Tools while
heartbeating, explains it (:mod:`domain.routing.explain`) and, in one transaction under the
assignment advisory lock, writes ``dispatch_plans`` + ``route_optimizations`` and the new
technician and arrival window of every work order whose assignment changed. Keyed by
``plan_key``: a retried attempt returns the plan already written instead of solving again.

``notify_dispatch_change`` sends the customer (preferred channel) and the technicians concerned
(SMS) one message each per change, keyed by the work order and the new assignment
(``{work_order_id}:dispatch:{technician}:{window start}``), so a re-run of the same plan, or a
later plan that gives the same assignment, never sends twice.
"""

from __future__ import annotations

import contextvars
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.assignment import ASSIGNMENT_LOCK_KEY
from activities.errors import failure, permanent_db_errors
from activities.messaging import DefiniteFailure, DeliveryUncertain, MessageSender, OutboundMessage
from activities.travel import travel_provider
from config import Settings
from db.models import DispatchPlan
from db.repositories import audit, customers, dispatch, technicians
from db.repositories import work_orders as repo
from db.session import transaction
from domain.contracts.dispatch import (
    NOTIFY_DISPATCH_CHANGE,
    SOLVE_DAY,
    AssignmentChange,
    DayPlan,
    DispatchFailure,
    DispatchNoticeInput,
    RoutePlan,
    SolveDayInput,
    StopPlan,
    UnassignedJob,
)
from domain.contracts.messaging import MessagingFailure
from domain.contracts.shared import CommonFailure
from domain.routing import (
    Plan,
    RoutingError,
    SolveParams,
    TravelMatrix,
    TravelProvider,
    points_of,
    solve,
)
from domain.routing.day import DayProblem, DispatchPolicy, build_day
from domain.routing.explain import explain_plan, unassigned_text

KM_PER_MILE = 1.609344
HEARTBEAT_SECONDS = 2.0


def floor_quarter(moment: datetime) -> datetime:
    """``moment`` rounded down to the quarter hour (arrival windows start on :00/:15/:30/:45)."""
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def load_day(
    session: Session, day: date, tz_name: str, now: datetime | None, policy: DispatchPolicy
) -> tuple[DayProblem, dict[str, dispatch.OpenJob]]:
    """The day's problem from the database (rows locked) and the open jobs by work order id. Only
    today's plan (``now`` given) takes back overdue jobs; a later day's plan takes its own."""
    records = dispatch.day_records(session, day=day, tz_name=tz_name, lock=True, overdue=now is not None)
    problem = build_day(day, tz_name, records.technicians, records.jobs, policy=policy, now=now)
    return problem, records.open_jobs


def solve_with_heartbeat(
    day: DayProblem, matrix: TravelMatrix, params: SolveParams, beat: bool = True
) -> Plan:
    """Solve while a side thread heartbeats every 2 s (the solver holds this thread)."""
    done = threading.Event()

    def pulse() -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            activity.heartbeat("solving")

    thread = None
    if beat:
        thread = threading.Thread(target=contextvars.copy_context().run, args=(pulse,), daemon=True)
        thread.start()
    try:
        return solve(day.problem, matrix, params)
    finally:
        done.set()
        if thread is not None:
            thread.join()


def plan_payload(
    day: DayProblem, plan: Plan, matrix: TravelMatrix
) -> tuple[list[RoutePlan], list[UnassignedJob]]:
    """Routes (with per-stop times and explanations) and unassigned jobs as contract models."""
    explanations = {e.job_id: e for e in explain_plan(day.problem, plan, matrix)}
    routes = []
    for r in plan.routes:
        stops = []
        for s in r.stops:
            e = explanations[s.job_id]
            stops.append(
                StopPlan(
                    work_order_id=s.job_id,
                    arrival=day.at(s.arrival),
                    start=day.at(s.start),
                    end=day.at(s.end),
                    travel_minutes=round(s.travel_minutes, 2),
                    travel_km=round(s.travel_km, 3),
                    added_travel_minutes=e.added_travel_minutes,
                    runner_up_technician_id=e.runner_up_technician_id,
                    runner_up_added_travel_minutes=e.runner_up_added_travel_minutes,
                    why=e.why,
                )
            )
        routes.append(
            RoutePlan(
                technician_id=r.technician_id,
                departure=day.at(r.departure) if r.stops else None,
                return_time=day.at(r.return_time) if r.stops else None,
                travel_minutes=round(r.travel_minutes, 2),
                travel_km=round(r.travel_km, 3),
                stops=stops,
            )
        )
    unassigned = [
        UnassignedJob(work_order_id=u.job_id, reason=u.reason.value, detail=u.detail)
        for u in day.pre_unassigned
    ] + [
        UnassignedJob(
            work_order_id=u.job_id,
            reason=u.reason.value,
            detail=unassigned_text(day.problem, u.reason, u.job_id, u.detail),
        )
        for u in plan.unassigned
    ]
    return routes, unassigned


def _from_row(plan: DispatchPlan) -> DayPlan:
    return DayPlan(
        plan_id=plan.id,
        plan_key=plan.plan_key,
        service_date=plan.service_date,
        status=plan.status,
        solve_seconds=plan.solve_seconds,
        total_travel_minutes=plan.total_travel_minutes,
        jobs_served=plan.jobs_served,
        routes=[
            RoutePlan(
                technician_id=r.technician_id,
                departure=r.departure,
                return_time=r.return_time,
                travel_minutes=float(r.total_time_minutes),
                travel_km=float(r.total_distance_miles) * KM_PER_MILE,
                stops=[StopPlan.model_validate(w) for w in r.waypoints],
            )
            for r in plan.routes
        ],
        unassigned=[UnassignedJob.model_validate(u) for u in plan.unassigned],
        changes=[AssignmentChange.model_validate(c) for c in plan.changes],
    )


def stored_plan(plan: DispatchPlan) -> DayPlan:
    """A stored plan as the contract's DayPlan (for the API and retried activities)."""
    return _from_row(plan)


class DispatchActivities:
    """The dispatch day: solve (optimizer queue) and change notices (main queue)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        sender: MessageSender | None = None,
        travel: TravelProvider | None = None,
        policy: DispatchPolicy | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._sender = sender
        self._travel = travel
        self._policy = policy or DispatchPolicy()

    def _params(self) -> SolveParams:
        return SolveParams(time_limit_seconds=self._settings.dispatch_time_limit_seconds)

    @activity.defn(name=SOLVE_DAY.name)
    @permanent_db_errors
    def solve_dispatch_day(self, inp: SolveDayInput) -> DayPlan:
        """Plan ``inp.service_date``; write plan, routes and changed assignments; return the plan.

        Raises ``DispatchFailure.PLAN_INFEASIBLE`` when the solver's plan fails the float check
        (nothing written)."""
        with transaction(self._sessions) as session:
            existing = dispatch.plan_by_key(session, plan_key=inp.plan_key)
            if existing is not None:
                return _from_row(existing)
        now = datetime.now(UTC)
        tz = self._settings.timezone
        with transaction(self._sessions) as session:
            activity.heartbeat("loading the day")
            while not repo.try_advisory_xact_lock(session, key=ASSIGNMENT_LOCK_KEY):
                activity.heartbeat("waiting for the assignment lock")
                threading.Event().wait(0.2)
            day = inp.service_date
            today = now.astimezone(ZoneInfo(tz)).date()
            problem, open_jobs = load_day(session, day, tz, now if day <= today else None, self._policy)
            travel = self._travel or travel_provider(self._settings)
            matrix = travel.matrix(points_of(problem.problem))
            try:
                plan = solve_with_heartbeat(problem, matrix, self._params())
            except RoutingError as err:
                raise failure(DispatchFailure.PLAN_INFEASIBLE, str(err)) from err
            activity.heartbeat("writing the plan")
            routes, unassigned = plan_payload(problem, plan, matrix)
            changes = self._apply(session, day, routes, unassigned, open_jobs, inp)
            row = dispatch.add_plan(
                session,
                plan_key=inp.plan_key,
                day=day,
                status=plan.status,
                objective=plan.objective,
                solve_seconds=plan.solve_seconds,
                total_travel_minutes=round(plan.travel_minutes, 2),
                jobs_served=plan.served,
                unassigned=[u.model_dump(mode="json") for u in unassigned],
                changes=[c.model_dump(mode="json") for c in changes],
                routes=[
                    {
                        "technician_id": r.technician_id,
                        "waypoints": [s.model_dump(mode="json") for s in r.stops],
                        "total_distance_miles": Decimal(str(round(r.travel_km / KM_PER_MILE, 2))),
                        "total_time_minutes": round(r.travel_minutes),
                        "departure": r.departure,
                        "return_time": r.return_time,
                    }
                    for r in routes
                ],
            )
            audit.record(
                session,
                actor=inp.actor,
                action="dispatch_planned",
                entity_id=inp.plan_key,
                details={
                    "service_date": day.isoformat(),
                    "served": plan.served,
                    "unassigned": len(unassigned),
                    "changed": len(changes),
                },
            )
            return DayPlan(
                plan_id=row.id,
                plan_key=inp.plan_key,
                service_date=day,
                status=plan.status,
                solve_seconds=plan.solve_seconds,
                total_travel_minutes=round(plan.travel_minutes, 2),
                jobs_served=plan.served,
                routes=routes,
                unassigned=unassigned,
                changes=changes,
            )

    def _apply(
        self,
        session: Session,
        day: date,
        routes: list[RoutePlan],
        unassigned: list[UnassignedJob],
        open_jobs: dict[str, dispatch.OpenJob],
        inp: SolveDayInput,
    ) -> list[AssignmentChange]:
        """Write each changed assignment (technician, day, arrival window, explanation)."""
        window = timedelta(minutes=self._settings.service_window_minutes)
        changes: list[AssignmentChange] = []
        for r in routes:
            for s in r.stops:
                wo = open_jobs[s.work_order_id].work_order
                start = floor_quarter(s.start)
                if (
                    wo.technician_id == r.technician_id
                    and wo.service_window_start == start
                    and wo.scheduled_date == day
                ):
                    continue
                explanation = f"dispatch plan: {s.why}"
                changes.append(
                    AssignmentChange(
                        work_order_id=wo.id,
                        technician_id=r.technician_id,
                        window_start=start,
                        window_end=start + window,
                        previous_technician_id=wo.technician_id,
                        previous_window_start=wo.service_window_start,
                        explanation=explanation,
                    )
                )
                wo.technician_id, wo.scheduled_date = r.technician_id, day
                wo.service_window_start, wo.service_window_end = start, start + window
                wo.assignment_explanation = explanation
                wo.runner_up_technician_id = s.runner_up_technician_id
                audit.record(
                    session,
                    actor=inp.actor,
                    action="assigned",
                    entity_id=wo.id,
                    details={
                        "technician_id": r.technician_id,
                        "day": day.isoformat(),
                        "window_start": start.isoformat(),
                        "plan_key": inp.plan_key,
                    },
                )
        for u in unassigned:
            wo = open_jobs[u.work_order_id].work_order
            if wo.technician_id is None:
                continue
            changes.append(
                AssignmentChange(
                    work_order_id=wo.id,
                    technician_id=None,
                    previous_technician_id=wo.technician_id,
                    previous_window_start=wo.service_window_start,
                    explanation=f"dispatch plan: {u.detail}",
                )
            )
            wo.technician_id = wo.service_window_start = wo.service_window_end = None
            wo.assignment_explanation = f"dispatch plan: {u.detail}"
        return changes

    # ---- notices --------------------------------------------------------------------------

    def _send(self, message: OutboundMessage) -> int:
        assert self._sender is not None, "notify_dispatch_change runs on the main queue with a sender"
        try:
            return self._sender.send_once(message)
        except DefiniteFailure as err:
            raise failure(MessagingFailure.DEFINITE_FAILURE, str(err)) from err
        except DeliveryUncertain as err:
            raise failure(MessagingFailure.DELIVERY_UNCERTAIN, str(err)) from err
        except ConnectionError as err:
            raise failure(MessagingFailure.PROVIDER_UNAVAILABLE, str(err)) from err

    @activity.defn(name=NOTIFY_DISPATCH_CHANGE.name)
    @permanent_db_errors
    def notify_dispatch_change(self, inp: DispatchNoticeInput) -> int:
        """Send the customer and the technicians concerned one message each; returns how many
        were sent (or found sent). Recipients without an address are skipped."""
        c = inp.change
        tz = ZoneInfo(self._settings.timezone)
        when = (
            f"{c.window_start.astimezone(tz):%a %b %d, %I:%M %p} to {c.window_end.astimezone(tz):%I:%M %p %Z}"
            if c.window_start and c.window_end
            else None
        )
        stamp = (
            f"{c.technician_id or 'none'}:{c.window_start:%Y%m%dT%H%M}" if c.window_start else "unassigned"
        )
        messages: list[OutboundMessage] = []
        with transaction(self._sessions) as session:
            wo = repo.get(session, c.work_order_id)
            if wo is None:
                raise failure(CommonFailure.NOT_FOUND, f"work order {c.work_order_id} not found")
            customer = customers.get(session, wo.customer_id)
            if customer is not None:
                channel = (
                    "email" if customer.preferred_contact_method == "email" and customer.email else "sms"
                )
                to = customer.email if channel == "email" else customer.phone
                if to:
                    body = (
                        f"fieldops: your visit {wo.id} is now planned for {when}."
                        if when
                        else f"fieldops: your visit {wo.id} could not be kept on {inp.service_date:%b %d}; "
                        "we will call you to plan it."
                    )
                    purpose = "dispatch-change"
                    messages.append(
                        OutboundMessage(
                            key=f"{wo.id}:{purpose}:{stamp}:customer",
                            channel=channel,
                            to_address=to,
                            body=body,
                            subject=f"Your visit {wo.id}" if channel == "email" else None,
                            purpose=purpose,
                            work_order_id=wo.id,
                            customer_id=customer.id,
                        )
                    )
            for tid, gained in ((c.technician_id, True), (c.previous_technician_id, False)):
                if tid is None or (not gained and tid == c.technician_id):
                    continue
                tech = technicians.get(session, tid)
                if tech is None or not tech.phone:
                    continue
                body = (
                    f"fieldops: {wo.id} is on your route, {when}."
                    if gained
                    else f"fieldops: {wo.id} was moved off your route."
                )
                messages.append(
                    OutboundMessage(
                        key=f"{wo.id}:dispatch-change:{stamp}:{tid}",
                        channel="sms",
                        to_address=tech.phone,
                        body=body,
                        purpose="dispatch-change-technician",
                        work_order_id=wo.id,
                    )
                )
        for m in messages:
            self._send(m)
        return len(messages)

    def optimizer(self) -> list:
        """Activities for the optimizer queue."""
        return [self.solve_dispatch_day]

    def main(self) -> list:
        """Activities for the main queue."""
        return [self.notify_dispatch_change]

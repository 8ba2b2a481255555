"""DispatchWorkflow's contract: input, the day's plan (activity result and query), the signal to
RepairWorkflow and the change notice (issue 7, "Where it runs"; seed 003 Priority 1).

Histories carry ids, times, minutes and the explanations' sentences (which name technicians by
id only), never customers' words or contact details.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from domain.contracts.shared import ActivitySpec, FailureType

#: DispatchWorkflow's type name and query; the signal RepairWorkflow takes a re-plan with
DISPATCH_WORKFLOW = "DispatchWorkflow"
PLAN_QUERY = "plan"
REPLAN_SIGNAL = "dispatch_replanned"


def dispatch_workflow_id(service_date: date) -> str:
    """``dispatch-{YYYY-MM-DD}``: one DispatchWorkflow per service day at a time."""
    return f"dispatch-{service_date.isoformat()}"


class DispatchInput(BaseModel):
    """Start argument. ``service_date`` None (the morning schedule) plans the current day in
    ``timezone`` through a child ``dispatch-{date}``; ``requested_by`` goes to the audit trail."""

    service_date: date | None = None
    timezone: str = "America/Chicago"
    requested_by: str = "schedule"
    optimizer_task_queue: str = "fieldops-optimizer"


class SolveDayInput(BaseModel):
    """Re-optimise every job of ``service_date`` not yet started; ``plan_key`` makes it idempotent."""

    service_date: date
    plan_key: str
    actor: str = "dispatch"


class StopPlan(BaseModel):
    """One stop: times aware UTC, drive to it (minutes, km) and the explanation."""

    work_order_id: str
    arrival: datetime
    start: datetime
    end: datetime
    travel_minutes: float
    travel_km: float
    added_travel_minutes: float
    runner_up_technician_id: str | None = None
    runner_up_added_travel_minutes: float | None = None
    why: str


class RoutePlan(BaseModel):
    """A technician's day in the plan: departure, ordered stops, return, drive totals."""

    technician_id: str
    departure: datetime | None = None
    return_time: datetime | None = None
    travel_minutes: float
    travel_km: float
    stops: list[StopPlan] = Field(default_factory=list)


class UnassignedJob(BaseModel):
    """A job the plan leaves out: reason code (``domain.routing.ReasonCode``) and a sentence."""

    work_order_id: str
    reason: str
    detail: str


class AssignmentChange(BaseModel):
    """A repair whose technician or arrival window the plan changed (``technician_id`` None: it
    no longer fits the day and waits for assignment)."""

    work_order_id: str
    technician_id: str | None
    window_start: datetime | None = None
    window_end: datetime | None = None
    previous_technician_id: str | None = None
    previous_window_start: datetime | None = None
    explanation: str


class DayPlan(BaseModel):
    """The solve activity's result and the workflow's ``plan`` query."""

    plan_id: int
    plan_key: str
    service_date: date
    status: str
    solve_seconds: float
    total_travel_minutes: float
    jobs_served: int
    routes: list[RoutePlan] = Field(default_factory=list)
    unassigned: list[UnassignedJob] = Field(default_factory=list)
    changes: list[AssignmentChange] = Field(default_factory=list)


class ReplanSignal(BaseModel):
    """Signal payload to ``repair-{id}``: the new assignment (technician None: unassigned)."""

    plan_key: str
    technician_id: str | None
    scheduled_date: date
    window_start: datetime | None = None
    window_end: datetime | None = None
    explanation: str


class DispatchNoticeInput(BaseModel):
    """Tell the customer and the technicians concerned about one change (keyed by the change)."""

    change: AssignmentChange
    service_date: date


class DispatchSummary(BaseModel):
    """What a DispatchWorkflow run did."""

    service_date: date
    plan_id: int | None = None
    signalled: list[str] = Field(default_factory=list)
    notices_failed: int = 0
    note: str = ""


SOLVE_DAY: ActivitySpec[SolveDayInput, DayPlan] = ActivitySpec(
    "solve_dispatch_day",
    SolveDayInput,
    DayPlan,
    lambda i: f"Optimize routes of {i.service_date} (OR-Tools)",
)
NOTIFY_DISPATCH_CHANGE: ActivitySpec[DispatchNoticeInput, int] = ActivitySpec(
    "notify_dispatch_change",
    DispatchNoticeInput,
    int,
    lambda i: f"Tell about the new plan of {i.change.work_order_id}",
)


class DispatchFailure(FailureType):
    """What dispatch refuses with."""

    PLAN_INFEASIBLE = (
        "PlanInfeasible",
        409,
        False,
        "the solver's plan failed the independent float check; nothing was written",
    )

"""Smart assignment (OR-Tools) of a technician and service window to one work order.

Runs on the optimizer task queue with heartbeats. The activity writes the assignment (technician,
day, window, explanation); the workflow decides and persists the status that follows.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from domain.contracts.shared import ActivitySpec, FailureType


class AssignInput(BaseModel):
    """Assign ``technician_id`` (checked for skill and room), or the optimizer's pick when None."""

    work_order_id: str
    technician_id: str | None = None
    actor: str = "optimizer"


class AssignResult(BaseModel):
    """The assignment written, or ``technician_id`` None with the reason in ``explanation``."""

    technician_id: str | None
    scheduled_date: date | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    explanation: str
    runner_up_technician_id: str | None = None


ASSIGN_TECHNICIAN: ActivitySpec[AssignInput, AssignResult] = ActivitySpec(
    "assign_technician",
    AssignInput,
    AssignResult,
    lambda i: "Smart assignment (OR-Tools)" if i.technician_id is None else f"Assign {i.technician_id}",
)


class AssignRequest(BaseModel):
    """Update payload: assign by hand (``technician_id``) or re-run the optimizer (``None``)."""

    actor: str
    technician_id: str | None = None


class AssignmentFailure(FailureType):
    """What assignment refuses with."""

    UNKNOWN_TECHNICIAN = (
        "UnknownTechnician",
        422,
        False,
        "the named technician does not exist, is inactive or lacks the job's skill",
    )
    ASSIGNMENT_REJECTED = (
        "AssignmentRejected",
        409,
        False,
        "the named technician has no room for the job in the next days",
    )
    ATTEMPT_CANCELLED = (
        "AttemptCancelled",
        503,
        True,
        "this attempt was given up (heartbeat timeout) before it wrote anything; a retry runs",
    )


INSERT_REPAIR: ActivitySpec[AssignInput, AssignResult] = ActivitySpec(
    "insert_repair",
    AssignInput,
    AssignResult,
    lambda i: "Insert into the day's routes (batched, OR-Tools routing model)",
)

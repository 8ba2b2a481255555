"""Dispatch API shapes: a day's plan per technician, unassigned jobs, re-plan and pins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from api.schemas.common import RequestBody
from domain.contracts.dispatch import RoutePlan, UnassignedJob


class DayPlanOut(BaseModel):
    """The current plan of a day (the newest DispatchWorkflow run), limited to the caller's scope:
    everything for office and admin, his team's routes and the open queue for a manager, his own
    route for a technician. ``plan_id`` None: the day has not been dispatched yet."""

    service_date: date
    plan_id: int | None = None
    planned_at: datetime | None = None
    status: str | None = None
    total_travel_minutes: float = 0.0
    routes: list[RoutePlan] = Field(default_factory=list)
    unassigned: list[UnassignedJob] = Field(default_factory=list)


class ReplanOut(BaseModel):
    """The DispatchWorkflow re-planning the day (joined when one is already running)."""

    service_date: date
    workflow_id: str
    run_id: str | None = None


def _aware(value: object) -> object:
    """An ISO 8601 date-time string with an offset (``2026-11-25T13:00:00-06:00``)."""
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("the start needs a UTC offset or Z")
    return moment


AwareMoment = Annotated[datetime, BeforeValidator(_aware)]


class PinBody(RequestBody):
    """Pin a repair to ``technician_id``, optionally at a fixed start (aware, ISO 8601); the
    optimizer never moves a pinned job. Takes effect in the re-plan this starts."""

    technician_id: str = Field(min_length=1, max_length=20)
    start: AwareMoment | None = None


class PinOut(BaseModel):
    """A repair's pin after the change, and the re-plan that applies it (None after unpin)."""

    work_order_id: str
    pinned_technician_id: str | None
    pinned_start: datetime | None
    replan: ReplanOut | None = None


class SlotOut(BaseModel):
    """A service window in which the job fits today's routes (times aware UTC): the window, the
    planned start of the cheapest insertion, how many technicians could take it and the travel
    minutes it adds."""

    date: date
    window: str
    window_start: datetime
    window_end: datetime
    planned_start: datetime
    technicians: int
    added_travel_minutes: float

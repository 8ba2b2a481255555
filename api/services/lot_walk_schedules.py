"""A fleet customer's lot-walk Temporal Schedule (seed 001 2.1), kept in step with its settings.

``lot-walk-schedule-{customer_id}`` fires at the customer's ``lot_walking_schedule`` days and
``lot_walking_time`` (``domain.lot_walk.walk_schedule``, in ``settings.timezone``) when its
service mode is SCHEDULED or HYBRID; it is paused while ``lot_walking_enabled`` is off and
deleted when the mode or the days no longer call for walks (or the customer is deleted). Each
fire starts LotWalkWorkflow without a date, which starts that day's ``lot-walk-{id}-{date}``.
Called after the customer's change is committed; a Temporal error is raised for the caller to
undo the change (503, nothing half-written).
"""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from api.services.lot_walks import walk_input
from config import Settings
from db.models import Customer
from domain.ids import LOT_WALK_WORKFLOW, TASK_QUEUE, lot_walk_schedule_id
from domain.lot_walk import WalkSchedule, walk_schedule


def wanted(customer: Customer) -> WalkSchedule | None:
    """The schedule the customer's stored settings call for (None: no schedule)."""
    return walk_schedule(
        enabled=customer.lot_walking_enabled,
        service_mode=customer.service_mode,
        schedule=customer.lot_walking_schedule or {},
        walk_time=customer.lot_walking_time,
    )


def _schedule(settings: Settings, customer_id: int, plan: WalkSchedule) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            LOT_WALK_WORKFLOW,
            walk_input(settings, customer_id=customer_id, day=None, requested_by="schedule"),
            id=f"lot-walk-{customer_id}-scheduled",
            task_queue=TASK_QUEUE,
            static_summary=f"Scheduled lot walk of customer {customer_id}",
        ),
        spec=ScheduleSpec(cron_expressions=[plan.cron], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(paused=plan.paused, note="lot walking disabled" if plan.paused else None),
    )


async def sync(client: Client, settings: Settings, *, customer_id: int, plan: WalkSchedule | None) -> str:
    """Create, update, pause or delete ``lot-walk-schedule-{customer_id}`` to match ``plan``;
    returns what was done (``created``, ``updated``, ``paused``, ``deleted``, ``none``). Raises
    ``temporalio.service.RPCError`` when Temporal cannot be reached."""
    schedule_id = lot_walk_schedule_id(customer_id)
    handle = client.get_schedule_handle(schedule_id)
    if plan is None:
        try:
            await handle.delete()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return "none"
            raise
        return "deleted"
    wanted_schedule = _schedule(settings, customer_id, plan)
    try:
        await client.create_schedule(schedule_id, wanted_schedule)
        return "paused" if plan.paused else "created"
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=wanted_schedule)

        await handle.update(replace)
        return "paused" if plan.paused else "updated"

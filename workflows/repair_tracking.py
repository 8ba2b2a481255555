"""RepairWorkflow's live tracking handlers (issue 7; seed 003 real-time tracking). Deterministic
code only.

The API decides arrival (a position inside the site's geofence) and the ETA (``domain.tracking``)
and stores them on the work order; the workflow keeps them in its status, and on the first "on
my way" tells the customer through ``notify_customer`` (keyed by workflow and event, so a
repeated "on my way" only updates the ETA). Neither handler changes the repair's status.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.contracts.messaging import NOTIFY_CUSTOMER, NotifyCustomerInput
    from domain.contracts.repair import RepairFailure, RepairStatus
    from domain.contracts.tracking import ARRIVED_SIGNAL, ON_MY_WAY_UPDATE, ArrivalSignal, OnMyWayRequest
    from domain.work_status import WorkStatus

from workflows.kit import SEND_CALL, ActivityCall, failure
from workflows.repair_state import RepairState

notify_customer = ActivityCall(NOTIFY_CUSTOMER, SEND_CALL)


class TrackingStep(RepairState):
    """The arrival signal and the "on my way" update; RepairWorkflow inherits them."""

    @workflow.signal(name=ARRIVED_SIGNAL)
    def technician_arrived(self, sig: ArrivalSignal) -> None:
        """The assigned technician entered the site's geofence (the API stored it on the work
        order); the first arrival is kept. Issues no command."""
        if (
            self._started
            and self._state.arrived_at is None
            and sig.technician_id == self._state.technician_id
        ):
            self._state.arrived_at = sig.at

    @workflow.update(name=ON_MY_WAY_UPDATE)
    async def on_my_way(self, req: OnMyWayRequest) -> RepairStatus:
        """Keep the ETA and tell the customer once. A failed send is counted, not fatal."""
        self._state.eta = req.eta
        if self._eta_told:
            return self._state
        self._eta_told = True
        try:
            await notify_customer(
                NotifyCustomerInput(
                    workflow_id=workflow.info().workflow_id,
                    work_order_id=self._state.work_order_id,
                    event="on_the_way",
                )
            )
        except ActivityError as err:
            self._state.delivery_failures += 1
            workflow.logger.warning("on-the-way message failed: %s", err.cause or err)
        return self._state

    @on_my_way.validator
    def _on_my_way_ok(self, req: OnMyWayRequest) -> None:
        if not self._started:
            raise failure(RepairFailure.NOT_STARTED, "workflow has not started yet")
        if self.status != WorkStatus.ASSIGNED:
            raise failure(
                RepairFailure.INVALID_TRANSITION,
                f"only an assigned repair can be on its way (it is {self.status})",
            )
        if req.technician_id != self._state.technician_id:
            raise failure(
                RepairFailure.INVALID_TRANSITION,
                f"technician {req.technician_id} is not assigned to this repair "
                f"(assigned: {self._state.technician_id})",
            )

"""Work order statuses and which staff action is allowed from which status.

The single-approval flow of seed 001 Phase 2.2 (REQUESTED → ASSIGNED → IN_PROGRESS →
COMPLETED) with the approval states our durable approval step needs in between.
"""

from __future__ import annotations

from enum import StrEnum


class WorkStatus(StrEnum):
    """The ``WorkStatus`` search attribute and ``work_orders.status`` values."""

    REQUESTED = "requested"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"
    AWAITING_ASSIGNMENT = "awaiting_assignment"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


TERMINAL_STATUSES = frozenset(
    {WorkStatus.DECLINED, WorkStatus.EXPIRED, WorkStatus.COMPLETED, WorkStatus.CANCELLED}
)


def applies(current: WorkStatus | str | None, new: WorkStatus) -> bool:
    """Whether ``new`` may replace ``current``: a terminal status is never left (a cancel
    recorded while another step was in flight wins). The one copy of this rule: the workflow's
    in-memory status and the ``work_orders.status`` writer both follow it.
    """
    return current is None or WorkStatus(current) not in TERMINAL_STATUSES


class StaffAction(StrEnum):
    """Actions office staff and technicians take on a repair; each value is the name of the
    RepairWorkflow update that carries it."""

    APPROVE = "approve"
    DECLINE = "decline"
    ASSIGN = "assign"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REVISE_ESTIMATE = "revise_estimate"
    OVERRIDE_PRICE = "override_price"


ALLOWED_FROM: dict[StaffAction, frozenset[WorkStatus]] = {
    StaffAction.APPROVE: frozenset({WorkStatus.PENDING_APPROVAL}),
    StaffAction.DECLINE: frozenset({WorkStatus.PENDING_APPROVAL}),
    StaffAction.REVISE_ESTIMATE: frozenset({WorkStatus.PENDING_APPROVAL}),
    StaffAction.ASSIGN: frozenset({WorkStatus.AWAITING_ASSIGNMENT, WorkStatus.ASSIGNED}),
    StaffAction.START: frozenset({WorkStatus.ASSIGNED}),
    StaffAction.COMPLETE: frozenset({WorkStatus.IN_PROGRESS}),
    StaffAction.CANCEL: frozenset(set(WorkStatus) - TERMINAL_STATUSES),
    #: before approval it re-prices; after approval it may only lower the price
    StaffAction.OVERRIDE_PRICE: frozenset(
        {
            WorkStatus.PENDING_APPROVAL,
            WorkStatus.APPROVED,
            WorkStatus.AWAITING_ASSIGNMENT,
            WorkStatus.ASSIGNED,
            WorkStatus.IN_PROGRESS,
        }
    ),
}


class InvalidTransition(Exception):
    """An action was asked for in a status that does not allow it (HTTP 409)."""

    def __init__(self, action: StaffAction, status: WorkStatus) -> None:
        allowed = ", ".join(sorted(ALLOWED_FROM[action]))
        super().__init__(f"cannot {action} a repair that is {status}; allowed from: {allowed}")
        self.action = action
        self.status = status


def check_transition(action: StaffAction, status: WorkStatus) -> None:
    """Raise InvalidTransition unless ``action`` is allowed from ``status``."""
    if status not in ALLOWED_FROM[action]:
        raise InvalidTransition(action, status)

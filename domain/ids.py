"""Workflow IDs, task queues and search-attribute names: built and parsed here only.

IDs are business keys so a duplicate start is rejected by Temporal and an operator finds a job
by typing its ID in the Web UI (DESIGN.md, workflow catalog).
"""

from __future__ import annotations

import re
from datetime import date

TASK_QUEUE = "fieldops"
OPTIMIZER_TASK_QUEUE = "fieldops-optimizer"

REPAIR_WORKFLOW = "RepairWorkflow"
BATCH_INVOICING_WORKFLOW = "BatchInvoicingWorkflow"
DUNNING_WORKFLOW = "DunningWorkflow"
MESSAGE_DIGEST_WORKFLOW = "MessageDigestWorkflow"
LOT_WALK_WORKFLOW = "LotWalkWorkflow"

#: Names of our custom search attributes (IDs and statuses only: never personal data).
CUSTOMER_ID_ATTR = "CustomerId"
TECHNICIAN_ID_ATTR = "TechnicianId"
JOB_TYPE_ATTR = "JobType"
WORK_STATUS_ATTR = "WorkStatus"
PRIORITY_ATTR = "Priority"
AMOUNT_DUE_ATTR = "AmountDue"

#: Custom search attributes and their Temporal types (registered at dev-server start and in compose).
SEARCH_ATTRIBUTES: dict[str, str] = {
    CUSTOMER_ID_ATTR: "Keyword",
    TECHNICIAN_ID_ATTR: "Keyword",
    JOB_TYPE_ATTR: "Keyword",
    WORK_STATUS_ATTR: "Keyword",
    PRIORITY_ATTR: "Keyword",
    AMOUNT_DUE_ATTR: "Double",
}

#: Prefix of the Temporal Schedules ``schedules.py`` manages (and prunes when they leave its list);
#: schedules owned by records (a customer's lot-walk schedule) use other prefixes and are never pruned.
MANAGED_SCHEDULE_PREFIX = "fieldops-"

_WORK_ORDER_ID = re.compile(r"^WO-[0-9]{8}-[0-9A-Z]{4,12}$")
_REPAIR_PREFIX = "repair-"


def is_work_order_id(value: str) -> bool:
    """Whether ``value`` is a work order id like ``WO-20261122-0007``."""
    return bool(_WORK_ORDER_ID.match(value))


def repair_workflow_id(work_order_id: str) -> str:
    """``repair-{work_order_id}``; raises ValueError for a malformed work order id."""
    if not is_work_order_id(work_order_id):
        raise ValueError(f"not a work order id: {work_order_id!r}")
    return f"{_REPAIR_PREFIX}{work_order_id}"


def parse_repair_workflow_id(workflow_id: str) -> str:
    """The work order id inside ``repair-{work_order_id}``; raises ValueError otherwise."""
    if not workflow_id.startswith(_REPAIR_PREFIX):
        raise ValueError(f"not a repair workflow id: {workflow_id!r}")
    work_order_id = workflow_id[len(_REPAIR_PREFIX) :]
    if not is_work_order_id(work_order_id):
        raise ValueError(f"not a repair workflow id: {workflow_id!r}")
    return work_order_id


_LOT_WALK = re.compile(r"^lot-walk-([1-9][0-9]{0,9})-([0-9]{4}-[0-9]{2}-[0-9]{2})$")


def lot_walk_workflow_id(customer_id: int, day: date) -> str:
    """``lot-walk-{customer_id}-{YYYY-MM-DD}``: one walk per fleet customer and day (it is also
    the lot walk's id in the API and the ``lot_walks`` table)."""
    if customer_id < 1:
        raise ValueError(f"not a customer id: {customer_id!r}")
    return f"lot-walk-{customer_id}-{day.isoformat()}"


def parse_lot_walk_id(lot_walk_id: str) -> tuple[int, date]:
    """The customer id and day inside ``lot-walk-{customer_id}-{date}``; ValueError otherwise."""
    match = _LOT_WALK.match(lot_walk_id)
    if match is None:
        raise ValueError(f"not a lot walk id: {lot_walk_id!r}")
    return int(match.group(1)), date.fromisoformat(match.group(2))


def lot_walk_schedule_id(customer_id: int) -> str:
    """Id of a fleet customer's lot-walk Temporal Schedule (owned by the customer record, so not
    under ``MANAGED_SCHEDULE_PREFIX``)."""
    return f"lot-walk-schedule-{customer_id}"


def message_key(workflow_id: str, purpose: str) -> str:
    """Idempotency key of an outbound message: ``{workflow_id}:{purpose}``."""
    return f"{workflow_id}:{purpose}"


def billing_workflow_id(period_key: str) -> str:
    """``billing-{period_key}``: one on-demand invoicing run per period (or selection key)."""
    return f"billing-{period_key}"


def dunning_workflow_id(invoice_id: int) -> str:
    """``dunning-{invoice_id}``: the one dunning run of an invoice."""
    return f"dunning-{invoice_id}"


def invoice_message_key(invoice_id: int, purpose: str) -> str:
    """Outbox key of a message about an invoice: ``invoice-{invoice_id}:{purpose}`` (sent once)."""
    return message_key(f"invoice-{invoice_id}", purpose)

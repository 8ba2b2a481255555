"""The one mapping from workflow and activity failure types to HTTP statuses.

Every catalog in ``domain/contracts`` is listed in :data:`CATALOGS`; a test asserts that every
failure type any workflow or activity raises is in exactly one of them.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from domain.contracts.approval import ApprovalFailure
from domain.contracts.assignment import AssignmentFailure
from domain.contracts.billing import BillingFailure
from domain.contracts.dispatch import DispatchFailure
from domain.contracts.lot_walk import LotWalkFailure
from domain.contracts.messaging import MessagingFailure
from domain.contracts.repair import RepairFailure
from domain.contracts.shared import CommonFailure, FailureType
from domain.contracts.survey import SurveyFailure

CATALOGS: tuple[type[FailureType], ...] = (
    CommonFailure,
    RepairFailure,
    ApprovalFailure,
    AssignmentFailure,
    MessagingFailure,
    BillingFailure,
    DispatchFailure,
    LotWalkFailure,
    SurveyFailure,
)

#: failure type string → catalog member (its HTTP status and retryability)
BY_TYPE: dict[str, FailureType] = {member.value: member for catalog in CATALOGS for member in catalog}


def innermost_application_error(err: BaseException | None) -> ApplicationError | None:
    """The innermost catalogued ApplicationError in a failure chain (update → activity →
    application); a raiser's own Python cause (``raise … from err`` arrives as an
    ApplicationError typed after its class, e.g. ``IntegrityError``) is skipped. Without a
    catalogued one, the outermost ApplicationError."""
    catalogued = first = None
    while err is not None:
        if isinstance(err, ApplicationError):
            first = first or err
            if err.type in BY_TYPE:
                catalogued = err
        err = getattr(err, "cause", None)
    return catalogued or first


def http_status(error: ApplicationError | None, *, default: int = 409) -> int:
    """The HTTP status of a catalogued failure; ``default`` for an uncatalogued one."""
    if error is None or error.type is None:
        return default
    member = BY_TYPE.get(error.type)
    return member.http_status if member is not None else default

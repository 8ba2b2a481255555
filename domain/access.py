"""Which records a staff caller may see and act on: the access scope of an API key.

By the key's role (``db.models.ROLES``):

- ``admin`` and ``office``: everything.
- ``technician``: his own jobs (work orders whose ``technician_id`` is the key's technician)
  and the customers of those jobs. Nothing else: not a teammate's job, not a job nobody is
  assigned to yet (a request he files becomes visible to him once it is assigned to him).
- ``manager``: his team, that is the key's technician plus the technicians he manages
  (``technician_managed``: manager_id → technician_id, one level), their jobs and the
  customers of those jobs; and the *open queue*: jobs not yet assigned to anyone that have not
  ended (requested, pending approval, approved, awaiting assignment), which is the work managers
  approve and assign, and customers with no job at all (new customers being taken in, so a
  manager can file their first request). A manager key without a technician id has no team and
  no queue: it sees nothing team-scoped (``create_api_key`` refuses to make such keys).

Records outside the scope answer 404, exactly as records that do not exist, and lists leave
them out. The SQL form of these rules is in ``db/repositories`` (``work_orders.in_scope``,
``customers.in_scope``), which follows this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.work_status import TERMINAL_STATUSES

#: roles that see every record
UNSCOPED_ROLES = frozenset({"admin", "office"})
#: ``work_orders.status`` values of jobs that have ended (they leave the open queue)
ENDED_STATUSES = frozenset(s.value for s in TERMINAL_STATUSES)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one caller sees: ``technician_ids`` None means everything; otherwise the jobs of
    those technicians, plus the open queue (unassigned jobs that have not ended, and customers
    without any job) when ``open_queue`` is set."""

    technician_ids: frozenset[str] | None
    open_queue: bool = False

    @property
    def everything(self) -> bool:
        """True for office and admin keys."""
        return self.technician_ids is None

    def sees_technician(self, technician_id: str | None) -> bool:
        """Whether ``technician_id``'s own records (his day's schedule, his settings) are in scope."""
        return self.technician_ids is None or technician_id in self.technician_ids

    def sees_job(self, *, technician_id: str | None, status: str) -> bool:
        """Whether a work order assigned to ``technician_id`` (None: nobody) in ``status`` is in scope."""
        if self.technician_ids is None:
            return True
        if technician_id is None:
            return self.open_queue and status not in ENDED_STATUSES
        return technician_id in self.technician_ids


EVERYTHING = Scope(technician_ids=None)
NOTHING = Scope(technician_ids=frozenset())


def scope_for(role: str, technician_id: str | None, team: Iterable[str] = ()) -> Scope:
    """The scope of a key with ``role`` belonging to ``technician_id``; ``team`` lists the
    technicians that technician manages (used for managers only). An unknown role sees nothing."""
    if role in UNSCOPED_ROLES:
        return EVERYTHING
    if not technician_id:
        return NOTHING
    if role == "technician":
        return Scope(technician_ids=frozenset({technician_id}))
    if role == "manager":
        return Scope(technician_ids=frozenset({technician_id, *team}), open_queue=True)
    return NOTHING

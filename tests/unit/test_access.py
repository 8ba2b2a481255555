"""The access scope rule (domain.access) and the manager-limit rule it relies on (domain.approval)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.auth import create_api_key
from domain.access import EVERYTHING, NOTHING, Scope, scope_for
from domain.approval import Requester
from domain.work_status import TERMINAL_STATUSES, WorkStatus

OPEN = [s for s in WorkStatus if s not in TERMINAL_STATUSES]


@pytest.mark.parametrize("role", ["office", "admin"])
def test_office_and_admin_see_everything(role):
    scope = scope_for(role, None)
    assert scope == EVERYTHING and scope.everything
    assert scope.sees_job(technician_id="T-042", status="completed")
    assert scope.sees_job(technician_id=None, status="expired")
    assert scope.sees_technician("T-042")


def test_a_technician_sees_only_his_own_jobs():
    scope = scope_for("technician", "T-002", team=["T-003"])  # a team is ignored for technicians
    assert scope == Scope(frozenset({"T-002"}))
    for status in WorkStatus:
        assert scope.sees_job(technician_id="T-002", status=status)
        assert not scope.sees_job(technician_id="T-003", status=status)
        assert not scope.sees_job(technician_id=None, status=status)  # nobody's job is not his
    assert scope.sees_technician("T-002") and not scope.sees_technician("T-003")
    assert not scope.sees_technician(None)


def test_a_manager_sees_his_team_and_the_open_queue():
    scope = scope_for("manager", "T-001", team=["T-002", "T-003"])
    assert scope.technician_ids == {"T-001", "T-002", "T-003"} and scope.open_queue
    for tech in ("T-001", "T-002", "T-003"):
        assert scope.sees_technician(tech)
        assert all(scope.sees_job(technician_id=tech, status=s) for s in WorkStatus)
    assert not scope.sees_technician("T-006")
    assert not any(scope.sees_job(technician_id="T-006", status=s) for s in WorkStatus)
    # unassigned work waits for a manager's approval or assignment; once ended it leaves the queue
    assert all(scope.sees_job(technician_id=None, status=s) for s in OPEN)
    assert not any(scope.sees_job(technician_id=None, status=s) for s in TERMINAL_STATUSES)


@pytest.mark.parametrize(
    ("role", "technician_id"),
    [("manager", None), ("technician", None), ("technician", ""), ("auditor", "T-1")],
)
def test_keys_without_a_technician_or_a_known_role_see_nothing(role, technician_id):
    scope = scope_for(role, technician_id, team=["T-002"])
    assert scope == NOTHING and not scope.everything
    assert not scope.sees_job(technician_id="T-002", status="assigned")
    assert not scope.sees_job(technician_id=None, status="pending_approval")
    assert not scope.sees_technician("T-002")


@pytest.mark.parametrize("role", ["manager", "technician"])
def test_manager_and_technician_keys_need_a_technician(role):
    with pytest.raises(ValueError, match="needs technician_id"):
        create_api_key(None, name="x", role=role)  # refused before anything is stored


def test_manager_limit_is_one_rule():
    manager = Requester("T-005", True, Decimal("300.00"))
    assert manager.may_approve(Decimal("300.00")) and manager.may_approve(Decimal("0"))
    assert not manager.may_approve(Decimal("300.01"))
    assert not Requester("T-002", False, Decimal("900")).may_approve(Decimal("1"))  # not a manager
    assert not Requester("T-009", True, None).may_approve(Decimal("1"))  # a manager without a limit

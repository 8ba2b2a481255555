from datetime import UTC, date, datetime

import pytest

from domain.approval_links import derive_token, hash_token, looks_like_token, new_nonce
from domain.ids import SEARCH_ATTRIBUTES, message_key, parse_repair_workflow_id, repair_workflow_id
from domain.schedule import WorkingHoursError, local_today, shift_for, validate_working_hours
from domain.work_status import InvalidTransition, StaffAction, WorkStatus, check_transition


def test_repair_workflow_id_round_trip():
    assert repair_workflow_id("WO-20261122-0007") == "repair-WO-20261122-0007"
    assert parse_repair_workflow_id("repair-WO-20261122-0007") == "WO-20261122-0007"
    for bad in ("WO-1", "repair-x", "lot-walk-1"):
        with pytest.raises(ValueError):
            parse_repair_workflow_id(bad if bad.startswith("repair") else f"x{bad}")
    with pytest.raises(ValueError):
        repair_workflow_id("WO-2026-1")


def test_message_key_and_search_attributes():
    assert (
        message_key("repair-WO-20261122-0001", "approval-request-v1")
        == "repair-WO-20261122-0001:approval-request-v1"
    )
    assert set(SEARCH_ATTRIBUTES) == {
        "CustomerId",
        "TechnicianId",
        "JobType",
        "WorkStatus",
        "Priority",
        "AmountDue",
    }


@pytest.mark.parametrize(
    ("action", "status", "ok"),
    [
        (StaffAction.START, WorkStatus.ASSIGNED, True),
        (StaffAction.START, WorkStatus.PENDING_APPROVAL, False),
        (StaffAction.COMPLETE, WorkStatus.ASSIGNED, False),
        (StaffAction.COMPLETE, WorkStatus.IN_PROGRESS, True),
        (StaffAction.CANCEL, WorkStatus.IN_PROGRESS, True),
        (StaffAction.CANCEL, WorkStatus.COMPLETED, False),
        (StaffAction.APPROVE, WorkStatus.EXPIRED, False),
    ],
)
def test_transitions(action, status, ok):
    if ok:
        check_transition(action, status)
    else:
        with pytest.raises(InvalidTransition, match=f"cannot {action}"):
            check_transition(action, status)


def test_shift_in_local_time_becomes_utc():
    hours = {"mon": ["08:00", "17:00"]}
    start, end = shift_for(hours, date(2026, 11, 23), "America/Chicago")
    assert start == datetime(2026, 11, 23, 14, 0, tzinfo=UTC) and end == datetime(
        2026, 11, 23, 23, 0, tzinfo=UTC
    )
    assert shift_for(hours, date(2026, 11, 24), "America/Chicago") is None
    assert local_today(datetime(2026, 11, 23, 3, 0, tzinfo=UTC), "America/Chicago") == date(2026, 11, 22)


@pytest.mark.parametrize(
    "bad",
    [
        {"funday": ["08:00", "17:00"]},
        {"mon": ["17:00", "08:00"]},
        {"mon": ["8am", "5pm"]},
        {"mon": ["08:00"]},
    ],
)
def test_bad_working_hours(bad):
    with pytest.raises(WorkingHoursError):
        validate_working_hours(bad)


def test_tokens_are_short_opaque_and_rederivable():
    nonce = new_nonce()
    token = derive_token("secret", nonce)
    assert looks_like_token(token) and "." not in token and len(token) == 22
    assert derive_token("secret", nonce) == token and derive_token("other", nonce) != token
    assert hash_token(token) != token and len(hash_token(token)) == 64

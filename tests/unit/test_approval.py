from decimal import Decimal

import pytest

from domain.approval import ApprovalMode, CustomerApprovalPolicy, Requester, decide_approval

D = Decimal
POLICY = CustomerApprovalPolicy(max_auto_approve_amount=D("200"), require_photo_for_approval=True)
NOBODY = Requester()
MANAGER = Requester("T-001", True, D("750"))


def test_within_limit_with_photo_is_auto_approved():
    d = decide_approval(amount=D("200"), policy=POLICY, requester=NOBODY, has_photo=True)
    assert d.approved and d.mode is ApprovalMode.AUTO_CUSTOMER_LIMIT and d.approved_by == "policy:auto"


def test_photo_rule_blocks_auto_approval():
    d = decide_approval(amount=D("50"), policy=POLICY, requester=NOBODY, has_photo=False)
    assert not d.approved and d.mode is ApprovalMode.CUSTOMER
    assert any("requires a photo" in r for r in d.reasons)


def test_no_photo_needed_when_customer_does_not_require_it():
    policy = CustomerApprovalPolicy(max_auto_approve_amount=D("200"), require_photo_for_approval=False)
    assert decide_approval(amount=D("10"), policy=policy, requester=NOBODY, has_photo=False).approved


def test_over_limit_goes_to_customer():
    d = decide_approval(amount=D("200.01"), policy=POLICY, requester=NOBODY, has_photo=True)
    assert not d.approved and d.mode is ApprovalMode.CUSTOMER


def test_manager_within_his_limit_approves():
    d = decide_approval(amount=D("750"), policy=POLICY, requester=MANAGER, has_photo=False)
    assert d.approved and d.mode is ApprovalMode.MANAGER_LIMIT and d.approved_by == "technician:T-001"


def test_manager_over_his_limit_and_non_manager_go_to_customer():
    assert not decide_approval(amount=D("751"), policy=POLICY, requester=MANAGER, has_photo=True).approved
    tech = Requester("T-002", False, D("10000"))
    assert not decide_approval(amount=D("300"), policy=POLICY, requester=tech, has_photo=True).approved


def test_credit_hold_disables_auto_approval_but_not_manager():
    held = CustomerApprovalPolicy(
        max_auto_approve_amount=D("200"), require_photo_for_approval=False, credit_hold=True
    )
    assert not decide_approval(amount=D("1"), policy=held, requester=NOBODY, has_photo=True).approved
    assert decide_approval(amount=D("1"), policy=held, requester=MANAGER, has_photo=True).approved


def test_lot_findings_need_the_lot_flag():
    off = CustomerApprovalPolicy(max_auto_approve_amount=D("500"), require_photo_for_approval=False)
    on = CustomerApprovalPolicy(
        max_auto_approve_amount=D("500"), require_photo_for_approval=False, auto_approve_lot_repairs=True
    )
    assert not decide_approval(
        amount=D("10"), policy=off, requester=NOBODY, has_photo=True, from_lot_walk=True
    ).approved
    assert decide_approval(
        amount=D("10"), policy=on, requester=NOBODY, has_photo=True, from_lot_walk=True
    ).approved


def test_negative_amount_is_refused():
    with pytest.raises(ValueError, match="negative"):
        decide_approval(amount=D("-1"), policy=POLICY, requester=NOBODY, has_photo=True)

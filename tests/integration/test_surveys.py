"""Post-service surveys end to end on the real workers: a completed repair's survey goes out
(the test restarts it with second-scale timings), is answered on its page or by an SMS digit,
and lands in reviews, technician ratings and follow-ups; a low rating opens the manager's
follow-up; a second answer and an answer after the close are refused."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from db.models import CustomerTechnicianRating, Message, Review, ServiceFollowUp, SurveyLink
from db.session import transaction
from domain.contracts.survey import SurveyInput, SurveyTimings, survey_workflow_id
from domain.ids import TASK_QUEUE
from tests.integration.test_delivery_webhooks import INBOUND, signed  # noqa: F401 - fixture
from tests.integration.test_repair_api import new_customer, wait_status
from workflows.survey import SurveyWorkflow

pytestmark = pytest.mark.integration
SURVEY_LINK = re.compile(r"https?://\S+/survey/([A-Za-z0-9_-]{22})")
FAST = SurveyTimings(delay_seconds=0, reminder_seconds=60, expiry_seconds=120, hold_recheck_seconds=1)


async def completed_repair(stack, **customer) -> tuple[str, int, str]:
    """A repair completed through the API: (work order, customer, technician)."""
    cid = await new_customer(
        stack, max_auto_approve_amount="500.00", require_photo_for_approval=False, **customer
    )
    r = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": cid, "job_type": "maintenance"}, headers=stack.office
    )
    wo = r.json()["id"]
    assigned = await wait_status(stack, wo, {"assigned"})
    tech = assigned["technician_id"]
    key = {"X-API-Key": stack.tech_keys[tech]}
    assert (await stack.http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=key)).status_code == 200
    done = await stack.http.post(f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 45}, headers=key)
    assert done.status_code == 200, done.text
    return wo, cid, tech


async def fast_survey(stack, wo: str, customer: int, timings: SurveyTimings = FAST):
    """Replace the repair's survey (2-day delay under the test settings) by one on ``timings``."""
    handle = stack.client.get_workflow_handle(survey_workflow_id(wo))
    await handle.terminate("test: the same survey on second-scale timings")
    return await stack.client.start_workflow(
        SurveyWorkflow.run,
        SurveyInput(work_order_id=wo, customer_id=customer, timings=timings),
        id=survey_workflow_id(wo),
        task_queue=TASK_QUEUE,
    )


async def survey_message(stack, wo: str, purpose: str = "survey-request") -> Message:
    for _ in range(200):
        with transaction(stack.sessions) as session:
            row = session.scalars(
                select(Message).where(Message.work_order_id == wo, Message.purpose == purpose)
            ).first()
            if row is not None and row.status in ("sent", "suppressed"):
                session.expunge(row)
                return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {purpose} for {wo}")


async def test_a_low_rating_on_the_page_is_stored_and_opens_the_managers_follow_up(stack):
    wo, customer, tech = await completed_repair(stack)
    # the repair started its own survey (delay from settings: 2 days here) and told the customer
    with transaction(stack.sessions) as session:
        told = session.scalars(select(Message.purpose).where(Message.work_order_id == wo)).all()
    assert {"notify-approved", "notify-assigned"} <= set(told)
    handle = await fast_survey(stack, wo, customer)
    message = await survey_message(stack, wo)
    assert (
        message.category == "surveys" and message.channel == "sms" and "Reply 1 (poor) to 5" in message.body
    )
    link = SURVEY_LINK.search(message.body).group(0)

    page = await stack.http.get(link)
    assert page.status_code == 200 and "How did we do?" in page.text and wo in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    bad = await stack.http.post(link, data={"rating": "7"})
    assert bad.status_code == 422
    answered = await stack.http.post(link, data={"rating": "2", "comment": "Late and rude, still leaking"})
    assert (
        answered.status_code == 200 and "Thank you!" in answered.text and "manager will call" in answered.text
    )
    result = await handle.result()
    assert result.state == "answered" and result.rating == 2 and result.answered_via == "page"
    assert result.follow_up_opened and result.sentiment < 0

    again = await stack.http.post(link, data={"rating": "5"})
    assert again.status_code == 410 and "Already answered" in again.text
    with transaction(stack.sessions) as session:
        (review,) = session.scalars(select(Review).where(Review.work_order_id == wo)).all()
        assert (review.rating, review.source, review.technician_id) == (2, "survey", tech)
        assert review.comment == "Late and rude, still leaking" and review.sentiment_score < 0
        (rating,) = session.scalars(
            select(CustomerTechnicianRating).where(CustomerTechnicianRating.work_order_id == wo)
        ).all()
        assert rating.rating == 2 and rating.technician_id == tech
        ups = {
            u.key.rsplit(":", 1)[1]: u
            for u in session.scalars(select(ServiceFollowUp).where(ServiceFollowUp.work_order_id == wo))
        }
        assert ups["satisfaction"].status == "done" and ups["satisfaction"].satisfaction_rating == 2
        low = ups["low-rating"]
        assert low.status == "open" and "call the customer back" in low.reason
        managers = {"T-002": "T-001", "T-003": "T-001", "T-004": "T-001", "T-006": "T-005"}
        assert low.assigned_to_technician_id == managers.get(tech, low.assigned_to_technician_id)
    # the customer's words are in the database, never in the workflow's history, nor the token
    # (its redaction from the access log: tests/unit/test_survey_rules.py)
    history = (await handle.fetch_history()).to_json()
    token = link.rsplit("/", 1)[1]
    assert "leaking" not in history and token not in history


async def test_an_sms_digit_rates_the_one_open_survey(stack, signed):  # noqa: F811 - fixture
    from tests.integration.test_communications import unique_phone

    phone = unique_phone()
    wo, customer, _ = await completed_repair(stack, phone=phone)
    handle = await fast_survey(stack, wo, customer)
    await survey_message(stack, wo)
    url = f"{stack.settings.public_base_url}{INBOUND}"
    r = await signed.twilio_inbound(stack.http, url, phone, " 5 ")
    assert r.status_code == 200 and f"Thank you for rating {wo} 5/5" in r.text
    result = await handle.result()
    assert result.state == "answered" and result.rating == 5 and result.answered_via == "sms"
    again = await signed.twilio_inbound(stack.http, url, phone, "4")
    assert "no survey waiting" in again.text
    with transaction(stack.sessions) as session:
        link = session.scalars(select(SurveyLink).where(SurveyLink.work_order_id == wo)).one()
        assert (link.rating, link.answered_via, link.comment) == (5, "sms", None)
        assert not session.scalars(
            select(ServiceFollowUp).where(ServiceFollowUp.key == f"{survey_workflow_id(wo)}:low-rating")
        ).all()


async def test_an_unanswered_survey_is_reminded_once_then_closed(stack):
    wo, customer, _ = await completed_repair(stack)
    handle = await fast_survey(
        stack,
        wo,
        customer,
        SurveyTimings(delay_seconds=0, reminder_seconds=1, expiry_seconds=3, hold_recheck_seconds=1),
    )
    message = await survey_message(stack, wo)
    reminder = await survey_message(stack, wo, "survey-reminder")
    assert reminder.body.startswith("Reminder: ")
    link = SURVEY_LINK.search(message.body).group(0)
    assert link in reminder.body  # the same link
    result = await handle.result()
    assert result.state == "expired" and result.reminders_sent == 1
    closed = await stack.http.get(link)
    assert closed.status_code == 410 and "Survey closed" in closed.text


async def test_an_opted_out_customer_gets_no_survey(stack):
    wo, customer, _ = await completed_repair(stack)
    prefs = await stack.http.put(
        f"/api/v1/customers/{customer}/communication-preferences",
        json={"opted_out": ["surveys"]},
        headers=stack.office,
    )
    assert prefs.status_code == 200, prefs.text
    handle = await fast_survey(stack, wo, customer)
    result = await handle.result()
    assert result.state == "opted_out"
    suppressed = await survey_message(stack, wo)
    assert suppressed.status == "suppressed" and suppressed.body == ""


async def test_a_return_visit_or_an_open_dispute_holds_the_survey(stack):
    """The hold check on real rows: a later open job of the customer, then an invoice of the job
    whose last dispute action (audit log of the dunning signals) is a dispute."""
    import uuid
    from datetime import UTC, date, datetime, timedelta
    from decimal import Decimal

    from activities.messaging import MessageSender, OutboxProvider
    from activities.survey import SurveyActivities
    from db.models import AuditLog, Invoice, InvoiceWorkOrder
    from domain.contracts.survey import SurveyRef

    wo, customer, _ = await completed_repair(stack)
    acts = SurveyActivities(
        stack.sessions, MessageSender(stack.sessions, {"sms": OutboxProvider()}), stack.settings
    )
    ref = SurveyRef(work_order_id=wo, workflow_id=survey_workflow_id(wo))
    assert acts.check_survey_hold(ref).reason is None
    again = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 3},
        headers=stack.office,
    )
    revisit = again.json()["id"]
    await wait_status(stack, revisit, {"pending_approval", "assigned", "awaiting_assignment"})
    assert acts.check_survey_hold(ref).reason == f"return visit open: {revisit}"
    cancelled = await stack.http.post(
        f"/api/v1/repairs/{revisit}/cancel", json={"reason": "fixed"}, headers=stack.office
    )
    assert cancelled.status_code == 200, cancelled.text
    assert acts.check_survey_hold(ref).reason is None

    tag = uuid.uuid4().hex[:8]
    with transaction(stack.sessions) as session:
        invoice = Invoice(
            number=f"INV-SV-{tag}",
            customer_id=customer,
            period_key=f"survey-{tag}",
            workflow_id=f"billing-survey-{tag}",
            status="open",
            payment_terms="NET_30",
            issue_date=date.today(),
            due_date=date.today() + timedelta(days=30),
            issued_at=datetime.now(UTC),
            subtotal=Decimal("95.00"),
            tax_rate=Decimal("0"),
            tax_amount=Decimal("0.00"),
            total=Decimal("95.00"),
            amount_paid=Decimal("0.00"),
            balance=Decimal("95.00"),
        )
        session.add(invoice)
        session.flush()
        session.add(InvoiceWorkOrder(work_order_id=wo, invoice_id=invoice.id))
        session.add(
            AuditLog(
                actor="staff:1",
                action="dunning_dispute",
                entity_type="invoice",
                entity_id=str(invoice.id),
                details={},
            )
        )
        invoice_id, number = invoice.id, invoice.number
    assert acts.check_survey_hold(ref).reason == f"invoice dispute open: {number}"
    with transaction(stack.sessions) as session:
        session.add(
            AuditLog(
                actor="staff:1",
                action="dunning_resolve_dispute",
                entity_type="invoice",
                entity_id=str(invoice_id),
                details={},
            )
        )
    assert acts.check_survey_hold(ref).reason is None

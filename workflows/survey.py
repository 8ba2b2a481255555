"""SurveyWorkflow (``survey-{work_order_id}``): the post-service survey of one completed job
(issue 9; seed 004 Phase 2, seed 001 8.2). Deterministic code only.

Started by RepairWorkflow at completion (a child it abandons, so the repair completes at once):

1. wait the survey delay (a durable timer);
2. while a return visit or an invoice dispute of the job is open, wait and re-check
   (``check_survey_hold``; given up after ``MAX_HOLD_CHECKS`` as ``withheld``);
3. wait for the customer's contact window (quiet hours), then send the survey by his preferred
   channel (``send_survey``: the message, written by the survey writer, with a single-use link;
   nothing when he opted out of surveys). Its deadline is fixed before the send;
4. wait for the answer (the ``answer_survey`` update from the survey page or an SMS digit); at the
   reminder time, if still held by nothing and inside a contact window, remind once;
5. an answer is recorded (``record_survey_answer``: review, technician rating, satisfaction
   follow-up, sentiment, a follow-up for the technician's manager on a low rating); no answer
   by the deadline closes the survey (``close_survey``: the link stops working).

Every customer gets the same survey: nothing here looks at how the job went (no review gating).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import messaging as messaging_contract
    from domain.contracts import survey as contract
    from domain.contracts.messaging import ContactTimeInput
    from domain.contracts.survey import (
        MAX_HOLD_CHECKS,
        CloseSurveyInput,
        SendSurveyInput,
        SurveyAnswer,
        SurveyClosing,
        SurveyFailure,
        SurveyInput,
        SurveyRef,
        SurveyStatus,
    )

from workflows.kit import DB_CALL, SEND_CALL, ActivityCall, failure, wait_until

check_survey_hold = ActivityCall(contract.CHECK_SURVEY_HOLD, DB_CALL)
send_survey = ActivityCall(contract.SEND_SURVEY, SEND_CALL)
record_survey_answer = ActivityCall(contract.RECORD_SURVEY_ANSWER, DB_CALL)
close_survey = ActivityCall(contract.CLOSE_SURVEY, DB_CALL)
next_contact_time = ActivityCall(messaging_contract.NEXT_CONTACT_TIME, DB_CALL)
#: wakes of one wait for the contact window (each re-reads the preferences)
MAX_CONTACT_WAITS = 10


@workflow.defn(name=contract.SURVEY_WORKFLOW)
class SurveyWorkflow:
    """One completed job's survey; ID ``survey-{work_order_id}``."""

    def __init__(self) -> None:
        self._status: SurveyStatus | None = None
        self._answer: SurveyAnswer | None = None
        self._open = False

    @property
    def status(self) -> SurveyStatus:
        """The survey's state (set by the run method before any handler runs)."""
        assert self._status is not None
        return self._status

    @workflow.run
    async def run(self, inp: SurveyInput) -> SurveyStatus:
        """Run the survey to its end and return its final status."""
        self._status = SurveyStatus(work_order_id=inp.work_order_id)
        ref = SurveyRef(work_order_id=inp.work_order_id, workflow_id=workflow.info().workflow_id)
        timings = inp.timings
        await workflow.sleep(timedelta(seconds=timings.delay_seconds))
        if not await self._wait_while_held(ref, timings.hold_recheck_seconds):
            return await self._close(ref, "withheld")
        await self._wait_for_contact_time(inp.customer_id)
        start = workflow.now()
        deadline = start + timedelta(seconds=timings.expiry_seconds)
        remind_at = min(start + timedelta(seconds=timings.reminder_seconds), deadline)
        sent = await self._send(ref, deadline, reminder=False)
        if sent in ("suppressed", "unreachable", "refused"):
            return await self._close(ref, "opted_out" if sent == "suppressed" else "unreachable")
        self._open = True
        self.status.state = "sent"
        answered = lambda: self._answer is not None  # noqa: E731 - one condition, three waits
        if not await wait_until(answered, remind_at - workflow.now()) and workflow.now() < deadline:
            held = (await check_survey_hold(ref)).reason
            if held is None and await self._wait_for_contact_time(inp.customer_id, answered, deadline):
                if await self._send(ref, deadline, reminder=True) == "sent":
                    self.status.reminders_sent += 1
        await wait_until(answered, deadline - workflow.now())
        self._open = False
        if self._answer is None:
            return await self._close(ref, "expired")
        result = await record_survey_answer(ref)
        self.status.state = "answered"
        self.status.rating = result.rating
        self.status.answered_via = self._answer.via
        self.status.sentiment = result.sentiment
        self.status.follow_up_opened = result.follow_up_opened
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status

    async def _wait_while_held(self, ref: SurveyRef, recheck_seconds: int) -> bool:
        """Wait while the job has an open return visit or invoice dispute; False when it is
        still held after ``MAX_HOLD_CHECKS`` checks."""
        for _ in range(MAX_HOLD_CHECKS):
            reason = (await check_survey_hold(ref)).reason
            self.status.hold_reason = reason
            if reason is None:
                self.status.state = "waiting"
                return True
            self.status.state = "held"
            await workflow.sleep(timedelta(seconds=recheck_seconds))
        return False

    async def _wait_for_contact_time(
        self, customer_id: int, stop: Callable[[], bool] = lambda: False, limit: datetime | None = None
    ) -> bool:
        """Sleep until the customer's contact window is open (quiet hours); True then. False
        when ``stop`` became true meanwhile or the window opens only at or after ``limit``."""
        for _ in range(MAX_CONTACT_WAITS):
            timing = await next_contact_time(ContactTimeInput(customer_id=customer_id, at=workflow.now()))
            if timing.allowed_at <= workflow.now():
                return not stop()
            if limit is not None and timing.allowed_at >= limit:
                return False
            if await wait_until(stop, timing.allowed_at - workflow.now()):
                return False
        return not stop()

    async def _send(self, ref: SurveyRef, deadline: datetime, *, reminder: bool) -> str:
        """Send the survey or its reminder; a send that fails for good counts as unreachable
        for the first message (nobody can answer it) and is skipped for the reminder."""
        try:
            result = await send_survey(
                SendSurveyInput(
                    work_order_id=ref.work_order_id,
                    workflow_id=ref.workflow_id,
                    reminder=reminder,
                    expires_at=deadline,
                )
            )
        except ActivityError as err:
            workflow.logger.warning("survey %s failed: %s", "reminder" if reminder else "message", err.cause)
            return "unreachable"
        return result.outcome

    async def _close(self, ref: SurveyRef, outcome: SurveyClosing) -> SurveyStatus:
        await close_survey(
            CloseSurveyInput(work_order_id=ref.work_order_id, workflow_id=ref.workflow_id, outcome=outcome)
        )
        self.status.state = outcome
        return self.status

    # ---- answer and query ----------------------------------------------------------------

    @workflow.update(name=contract.SURVEY_ANSWER_UPDATE)
    def answer(self, answer: SurveyAnswer) -> SurveyStatus:
        """The customer's rating (page or SMS), accepted into the history at once; the run then
        records it (review, rating, follow-ups)."""
        self._answer = answer
        self.status.rating = answer.rating
        self.status.answered_via = answer.via
        return self.status

    @answer.validator
    def _answer_ok(self, answer: SurveyAnswer) -> None:
        if self._status is None or not self._open or self._answer is not None:
            raise failure(SurveyFailure.CLOSED, "this survey is not waiting for an answer")

    @workflow.query(name=contract.SURVEY_STATUS_QUERY)
    def get_status(self) -> SurveyStatus:
        """Where the survey is: waiting, held (and why), sent, answered (rating, sentiment)…"""
        if self._status is None:
            raise failure(SurveyFailure.CLOSED, "the survey has not started yet")
        return self._status

"""LLM helpers (seed 004 Phase 2 "New LLM-Powered API Endpoints"): summaries, suggestions,
messages and explanations written from the records, by the configured LLM or, without a key,
by deterministic templates and rules. Each answer says its ``source``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import AppSettings, CurrentScope, CurrentStaff, DbSession, OfficeStaff, TemporalClient
from api.schemas.llm_helpers import HelperOut
from api.services import llm_helpers as service
from domain.contracts.llm import (
    FollowupSuggestions,
    Greeting,
    HelperKind,
    MaintenanceAdvice,
    MatchExplanation,
    ProfitabilityNarrative,
    Sentiment,
    SurveyMessage,
    TimelineSummary,
)

router = APIRouter(tags=["llm helpers"])

Channel = Annotated[
    Literal["sms", "email"] | None, Query(description="the channel to write for (default: the customer's)")
]
Language = Annotated[Literal["en", "es"] | None, Query(description="the language (default: the customer's)")]


@router.post(
    "/api/v1/repairs/{work_order_id}/timeline-summary",
    response_model=HelperOut[TimelineSummary],
    summary="Summarise a repair's timeline",
)
async def timeline_summary(
    work_order_id: str,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: CurrentStaff,
    scope: CurrentScope,
) -> HelperOut[TimelineSummary]:
    """The repair's story from its own records: the workflow's history (activities with their
    summaries, updates, timers), the audit trail, the outbox messages (purpose, channel, status)
    and the job costs. Every key, within its scope."""
    result = await service.for_work_order(
        db,
        client,
        kind=HelperKind.TIMELINE_SUMMARY,
        work_order_id=work_order_id,
        scope=scope,
        settings=settings,
        actor=staff.actor,
    )
    return HelperOut[TimelineSummary].model_validate(result.model_dump(mode="json"))


@router.post(
    "/api/v1/repairs/{work_order_id}/match-technician",
    response_model=HelperOut[MatchExplanation],
    summary="Explain the best technician for a repair",
)
async def match_technician(
    work_order_id: str,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> HelperOut[MatchExplanation]:
    """Which technician fits the repair best on its day (today at the earliest) and why, from
    the assignment model's own figures (skill, drive, booked minutes, wait, preference, pair
    cost; ``domain/assignment.py``) and the day's dispatch plan (``domain/routing``)."""
    result = await service.for_work_order(
        db,
        client,
        kind=HelperKind.TECHNICIAN_MATCH,
        work_order_id=work_order_id,
        scope=scope,
        settings=settings,
        actor=staff.actor,
    )
    return HelperOut[MatchExplanation].model_validate(result.model_dump(mode="json"))


@router.post(
    "/api/v1/repairs/{work_order_id}/generate-survey",
    response_model=HelperOut[SurveyMessage],
    summary="Write a repair's post-service survey",
)
async def generate_survey(
    work_order_id: str,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
    channel: Channel = None,
    language: Language = None,
) -> HelperOut[SurveyMessage]:
    """The survey message (at most 300 characters for SMS, 480 for email) and its questions,
    the first a 1-5 rating; nothing is sent."""
    result = await service.for_work_order(
        db,
        client,
        kind=HelperKind.SURVEY,
        work_order_id=work_order_id,
        scope=scope,
        settings=settings,
        actor=staff.actor,
        channel=channel,
        language=language,
    )
    return HelperOut[SurveyMessage].model_validate(result.model_dump(mode="json"))


@router.post(
    "/api/v1/customers/{customer_id}/followup-suggestions",
    response_model=HelperOut[FollowupSuggestions],
    summary="Suggest follow-ups for a customer",
)
async def followup_suggestions(
    customer_id: int,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> HelperOut[FollowupSuggestions]:
    """Up to five follow-ups from the customer's jobs and open invoices: recent jobs to check
    on, declined or expired estimates to call about, services due again by their interval
    (``domain/engagement.py``)."""
    result, _ = await service.for_customer(
        db,
        client,
        kind=HelperKind.FOLLOWUP_SUGGESTIONS,
        customer_id=customer_id,
        scope=scope,
        settings=settings,
        actor=staff.actor,
    )
    return HelperOut[FollowupSuggestions].model_validate(result.model_dump(mode="json"))


@router.post(
    "/api/v1/customers/{customer_id}/generate-greeting",
    response_model=HelperOut[Greeting],
    summary="Write a greeting for the customer's occasion",
)
async def generate_greeting(
    customer_id: int,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
    channel: Channel = None,
    language: Language = None,
) -> HelperOut[Greeting]:
    """A greeting for the occasion found in the data (welcome, anniversary, win back, thank
    you, holiday season, check in; ``facts.occasion`` and ``facts.because``); nothing is sent."""
    result, customer = await service.for_customer(
        db,
        client,
        kind=HelperKind.GREETING,
        customer_id=customer_id,
        scope=scope,
        settings=settings,
        actor=staff.actor,
        channel=channel,
        language=language,
    )
    return HelperOut[Greeting].model_validate(service.fill_customer(result, customer).model_dump(mode="json"))


@router.post(
    "/api/v1/customers/{customer_id}/analyze-sentiment",
    response_model=HelperOut[Sentiment],
    summary="Analyse the sentiment of a customer's words",
)
async def analyze_sentiment(
    customer_id: int,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> HelperOut[Sentiment]:
    """Sentiment (-1..1, label, themes) of what the customer wrote to us (service request
    descriptions), with contact details removed; without a key, the VADER lexicon."""
    result, _ = await service.for_customer(
        db,
        client,
        kind=HelperKind.SENTIMENT,
        customer_id=customer_id,
        scope=scope,
        settings=settings,
        actor=staff.actor,
    )
    return HelperOut[Sentiment].model_validate(result.model_dump(mode="json"))


@router.post(
    "/api/v1/customers/{customer_id}/profitability-analysis",
    response_model=HelperOut[ProfitabilityNarrative],
    summary="Analyse a customer's profitability",
)
async def profitability_analysis(
    customer_id: int,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> HelperOut[ProfitabilityNarrative]:
    """A reading of the customer's financials (the customer 360 rules: payments, expenses, job
    costs, lifetime value, margin, outstanding balance), the margin per job type and the
    expenses per category (all in ``facts``), with recommendations. Office and managers."""
    result, _ = await service.for_customer(
        db,
        client,
        kind=HelperKind.PROFITABILITY,
        customer_id=customer_id,
        scope=scope,
        settings=settings,
        actor=staff.actor,
    )
    return HelperOut[ProfitabilityNarrative].model_validate(result.model_dump(mode="json"))


@router.post(
    "/api/v1/customers/{customer_id}/predict-maintenance",
    response_model=HelperOut[MaintenanceAdvice],
    summary="Predict maintenance of a customer's appliances",
)
async def predict_customer_maintenance(
    customer_id: int,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: CurrentStaff,
    scope: CurrentScope,
) -> HelperOut[MaintenanceAdvice]:
    """When each of the customer's appliances is next due (``facts.predictions``, soonest first:
    the interval of its type, or the one observed in its service history; ``domain/maintenance.py``)
    and what to do about it. Every key, within its scope."""
    result, _ = await service.for_customer(
        db,
        client,
        kind=HelperKind.MAINTENANCE,
        customer_id=customer_id,
        scope=scope,
        settings=settings,
        actor=staff.actor,
    )
    return HelperOut[MaintenanceAdvice].model_validate(result.model_dump(mode="json"))


@router.post(
    "/api/v1/appliances/{appliance_id}/predict-maintenance",
    response_model=HelperOut[MaintenanceAdvice],
    summary="Predict an appliance's maintenance",
)
async def predict_appliance_maintenance(
    appliance_id: int,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: CurrentStaff,
    scope: CurrentScope,
) -> HelperOut[MaintenanceAdvice]:
    """When the appliance is next due and why (``facts.predictions``), with advice. Every key
    whose scope holds the appliance's customer."""
    result = await service.for_appliance(
        db, client, appliance_id=appliance_id, scope=scope, settings=settings, actor=staff.actor
    )
    return HelperOut[MaintenanceAdvice].model_validate(result.model_dump(mode="json"))

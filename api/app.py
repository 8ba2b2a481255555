"""The FastAPI application: staff API under ``/api``, customer pages at ``/approve/{token}``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from api.errors import PROBLEM_RESPONSES, install_error_handlers, install_problem_schema, problem_response
from api.input_guard import RefuseNul
from api.logging_setup import install_token_redaction
from api.portal import install_portal
from api.routers import (
    approval_pages,
    catalog,
    communication,
    customer360,
    customer_records,
    customers,
    dispatch,
    invoices,
    llm_helpers,
    lot_walk_pages,
    lot_walks,
    messages,
    performance_analytics,
    repairs,
    survey_pages,
    technician_performance,
    technicians,
    tracking,
    webhook_subscriptions,
    webhooks,
)
from config import Settings, get_settings
from db.session import make_engine, make_session_factory, ping
from temporal_client import connect_temporal

log = logging.getLogger(__name__)
#: seconds each readiness check may take before its service counts as down
READY_TIMEOUT_SECONDS = 2.0

DESCRIPTION = (
    "Office staff start and act on repairs; each repair is a durable Temporal workflow "
    "(`repair-{work_order_id}` in the Temporal Web UI). Authenticate with `X-API-Key`."
)


def create_app(
    settings: Settings | None = None,
    *,
    sessions: sessionmaker[Session] | None = None,
    temporal: Client | None = None,
) -> FastAPI:
    """Build the app; missing ``sessions``/``temporal`` are created from ``settings`` at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if sessions is None:
            if not settings.database_url:
                raise RuntimeError("FIELDOPS_DATABASE_URL is not set (fieldops dev/demo set it for you)")
            engine = make_engine(settings.database_url)
            app.state.sessions = make_session_factory(engine)
        else:
            app.state.sessions = sessions
        app.state.temporal = temporal or await connect_temporal(settings)
        app.state.settings = settings
        yield
        if engine is not None:
            engine.dispose()

    app = FastAPI(
        title="fieldops",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
    )
    install_error_handlers(app)
    install_problem_schema(app)
    app.add_middleware(RefuseNul)
    install_token_redaction()
    for module in (
        repairs,
        customers,
        technicians,
        technician_performance,
        performance_analytics,
        catalog,
        messages,
        invoices,
        dispatch,
        tracking,
        communication,
        customer_records,
        customer360,
        llm_helpers,
        webhooks,
        webhook_subscriptions,
    ):
        app.include_router(module.router)
    app.include_router(lot_walks.router)
    app.include_router(approval_pages.router)
    app.include_router(lot_walk_pages.router)
    app.include_router(survey_pages.router)
    install_portal(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (it checks nothing else; see ``/readyz``)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: PostgreSQL answers ``SELECT 1`` and Temporal its health check, each within
        READY_TIMEOUT_SECONDS; 200 ``{"status": "ready", "checks": {...}}``, else 503 problem+json
        naming what is down."""
        state = request.app.state
        checks = {
            "postgresql": await _check(lambda: asyncio.to_thread(ping, state.sessions)),
            "temporal": await _check(
                lambda: state.temporal.service_client.check_health(
                    timeout=timedelta(seconds=READY_TIMEOUT_SECONDS)
                )
            ),
        }
        down = [name for name, result in checks.items() if result != "ok"]
        if down:
            return problem_response(503, f"not ready: {', '.join(down)} unavailable", checks=checks)
        return JSONResponse({"status": "ready", "checks": checks})

    return app


async def _check(probe: Callable[[], Awaitable[object]]) -> str:
    """``"ok"`` when ``probe`` finishes (without returning False) within READY_TIMEOUT_SECONDS,
    else ``"unavailable"``; the reason goes to the log, not to the unauthenticated caller."""
    try:
        result = await asyncio.wait_for(probe(), timeout=READY_TIMEOUT_SECONDS)
    except Exception as err:
        log.warning("readiness check failed: %s: %s", type(err).__name__, err)
        return "unavailable"
    return "unavailable" if result is False else "ok"

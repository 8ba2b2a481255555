"""The FastAPI application: staff API under ``/api``, customer pages at ``/approve/{token}``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from api.errors import install_error_handlers
from api.logging_setup import install_token_redaction
from api.routers import approval_pages, catalog, customers, messages, repairs, technicians
from config import Settings, get_settings
from db.session import make_engine, make_session_factory
from temporal_client import connect_temporal

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

    app = FastAPI(title="fieldops", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)
    install_token_redaction()
    for module in (repairs, customers, technicians, catalog, messages):
        app.include_router(module.router)
    app.include_router(approval_pages.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

"""The customer portal wired into the app: its routers, its stylesheet, the security headers of
every ``/portal`` response, and its error pages (login redirect, 403/404/409/429/503 pages)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.routers import portal_login, portal_pages, portal_requests
from api.services.portal_session import LoginRequired, PortalPageError, PortalSecurityHeaders, page

STATIC = Path(__file__).resolve().parent / "static"


def install_portal(app: FastAPI) -> None:
    """Add the portal to ``app`` (call once, from ``api.app.create_app``)."""
    for module in (portal_login, portal_pages, portal_requests):
        app.include_router(module.router)
    app.mount("/portal/static", StaticFiles(directory=STATIC), name="portal-static")
    app.add_middleware(PortalSecurityHeaders)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/portal/login", status_code=303)

    @app.exception_handler(PortalPageError)
    async def _error(request: Request, exc: PortalPageError) -> HTMLResponse:
        return page(
            request, "message.html", exc.status, title=exc.heading, heading=exc.heading, message=exc.message
        )

"""The demo's HTTP client."""

from __future__ import annotations

import httpx


class RetryingGets(httpx.AsyncHTTPTransport):
    """Retries a GET whose kept-alive connection the server closed just as it was reused."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(3):
            try:
                return await super().handle_async_request(request)
            except (httpx.ReadError, httpx.RemoteProtocolError):
                if request.method != "GET" or attempt == 2:
                    raise
        raise AssertionError("unreachable")


def http_client(base_url: str) -> httpx.AsyncClient:
    """The demo's HTTP client: one pool, GETs retried on a dropped keep-alive connection."""
    return httpx.AsyncClient(base_url=base_url, timeout=60, transport=RetryingGets())

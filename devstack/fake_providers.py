"""Loopback stand-ins for the Twilio Messages API and SendGrid's mail/send, for tests and benches.

The real SDKs talk to them (``FIELDOPS_TWILIO_API_BASE_URL`` / ``FIELDOPS_SENDGRID_API_HOST``), so
every provider request the workers make is counted here: the reliability harness checks that no
message reached a provider twice whatever was killed on the way.

Twilio: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (form ``To``, ``From``, ``Body``) answers
201 with a ``SM…`` sid; ``GET …/Messages.json?To=&From=`` lists what was sent (the outbox asks it
when a claim's answer was lost). Two reserved numbers fail the way Twilio does: ``+15125550429``
answers 429 (rate limit) and ``+15125550400`` answers 400 / code 21211 (invalid number).
SendGrid: ``POST /v3/mail/send`` (JSON) answers 202 with ``X-Message-Id``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

RATE_LIMITED_NUMBER = "+15125550429"
INVALID_NUMBER = "+15125550400"


@dataclass
class ProviderLog:
    """What the fakes received: Twilio messages as ``{sid, to, from, body, status}`` dicts and
    SendGrid requests as their parsed JSON bodies, in arrival order."""

    twilio: list[dict] = field(default_factory=list)
    sendgrid: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def texts(self) -> list[str]:
        """Every delivered text: SMS bodies and the JSON of each email, for searching links in."""
        with self.lock:
            return [m["body"] for m in self.twilio] + [json.dumps(m) for m in self.sendgrid]


def _handler(log: ProviderLog) -> type[BaseHTTPRequestHandler]:
    class FakeApis(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _json(self, code: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if self.path.endswith("/Messages.json"):
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                if form["To"] == RATE_LIMITED_NUMBER:
                    self._json(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
                    return
                if form["To"] == INVALID_NUMBER:
                    detail = f"Invalid 'To' Phone Number: {form['To']}"
                    self._json(400, {"code": 21211, "message": detail, "status": 400})
                    return
                with log.lock:
                    sid = f"SM{len(log.twilio):032d}"
                    msg = {"sid": sid, "to": form["To"], "from": form["From"], "body": form["Body"]}
                    msg["status"] = "queued"
                    log.twilio.append(msg)
                self._json(201, msg)
            elif self.path == "/v3/mail/send":
                with log.lock:
                    log.sendgrid.append(json.loads(raw))
                    n = len(log.sendgrid)
                self._json(202, {}, {"X-Message-Id": f"sg-{n}"})
            else:
                self._json(404, {"message": "not found"})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path.endswith("/Messages.json"):
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with log.lock:
                    found = [
                        m for m in log.twilio if m["to"] == query.get("To") and m["from"] == query.get("From")
                    ]
                page = {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50, "uri": url.path}
                self._json(200, page)
            else:
                self._json(404, {"message": "not found"})

    return FakeApis


@contextmanager
def fake_provider_apis() -> Iterator[tuple[str, ProviderLog]]:
    """Serve both fakes on a free loopback port for the ``with`` block; yields (base URL, log)."""
    log = ProviderLog()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(log))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()

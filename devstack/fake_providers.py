"""Loopback stand-ins for the Twilio Messages API and SendGrid's mail/send, for tests and benches.

The real SDKs talk to them (``FIELDOPS_TWILIO_API_BASE_URL`` / ``FIELDOPS_SENDGRID_API_HOST``), so
every provider request the workers make is counted here: the reliability harness checks that no
message reached a provider twice whatever was killed on the way.

Twilio: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (form ``To``, ``From``, ``Body``) answers
201 with a ``SM…`` sid; ``GET …/Messages.json?To=&From=`` lists what was sent (the outbox asks it
when a claim's answer was lost). Two reserved numbers fail the way Twilio does: ``+15125550429``
answers 429 (rate limit) and ``+15125550400`` answers 400 / code 21211 (invalid number).
SendGrid: ``POST /v3/mail/send`` (JSON) answers 202 with ``X-Message-Id``.

They also play the providers' side of the webhooks (:class:`SignedCallbacks`): a Twilio status
callback to the ``StatusCallback`` URL a message was created with, signed like Twilio does (the
SDK's ``RequestValidator`` with the auth token), and a SendGrid event batch signed with an ECDSA
P-256 key whose public half (:attr:`SignedCallbacks.sendgrid_public_key`) is what SendGrid shows
in its mail settings, so tests send real signatures.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx

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
                    msg["status_callback"] = form.get("StatusCallback")
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


class SignedCallbacks:
    """Sends provider webhooks to the API as Twilio and SendGrid would, correctly signed.

    ``auth_token`` is the Twilio account's (``FIELDOPS_TWILIO_AUTH_TOKEN``); the SendGrid key
    pair is made here, and ``sendgrid_public_key`` goes into ``FIELDOPS_SENDGRID_WEBHOOK_PUBLIC_KEY``.
    """

    def __init__(self, auth_token: str) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self._auth_token = auth_token
        self._key = ec.generate_private_key(ec.SECP256R1())
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.sendgrid_public_key = base64.b64encode(der).decode()

    async def twilio_status(
        self,
        client: httpx.AsyncClient,
        url: str,
        message: dict,
        status: str,
        *,
        error_code: str | None = None,
        signature: str | None = None,
    ):
        """POST Twilio's status callback for ``message`` (a fake's record) to ``url``; the
        signature is Twilio's unless ``signature`` is given (a forgery). Returns the response."""
        from twilio.request_validator import RequestValidator

        params = {
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "AccountSid": "AC" + "0" * 32,
            "From": message["from"],
            "To": message["to"],
            "MessageStatus": status,
            "SmsStatus": status,
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        signed = RequestValidator(self._auth_token).compute_signature(url, params)
        return await client.post(url, data=params, headers={"X-Twilio-Signature": signature or signed})

    def sign_sendgrid(self, payload: str, timestamp: str) -> str:
        """SendGrid's signature of ``payload`` at ``timestamp`` (base64 DER ECDSA/SHA-256)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        return base64.b64encode(
            self._key.sign((timestamp + payload).encode(), ec.ECDSA(hashes.SHA256()))
        ).decode()

    async def sendgrid_events(
        self,
        client: httpx.AsyncClient,
        url: str,
        events: list[dict],
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ):
        """POST a SendGrid event batch to ``url`` signed at ``timestamp`` (default now); returns
        the response."""
        payload = json.dumps(events)
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": "application/json",
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
            "X-Twilio-Email-Event-Webhook-Signature": signature or self.sign_sendgrid(payload, stamp),
        }
        return await client.post(url, content=payload.encode(), headers=headers)

    async def twilio_inbound(self, client: httpx.AsyncClient, url: str, from_phone: str, body: str):
        """POST an inbound SMS from ``from_phone`` to ``url`` as Twilio does, signed; returns the response."""
        from twilio.request_validator import RequestValidator

        params = {
            "MessageSid": f"SM{time.time_ns():032d}"[:34],
            "AccountSid": "AC" + "0" * 32,
            "From": from_phone,
            "To": "+15125550000",
            "Body": body,
            "NumMedia": "0",
        }
        signed = RequestValidator(self._auth_token).compute_signature(url, params)
        return await client.post(url, data=params, headers={"X-Twilio-Signature": signed})

"""One gate for a character no input may carry: NUL (U+0000).

PostgreSQL cannot store U+0000 in text (psycopg2 raises ``ValueError: A string literal cannot
contain NUL``) nor in ``jsonb`` (``unsupported Unicode escape sequence``), and no name, note,
id or search term has a use for it. :class:`RefuseNul` refuses it with a 422 problem+json
before any route runs, wherever it is: the percent-decoded path, the query string, a header,
a JSON body (raw, or escaped as ``\\u0000`` in any string or object key, at any depth) or a
form body (urlencoded, or multipart outside an uploaded file's bytes). Bodies of other media types are passed on untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from api.errors import problem_response

NUL = "\x00"
#: A JSON ``\\ud800``-``\\udfff`` escape left unpaired decodes to a lone surrogate, which no UTF-8
#: column can store (psycopg2 fails to encode it): refused here like NUL, for free JSON fields.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(text: str) -> bool:
    return NUL in text or _LONE_SURROGATE.search(text) is not None


_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    header = Message()
    header["content-type"] = content_type
    return header.get_content_type()


def _json_has_nul(value: Any) -> str | None:
    """The dotted location of the first string or key holding U+0000 (or a lone surrogate) in
    decoded JSON, or None."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if _unstorable(item):
                return where or "(the body)"
        elif isinstance(item, dict):
            for key, child in item.items():
                path = f"{where}.{key}" if where else str(key)
                if _unstorable(key):
                    return _LONE_SURROGATE.sub("?", path.replace(NUL, "\\u0000")) + " (a key)"
                stack.append((path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
    return None


def nul_location(scope: Scope, body: bytes = b"") -> str | None:
    """Where U+0000 occurs in the request, in words (``"the path"``, ``"body field description"``),
    or None when it does not. ``scope`` is an ASGI HTTP scope, ``body`` the whole request body."""
    if NUL in scope.get("path", ""):
        return "the path"
    if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
        return "the query string"
    for name, value in scope.get("headers", ()):
        if b"\x00" in name or b"\x00" in value:
            return f"header {name.decode('latin-1')}"
    if not body:
        return None
    media = _media_type(_header(scope, b"content-type"))
    if _is_json(media):
        try:  # FastAPI reads a body without content-type as JSON too
            decoded = json.loads(body)
        except (ValueError, RecursionError):
            return None  # not JSON: the route refuses it with its own 422
        where = _json_has_nul(decoded)
        return f"body field {where}" if where else None
    if media == "application/x-www-form-urlencoded":
        form = body.decode("latin-1").replace("+", " ")
        for key, value in parse_qsl(form, keep_blank_values=True):
            if NUL in key or NUL in value:
                return "the form body"
        return None
    if media == "multipart/form-data" and b"\x00" in body:
        return "the form body" if _multipart_text_has_nul(_header(scope, b"content-type") or "", body) else None
    return None


def _multipart_text_has_nul(content_type: str, body: bytes) -> bool:
    """Whether a multipart body carries U+0000 anywhere but inside an uploaded file's bytes (a
    photo is binary; its part headers and every text field are still checked). A body that does
    not parse as multipart counts as carrying it."""
    message = BytesParser(policy=email_policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return True
    for part in message.iter_parts():
        if any(NUL in str(value) for value in part.values()):
            return True
        if part.get_filename() is None and b"\x00" in (part.get_payload(decode=True) or b""):
            return True
    return False


def _is_json(media: str) -> bool:
    return media in ("", "application/json") or media.endswith("+json")


def _inspected(scope: Scope) -> bool:
    """Whether the request's body is one this gate reads (JSON, or a form); others stream on."""
    if scope.get("method") in _NO_BODY:
        return False
    media = _media_type(_header(scope, b"content-type"))
    return _is_json(media) or media in ("application/x-www-form-urlencoded", "multipart/form-data")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class RefuseNul:
    """ASGI middleware: a request with U+0000 anywhere gets 422 problem+json and never reaches a
    route. A JSON or form body is read whole (the route would read it whole too) and replayed to
    the app; other bodies stream on unread."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = nul_location(scope)
        if where is None and _inspected(scope):
            messages = [m async for m in _drain(receive)]
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
            where = nul_location(scope, body)
            receive = _replay(messages, receive)
        if where is None:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        response = problem_response(
            422,
            f"a NUL character (U+0000) or an unpaired UTF-16 surrogate in {where}: "
            "neither is allowed in any input",
            instance=None if NUL in path else path,
        )
        await response(scope, receive, send)


async def _drain(receive: Receive) -> AsyncIterator[AsgiMessage]:
    """The request's messages up to the end of its body (or a disconnect)."""
    while True:
        message = await receive()
        yield message
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def _replay(messages: list[AsgiMessage], receive: Receive) -> Receive:
    pending: Iterator[AsgiMessage] = iter(messages)

    async def replay() -> AsgiMessage:
        for message in pending:
            return message
        return await receive()

    return replay

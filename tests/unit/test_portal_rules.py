"""Customer portal rules: login addresses, the login token's own domain, photo checks, the
multipart NUL gate, the per-IP limiter, and token redaction in logs."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from api.input_guard import nul_location
from api.logging_setup import redact_approval_tokens
from api.services.portal_requests import RequestRejected, check_photo
from api.services.portal_session import GuessLimiter
from domain.approval_links import TOKEN_LENGTH, derive_token, looks_like_token
from domain.portal import MAX_PHOTO_BYTES, Contact, PhotoRejected, login_token, normalize_contact, photo_type


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" Pat@Example.COM ", Contact("email", "pat@example.com")),
        ("(512) 555-0101", Contact("sms", "+15125550101")),
        ("512.555.0101", Contact("sms", "+15125550101")),
        ("+1 512 555 0101", Contact("sms", "+15125550101")),
        ("15125550101", Contact("sms", "+15125550101")),
        ("555-0101", None),
        ("call me", None),
        ("512-555-010x", None),
        ("pat@", None),
        ("", None),
    ],
)
def test_login_addresses_are_normalized(typed, expected):
    assert normalize_contact(typed) == expected


def test_login_tokens_are_link_shaped_and_never_an_approval_token():
    token = login_token("secret", "abc")
    assert len(token) == TOKEN_LENGTH and looks_like_token(token)
    assert token != derive_token("secret", "abc")  # an approval nonce cannot produce a login token
    assert token == login_token("secret", "abc") != login_token("other", "abc")


def png(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photo_type_is_read_from_the_bytes():
    assert photo_type(png()) == "image/png"
    jpeg = io.BytesIO()
    Image.new("RGB", (4, 4)).save(jpeg, format="JPEG")
    assert photo_type(jpeg.getvalue()) == "image/jpeg"
    webp = io.BytesIO()
    Image.new("RGB", (4, 4)).save(webp, format="WEBP")
    assert photo_type(webp.getvalue()) == "image/webp"
    for bad, reason in [
        (b"", "empty"),
        (b"GIF89a....", "only JPEG, PNG or WebP"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "only JPEG, PNG or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_PHOTO_BYTES, "larger than 5 MB"),
    ]:
        with pytest.raises(PhotoRejected, match=reason):
            photo_type(bad)


def test_a_photo_must_also_decode():
    assert check_photo(png()) == "image/png"
    with pytest.raises(RequestRejected, match="could not be read"):
        check_photo(png()[:40])  # a cut-off upload keeps its magic number


def _multipart(*parts: bytes) -> tuple[dict, bytes]:
    scope = {
        "path": "/portal/request",
        "query_string": b"",
        "method": "POST",
        "headers": [(b"content-type", b"multipart/form-data; boundary=XyZ")],
    }
    return scope, b"".join(b"--XyZ\r\n" + p + b"\r\n" for p in parts) + b"--XyZ--\r\n"


def test_nul_is_allowed_in_an_uploaded_files_bytes_only():
    text = b'Content-Disposition: form-data; name="description"\r\n\r\n'
    file = (
        b'Content-Disposition: form-data; name="photos"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
    )
    assert nul_location(*_multipart(text + b"leak", file + png())) is None
    assert nul_location(*_multipart(text + b"le\x00ak", file + png())) == "the form body"
    assert nul_location(*_multipart(file.replace(b"a.png", b"a\x00.png") + png())) == "the form body"


def test_the_guess_limiter_counts_per_ip_and_kind():
    limiter = GuessLimiter(per_window=2, window_seconds=60)
    for _ in range(2):
        assert not limiter.blocked("token-guess", "10.0.0.1")
        limiter.count("token-guess", "10.0.0.1")
    assert limiter.blocked("token-guess", "10.0.0.1")
    assert not limiter.blocked("token-guess", "10.0.0.2")
    assert not limiter.blocked("login-request", "10.0.0.1")


def test_login_tokens_are_redacted_from_log_lines():
    line = '127.0.0.1:5 - "GET /portal/login/AbCdEfGhIjKlMnOpQrStUv HTTP/1.1" 200'
    assert redact_approval_tokens(line) == '127.0.0.1:5 - "GET /portal/login/[redacted] HTTP/1.1" 200'
    assert redact_approval_tokens('"GET /portal/login HTTP/1.1"') == '"GET /portal/login HTTP/1.1"'


def test_the_session_cookie_is_secure_outside_dev():
    from fastapi.responses import Response

    from api.services.portal_session import CookieState, set_cookie
    from config import Settings

    for profile, secure in (("dev", False), ("production", True)):
        settings = Settings(profile=profile, secret_key="s" * 40, database_url="postgresql://x/y")
        response = Response()
        set_cookie(response, settings, CookieState(csrf="c", secret="s"))
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/portal" in cookie
        assert ("Secure" in cookie) is secure


def test_portal_bodies_over_the_limit_or_without_length_are_refused_unread():
    from api.services.portal_session import MAX_REQUEST_BYTES, _body_refusal

    def scope(method: str, length: int | None) -> dict:
        headers = [] if length is None else [(b"content-length", str(length).encode())]
        return {"type": "http", "method": method, "path": "/portal/request", "headers": headers}

    assert _body_refusal(scope("GET", None)) is None
    assert _body_refusal(scope("POST", MAX_REQUEST_BYTES)) is None
    assert _body_refusal(scope("POST", MAX_REQUEST_BYTES + 1))[0] == 413
    assert _body_refusal(scope("POST", None))[0] == 411

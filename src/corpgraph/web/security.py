"""The app's defences, applied to every response by one ASGI middleware.

* Host check: a request whose Host header names anything other than the bound host or loopback is
  refused (421), so a web page whose domain is rebound to 127.0.0.1 (DNS rebinding) cannot read it.
* Read-only: GET and HEAD everywhere, POST only where a query is sent (``/sparql``); any other
  method is 405 with an ``Allow`` header.  No route writes.
* Headers: a strict Content-Security-Policy (``default-src 'self'``, no inline script, no inline
  handler, nothing from another host), no sniffing, no referrer, no framing by other sites.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# the paths a POST may go to (a SPARQL query sent as a form or a body): they still only read
POST_PATHS = ("/sparql",)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def host_name(header: str) -> str:
    """The host of a Host header, without its port: ``[::1]:8000`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class SecurityMiddleware:
    def __init__(self, app: Any, allowed_hosts: Iterable[str]):
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.allowed:
            await _problem(
                send,
                421,
                "Host not allowed",
                f"This server answers requests for {', '.join(sorted(self.allowed))} only "
                "(a page that reached it under another name is refused). "
                "corpgraph serve --allow-host NAME adds a name.",
            )
            return
        method = scope["method"]
        allowed_methods = ("GET", "HEAD", "POST") if scope["path"] in POST_PATHS else ("GET", "HEAD")
        if method not in allowed_methods:
            await _problem(
                send,
                405,
                "Method not allowed",
                f"corpgraph serve is read-only: {method} is not accepted here.",
                [(b"allow", ", ".join(allowed_methods).encode())],
            )
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in have]
                if b"content-security-policy" not in have:
                    extra.append((b"content-security-policy", CSP.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _problem(
    send: Send, status: int, title: str, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """A problem document (RFC 9457) sent before any route runs."""
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", CSP.encode()),
                *SECURITY_HEADERS,
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def safe_url(url: object) -> str | None:
    """A source URL that may become a link: http(s) only, so ``javascript:`` and ``data:`` stay text."""
    from ..output.escape import safe_url as _safe

    return _safe(url)

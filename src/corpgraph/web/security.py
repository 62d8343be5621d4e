"""The app's defences, applied to every response by one ASGI middleware.

* Host check: a request whose Host header names anything other than the bound host or loopback is
  refused (421), so a web page whose domain is rebound to 127.0.0.1 (DNS rebinding) cannot read it.
* Read-only: GET and HEAD everywhere, POST only where a query is sent (``/sparql``); any other
  method is 405 with an ``Allow`` header.  No route writes.
* Headers: a strict Content-Security-Policy (``default-src 'self'``, no inline script, no inline
  handler, nothing from another host), no sniffing, no referrer, no framing by other sites.
* Cross-origin reads (CORS): none by default.  Origins named with ``corpgraph serve --cors-origin``
  (or ``*``) may read ``/sparql`` from their pages, a YASGUI hosted elsewhere for one: its preflight
  OPTIONS is answered there, and ``Access-Control-Allow-Origin`` is sent on ``/sparql`` only.
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
# the paths other sites' pages may read when CORS is on (--cors-origin)
CORS_PATHS = ("/sparql",)
CORS_METHODS = b"GET, HEAD, POST, OPTIONS"
CORS_REQUEST_HEADERS = b"Accept, Content-Type"  # what a SPARQL client sends (YASGUI: no others)
CORS_EXPOSED = b"X-Corpgraph-Rows, Content-Disposition"
CORS_MAX_AGE = b"600"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def host_name(header: str) -> str:
    """The host of a Host header, without its port: ``[::1]:8000`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def cors_origin(text: str) -> str:
    """An origin as browsers send it in ``Origin`` (``https://yasgui.example.org:8443``), or ``*``;
    raises ``ValueError`` saying what is wrong otherwise (a path, no scheme)."""
    from urllib.parse import urlsplit

    text = text.strip()
    if text == "*":
        return text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} is not an origin: give scheme and host, as https://yasgui.example.org")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{text!r} is not an origin: scheme, host and port only, no path")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class SecurityMiddleware:
    def __init__(self, app: Any, allowed_hosts: Iterable[str], cors_origins: Iterable[str] = ()):
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}
        self.cors = {cors_origin(o) for o in cors_origins}

    def cors_headers(self, origin: bytes | None) -> list[tuple[bytes, bytes]]:
        """The CORS headers of an answer on a CORS path to a page of ``origin`` (none when that
        origin is not allowed).  The answer varies by Origin unless every origin is allowed."""
        if not self.cors:
            return []
        if "*" in self.cors:
            return [(b"access-control-allow-origin", b"*")]
        vary = [(b"vary", b"Origin")]
        asked = origin.decode("latin-1").strip().lower() if origin else ""
        if asked not in self.cors:
            return vary
        return [(b"access-control-allow-origin", asked.encode("latin-1")), *vary]

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
        cors_path = bool(self.cors) and scope["path"] in CORS_PATHS
        cors: list[tuple[bytes, bytes]] = self.cors_headers(headers.get(b"origin")) if cors_path else []
        allowed_methods = ("GET", "HEAD", "POST") if scope["path"] in POST_PATHS else ("GET", "HEAD")
        if method == "OPTIONS" and cors_path:
            await _preflight(send, cors)
            return
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
                own = message.get("headers", [])
                if any(k == b"access-control-allow-origin" for k, _ in cors):
                    extra.append((b"access-control-expose-headers", CORS_EXPOSED))
                extra.extend((k, v) for k, v in cors if k != b"vary")
                if any(k == b"vary" for k, _ in cors):  # merged with the route's own (Accept)
                    extra.append(_vary(own))
                    own = [h for h in own if h[0].lower() != b"vary"]
                message["headers"] = [*own, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _vary(headers: list[tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    """A Vary header naming Origin besides what the route's own Vary names (Accept, for /sparql)."""
    names = [v.strip() for k, value in headers if k.lower() == b"vary" for v in value.split(b",")]
    return (b"vary", b", ".join(dict.fromkeys([*(n for n in names if n), b"Origin"])))


async def _preflight(send: Send, cors: list[tuple[bytes, bytes]]) -> None:
    """The answer to a CORS preflight (OPTIONS) on a CORS path: the methods and headers a page of an
    allowed origin may use; for any other origin the same 204 without Access-Control-Allow-Origin,
    which the browser reads as a refusal."""
    allowed = any(k == b"access-control-allow-origin" for k, _ in cors)
    more = [
        (b"access-control-allow-methods", CORS_METHODS),
        (b"access-control-allow-headers", CORS_REQUEST_HEADERS),
        (b"access-control-max-age", CORS_MAX_AGE),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [
                (b"allow", CORS_METHODS),
                (b"content-security-policy", CSP.encode()),
                *SECURITY_HEADERS,
                *cors,
                *(more if allowed else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


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

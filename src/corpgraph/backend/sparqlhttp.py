"""One bounded, authenticated HTTP POST to a SPARQL service, with errors that are safe to print.

* **Deadline.** Each request has one total deadline (``CORPGRAPH_ENDPOINT_TIMEOUT``, default 60 s)
  from connecting to the last byte of the reply: a timer shuts the socket when it passes, so a server
  that drips a byte a second cannot hold the client (a socket timeout alone is per read).
* **Size cap.** A reply is read in pieces up to ``CORPGRAPH_ENDPOINT_MAX_MB`` (default 512 MiB); a
  larger one is an error, not a memory blow-up.  An error page is read up to 64 KiB only.
* **Credentials** come from the environment only, never from the URL or the command line:
  ``CORPGRAPH_ENDPOINT_TOKEN`` (sent as ``Authorization: Bearer``), or ``CORPGRAPH_ENDPOINT_USER``
  and ``CORPGRAPH_ENDPOINT_PASSWORD`` (HTTP Basic or Digest, whichever the server asks for in its
  401 challenge; nothing is sent before it asks).
* **Printing.** ``display_url`` masks query-string values (an ``?apikey=`` stays private) and
  ``printable`` strips terminal escapes and control characters from a server's text.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import socket
import ssl
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from ..errors import BackendError

ENV_TIMEOUT = "CORPGRAPH_ENDPOINT_TIMEOUT"
ENV_MAX_MB = "CORPGRAPH_ENDPOINT_MAX_MB"
ENV_USER = "CORPGRAPH_ENDPOINT_USER"
ENV_PASSWORD = "CORPGRAPH_ENDPOINT_PASSWORD"
ENV_TOKEN = "CORPGRAPH_ENDPOINT_TOKEN"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_MB = 512
ERROR_BODY_BYTES = 64 * 1024
_PIECE = 256 * 1024

# ANSI/VT escape sequences (CSI, OSC, and two-byte ESC forms), then any control or bidi-override
# character left: a server's text reaches the terminal as plain text only.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = 400) -> str:
    """``text`` with escape sequences and control characters removed, whitespace folded, cut to ``limit``."""
    clean = _CONTROLS.sub("", _ESCAPES.sub("", text))
    clean = " ".join(clean.split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def display_url(url: str) -> str:
    """The URL as it may be printed or embedded: no user or password, query-string values masked."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparsable URL>"
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
    query = "&".join(
        name + ("=***" if value else "")
        for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    )
    return printable(urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, "")), 2000)


def check_url(url: str, what: str) -> urllib.parse.SplitResult:
    """An http(s) URL with a host and no credentials in it, or a BackendError saying why."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise BackendError(f"{what} is not a valid URL: {display_url(url)}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BackendError(f"{what} must be an http(s) URL of a SPARQL service, not {display_url(url)!r}")
    if parts.username is not None or parts.password is not None:
        raise BackendError(
            f"{what} holds a user name or password ({display_url(url)}): credentials on the command "
            f"line leak into shell history and process lists; set {ENV_USER} and {ENV_PASSWORD} "
            f"(or {ENV_TOKEN}) instead."
        )
    return parts


@dataclass
class Credentials:
    """What to answer a 401 with, read from the environment (see the module docstring)."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    @classmethod
    def from_env(cls) -> Credentials:
        user, password = os.environ.get(ENV_USER) or None, os.environ.get(ENV_PASSWORD)
        token = os.environ.get(ENV_TOKEN) or None
        if token and user:
            raise BackendError(f"Set either {ENV_TOKEN} or {ENV_USER}/{ENV_PASSWORD}, not both.")
        if password and not user:
            raise BackendError(f"{ENV_PASSWORD} is set but {ENV_USER} is not.")
        return cls(user, password if user else None, token)


@dataclass
class Reply:
    status: int
    content_type: str
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class _Challenge:
    scheme: str  # "basic" | "digest"
    params: dict[str, str] = field(default_factory=dict)
    count: int = 0


class ReplyTooLarge(Exception):
    pass


class Deadline(Exception):
    pass


def _limits() -> tuple[float, int]:
    try:
        timeout = float(os.environ.get(ENV_TIMEOUT) or DEFAULT_TIMEOUT)
        max_mb = float(os.environ.get(ENV_MAX_MB) or DEFAULT_MAX_MB)
    except ValueError:
        raise BackendError(f"{ENV_TIMEOUT} and {ENV_MAX_MB} must be numbers.") from None
    if not timeout > 0 or not max_mb > 0:
        raise BackendError(f"{ENV_TIMEOUT} and {ENV_MAX_MB} must be positive.")
    return timeout, int(max_mb * 1024 * 1024)


class Transport:
    """POSTs to one SPARQL service under a total deadline and a size cap, answering auth challenges."""

    def __init__(self, timeout: float | None = None, max_bytes: int | None = None):
        env_timeout, env_max = _limits()
        self.timeout = timeout if timeout is not None else env_timeout
        self.max_bytes = max_bytes if max_bytes is not None else env_max
        self.credentials = Credentials.from_env()
        self._challenge: _Challenge | None = None

    def post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        accept: str | None,
        method: str = "POST",
    ) -> Reply:
        """Send ``body`` (POST, or PUT); return the reply when its status is below 400, else raise."""
        parts = check_url(url, "The SPARQL endpoint URL")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": content_type, "User-Agent": "corpgraph"}
        if accept:
            headers["Accept"] = accept
        shown = display_url(url)
        reply = self._send(method, parts, target, body, headers, shown)
        if reply.status == 401 and self.credentials.user:
            # first contact, or a stale digest nonce: answer the server's challenge once
            self._challenge = _parse_challenge(reply.headers.get_all("WWW-Authenticate") or [])
            if self._challenge is not None:
                reply = self._send(method, parts, target, body, headers, shown)
        if reply.status >= 400:
            raise BackendError(_status_message(shown, reply, self.credentials))
        return reply

    def _authorization(self, method: str, target: str) -> str | None:
        cred = self.credentials
        if cred.token:
            return f"Bearer {cred.token}"
        ch = self._challenge
        if ch is None or not cred.user:
            return None
        if ch.scheme == "basic":
            raw = f"{cred.user}:{cred.password or ''}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        ch.count += 1
        return _digest(ch, method, target, cred.user, cred.password or "")

    def _send(
        self,
        method: str,
        parts: urllib.parse.SplitResult,
        target: str,
        body: bytes,
        headers: dict[str, str],
        shown: str,
    ) -> Reply:
        auth = self._authorization(method, target)
        if auth:
            headers = {**headers, "Authorization": auth}
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                parts.hostname or "",
                parts.port,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.timeout)
        expired = threading.Event()

        def cut() -> None:  # the total deadline: end whatever read or write is under way
            expired.set()
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        timer = threading.Timer(self.timeout, cut)
        timer.daemon = True
        timer.start()
        try:
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
            cap = self.max_bytes if resp.status < 400 else ERROR_BODY_BYTES
            data = _read_capped(resp, cap, strict=resp.status < 400)
            if expired.is_set():
                raise Deadline
            return Reply(
                resp.status,
                resp.getheader("Content-Type", "") or "",
                resp.headers,
                data,
            )
        except ReplyTooLarge:
            raise BackendError(
                f"The SPARQL endpoint {shown} sent a reply larger than {self.max_bytes / 1048576:g} MiB; "
                f"set {ENV_MAX_MB} to allow more."
            ) from None
        except (Deadline, TimeoutError):
            raise self._timeout_error(shown) from None
        except http.client.HTTPException as exc:
            if expired.is_set():
                raise self._timeout_error(shown) from None
            raise BackendError(
                f"The SPARQL endpoint {shown} did not answer in HTTP ({type(exc).__name__}: "
                f"{printable(str(exc), 200)})."
            ) from None
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise BackendError(
                f"Cannot reach the SPARQL endpoint {shown}: TLS: {printable(str(exc))}"
            ) from None
        except OSError as exc:
            if expired.is_set():
                raise self._timeout_error(shown) from None
            reason = exc.strerror or str(exc)
            code = f"[Errno {exc.errno}] " if exc.errno else ""
            raise BackendError(
                f"Cannot reach the SPARQL endpoint {shown}: {code}{printable(reason)}"
            ) from None
        finally:
            timer.cancel()
            conn.close()

    def _timeout_error(self, shown: str) -> BackendError:
        return BackendError(
            f"The SPARQL endpoint {shown} did not answer within {self.timeout:g} s "
            f"(set {ENV_TIMEOUT} to wait longer)."
        )


def _read_capped(resp: http.client.HTTPResponse, cap: int, *, strict: bool) -> bytes:
    """The reply body, at most ``cap`` bytes: past it, ReplyTooLarge (``strict``) or the body cut."""
    declared = resp.getheader("Content-Length")
    if strict and declared and declared.isdigit() and int(declared) > cap:
        raise ReplyTooLarge
    pieces: list[bytes] = []
    total = 0
    while True:
        piece = resp.read(min(_PIECE, cap + 1 - total))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
        if total > cap:
            if strict:
                raise ReplyTooLarge
            break
    return b"".join(pieces)[:cap]


def _status_message(shown: str, reply: Reply, cred: Credentials) -> str:
    detail = printable(reply.body.decode("utf-8", "replace"))
    msg = f"The SPARQL endpoint {shown} answered HTTP {reply.status} {printable(http_reason(reply.status))}"
    if detail:
        msg += f": {detail}"
    if reply.status in (401, 403):
        if reply.status == 401 and not (cred.user or cred.token):
            msg += f" (set {ENV_USER} and {ENV_PASSWORD}, or {ENV_TOKEN})"
        elif reply.status == 401:
            msg += " (the credentials from the environment were refused)"
    if reply.status in (301, 302, 303, 307, 308):
        location = reply.headers.get("Location")
        if location:
            msg += f" (it moved to {display_url(location)}: give that URL)"
    return msg


def http_reason(status: int) -> str:
    return http.client.responses.get(status, "")


def _parse_challenge(values: list[str]) -> _Challenge | None:
    """The strongest challenge we can answer from WWW-Authenticate headers: Digest, else Basic."""
    basic = None
    for value in values:
        scheme, _, rest = value.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "digest":
            params = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
            if "nonce" in params and params.get("algorithm", "MD5").upper() in _DIGEST_HASHES:
                return _Challenge("digest", {k.lower(): v for k, v in params.items()})
        elif scheme == "basic":
            basic = _Challenge("basic")
    return basic


_DIGEST_HASHES = {
    "MD5": "md5",
    "MD5-SESS": "md5",
    "SHA-256": "sha256",
    "SHA-256-SESS": "sha256",
}


def _digest(ch: _Challenge, method: str, uri: str, user: str, password: str) -> str:
    """An RFC 7616 Digest ``Authorization`` value for one request (qop=auth when offered)."""
    p = ch.params
    algorithm = p.get("algorithm", "MD5").upper()
    name = _DIGEST_HASHES[algorithm]

    def h(text: str) -> str:
        return hashlib.new(name, text.encode("utf-8")).hexdigest()

    realm, nonce = p.get("realm", ""), p["nonce"]
    cnonce = hashlib.sha256(os.urandom(16)).hexdigest()[:16]
    nc = f"{ch.count:08x}"
    ha1 = h(f"{user}:{realm}:{password}")
    if algorithm.endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    qops = [q.strip() for q in p.get("qop", "").split(",") if q.strip()]
    fields = [
        f'username="{user}"',
        f'realm="{realm}"',
        f'nonce="{nonce}"',
        f'uri="{uri}"',
    ]
    if "auth" in qops:
        response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
    else:
        response = h(f"{ha1}:{nonce}:{ha2}")
    fields += [f'response="{response}"', f"algorithm={algorithm}"]
    if "opaque" in p:
        fields.append(f'opaque="{p["opaque"]}"')
    return "Digest " + ", ".join(fields)

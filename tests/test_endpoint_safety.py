"""A hostile or broken SPARQL endpoint: slow, huge, garbage, escape-laden or credential-hungry.

Each peer is a small socket server on 127.0.0.1 that answers one way; every loop in it is bounded,
and it stops when the client goes away.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from corpgraph.backend.endpoint import EndpointBackend
from corpgraph.backend.sparqlhttp import display_url, printable
from corpgraph.cli import cli
from corpgraph.errors import BackendError

pytestmark = pytest.mark.endpoint
ASK_TRUE = b'{"head":{},"boolean":true}'
Handler = Callable[[socket.socket, bytes], None]


def _read_request(conn: socket.socket) -> bytes:
    """The request head and body (by Content-Length), or what came before the peer stopped."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 1_000_000:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return head + b"\r\n\r\n" + body


@contextmanager
def peer(handler: Handler, connections: int = 4) -> Iterator[str]:
    """A server on 127.0.0.1 that hands each of up to ``connections`` requests to ``handler``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(connections)
    listener.settimeout(10)
    port = listener.getsockname()[1]

    def serve() -> None:
        for _ in range(connections):
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                try:
                    handler(conn, _read_request(conn))
                except OSError:
                    pass  # the client hung up, as it should on a bad peer

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{port}/query"
    finally:
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of a peer that got fewer requests
        except OSError:
            pass
        listener.close()
        t.join(timeout=15)


def _reply(
    conn: socket.socket, status: str, body: bytes, ctype: str = "application/sparql-results+json"
) -> None:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    conn.sendall(head.encode() + body)


def test_a_dripping_server_is_cut_at_the_total_deadline():
    """A valid answer sent a byte every 50 ms (about 1.5 s in all) under a 0.3 s deadline: the client
    gives up at the deadline; with only a per-read socket timeout it would have waited for all of it."""

    def drip(conn: socket.socket, _: bytes) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: {len(ASK_TRUE)}\r\n\r\n"
        for byte in head.encode() + ASK_TRUE:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)

    with peer(drip, 1) as url:
        e = EndpointBackend(url, timeout=0.3)
        with pytest.raises(BackendError, match=r"did not answer within 0.3 s"):
            e.query("ASK {}")


def test_a_huge_reply_is_refused_past_the_size_cap(monkeypatch):
    monkeypatch.setenv("CORPGRAPH_ENDPOINT_MAX_MB", "1")

    def flood(conn: socket.socket, _: bytes) -> None:  # 4 MiB with no Content-Length, then close
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nConnection: close\r\n\r\n"
        )
        for _ in range(64):
            conn.sendall(b" " * 65536)

    def declared(conn: socket.socket, _: bytes) -> None:  # says 10 GB, sends a little
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/n-triples\r\nContent-Length: 10000000000\r\n\r\n"
        )

    for handler in (flood, declared):
        with peer(handler, 1) as url:
            with pytest.raises(
                BackendError, match=r"sent a reply larger than 1 MiB; set CORPGRAPH_ENDPOINT_MAX_MB"
            ):
                EndpointBackend(url).query("ASK {}")


ANSI_BODY = b"\x1b[2J\x1b[31mparse error\x1b[0m \x1b]0;owned\x07near \xc2\x9b1m'{'\x07\x08\r\n"


def test_terminal_escapes_in_an_error_body_never_reach_the_terminal(runner):
    def angry(conn: socket.socket, _: bytes) -> None:
        _reply(conn, "400 Bad Request", ANSI_BODY, "text/plain")

    with peer(angry, 4) as url:
        with pytest.raises(BackendError) as info:
            EndpointBackend(url).query("ASK {}")
        msg = str(info.value)
        assert "answered HTTP 400 Bad Request: parse error near '{'" in msg
        assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in msg)
        r = runner.invoke(cli, ["stats", "--endpoint", url])
        assert r.exit_code == BackendError.exit_code
        assert "parse error" in r.stderr and "\x1b" not in r.stderr and "\x07" not in r.stderr


def test_printable_strips_escapes_and_controls():
    assert (
        printable("\x1b[1;31mred\x1b[0m \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \u202eevil")
        == "red link evil"
    )
    assert printable("a" * 500, 10) == "a" * 9 + "…"


def test_non_http_garbage_is_a_clear_error(runner):
    def ssh(conn: socket.socket, _: bytes) -> None:
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\x1b[31m\xff\xfe garbage\r\n")

    with peer(ssh, 2) as url:
        with pytest.raises(BackendError, match=r"did not answer in HTTP \(BadStatusLine"):
            EndpointBackend(url).query("ASK {}")
        r = runner.invoke(cli, ["stats", "--endpoint", url])
        assert (
            r.exit_code == BackendError.exit_code
            and "did not answer in HTTP" in r.stderr
            and "\x1b" not in r.stderr
        )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1, 2, 3]", "answered with a JSON list, not SPARQL JSON results"),
        (b'"just a string"', "answered with a JSON str"),
        (
            b'{"head": {"vars": "x"}, "results": {"bindings": []}}',
            "JSON that is not SPARQL results: .*vars must be an array",
        ),
        (b'{"head": {"vars": ["x"]}, "results": {"bindings": ["x"]}}', "JSON that is not SPARQL results"),
        (
            b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": "plain"}]}}',
            "JSON that is not SPARQL results: .*terms must be encoded using objects",
        ),
        (
            b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri", "value": 3}}]}}',
            "JSON that is not SPARQL results: .*value must be a string",
        ),
        (
            b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri", "value": "a b"}}]}}',
            "JSON that is not SPARQL results: .*IRI",
        ),
        (b"<html>\x1b[5mnope</html>", "did not answer with SPARQL JSON results: '<html>nope</html>'"),
    ],
)
def test_a_reply_that_is_not_sparql_results_is_a_clear_error(body, message):
    def odd(conn: socket.socket, _: bytes) -> None:
        _reply(conn, "200 OK", body)

    with peer(odd, 2) as url:
        with pytest.raises(BackendError, match=message.replace("(", r"\(")):
            EndpointBackend(url).select("SELECT ?x WHERE { ?x ?p ?o }")


def _guarded(expect: str, seen: list[str]) -> Handler:
    """Answers ASK true when the request carries ``Authorization: expect``, else 401 with a challenge."""

    def handler(conn: socket.socket, request: bytes) -> None:
        auth = ""
        for line in request.split(b"\r\n\r\n")[0].split(b"\r\n"):
            if line.lower().startswith(b"authorization:"):
                auth = line.split(b":", 1)[1].strip().decode()
        seen.append(auth)
        if auth == expect:
            _reply(conn, "200 OK", ASK_TRUE)
        else:
            body = b"login required"
            conn.sendall(
                b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="sparql"\r\n'
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )

    return handler


def test_bearer_token_from_the_environment(monkeypatch, runner):
    monkeypatch.delenv("CORPGRAPH_ENDPOINT_USER", raising=False)
    monkeypatch.delenv("CORPGRAPH_ENDPOINT_TOKEN", raising=False)
    seen: list[str] = []
    with peer(_guarded("Bearer s3cret-token", seen), 4) as url:
        with pytest.raises(
            BackendError, match=r"HTTP 401 Unauthorized: login required \(set CORPGRAPH_ENDPOINT_USER"
        ):
            EndpointBackend(url).query("ASK {}")
        monkeypatch.setenv("CORPGRAPH_ENDPOINT_TOKEN", "wrong")
        with pytest.raises(BackendError, match=r"HTTP 401.*credentials from the environment were refused"):
            EndpointBackend(url).query("ASK {}")
        monkeypatch.setenv("CORPGRAPH_ENDPOINT_TOKEN", "s3cret-token")
        assert EndpointBackend(url).query("ASK {}").boolean is True
    # the first request of a backend asks which engine it is talking to, then comes the query
    assert seen == ["", "Bearer wrong", "Bearer s3cret-token", "Bearer s3cret-token"]


def test_basic_credentials_answer_the_challenge_and_only_then(monkeypatch):
    monkeypatch.delenv("CORPGRAPH_ENDPOINT_TOKEN", raising=False)
    monkeypatch.setenv("CORPGRAPH_ENDPOINT_USER", "reader")
    monkeypatch.setenv("CORPGRAPH_ENDPOINT_PASSWORD", "pa:ss")
    good = "Basic " + base64.b64encode(b"reader:pa:ss").decode()
    seen: list[str] = []
    with peer(_guarded(good, seen), 4) as url:
        e = EndpointBackend(url)
        assert e.query("ASK {}").boolean is True
        assert e.query("ASK {}").boolean is True
    assert seen == ["", good, good, good]  # nothing sent before the server asked; then sent each time


def test_credentials_are_never_taken_from_the_url(monkeypatch):
    with pytest.raises(BackendError) as info:
        EndpointBackend("http://admin:hunter2@127.0.0.1:9/sparql")
    assert "hunter2" not in str(info.value) and "CORPGRAPH_ENDPOINT_USER" in str(info.value)
    monkeypatch.setenv("CORPGRAPH_ENDPOINT_PASSWORD", "x")
    monkeypatch.delenv("CORPGRAPH_ENDPOINT_USER", raising=False)
    with pytest.raises(BackendError, match="CORPGRAPH_ENDPOINT_USER is not"):
        EndpointBackend("http://127.0.0.1:9/sparql")


def test_display_url_masks_secrets():
    assert (
        display_url("https://h.example:8443/sparql?apikey=SECRET&x=")
        == "https://h.example:8443/sparql?apikey=***&x"
    )
    assert display_url("http://u:p@h/q#frag") == "http://h/q"


def test_an_api_key_in_the_url_never_shows_in_output(runner, loaded_endpoint, tmp_path):
    url = loaded_endpoint + "?apikey=SECRET-KEY-123"
    outputs = []
    for args in (
        ["stats"],
        ["show", "Palantir", "--format", "md"],
        ["export", "--format", "md", "-o", str(tmp_path / "g.md")],
        ["map", "--output", str(tmp_path / "m.html")],
    ):
        if args[0] not in cli.commands:
            continue
        r = runner.invoke(cli, args + ["--endpoint", url], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        outputs.append(r.output)
    outputs += [p.read_text(encoding="utf-8") for p in tmp_path.iterdir()]
    assert len(outputs) >= 3
    assert not any("SECRET-KEY-123" in text for text in outputs)
    assert "apikey=***" in outputs[0]  # the masked URL still says which endpoint it is
    bad = runner.invoke(cli, ["stats", "--endpoint", url.replace("/query", "/nope")])
    assert (
        bad.exit_code == BackendError.exit_code
        and "SECRET-KEY-123" not in bad.stderr
        and "apikey=***" in bad.stderr
    )


def test_json_results_shapes_parse(monkeypatch):
    body = json.dumps(
        {"head": {"vars": ["x", "n"]}, "results": {"bindings": [{"x": {"type": "uri", "value": "urn:a"}}]}}
    ).encode()

    def ok(conn: socket.socket, _: bytes) -> None:
        _reply(conn, "200 OK", body)

    with peer(ok, 2) as url:
        out = EndpointBackend(url).select("SELECT ?x ?n WHERE { ?x ?p ?n }")
    assert [(str(r[0]), r[1]) for r in out.rows] == [("urn:a", None)]

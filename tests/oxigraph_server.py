"""Fixtures that run a REAL Oxigraph SPARQL server (PyPI ``oxigraph``) on 127.0.0.1 for the endpoint tests.

The server is started as ``oxigraph serve --location TMP --bind 127.0.0.1:PORT --union-default-graph``
on a free port, polled with ``ASK {}`` until it answers, and stopped by its PID.  Tests skip with
the reason when the ``oxigraph`` binary is not on PATH.

* ``oxigraph_server``  (session): an empty server; yields its base URL (``http://127.0.0.1:PORT``);
* ``loaded_endpoint``  (session): the query URL of a server holding the bundled graph (read only: do
  not write to it);
* ``fresh_endpoint``   (function): the query URL of a new, empty server for tests that write.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_TIMEOUT = 30.0


def oxigraph_binary() -> str | None:
    return os.environ.get("CORPGRAPH_OXIGRAPH") or shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ask(base: str) -> bool:
    req = urllib.request.Request(
        base + "/query",
        data=b"ASK {}",
        method="POST",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=2) as resp:
            return "boolean" in json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False


@contextmanager
def running_oxigraph(location: Path, *, union: bool = True, read_only: bool = False) -> Iterator[str]:
    """Start ``oxigraph serve`` on a free port; yield its base URL; stop it by PID."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not on PATH (pip install oxigraph)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    args = [
        binary,
        "serve-read-only" if read_only else "serve",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if union:
        args.append("--union-default-graph")
    log = location.parent / f"oxigraph-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _ask(base):
            if proc.poll() is not None:
                pytest.fail(
                    f"oxigraph serve exited with {proc.returncode}: {log.read_text(errors='replace')[-800:]}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"oxigraph serve did not answer ASK {{}} on {base} within {START_TIMEOUT:g} s")
            time.sleep(0.05)
        yield base
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of an empty Oxigraph server (union default graph) shared by the session."""
    location = tmp_path_factory.mktemp("oxigraph") / "db"
    with running_oxigraph(location) as base:
        yield base


@pytest.fixture(scope="session")
def loaded_endpoint(oxigraph_server: str) -> str:
    """Query URL of the session server holding the bundled graph.  Read only: never write to it."""
    from corpgraph.backend.endpoint import EndpointBackend
    from corpgraph.store import bundled_graph_dir

    EndpointBackend(oxigraph_server + "/query").load_folder(bundled_graph_dir())
    return oxigraph_server + "/query"


@pytest.fixture
def fresh_endpoint(tmp_path: Path) -> Iterator[str]:
    """Query URL of a new, empty Oxigraph server (union default graph), for tests that write."""
    with running_oxigraph(tmp_path / "oxigraph-db") as base:
        yield base + "/query"

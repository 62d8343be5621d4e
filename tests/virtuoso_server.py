"""Fixtures that run a REAL OpenLink Virtuoso 7.2 (Debian ``virtuoso-opensource``) on 127.0.0.1.

One throwaway instance per test session (per xdist worker): a database in a temporary folder, an
ini file with free ports for SQL and HTTP, ``virtuoso-t +foreground``, polled with ``ASK {}`` until
its HTTP server answers, then set up through ``isql-vt``:

* the anonymous ``SPARQL`` user may update (``GRANT SPARQL_UPDATE``, graph permissions 7), so
  ``/sparql`` takes loads and imports as any SPARQL 1.1 endpoint would;
* a user ``cgwriter`` / ``cg-pass`` may update through ``/sparql-auth`` (HTTP Digest).

``[SPARQL] ResultSetMaxRows`` is 5,000, small enough for a test to show that corpgraph refuses a cut
answer.  The server is stopped by its PID at the end of the session.  Tests skip with the reason when
``virtuoso-t`` is not installed (CI installs it).

* ``virtuoso_server`` (session): the base URL ``http://127.0.0.1:PORT``;
* ``virtuoso_loaded`` (function): the query URL, holding the bundled graph (read only);
* ``virtuoso_fresh``  (function): the query URL, every corpgraph graph dropped first (for writes).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT = 90.0
MAX_ROWS = 5_000
AUTH_USER, AUTH_PASSWORD = "cgwriter", "cg-pass"
VAD_DIR = "/usr/share/virtuoso-opensource-7/vad"

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
DirsAllowed = ., {db}
VADInstallDir = {vad}/

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 4
MaxClientConnections = 4
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""

SETUP_SQL = f"""\
GRANT SPARQL_UPDATE TO "SPARQL";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);
DB.DBA.USER_CREATE ('{AUTH_USER}', '{AUTH_PASSWORD}');
GRANT SPARQL_UPDATE TO "{AUTH_USER}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('{AUTH_USER}', 7);
"""


def virtuoso_binaries() -> tuple[str, str] | None:
    server = os.environ.get("CORPGRAPH_VIRTUOSO") or shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt") or shutil.which("isql")
    return (server, isql) if server and isql else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(base: str) -> bool:
    body = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    req = urllib.request.Request(
        base + "/sparql", data=body, method="POST", headers={"Accept": "application/sparql-results+json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_virtuoso(
    folder: Path, *, max_rows: int = MAX_ROWS, buffers: int = 20_000
) -> tuple[subprocess.Popen, str]:
    """Start Virtuoso on a new database in ``folder``; return the process and its base URL."""
    found = virtuoso_binaries()
    if found is None:
        pytest.skip("OpenLink Virtuoso is not installed (apt-get install virtuoso-opensource)")
    server, isql = found
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        INI.format(
            db=folder,
            sql_port=sql_port,
            http_port=http_port,
            vad=VAD_DIR,
            max_rows=max_rows,
            buffers=buffers,
            dirty=buffers * 3 // 4,
        ),
        encoding="utf-8",
    )
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [server, "+configfile", str(ini), "+foreground"],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(base):
        if proc.poll() is not None:
            pytest.fail(f"virtuoso-t exited with {proc.returncode}: {log.read_text(errors='replace')[-800:]}")
        if time.monotonic() > deadline:
            stop_virtuoso(proc)
            pytest.fail(f"Virtuoso did not answer on {base} within {START_TIMEOUT:g} s")
        time.sleep(0.1)
    setup = subprocess.run(
        [isql, f"127.0.0.1:{sql_port}", "dba", "dba"],
        input=SETUP_SQL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if setup.returncode != 0 or "Error" in setup.stdout + setup.stderr:
        stop_virtuoso(proc)
        pytest.fail(f"Virtuoso setup through isql failed: {(setup.stdout + setup.stderr)[-800:]}")
    return proc, base


def stop_virtuoso(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the session's Virtuoso (anonymous updates on /sparql, Digest on /sparql-auth)."""
    proc, base = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield base
    finally:
        stop_virtuoso(proc)


def wipe(query_url: str) -> None:
    """Drop every graph corpgraph wrote (its parts and its record), leaving Virtuoso's own."""
    from corpgraph.backend.endpoint import EndpointBackend
    from corpgraph.backend.oxigraph_store import META_GRAPH, PART_PREFIX

    e = EndpointBackend(query_url)
    rows = e._meta(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{PART_PREFIX}") || STR(?g) = "{META_GRAPH}") }}'
    ).rows
    for (g,) in rows:
        e.update(f"DROP SILENT GRAPH <{g}>")


@pytest.fixture
def virtuoso_loaded(virtuoso_server: str) -> str:
    """Query URL of the session's Virtuoso holding the bundled graph (sent again only if a test wiped it)."""
    from corpgraph.backend.endpoint import EndpointBackend
    from corpgraph.store import bundled_graph_dir

    url = virtuoso_server + "/sparql"
    e = EndpointBackend(url)
    if e.version() != _bundled_version():
        wipe(url)
        e.load_folder(bundled_graph_dir())
    return url


def _bundled_version() -> str:
    from corpgraph import store as graph_store

    return graph_store.graph_version(graph_store.bundled_graph_dir())


@pytest.fixture
def virtuoso_fresh(virtuoso_server: str) -> str:
    """Query URL of the session's Virtuoso with no corpgraph graph in it, for tests that write."""
    url = virtuoso_server + "/sparql"
    wipe(url)
    return url

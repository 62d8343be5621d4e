"""Shared fixtures.  Tests that need something absent (a browser, ../shared/, the oxigraph server)
skip with the reason; CI installs and sets what makes them run (see .ci/run)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpgraph.backend.memory import MemoryBackend
from corpgraph.store import bundled_graph_dir

try:  # the real Oxigraph server fixtures (oxigraph_server, loaded_endpoint, fresh_endpoint)
    from oxigraph_server import fresh_endpoint, loaded_endpoint, oxigraph_server  # noqa: F401
except ImportError:  # pytest run with --import-mode=importlib from the repository root
    from tests.oxigraph_server import fresh_endpoint, loaded_endpoint, oxigraph_server  # noqa: F401
try:  # the real files, cut and imported once per run (subset, forward, imported)
    from realfiles import forward, imported, subset  # noqa: F401
except ImportError:
    from tests.realfiles import forward, imported, subset  # noqa: F401
try:  # the real Virtuoso fixtures (virtuoso_server, virtuoso_loaded, virtuoso_fresh)
    from virtuoso_server import virtuoso_fresh, virtuoso_loaded, virtuoso_server  # noqa: F401
except ImportError:
    from tests.virtuoso_server import virtuoso_fresh, virtuoso_loaded, virtuoso_server  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CORPGRAPH_SHARED", REPO.parent / "shared"))
REAL_DATA = SHARED / "data" / "real"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory) -> Path:
    """A cache folder of this test process's own (CORPGRAPH_CACHE), so that tests never share the
    user's cache nor each other's (each xdist worker is a process with its own environment)."""
    root = tmp_path_factory.mktemp("corpgraph-cache")
    os.environ["CORPGRAPH_CACHE"] = str(root)
    return root


@pytest.fixture(scope="session")
def bundled() -> MemoryBackend:
    """The bundled graph, parsed once per session.  Do not modify it."""
    return MemoryBackend.from_folder(bundled_graph_dir())


@pytest.fixture(scope="session")
def bundled_net(bundled):
    """The entity network of the bundled graph (netgraph.project), built once per session."""
    from corpgraph import netgraph

    return netgraph.project(bundled)


@pytest.fixture(scope="session")
def mini_dir(tmp_path_factory) -> Path:
    """A graph folder of invented names exercising every visual rule, with hostile strings
    (``minigraph.MINI_TTL``).  Shared by the session: do not write into it."""
    from minigraph import write_mini_graph

    return write_mini_graph(tmp_path_factory.mktemp("mini") / "graph")


@pytest.fixture(scope="session")
def mini(mini_dir) -> MemoryBackend:
    """The mini graph, parsed once per session.  Do not modify it."""
    return MemoryBackend.from_folder(mini_dir)


@pytest.fixture
def tmp_graph(tmp_path: Path) -> Path:
    """A writable copy of the bundled graph folder."""
    dest = tmp_path / "graph"
    shutil.copytree(bundled_graph_dir(), dest)
    return dest


class Runner(CliRunner):
    """CliRunner whose ``invoke`` lets an uncaught exception through (``catch_exceptions=False``): no
    test expects a traceback, so a crash fails the test instead of passing for an error exit code.
    Exits (usage errors, handled errors, Ctrl-C) still come back as exit codes."""

    def invoke(self, *args, **kwargs):
        kwargs.setdefault("catch_exceptions", False)
        return super().invoke(*args, **kwargs)


@pytest.fixture
def runner() -> CliRunner:
    return Runner()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """../shared/data/real, or skip: CI places shared/ beside the checkout."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} is absent (set CORPGRAPH_SHARED to the shared/ folder)")
    return REAL_DATA


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """With CORPGRAPH_NO_SKIP=1 (set by .ci/run) any skipped test fails the run: in CI every
    prerequisite is installed, so a skip means something is broken, not absent."""
    if not os.environ.get("CORPGRAPH_NO_SKIP"):
        return
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"CORPGRAPH_NO_SKIP: {len(skipped)} test(s) skipped; failing the run.", red=True
        )
        for rep in skipped:
            terminalreporter.write_line(
                f"  {rep.nodeid}: {rep.longrepr[-1] if isinstance(rep.longrepr, tuple) else ''}"
            )
        config._corpgraph_skips = len(skipped)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CORPGRAPH_NO_SKIP") and session.config.pluginmanager.hasplugin("terminalreporter"):
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
            session.exitstatus = 1


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it accepts."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1: a test asserts ``listener.connections == 0`` after an attack."""
    lst = Listener()
    yield lst
    lst.close()


# Debian's chromium, driven by playwright (nothing is downloaded); the flags keep it off the network
CHROMIUM = os.environ.get("CORPGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the browser tests of a module; skips when playwright or chromium is absent."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no chromium at {CHROMIUM} (install Debian's chromium or set CORPGRAPH_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()

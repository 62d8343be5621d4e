"""The vendored JavaScript (sigma, graphology, @zazuko/yasgui): every file is the one VENDOR.json records,
each has its licence, the pins agree with tools/vendor_js.py and its lock file, and YASGUI configured for
offline use (the settings below) runs a query against a loopback endpoint without a request to any other
host."""

from __future__ import annotations

import hashlib
import http.server
import importlib.util
import json
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STATIC = REPO / "src" / "corpgraph" / "web" / "static"
VENDOR = STATIC / "vendor"
DOC = json.loads((VENDOR / "VENDOR.json").read_text(encoding="utf-8"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_vendored_file_has_the_recorded_sha256():
    assert {entry["file"] for entry in DOC["files"]} >= {
        "sigma.min.js",
        "graphology.umd.min.js",
        "yasgui.min.js",
    }
    recorded = {"VENDOR.json"}
    for entry in DOC["files"]:
        assert _sha256(VENDOR / entry["file"]) == entry["sha256"], entry["file"]
        assert _sha256(VENDOR / entry["licence_file"]) == entry["licence_sha256"], entry["licence_file"]
        assert _sha256(VENDOR / entry["third_party"]) == entry["third_party_sha256"], entry["third_party"]
        recorded |= {entry["file"], entry["licence_file"], entry["third_party"]}
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()}
    assert on_disk == recorded  # nothing vendored that VENDOR.json does not account for


def test_every_vendored_file_has_its_licence():
    for entry in DOC["files"]:
        assert entry["package"] and entry["version"] and entry["licence"], entry
        text = (VENDOR / entry["licence_file"]).read_text(encoding="utf-8")
        if entry["licence"] == "MIT":
            assert "Permission is hereby granted, free of charge" in text, entry["licence_file"]
        else:
            assert len(text) > 200, entry["licence_file"]
        listing = (VENDOR / entry["third_party"]).read_text(encoding="utf-8")
        assert listing.startswith(f"The published bundle of {entry['package']} is built from")


def test_pins_agree_with_the_vendoring_script_and_its_lock_file():
    spec = importlib.util.spec_from_file_location("vendor_js", REPO / "tools" / "vendor_js.py")
    assert spec and spec.loader
    vendor_js = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor_js)
    lock = json.loads((REPO / "tools" / "vendor-npm" / "package-lock.json").read_text())
    pins = {p["package"]: p for p in vendor_js.PACKAGES}
    assert {entry["package"] for entry in DOC["files"]} == set(pins)
    for entry in DOC["files"]:
        pin = pins[entry["package"]]
        assert entry["version"] == pin["version"]
        assert entry["from"] in pin["files"]
        locked = lock["packages"][f"node_modules/{entry['package']}"]
        assert (locked["version"], locked["integrity"]) == (entry["version"], entry["npm_integrity"])
    assert "resolved" not in json.dumps(lock)  # the lock names packages and hashes, not registry addresses


# --- YASGUI in a browser, served from loopback the way the app serves web/static/ -------------------------

YASGUI_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>yasgui</title>
<link rel="stylesheet" href="/static/vendor/yasgui.min.css">
<script src="/static/vendor/yasgui.min.js"></script><script src="/setup.js"></script>
</head><body><div id="yasgui"></div></body></html>"""

# YASGUI's offline settings (no CSP on this page, so any request to another host would show).
YASGUI_SETUP = """document.addEventListener("DOMContentLoaded", () => {
  const endpoint = new URL("/sparql", window.location.href).href;
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(
    (name) => name !== "property" && name !== "class");
  window.yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    populateFromUrl: false,
    persistenceId: null,
    corsProxy: undefined,
    yasqe: { prefixCcApi: null },
  });
});"""

RESULT = {
    "head": {"vars": ["s"]},
    "results": {"bindings": [{"s": {"type": "uri", "value": "https://example.org/e/x"}}]},
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, body: bytes, ctype: str, code: int = 200) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            return self._send(YASGUI_PAGE.encode(), "text/html")
        if self.path == "/setup.js":
            return self._send(YASGUI_SETUP.encode(), "text/javascript")
        path = (STATIC / self.path.removeprefix("/static/")).resolve()
        if self.path.startswith("/static/") and path.is_file() and STATIC in path.parents:
            return self._send(path.read_bytes(), "text/css" if path.suffix == ".css" else "text/javascript")
        self._send(b"not found", "text/plain", 404)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(json.dumps(RESULT).encode(), "application/sparql-results+json")


@pytest.fixture(scope="module")
def loopback():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_yasgui_runs_offline_with_the_documented_settings(browser, loopback):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(loopback + "/")
        deadline = time.monotonic() + 20
        while not page.evaluate("!!(window.yasgui && yasgui.getTab() && yasgui.getTab().getYasqe())"):
            assert time.monotonic() < deadline, "YASGUI never started"
            time.sleep(0.05)
        # Class and property completion (which would ask an outside vocabulary service), then a query.
        for text in ("{ ?x a foaf:Pe", "{ ?x foaf:na"):
            page.evaluate(
                """(text) => { const y = yasgui.getTab().getYasqe();
                y.setValue('PREFIX foaf: <http://xmlns.com/foaf/0.1/>\\nSELECT * WHERE ' + text);
                y.focus(); y.getDoc().setCursor({line: 1, ch: 15 + text.length}); y.autocomplete(); }""",
                text,
            )
            page.wait_for_timeout(300)
        page.evaluate("yasgui.getTab().getYasqe().setValue('SELECT ?s WHERE { ?s ?p ?o } LIMIT 1')")
        page.evaluate("yasgui.getTab().getYasqe().query()")
        deadline = time.monotonic() + 20
        while "https://example.org/e/x" not in page.evaluate("document.querySelector('.yasr').innerText"):
            assert time.monotonic() < deadline, "the result table never showed"
            time.sleep(0.05)
        assert errors == []
        assert requests and all(url.startswith(loopback + "/") for url in requests), requests
        assert loopback + "/sparql" in requests
    finally:
        page.close()

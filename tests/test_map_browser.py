"""Maps opened in headless Chromium (Debian's `chromium`, driven by playwright; nothing is downloaded).

Checks what only a browser can: the network draws every node, the layout settles and stops, hostile
labels stay text on hover, click and search, no script from the data runs, and the page makes no
network request.  Skips when playwright or chromium is absent; CI installs chromium.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from corpgraph import render, subgraph
from minigraph import HOSTILE, HOSTILE2, HOSTILE_TYPE, e, r

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CORPGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no chromium at {CHROMIUM} (install Debian's chromium or set CORPGRAPH_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Opened:
    """A page with everything it asked for and every dialog it tried to open."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.settle()

    def settle(self, timeout: float = 30.0) -> None:
        # polled from Python: wait_for_function compiles its predicate with eval, which the page's CSP forbids
        deadline = time.monotonic() + timeout
        while not self.page.evaluate("window.cgSettled === true"):
            assert time.monotonic() < deadline, "the map never settled"
            time.sleep(0.05)

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def screen_xy(self, node_id: str) -> tuple[float, float]:
        return tuple(
            self.js(
                """(iri) => {
            const p = cgNetwork.canvasToDOM(cgNetwork.getPosition(cgIdOf(iri)));
            const r = document.getElementById('cg-network').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
                node_id,
            )
        )

    def pwned(self):
        return self.js("[window.__pwned, document.querySelectorAll('img, script[src], iframe').length]")


@pytest.fixture
def hostile_page(browser, mini, tmp_path):
    out = tmp_path / "hostile.html"
    render.write_map(subgraph.select_subgraph(mini), out, title=HOSTILE, caption=HOSTILE2)
    opened = Opened(browser, out)
    yield opened
    opened.page.close()


def test_draws_every_node_settles_and_stays_offline(hostile_page, mini):
    pg = hostile_page
    n = len(subgraph.select_subgraph(mini).net)
    assert pg.js("cgNodes.length") == n
    assert pg.js("cgNetwork.body.nodeIndices.length") == n  # nodes the network draws
    assert pg.js("cgNetwork.physics.physicsEnabled") is False  # settled, then switched off
    positions = pg.js("JSON.stringify(cgNetwork.getPositions())")
    time.sleep(0.3)
    assert pg.js("JSON.stringify(cgNetwork.getPositions())") == positions  # still
    assert pg.requests == [pg.url]
    assert pg.errors == []
    assert pg.page.title() == HOSTILE
    assert pg.js("document.getElementById('cg-caption').textContent") == HOSTILE2


def test_hostile_labels_stay_text_on_hover_click_and_search(hostile_page):
    pg = hostile_page
    for node in (e("evil"), e("evil2")):
        x, y = pg.screen_xy(node)
        pg.page.mouse.move(x, y)
        pg.page.wait_for_timeout(150)
        tip = pg.js("document.getElementById('cg-tip').textContent")
        assert (HOSTILE if node == e("evil") else HOSTILE2) in tip
        pg.page.mouse.click(x, y)
        pg.page.wait_for_timeout(100)
        assert pg.js("document.getElementById('cg-details').textContent").startswith(
            HOSTILE if node == e("evil") else HOSTILE2
        )
    # the alleged contract with the hostile quote and source: its card, from the entity's list
    pg.js("""() => { for (const s of document.querySelectorAll('#cg-details .cg-rel'))
                       if (s.textContent.indexOf('contracts') !== -1) s.click(); }""")
    x, y = pg.screen_xy(e("evil"))
    pg.page.mouse.click(x, y)
    pg.js("""() => { for (const s of document.querySelectorAll('#cg-details .cg-rel')) s.click(); }""")
    details = pg.js("document.getElementById('cg-details').textContent")
    assert "</script><script>window.__pwned=5</script>" in details
    assert "<script>window.__pwned=3</script>" in details  # the source title, as text
    assert pg.js('document.querySelectorAll(\'a[href^="javascript"], a[href^="JAVASCRIPT"]\').length') == 0
    links = pg.js("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    assert set(links) <= {"https://example.org/report-a"}
    legend = pg.js("Array.from(document.querySelectorAll('.cg-type-label')).map(s => s.textContent)")
    assert HOSTILE_TYPE in legend and "Company" in legend
    pg.page.fill("#cg-search", "</script")
    assert pg.js("Array.from(document.querySelectorAll('#cg-results button')).map(b => b.textContent)") == [
        HOSTILE2 + " (" + HOSTILE_TYPE + ")"
    ]
    pg.page.fill("#cg-search", "<img")
    assert pg.js("Array.from(document.querySelectorAll('#cg-results button')).map(b => b.textContent)") == [
        HOSTILE + " (Company)"
    ]
    pg.page.click("#cg-results button")
    assert pg.js("cgNetwork.getSelectedNodes()") == [e("evil")]
    assert pg.pwned() == [None, 0]
    assert pg.dialogs == []
    assert pg.requests == [pg.url]


def test_filters_and_neighbourhood(hostile_page):
    pg = hostile_page
    pg.page.uncheck('input[data-type="HostileKind"]')
    assert pg.js("cgNodes.get({filter: n => n.hidden}).map(n => n.id)") == [e("evil2")]
    pg.page.check('input[data-type="HostileKind"]')
    pg.page.uncheck('input[data-type="Company"]')
    hidden = pg.js("cgNodes.get({filter: n => n.hidden}).map(n => n.id).sort()")
    assert hidden == sorted([e("acme"), e("bank"), e("evil"), e("lonely")])
    pg.page.uncheck('input[data-cert="reported"]')
    hidden_edge = "(rec) => cgEdges.get({filter: x => x.cg.records[0] === rec})[0].hidden"
    assert pg.js(hidden_edge, r("sub1")) is True  # reported, between two government bodies
    pg.page.check('input[data-type="Company"]')
    assert pg.js(hidden_edge, r("c1")) is False  # confirmed
    assert pg.js(hidden_edge, r("host")) is True  # reported
    pg.page.click("#cg-reset")
    assert pg.js("cgNodes.get({filter: n => n.hidden}).length") == 0
    x, y = pg.screen_xy(e("tracker"))
    pg.page.mouse.click(x, y)
    dimmed = pg.js(
        "cgNodes.get({filter: n => typeof n.color === 'string' && n.color.startsWith('rgba')}).map(n => n.id)"
    )
    assert e("tracker") not in dimmed and e("acme") not in dimmed and e("dept") in dimmed
    edge_colour = "(rec) => JSON.stringify(cgEdges.get({filter: x => x.cg.records[0] === rec})[0].color)"
    assert "rgba(200,200,200" in pg.js(edge_colour, r("sub1"))  # not a relationship of the tracker
    touching = pg.js(
        "(id) => cgNetwork.getConnectedEdges(id).map(x => JSON.stringify(cgEdges.get(x).color))",
        e("tracker"),
    )
    assert touching and not any(c and "rgba(200,200,200" in c for c in touching)
    pg.page.click("#cg-reset")  # every edge gets its own colour back
    assert "rgba(200,200,200" not in pg.js(edge_colour, r("sub1"))
    assert pg.pwned() == [None, 0] and pg.requests == [pg.url]


def test_big_map_uses_precomputed_positions(browser, mini, tmp_path):
    out = tmp_path / "big.html"
    sub = subgraph.select_subgraph(mini)
    render.write_map(sub, out, large=3)  # force the big-map path on a small graph
    pg = Opened(browser, out)
    try:
        assert pg.js("cgNetwork.physics.physicsEnabled") is False
        assert pg.js("cgNetwork.body.nodeIndices.length") == len(sub.net)
        assert pg.requests == [pg.url]
    finally:
        pg.page.close()


def test_empty_selection_settles_at_once(browser, mini, tmp_path):
    out = tmp_path / "empty.html"
    sub = subgraph.select_subgraph(mini, kinds=["Ownership"])  # no such records in the mini graph
    assert len(sub.net) == 0
    render.write_map(sub, out)
    pg = Opened(browser, out)
    try:
        assert pg.js("cgNodes.length") == 0 and pg.errors == [] and pg.requests == [pg.url]
    finally:
        pg.page.close()


def test_controller_api(hostile_page, mini):
    """What the app, stories and timelines use: highlight, select, events, merge, as-of, state."""
    pg = hostile_page
    c2 = pg.js("(rec) => cgMap.document.edges.find(x => x.records.includes(rec)).id", r("c2"))
    pg.js("window.__selected = []; cgMap.on('select', s => window.__selected.push(s))")
    pg.js("(rec) => cgMap.highlight({records: [rec]})", r("c2"))
    faded = pg.js("cgNodes.get({filter: n => n.color === 'rgba(200,200,200,0.35)'}).map(n => n.id)")
    assert e("evil") not in faded and e("agency") not in faded and e("bank") in faded  # the record's two ends
    pg.js("cgMap.reset()")
    assert pg.js("cgNodes.get({filter: n => n.color === 'rgba(200,200,200,0.35)'}).length") == 0
    pg.js("(rec) => cgMap.select(rec)", r("c2"))  # a record opens the card of the edge holding it
    assert pg.js("window.__selected") == [{"type": "edge", "id": c2}]
    assert "</script><script>window.__pwned=5</script>" in pg.js(
        "document.getElementById('cg-details').textContent"
    )
    pg.js("cgMap.setAsOf('2019')")  # before the alleged 2020-2021 contract
    assert pg.js("(id) => cgEdges.get(id).hidden", c2) is True
    pg.js("cgMap.setAsOf('2020-06')")
    assert pg.js("(id) => cgEdges.get(id).hidden", c2) is False
    pg.js("cgMap.setAsOf(null)")
    new = {
        "nodes": [
            {
                "id": "urn:x:new",
                "label": HOSTILE,
                "type": "Company",
                "typeLabel": "Company",
                "shape": "dot",
                "colour": "#123456",
                "size": 12,
            }
        ],
        "edges": [
            {
                "id": "tnew",
                "from": "urn:x:new",
                "to": e("acme"),
                "verb": "owns",
                "kind": "ownership",
                "certainty": "reported",
                "count": 1,
                "records": ["urn:x:rec"],
                "width": 1,
                "sources": [0],
                "label": "owns",
                "spans": [["2024", None]],
            }
        ],
        "sources": [{"title": HOSTILE2, "publisher": "", "issued": "", "url": "javascript:alert(1)"}],
    }
    assert pg.js("(f) => cgMap.merge(f)", new) == {"nodes": 1, "edges": 1}
    assert pg.js("cgNodes.get('urn:x:new').label") == HOSTILE
    pg.js("cgMap.select('tnew')")
    assert HOSTILE2 in pg.js("document.getElementById('cg-details').textContent")
    assert pg.js("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
    assert pg.pwned() == [None, 0] and pg.errors == [] and pg.requests == [pg.url]

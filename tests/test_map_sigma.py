"""Large maps drawn in WebGL (web/static/sigma-renderer.js, sigma + graphology from vendor/).

The page of a view above ``render.LARGE_MAP`` entities loads the vendored libraries and the WebGL
renderer instead of vis-network; the same controller draws cards, search, filters and highlight.
The browser tests force small views onto that path by lowering the threshold: a 2,000-entity
synthetic view (every entity reaches the graphology graph) and the hostile mini graph (cards open on
click, hostile labels stay text, nothing leaves the page).
"""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import pytest

from corpgraph import render, subgraph
from minigraph import HOSTILE, HOSTILE2, e, r

SIGMA_FILES = ("vendor/graphology.umd.min.js", "vendor/sigma.min.js", "sigma-renderer.js")
FADED = "rgba(200,200,200,0.35)"


@pytest.fixture(scope="module")
def whole(mini):
    return subgraph.select_subgraph(mini)


def test_large_views_load_the_webgl_renderer_and_small_ones_do_not(whole):
    small = render.render_map(whole)
    large = render.render_map(whole, large=1)
    for name in SIGMA_FILES:
        body = render.static_asset(name)[0].decode("utf-8")
        assert body in large and body not in small, name
    vis = render.static_asset("vis-network.min.js")[0].decode("utf-8")
    assert vis in small and vis not in large  # 0.7 MiB less in every large map
    assert render.map_document(whole, large=1)["renderer"] == "sigma"
    assert render.map_document(whole)["renderer"] == "vis"
    linked = render.render_map(whole, large=1, assets="linked", static_prefix="/static/")
    srcs = re.findall(r'<script src="([^"]+)"', linked)
    assert [f"/static/{name}" for name in SIGMA_FILES] == [
        s for s in srcs if "sigma" in s or "graphology" in s
    ]
    assert "<script>" not in linked  # the app's CSP allows no inline script


# -- in Chromium -------------------------------------------------------------------------------------


class Page:
    """A map page, with every request, dialog and script error it caused."""

    def __init__(self, browser, path: Path, init_script: str | None = None):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        if init_script:
            self.page.add_init_script(init_script)
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        deadline = time.monotonic() + 60
        while not self.page.evaluate("window.cgSettled === true"):
            assert time.monotonic() < deadline, "the map never settled"
            time.sleep(0.05)

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def screen_xy(self, node_id: str) -> tuple[float, float]:
        return tuple(
            self.js(
                """(id) => {
            const p = cgSigma.graphToViewport(cgGraph.getNodeAttributes(id));
            const r = document.getElementById('cg-network').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
                node_id,
            )
        )

    def shown(self, node_id: str) -> dict:
        return self.js("(id) => cgSigma.getNodeDisplayData(id)", node_id)


def synthetic_view(sub, n_nodes: int = 2000) -> dict:
    """The mini graph's document grown to ``n_nodes`` entities (and as many lines) by copying its
    own entries under new ids, on a grid: a large view without building a large graph."""
    doc = render.map_document(sub, large=1)
    node, edge = doc["nodes"][0], doc["edges"][0]
    side = int(n_nodes**0.5) + 1
    for i in range(n_nodes - len(doc["nodes"])):
        extra = copy.deepcopy(node)
        extra.update(
            id=f"urn:x:n{i}", label=f"Synthetic {i}", x=float(60 * (i % side)), y=float(60 * (i // side))
        )
        doc["nodes"].append(extra)
        if i:
            line = copy.deepcopy(edge)
            line.update(id=f"urn:x:e{i}", **{"from": f"urn:x:n{i - 1}", "to": f"urn:x:n{i}"})
            doc["edges"].append(line)
    return doc


def test_a_large_view_draws_every_entity_in_webgl(browser, whole, tmp_path):
    doc = synthetic_view(whole)
    out = tmp_path / "large.html"
    out.write_text(render.render_document(doc), encoding="utf-8")
    pg = Page(browser, out)
    try:
        assert pg.js("cgMap.renderer.name") == "sigma"
        assert pg.js("typeof vis") == "undefined"  # vis-network is not even loaded
        assert pg.js("cgGraph.order") == len(doc["nodes"]) == 2000
        assert pg.js("cgGraph.size") == len(doc["edges"])
        assert pg.js("cgGraph.nodes().every(id => cgSigma.getNodeDisplayData(id))") is True
        drawn = pg.js("(id) => cgGraph.getNodeAttributes(id)", "urn:x:n5")
        assert (drawn["x"], -drawn["y"]) == (300.0, 0.0)  # the precomputed position, y pointing down
        assert pg.requests == [pg.url] and pg.errors == []
    finally:
        pg.page.close()


@pytest.fixture(scope="module")
def hostile(browser, whole, tmp_path_factory):
    out = tmp_path_factory.mktemp("sigma") / "hostile.html"
    render.write_map(whole, out, title=HOSTILE, caption=HOSTILE2, large=1)  # forced onto WebGL
    pg = Page(browser, out)
    yield pg
    pg.page.close()


def test_hover_and_click_open_cards_with_hostile_labels_as_text(hostile):
    pg = hostile
    assert pg.js("cgMap.renderer.name") == "sigma"
    for node, text in ((e("evil"), HOSTILE), (e("evil2"), HOSTILE2)):
        pg.js("cgSigma.getCamera().setState({x: 0.5, y: 0.5, ratio: 1, angle: 0})")
        pg.page.wait_for_timeout(50)
        x, y = pg.screen_xy(node)
        pg.page.mouse.move(x, y)
        pg.page.wait_for_timeout(200)
        assert text in pg.js("document.getElementById('cg-tip').textContent")
        pg.page.mouse.click(x, y)
        pg.page.wait_for_timeout(150)
        assert pg.js("document.getElementById('cg-details').textContent").startswith(text)
    # the click highlighted the neighbourhood of evil2: others faded, evil2 ringed
    assert pg.shown(e("lonely"))["color"] == FADED
    assert pg.shown(e("evil2"))["cgRing"] > 0
    pg.page.fill("#cg-search", "<img")
    assert pg.js("Array.from(document.querySelectorAll('#cg-results button')).map(b => b.textContent)") == [
        HOSTILE + " (Company)"
    ]
    pg.page.click("#cg-results button")
    assert pg.js("document.getElementById('cg-details').textContent").startswith(HOSTILE)
    assert (
        pg.js("(id) => cgGraph.getNodeAttribute(id, 'label')", e("evil")) == HOSTILE
    )  # drawn as canvas text
    assert pg.js("[window.__pwned, document.querySelectorAll('img, script[src], iframe').length]") == [
        None,
        0,
    ]
    assert pg.dialogs == [] and pg.errors == []
    assert pg.requests == [pg.url]


def test_filters_highlight_and_the_legend(hostile):
    pg = hostile
    pg.page.click("#cg-reset")
    pg.page.uncheck('input[data-type="HostileKind"]')
    assert pg.shown(e("evil2"))["hidden"] is True and pg.shown(e("evil"))["hidden"] is False
    pg.page.check('input[data-type="HostileKind"]')
    assert pg.shown(e("evil2"))["hidden"] is False
    # a large map parses its lines' details (records among them) when first needed
    c2 = pg.js(
        "(rec) => { cgMap.loadDetails(); return cgMap.document.edges.find(x => x.records.includes(rec)).id; }",
        r("c2"),
    )
    pg.js("(rec) => cgMap.highlight({records: [rec]})", r("c2"))
    assert pg.shown(e("bank"))["color"] == FADED and pg.shown(e("evil"))["color"] != FADED
    assert pg.js("(id) => cgSigma.getEdgeDisplayData(id).color", c2) != FADED
    pg.js("cgMap.reset()")
    assert pg.shown(e("bank"))["color"] != FADED
    weak = pg.js("(id) => cgGraph.getEdgeAttribute(id, 'color')", c2)  # alleged: a lighter line
    assert weak.lower() != "#7a7a7a"
    legend = pg.js("document.getElementById('cg-legend').textContent")
    assert "lighter line" in legend and "WebGL" in legend
    assert pg.requests == [pg.url]


def test_without_webgl_the_page_says_so_and_search_and_cards_still_work(browser, whole, tmp_path):
    out = tmp_path / "nowebgl.html"
    render.write_map(whole, out, large=1)
    no_webgl = """(() => { const get = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
        return /webgl/.test(kind) ? null : get.call(this, kind, ...rest); }; })();"""
    pg = Page(browser, out, init_script=no_webgl)
    try:
        assert "drawn with WebGL, which this browser does not offer" in pg.js(
            "document.getElementById('cg-network').textContent"
        )
        pg.page.fill("#cg-search", "<img")
        pg.page.click("#cg-results button")
        assert pg.js("document.getElementById('cg-details').textContent").startswith(HOSTILE)
        # the one error: the vendored sigma script itself, which asks for WebGL as it loads
        assert all("getParameter" in err for err in pg.errors) and pg.requests == [pg.url]
    finally:
        pg.page.close()


def test_a_packed_document_unpacks_to_the_same_document(browser, whole, tmp_path):
    """Issue 11: a large map's page carries columns and a table of details (render.pack_document);
    the page rebuilds the map document from them, each item's details parsed when first opened."""
    import json

    out = tmp_path / "packed.html"
    render.write_map(whole, out, large=1)
    want = json.loads(json.dumps(render.map_document(whole, large=1), default=str))
    pg = Page(browser, out)
    try:
        first = next(x for x in want["edges"] if x["count"] == 1 and x["sources"])
        assert pg.js("(id) => cgMap.document.edges.find(x => x.id === id).records", first["id"]) is None
        pg.js("(id) => cgMap.select(id)", first["id"])  # its card: records and sources, parsed now
        card = pg.js("document.getElementById('cg-details').textContent")
        assert first["records"][0] in card and "Sources:" in card
        pg.js("cgMap.loadDetails()")
        got = pg.js("[cgMap.document.nodes, cgMap.document.edges]")
        assert got == [want["nodes"], want["edges"]]
        assert pg.errors == [] and pg.requests == [pg.url]
    finally:
        pg.page.close()


def test_hovering_and_clicking_a_line_shows_its_records_and_sources(hostile):
    """The line under the pointer is found through sigma's picking pass, which a frame draws only when
    the pointer asks (sigma-renderer.js); its card lists its records and sources."""
    pg = hostile
    pg.page.click("#cg-reset")
    pg.js("cgSigma.getCamera().setState({x: 0.5, y: 0.5, ratio: 1, angle: 0})")
    pg.page.wait_for_timeout(100)
    line = pg.js(
        """() => {
        const r = document.getElementById('cg-network').getBoundingClientRect();
        const at = (id) => cgSigma.graphToViewport(cgGraph.getNodeAttributes(id));
        const centres = cgGraph.nodes().map(at);
        let best = null;  // the point of a line farthest from every entity
        cgGraph.forEachEdge((id, _a, s, t) => {
          const a = at(s), b = at(t);
          if (s === t) return;
          [0.3, 0.4, 0.5, 0.6, 0.7].forEach((f) => {
            const x = a.x + f * (b.x - a.x), y = a.y + f * (b.y - a.y);
            const room = Math.min(...centres.map((c) => Math.hypot(c.x - x, c.y - y)));
            if (!best || room > best.room) best = {id, room, x: r.left + x, y: r.top + y};
          });
        });
        return best;
    }"""
    )
    pg.page.mouse.move(line["x"] - 40, line["y"] - 40)
    pg.page.mouse.move(line["x"], line["y"])
    pg.page.wait_for_timeout(200)
    edge = pg.js(
        "(id) => { cgMap.loadDetails(); return cgMap.document.edges.find(x => x.id === id); }", line["id"]
    )
    tip = pg.js("document.getElementById('cg-tip').textContent")
    assert edge["verb"] in tip and "Certainty" in tip
    pg.page.mouse.click(line["x"], line["y"])
    pg.page.wait_for_timeout(150)
    card = pg.js("document.getElementById('cg-details').textContent")
    source = pg.js("(i) => cgMap.document.sources[i].title", edge["sources"][0])
    assert edge["verb"] in card and source in card
    assert (edge["records"][0] in card) if edge["count"] == 1 else (f"{edge['count']} records" in card)
    assert pg.errors == [] and pg.requests == [pg.url]


def test_the_first_frame_draws_the_lines_before_graphology_holds_them(browser, whole, tmp_path):
    """Issue 11: above sigma-renderer.js's EARLY_LINES lines (lowered here to none), the first frame
    writes the lines from the document straight into sigma's line programs; graphology and sigma
    index them after that frame, and the map settles then.  The first frame's lines are the ones
    sigma draws from its own graph, vertex for vertex (only the ids of the picking pass differ, the
    last float of each vertex), and the settled map has every line in its graph, to hover and open."""
    out = tmp_path / "early.html"
    render.write_map(whole, out, large=1)
    n_edges = len(render.map_document(whole, large=1)["edges"])
    record = """(() => { window.corpgraph = {earlyLines: 0}; window.__uploads = [];
      const put = WebGL2RenderingContext.prototype.bufferData;
      WebGL2RenderingContext.prototype.bufferData = function (target, data, ...rest) {
        if (data && data.length > 0) window.__uploads.push({gl: this, data: Float32Array.from(data)});
        return put.call(this, target, data, ...rest); }; })();"""
    pg = Page(browser, out, init_script=record)
    compare = """() => {
      const lines = (gl) => window.__uploads.filter(u => u.gl === gl).map(u => u.data);
      const gl = cgSigma.webGLContexts.edges, first = lines(gl);
      window.__uploads = [];
      cgSigma.refresh();  // sigma's own lines, from the graph it now holds
      const own = lines(gl), stride = Object.values(cgSigma.edgePrograms)[0].ATTRIBUTES_ITEMS_COUNT;
      const same = (a, b) => a.length === b.length && a.every((v, i) => i % stride === stride - 1 || Object.is(v, b[i]));
      const alike = own.length > 0 && first.slice(0, own.length).every((a, i) => same(a, own[i]));
      return {first: first.length, own: own.length, same: alike};
    }"""
    try:
        at = pg.js(
            "[window.cgFirstFrameAt, window.cgSettledAt, performance.getEntriesByName('cg-first-frame').length]"
        )
        assert at[0] is not None and at[0] <= at[1] and at[2] == 1
        got = pg.js(compare)
        assert got["first"] >= got["own"] > 0 and got["same"] is True
        assert pg.js("cgGraph.size") == n_edges and pg.js("cgSigma.getGraph() === cgGraph") is True
        line = pg.js("cgGraph.edges()[0]")
        pg.js("(id) => cgMap.select(id)", line)  # a line's card and its look, through sigma's indexes
        assert pg.js("(id) => cgSigma.getEdgeDisplayData(id).color", line) == "#333333"
        assert pg.js("document.getElementById('cg-details').textContent") != ""
        assert pg.errors == [] and pg.requests == [pg.url]
    finally:
        pg.page.close()

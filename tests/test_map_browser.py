"""Maps opened in headless Chromium (Debian's `chromium`, driven by playwright; nothing is downloaded).

Checks what only a browser can: the network draws every node, the layout settles and stops, hostile
labels stay text on hover, click and search, no script from the data runs, and the page makes no
network request.  Skips when playwright or chromium is absent; CI installs chromium.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from corpgraph import render, subgraph
from minigraph import HOSTILE, HOSTILE2, HOSTILE_TYPE, e, r

pytestmark = pytest.mark.browser


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
        # drawn by the WebGL renderer (tests/test_map_sigma.py), at the positions computed in Python
        assert pg.js("cgMap.renderer.name") == "sigma"
        assert pg.js("cgGraph.order") == len(sub.net)
        placed = {n["id"]: [n["x"], n["y"]] for n in pg.js("cgMap.document.nodes")}
        assert pg.js("cgMap.renderer.positions()") == placed
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


# -- maps that read at a glance (issue 12 §1) ---------------------------------------------------------

LABEL_BOXES = """() => {
    // labels as drawn (vis-network measures each label when it draws it), in screen pixels; only
    // labels on screen are drawn, so only they are measured
    const c = document.getElementById('cg-network'), W = c.clientWidth, H = c.clientHeight, out = [];
    function push(id, b, v) {
        const a = cgNetwork.canvasToDOM({x: b.left, y: b.top + v});
        const z = cgNetwork.canvasToDOM({x: b.left + b.width, y: b.top + v + b.height});
        if (z.x > 0 && a.x < W && z.y > 0 && a.y < H) out.push([id, a.x, a.y, z.x, z.y]);
    }
    for (const id of cgNodes.getIds()) {
        const n = cgNetwork.body.nodes[id], item = cgNodes.get(id);
        if (item.hidden || !String(n.options.label || '').trim()) continue;
        const p = cgNetwork.canvasToDOM({x: n.x, y: n.y});
        if (p.x < 0 || p.y < 0 || p.x > W || p.y > H) continue;  // not drawn: its measure is old
        push(id, n.labelModule.size, (n.options.font && n.options.font.vadjust) || 0);
    }
    for (const id of cgEdges.getIds()) {
        const e = cgNetwork.body.edges[id], item = cgEdges.get(id);
        if (item.hidden || !String(e.options.label || '').trim() || !e.labelModule.size.width) continue;
        push(id, e.labelModule.size, 0);
    }
    return out;
}"""


SHAPES_OVERLAPPING = """() => {
    const ids = cgNodes.getIds(), out = [];
    const radius = (n) => Math.max(n.shape.width, n.shape.height) / 2;
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) {
        const a = cgNetwork.body.nodes[ids[i]], b = cgNetwork.body.nodes[ids[j]];
        if (Math.hypot(a.x - b.x, a.y - b.y) < radius(a) + radius(b)) out.push([ids[i], ids[j]]);
    }
    return out;
}"""


def overlapping_labels(pg) -> list[tuple[str, str]]:
    """Pairs of drawn labels (entities and lines) whose boxes overlap by more than a pixel on screen."""
    boxes = pg.js(LABEL_BOXES)
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if min(a[3], b[3]) - max(a[1], b[1]) > 1 and min(a[4], b[4]) - max(a[2], b[2]) > 1
    ]


def test_labels_do_not_collide_on_the_bundled_graph(browser, bundled, bundled_net, tmp_path):
    out = tmp_path / "bundled.html"
    render.write_map(subgraph.select_subgraph(bundled, net=bundled_net), out)
    pg = Opened(browser, out)
    try:
        pg.page.wait_for_timeout(400)  # labels are placed after the layout settles
        assert overlapping_labels(pg) == []
        assert pg.js(SHAPES_OVERLAPPING) == []  # no two entities drawn over each other (ICE and DHS)
        shown = {b[0] for b in pg.js(LABEL_BOXES)}
        nodes = pg.js("cgNodes.getIds()")
        assert len(shown & set(nodes)) >= 0.6 * len(nodes)  # most entities keep their name at a glance
        assert e("ice") in shown  # the biggest hub is named
        # a hidden name shows on hover
        hidden = [n for n in nodes if n not in shown]
        if hidden:
            x, y = pg.screen_xy(hidden[0])
            pg.page.mouse.move(x, y)
            pg.page.wait_for_timeout(200)
            assert pg.js("(id) => cgNodes.get(id).label", hidden[0]) == pg.js(
                "(id) => cgMap.document.nodes.find(n => n.id === id).label", hidden[0]
            )
        pg.page.mouse.move(1, 1)  # away: the hovered name hides again
        pg.page.wait_for_timeout(200)
        # zoomed in, more names fit, still without collisions
        pg.js("cgNetwork.moveTo({scale: cgNetwork.getScale() * 2.5})")
        pg.page.wait_for_timeout(500)
        assert overlapping_labels(pg) == []
        assert pg.errors == [] and pg.requests == [pg.url]
    finally:
        pg.page.close()


def test_labels_do_not_collide_on_200_real_entities(browser, forward, tmp_path):
    _graph, backend, net = forward
    sub = subgraph.select_subgraph(backend, focus=["GEO Group", "CoreCivic"], depth=2, net=net)
    assert 150 <= len(sub.ties) <= 300
    out = tmp_path / "real.html"
    render.write_map(sub, out)
    pg = Opened(browser, out)
    try:
        pg.page.wait_for_timeout(500)
        assert overlapping_labels(pg) == []
        assert len(pg.js(LABEL_BOXES)) >= 20  # not collision-free by showing nothing
        assert pg.errors == [] and pg.requests == [pg.url]
    finally:
        pg.page.close()


@pytest.mark.parametrize("size", [(600, 400), (860, 520)])
def test_embed_fills_its_frame_without_scrollbars(browser, bundled, bundled_net, tmp_path, size):
    out = tmp_path / "embed.html"
    render.write_map(subgraph.select_subgraph(bundled, net=bundled_net), out, embed=True)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        page.goto(out.resolve().as_uri())
        page.wait_for_timeout(300)
        scroll = "[document.documentElement.scrollWidth, document.documentElement.scrollHeight, innerWidth, innerHeight]"
        sw, sh, w, h = page.evaluate(scroll)
        assert sw <= w and sh <= h, (sw, sh, w, h)  # no scrollbar either way
        box = page.evaluate(
            "(() => { const r = document.getElementById('cg-network').getBoundingClientRect();"
            " return [r.width, r.height]; })()"
        )
        assert box[0] == w and box[1] >= 0.6 * h  # the map takes the frame
        assert page.evaluate("document.getElementById('cg-side').hidden") is True  # legend folded
        page.click("#cg-legend-toggle")
        assert page.evaluate("document.getElementById('cg-side').hidden") is False
        assert "Entity types" in page.evaluate("document.getElementById('cg-side').textContent")
        sw, sh, w, h = page.evaluate(scroll)
        assert sw <= w and sh <= h  # the open legend lies over the map
    finally:
        page.close()


def test_png_and_svg_buttons_download_pictures(hostile_page):
    pg = hostile_page
    with pg.page.expect_download() as png:
        pg.page.click("#cg-png")
    data = Path(png.value.path()).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 2000
    assert png.value.suggested_filename.endswith(".png")
    with pg.page.expect_download() as svg:
        pg.page.click("#cg-svg")
    text = Path(svg.value.path()).read_text()
    assert text.startswith("<svg") and HOSTILE in text.replace("&lt;", "<").replace("&gt;", ">").replace(
        "&quot;", '"'
    )
    assert "<img" not in text and "<script" not in text  # names are text, escaped
    assert pg.pwned() == [None, 0] and pg.requests == [pg.url]


def test_url_state_round_trips(browser, hostile_page):
    pg = hostile_page
    pg.page.uncheck('input[data-cert="alleged"]')
    pg.page.uncheck('input[data-type="HostileKind"]')
    pg.js("cgMap.setAsOf('2024-06')")
    pg.js("(id) => cgMap.focus([id])", e("acme"))
    pg.js("(id) => cgMap.select(id)", e("acme"))
    state = pg.js("cgMap.getState()")
    assert state["asOf"] == "2024-06" and state["hideCertainties"] == ["alleged"]
    assert (
        state["hideTypes"] == ["HostileKind"]
        and state["focus"] == [e("acme")]
        and state["selection"] == e("acme")
    )
    url = pg.js("location.href")
    assert "#" in url and "as-of=2024-06" in url
    again = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        again.goto(url)
        deadline = time.monotonic() + 30
        while not again.evaluate("window.cgSettled === true"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert again.evaluate("cgMap.getState()") == state
        assert again.evaluate("document.querySelector('input[data-cert=\"alleged\"]').checked") is False
        assert again.evaluate("document.querySelector('.cg-asof-text').textContent") == "as of 2024-06"
        assert again.evaluate("document.getElementById('cg-details').textContent").startswith("Acme")
        hidden = "(rec) => cgEdges.get(cgMap.document.edges.find(x => x.records.includes(rec)).id).hidden"
        assert again.evaluate(hidden, r("c2")) is True  # alleged, hidden again
    finally:
        again.close()


def test_as_of_slider_steps_through_months(hostile_page):
    pg = hostile_page
    months = pg.js("cgMap.months()")
    assert months[0] <= "2020-01" and months == sorted(months) and all(len(m) == 7 for m in months)
    slide = "(v) => { const s = document.getElementById('cg-asof'); s.value = v; s.dispatchEvent(new Event('input')); }"
    hidden = "(rec) => cgEdges.get(cgMap.document.edges.find(x => x.records.includes(rec)).id).hidden"
    pg.js("cgMap.setAsOf('2019-12')")
    assert pg.js(hidden, r("c2")) is True  # 2020 to 2021: not yet
    pg.js(slide, str(months.index("2020-01")))
    assert pg.js("cgMap.getState().asOf") == "2020-01"
    assert pg.js("document.getElementById('cg-asof').value") == str(months.index("2020-01"))
    assert pg.js(hidden, r("c2")) is False  # January 2020: in force (the year 2020 covers all its months)
    pg.js(slide, str(len(months)))  # the far end: all dates
    assert pg.js("cgMap.getState().asOf") is None
    pg.js(slide, str(months.index("2020-01")))
    assert "as-of=2020-01" in pg.js("location.hash")


def test_edge_table_lists_every_relationship_sorted_with_sources(hostile_page, mini):
    pg = hostile_page
    pg.page.click("#cg-table summary")
    # the table is built on the details' "toggle" event, which the browser fires after the click returns
    deadline = time.monotonic() + 10
    while not pg.js("document.querySelectorAll('#cg-table tbody tr').length"):
        assert time.monotonic() < deadline, "the table of relationships was never filled"
        time.sleep(0.05)
    rows = pg.js(
        "Array.from(document.querySelectorAll('#cg-table tbody tr')).map(tr => Array.from(tr.cells).map(c => c.textContent))"
    )
    assert len(rows) == pg.js("cgMap.document.edges.length")
    keys = [(a.lower(), b, c.lower()) for a, b, c, *_ in rows]
    assert keys == sorted(keys)
    assert any(HOSTILE in row[0] or HOSTILE in row[2] for row in rows)  # as text
    assert any("<script>window.__pwned=3</script>" in row[6] for row in rows)  # a source title, as text
    assert pg.js("document.querySelector('#cg-canvas-wrap, .cg-canvas-wrap').getAttribute('role')") == "img"
    assert "entities" in pg.js("document.querySelector('.cg-canvas-wrap').getAttribute('aria-label')")
    pg.page.uncheck('input[data-cert="alleged"]')
    assert len(pg.js("Array.from(document.querySelectorAll('#cg-table tbody tr'))")) < len(
        rows
    )  # what the map shows
    assert pg.pwned() == [None, 0]


def test_path_map_emphasises_the_best_path(browser, mini, tmp_path):
    out = tmp_path / "path.html"
    sub = subgraph.select_subgraph(mini, path=("First Bank", "TrackDB"))
    render.write_map(sub, out)
    pg = Opened(browser, out)
    try:
        paths = pg.js("cgMap.document.paths")
        assert paths and paths[0]["rank"] == 1
        items = pg.js("Array.from(document.querySelectorAll('#cg-paths li')).map(li => li.textContent)")
        assert len(items) == len(paths) and "First Bank" in items[0] and "TrackDB" in items[0]
        colour = "(id) => cgEdges.get(id).color.color"
        assert all(pg.js(colour, x) == render.HIGHLIGHT_COLOUR for x in paths[0]["edges"])
        others = {x for p in paths[1:] for x in p["edges"]} - set(paths[0]["edges"])
        assert all(pg.js(colour, x) == "#c8c8c8" for x in others)  # muted
        if len(paths) > 1:
            pg.page.click("#cg-paths li:nth-child(2) button")
            assert all(pg.js(colour, x) == render.HIGHLIGHT_COLOUR for x in paths[1]["edges"])
            assert pg.js("cgMap.getState().path") == 1
    finally:
        pg.page.close()


def test_saved_layout_reopens_in_the_same_place(browser, hostile_page, mini, tmp_path):
    pg = hostile_page
    x, y = pg.screen_xy(e("acme"))
    pg.page.mouse.move(x, y)
    pg.page.mouse.down()
    pg.page.mouse.move(x + 80, y + 40, steps=5)  # arranged by hand
    pg.page.mouse.up()
    with pg.page.expect_download() as saved:
        pg.page.click("#cg-save-layout")
    layout = Path(saved.value.path())
    positions = json.loads(layout.read_text())["positions"]
    assert positions == pg.js("cgMap.renderer.positions()")
    out = tmp_path / "again.html"
    render.write_map(subgraph.select_subgraph(mini), out, layout=render.read_layout(layout))
    again = Opened(browser, out)
    try:
        assert again.js("cgMap.renderer.positions()") == positions  # the map did not move
    finally:
        again.page.close()


def test_linked_page_draws_under_the_apps_csp(browser, mini):
    """The app's page: scripts from /static/, no inline script, served with default-src 'self'."""
    import http.server
    import threading

    page = render.render_map(subgraph.select_subgraph(mini), assets="linked", static_prefix="/static/")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            if self.path.startswith("/static/"):
                try:
                    body, kind = render.static_asset(self.path[len("/static/") :])
                except KeyError:
                    self.send_error(404)
                    return
            else:
                body, kind = page.encode(), "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    tab = browser.new_page()
    violations: list[str] = []
    errors: list[str] = []
    tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        tab.goto(f"http://127.0.0.1:{server.server_port}/map")
        deadline = time.monotonic() + 30
        while not tab.evaluate("window.cgSettled === true"):
            assert time.monotonic() < deadline, "the linked map never settled"
            time.sleep(0.05)
        assert tab.evaluate("cgNodes.length") == len(subgraph.select_subgraph(mini).ties)
        assert violations == [] and errors == []
        assert tab.evaluate("[window.__pwned, document.querySelectorAll('img, iframe').length]") == [None, 0]
    finally:
        tab.close()
        server.shutdown()
        thread.join(5)

"""`corpgraph serve` in headless Chromium (Debian's, driven by playwright), against a real uvicorn
server on a free loopback port: search -> entity -> expand -> path -> named query -> SPARQL editor ->
network view -> download; the permalink reopens the same view; hostile data never runs; no request
leaves 127.0.0.1 and the page's CSP is never violated.  One browser and one server per graph."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from minigraph import HOSTILE, e
from web_server import RunningServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(bundled):
    running = RunningServer(bundled, hub_limit=6)
    yield running
    running.close()


@pytest.fixture(scope="module")
def hostile_server(mini):
    running = RunningServer(mini)
    yield running
    running.close()


class Tab:
    """A page that records every request, console error, dialog and page error."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on(
            "response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status == 404 else None
        )
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on(
            "console",
            lambda m: self.problems.append(f"{self.page.url}: {m.text}") if m.type == "error" else None,
        )

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def wait(self, expr: str, timeout: float = 20.0, frame=None) -> None:
        # polled from Python: wait_for_function compiles its predicate with eval, which the CSP forbids
        target = frame or self.page
        deadline = time.monotonic() + timeout
        while not target.evaluate(expr):
            assert time.monotonic() < deadline, f"never true: {expr}"
            time.sleep(0.05)

    def close(self) -> None:
        self.context.close()

    def assert_clean(self) -> None:
        outside = [
            u for u in self.requests if not u.startswith((self.base + "/", "data:", "blob:", "about:"))
        ]
        assert outside == [], outside
        assert self.problems == [], "\n".join(self.problems)
        assert self.dialogs == []


@pytest.fixture
def tab(browser, server):
    t = Tab(browser, server.url)
    yield t
    t.close()


def test_search_entity_expand_path_query_editor_network_download(tab):
    pg = tab.page
    # search with type-ahead, then the entity's page
    tab.goto("/")
    tab.wait("window.cgAppReady === true")
    pg.locator("main input[data-typeahead]").press_sequentially("citizens fin", delay=20)
    option = pg.locator("main .cg-typeahead li", has_text="Citizens Financial Group")
    option.wait_for()
    option.dispatch_event("mousedown")
    pg.wait_for_url(tab.base + "/entity/citizens-financial-group")
    assert "credit facility" in pg.locator(".cg-relationships").inner_text()
    # the network view around it draws, settles, and expands on click through the neighbourhood endpoint
    tab.wait("window.cgSettled === true && !!window.cgMap")
    before = set(pg.evaluate("cgMap.document.nodes.map(n => n.id)"))
    assert "https://w3id.org/corpgraph/entity/geo-group" in before
    pg.evaluate("cgMap.select('https://w3id.org/corpgraph/entity/geo-group')")
    pg.locator(".cg-live-map button", has_text="Expand").first.click()
    tab.wait(f"cgMap.document.nodes.length > {len(before)}")
    after = set(pg.evaluate("cgMap.document.nodes.map(n => n.id)"))
    assert before < after and any(u.startswith(tab.base + "/api/neighbourhood?iri=") for u in tab.requests)
    entity_state = pg.evaluate("JSON.stringify(cgMap.getState())")
    entity_link = pg.url  # the page in the path, the map's state (the selected entity) in the fragment
    assert "#" in entity_link and "geo-group" in entity_state
    # download the view as a fact list
    with pg.expect_download() as dl:
        pg.locator("details.cg-exports summary").first.click()
        pg.locator("details.cg-exports a", has_text="md").first.click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "Citizens provided a $450 million revolving credit line to GEO Group." in text

    # path finder: entity fields with type-ahead fill in the IRI
    tab.goto("/paths")
    tab.wait("window.cgAppReady === true")
    pg.locator("input[name=from]").press_sequentially("Amazon Web", delay=20)
    pg.locator("label", has=pg.locator("input[name=from]")).locator(".cg-typeahead li").first.dispatch_event(
        "mousedown"
    )
    assert pg.locator("input[name=from]").input_value().endswith("/entity/aws")
    pg.locator("input[name=to]").fill("ICE")
    pg.locator("input[name=max_hops]").fill("2")
    pg.locator("form.cg-form button[type=submit]").click()
    pg.wait_for_load_state()
    best = pg.locator("li.cg-path.cg-path-best")
    assert "Amazon Web Services" in best.inner_text() and "2 hops" in best.inner_text()
    listed = pg.locator(".cg-path-list").inner_text()
    permalink = pg.url

    # named query as a form
    tab.goto("/queries")
    pg.locator("a", has_text="Pledges and their reversals").click()
    pg.locator("form.cg-form button[type=submit]").click()
    pg.wait_for_load_state()
    assert "Bank of America" in pg.locator("table.cg-answer").inner_text()

    # SPARQL editor (YASGUI): runs through /sparql, then the answer as a network
    tab.goto("/query")
    tab.wait("window.cgEditorReady === true")
    pg.evaluate("cgYasgui.getTab().getYasqe().setValue('SELECT ?s WHERE { ?s a cg:System }')")
    pg.evaluate("cgYasgui.getTab().getYasqe().query()")
    tab.wait("document.querySelector('.yasr') && document.querySelector('.yasr').innerText.includes('icm')")
    assert any(u.startswith(tab.base + "/sparql") for u in tab.requests)
    pg.locator("#cg-as-network").click()
    pg.wait_for_url(tab.base + "/map?*")
    tab.wait("window.cgSettled === true")
    labels = pg.evaluate("cgNodes.get().map(n => n.label)")
    assert "Investigative Case Management" in labels

    # the permalinks reopen the same views
    tab.page.goto(permalink)
    assert pg.locator(".cg-path-list").inner_text() == listed
    tab.page.goto(entity_link)
    tab.wait("window.cgSettled === true && !!window.cgMap")
    assert pg.evaluate("JSON.stringify(cgMap.getState())") == entity_state
    tab.assert_clean()


def test_hostile_data_never_runs(browser, hostile_server):
    t = Tab(browser, hostile_server.url)
    try:
        pg = t.page
        for path in [
            "/entity/evil",
            "/entity/evil2",
            "/entity/agency",
            "/search?q=script",
            f"/paths?from={e('evil2')}&to={e('agency')}&soft=1",
            "/query?sparql=SELECT+%3Fl+WHERE+%7B+%3Fs+rdfs%3Alabel+%3Fl+%7D",
        ]:
            t.goto(path)
            t.wait("window.cgAppReady === true")
            if pg.evaluate("!!document.querySelector('[data-cg-doc]')"):
                t.wait("window.cgSettled === true")
            assert pg.evaluate("window.__pwned") is None, path
        # type-ahead shows hostile labels as text
        t.goto("/")
        t.wait("window.cgAppReady === true")
        pg.locator("main input[data-typeahead]").press_sequentially("img src", delay=20)
        pg.locator("main .cg-typeahead li").first.wait_for()
        assert HOSTILE in pg.locator("main .cg-typeahead").inner_text()
        assert pg.evaluate("document.querySelectorAll('main img, main svg').length") == 0
        # YASGUI's result table shows hostile labels and quotes as text
        t.goto("/query")
        t.wait("window.cgEditorReady === true")
        pg.evaluate(
            "cgYasgui.getTab().getYasqe().setValue('SELECT ?l ?q WHERE { { ?s rdfs:label ?l } UNION { ?r cg:quote ?q } }')"
        )
        pg.evaluate("cgYasgui.getTab().getYasqe().query()")
        t.wait(
            "document.querySelector('.yasr') && document.querySelector('.yasr').innerText.includes('onerror')"
        )
        pg.wait_for_timeout(300)
        assert pg.evaluate("window.__pwned") is None
        assert pg.evaluate("document.querySelectorAll('.yasr img, .yasr svg[onload], .yasr b').length") == 0
        agency = t.goto("/entity/agency")
        assert agency is not None and agency.ok
        hrefs = pg.evaluate("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
        assert not [h for h in hrefs if h and h.lower().lstrip().startswith("javascript")]
        assert pg.evaluate("window.__pwned") is None
        t.assert_clean()
    finally:
        t.close()


def test_a_notebook_cell_draws_the_map_and_hostile_labels_stay_text(browser, mini):
    from corpgraph import subgraph

    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.set_content("<div class='cell'>" + subgraph.select_subgraph(mini)._repr_html_() + "</div>")
        frame = page.frames[1]
        deadline = time.monotonic() + 30
        while not frame.evaluate("window.cgSettled === true"):
            assert time.monotonic() < deadline, "the map in the notebook cell never settled"
            time.sleep(0.05)
        assert frame.evaluate("cgNodes.length") == len(subgraph.select_subgraph(mini).net)
        assert page.evaluate("window.__pwned") is None and frame.evaluate("window.__pwned") is None
        # sandboxed without same-origin: the map cannot reach the notebook's page
        assert (
            page.evaluate(
                "(() => { try { return !!frames[0].document; } catch (e) { return 'blocked'; } })()"
            )
            == "blocked"
        )
        assert errors == []
    finally:
        page.close()

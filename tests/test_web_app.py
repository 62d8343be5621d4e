"""The web app of `corpgraph serve` through Starlette's test client (no server, no browser): routes,
security headers, the Host check, read-only refusals, problem documents, caps and the timeout."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from corpgraph.backend.memory import MemoryBackend
from corpgraph.cli import cli
from corpgraph.web.app import create_app
from corpgraph.web.security import CSP
from corpgraph.web.service import ServeSettings
from minigraph import HOSTILE, HOSTILE2, backend_of, e

HOST = "http://127.0.0.1:8000"


class Markup(HTMLParser):
    """The tags and attributes of a page, to find what a browser would run."""

    def __init__(self, html: str):
        super().__init__()
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.inline_scripts += 1  # (a JSON data element is not run)
        self.handlers += [k for k in names if k.startswith("on")]
        for k in ("href", "src", "action", "formaction"):
            if names.get(k):
                self.links.append(names[k])


def client_of(backend, **settings) -> TestClient:
    return TestClient(create_app(backend, ServeSettings(**settings), warm=False), base_url=HOST)


@pytest.fixture(scope="module")
def client(bundled):
    with client_of(bundled, max_rows=5) as c:
        yield c


@pytest.fixture(scope="module")
def hostile(mini):
    with client_of(mini) as c:
        yield c


PAGES = [
    "/",
    "/search?q=citizens",
    "/entity/citizens-financial-group",
    "/paths?from=AWS&to=ICE",
    "/queries",
    "/queries/pledges?run=1",
    "/query?sparql=SELECT+%3Fs+WHERE+%7B+%3Fs+a+cg%3ACompany+%7D",
    "/entity/no-such-thing",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_strict_policy_and_no_inline_script(client, path):
    resp = client.get(path)
    assert resp.status_code in (200, 404), resp.text[:500]
    policy = resp.headers["content-security-policy"]
    if path.startswith("/query"):  # the editor (YASGUI writes <style> elements): styles only
        assert policy == CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    else:
        assert policy == CSP
    assert "default-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"
    html = resp.text
    markup = Markup(html)
    assert markup.inline_scripts == 0 and markup.handlers == []
    assert all(link.startswith(("/", "#", "https://", "http://")) for link in markup.links), markup.links
    assert "Traceback" not in html


def test_host_header_other_than_loopback_is_refused(client):
    resp = client.get("/", headers={"Host": "attacker.example:8000"})
    assert resp.status_code == 421
    assert resp.headers["content-type"] == "application/problem+json"
    assert "attacker" not in resp.json()["detail"]
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8000"}).status_code == 200


def test_allowed_host_names_are_answered(bundled):
    with client_of(bundled, allowed_hosts=("corpgraph.lan",)) as c:
        assert c.get("/", headers={"Host": "corpgraph.lan:8000"}).status_code == 200
        assert c.get("/", headers={"Host": "other.lan"}).status_code == 421


@pytest.mark.parametrize(
    "method, path", [("POST", "/"), ("PUT", "/sparql"), ("DELETE", "/entity/aws"), ("PATCH", "/api/search")]
)
def test_no_route_writes(client, method, path):
    resp = client.request(method, path)
    assert resp.status_code == 405
    assert "read-only" in resp.json()["detail"]
    assert "POST" not in resp.headers["allow"] or path == "/sparql"


def test_search_api_ranks_names_and_aliases(client):
    hits = client.get("/api/search", params={"q": "citizens"}).json()["hits"]
    assert [h["label"] for h in hits[:2]] == ["Citizens Bank", "Citizens Financial Group"]
    assert hits[0]["href"] == "/entity/citizens-bank"
    alias = client.get("/api/search", params={"q": "Amazon Web"}).json()["hits"][0]
    assert alias["iri"].endswith("/aws")


def test_search_finds_identifiers():
    backend = backend_of(
        'ent:acme a cg:Company ; rdfs:label "Acme" ; cg:uei "ABCDEFGH1234" ; cg:wikidata "Q4231" .\n'
        'ent:other a cg:Company ; rdfs:label "Other" ; cg:duns "123456789" .\n'
    )
    with client_of(backend) as c:
        whole = c.get("/api/search", params={"q": "abcdefgh1234"}).json()["hits"]
        assert [(h["label"], h["matched"], h["score"]) for h in whole] == [("Acme", "UEI ABCDEFGH1234", 1.0)]
        start = c.get("/api/search", params={"q": "12345"}).json()["hits"]
        assert start[0]["label"] == "Other" and start[0]["matched"] == "DUNS 123456789"
        qid = c.get("/api/search", params={"q": "q4231"}).json()["hits"]
        assert qid[0]["matched"] == "Wikidata Q4231"
        # the page of an identifier: the exact match opens the entity
        resp = c.get("/search", params={"q": "Q4231"}, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/entity/acme"


def test_entity_page_shows_card_relationships_money_and_sources(client):
    resp = client.get("/entity/citizens-financial-group")
    assert resp.status_code == 200
    html = resp.text
    assert "Citizens Financial Group" in html and "CFG" in html  # label and alias
    assert "credit facility" in html and "bond underwriting" in html  # grouped by kind
    assert "$450,000,000" in html and "$500,000,000" in html
    assert "In July 2025, Citizens provided a $450 million revolving credit line to GEO Group." in html
    assert 'href="https://popular.info/p/the-corporate-enablers-of-the-ice"' in html
    assert 'href="/entity/geo-group"' in html  # the counterparty links to its page
    assert "Money, by kind" in html


def test_entity_page_lists_the_corporate_family(client):
    html = client.get("/entity/citizens-bank").text
    assert "Corporate family" in html and 'href="/entity/citizens-financial-group"' in html


def test_entity_json_groups_relationships_by_kind(client):
    data = client.get("/api/entity/citizens-financial-group").json()
    kinds = {g["kind"]: g for g in data["groups"]}
    assert {"CreditFacility", "BondUnderwriting"} <= set(kinds)
    (tie,) = kinds["CreditFacility"]["ties"]
    assert tie["counterparty_label"] == "GEO Group" and tie["direction"] == "out"
    assert tie["totals"][0]["amount"] == 450000000 and tie["totals"][0]["amount_kind"] == "creditLine"


def test_unknown_entity_suggests_close_matches(client):
    resp = client.get("/entity/palantr")
    assert resp.status_code == 404
    assert 'href="/entity/palantir"' in resp.text and "Did you mean" in resp.text
    problem = client.get("/api/entity/palantr").json()
    assert problem["status"] == 404 and problem["title"] == "Not found"
    assert problem["suggestions"][0]["href"] == "/entity/palantir"
    assert client.get("/api/entity/palantr").headers["content-type"] == "application/problem+json"


def test_ambiguous_name_lists_candidates():
    backend = backend_of(
        'ent:a1 a cg:Company ; rdfs:label "Acme One" ; cg:alias "Acme" .\n'
        'ent:a2 a cg:Company ; rdfs:label "Acme Two" ; cg:alias "Acme" .\n'
    )
    with client_of(backend) as c:
        problem = c.get("/api/entity/Acme").json()
        assert problem["status"] == 409
        assert {x["href"] for x in problem["candidates"]} == {"/entity/a1", "/entity/a2"}
        page = c.get("/entity/Acme")
        assert page.status_code == 409 and 'href="/entity/a2"' in page.text


def test_hub_neighbourhood_is_cut_with_a_note(bundled):
    with client_of(bundled, hub_limit=3) as c:
        doc = c.get("/api/neighbourhood/ice").json()
        assert len(doc["nodes"]) == 4  # ICE and its three busiest neighbours
        notes = doc["meta"]["notes"]
        assert any(re.match(r"showing 3 of \d+ neighbours", n) for n in notes), notes
        html = c.get("/entity/ice").text
        assert "is a hub" in html


def test_path_finder_lists_ranked_paths_with_hops_and_sources(client):
    data = client.get("/api/paths", params={"from": "AWS", "to": "ICE", "max_hops": 2}).json()
    assert data["source"]["label"] == "Amazon Web Services"
    first = data["paths"][0]
    assert first["rank"] == 1 and first["length"] == 2
    assert all(h["sources"] for h in first["hops"]) and first["hops"][0]["records"]
    html = client.get("/paths", params={"from": "AWS", "to": "ICE", "avoid": "Palantir"}).text
    nodes = re.findall(r'data-nodes="([^"]*)"', html)
    assert "cg-path-best" in html and nodes and not [n for n in nodes if "/entity/palantir" in n]


def test_no_path_is_said_beside_the_form(client):
    resp = client.get("/paths", params={"from": "AWS", "to": "ICE", "max_hops": 1})
    assert resp.status_code == 404 and "No path joins" in resp.text
    problem = client.get("/api/paths", params={"from": "AWS", "to": "ICE", "max_hops": 1}).json()
    assert problem["status"] == 404


def test_bad_parameters_are_problems_not_crashes(client):
    for path, word in [
        ("/api/paths?from=AWS&to=ICE&as_of=2025-13", "as_of"),
        ("/api/paths?from=AWS&to=ICE&max_hops=99", "max_hops"),
        ("/api/paths?from=AWS&to=ICE&min_certainty=sure", "min_certainty"),
        ("/export?format=exe", "format"),
    ]:
        resp = client.get(path)
        assert resp.status_code == 400, path
        assert word in resp.json()["detail"]


def test_named_query_form_runs_and_caps_rows(client):
    html = client.get("/queries/pledges?run=1").text
    assert "Bank of America" in html
    assert re.search(r"showing 5 of \d+ rows", html)  # max_rows=5
    form = client.get("/queries/contractors-of").text
    assert 'name="p.agency"' in form and 'data-typeahead="fill"' in form
    assert client.get("/queries/no-such-query").status_code == 404


def test_queries_are_only_the_library_never_a_file(client, tmp_path):
    rq = tmp_path / "x.rq"
    rq.write_text("SELECT * WHERE { ?s ?p ?o }")
    resp = client.get("/export", params={"format": "md", "query": str(rq)})
    assert resp.status_code == 400 and "no query named" in resp.json()["detail"]


def test_editor_runs_sparql_from_its_url(client):
    html = client.get("/query", params={"sparql": "SELECT ?s WHERE { ?s a cg:System }"}).text
    assert 'href="/entity/icm"' in html  # entity IRIs link to their pages
    assert "Show as a network" in html
    refused = client.get(
        "/query", params={"sparql": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}
    )
    assert refused.status_code == 403 and "SERVICE is refused" in refused.text


def test_export_downloads_any_format_of_the_view(client):
    resp = client.get("/export", params={"format": "md", "focus": "Citizens Financial Group"})
    assert resp.status_code == 200
    assert resp.headers["content-disposition"].startswith("attachment;")
    assert "Citizens provided a $450 million revolving credit line to GEO Group." in resp.text
    assert "sandbox" in resp.headers["content-security-policy"]
    zipped = client.get("/export", params={"format": "csv", "from": "AWS", "to": "ICE", "max_hops": 2})
    assert zipped.content[:2] == b"PK"


# -- /sparql -----------------------------------------------------------------------------------------

SELECT = "SELECT ?s ?l WHERE { ?s a cg:System ; rdfs:label ?l } ORDER BY ?l"


def test_sparql_get_answers_results_json(client):
    resp = client.get("/sparql", params={"query": SELECT})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/sparql-results+json")
    data = resp.json()
    assert data["head"]["vars"] == ["s", "l"] and data["results"]["bindings"][0]["s"]["type"] == "uri"


def test_sparql_negotiates_csv_turtle_and_refuses_what_it_cannot_give(client):
    csv = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("s,l")
    ttl = client.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s a cg:System } WHERE { ?s a cg:System }"},
        headers={"Accept": "text/turtle;q=0.9, application/ld+json;q=0.5"},
    )
    assert ttl.headers["content-type"].startswith("text/turtle") and "cg:System" in ttl.text
    nt = client.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s a cg:System } WHERE { ?s a cg:System }"},
        headers={"Accept": "application/n-triples"},
    )
    assert "<https://w3id.org/corpgraph/ns#System>" in nt.text
    assert client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"}).status_code == 406
    ask = client.get("/sparql", params={"query": "ASK { ?s a cg:System }"}).json()
    assert ask["boolean"] is True


def test_sparql_post_form_and_body(client):
    form = client.post("/sparql", data={"query": SELECT})
    body = client.post("/sparql", content=SELECT, headers={"Content-Type": "application/sparql-query"})
    assert form.json() == body.json() == client.get("/sparql", params={"query": SELECT}).json()


@pytest.mark.parametrize(
    "request_kwargs, word",
    [
        ({"method": "GET", "params": {"update": "DROP ALL"}}, "read-only"),
        ({"method": "POST", "data": {"update": "DROP ALL"}}, "read-only"),
        (
            {
                "method": "POST",
                "content": "DROP ALL",
                "headers": {"Content-Type": "application/sparql-update"},
            },
            "read-only",
        ),
        ({"method": "GET", "params": {"query": "DELETE WHERE { ?s ?p ?o }"}}, "refused"),
        (
            {
                "method": "GET",
                "params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
            },
            "SERVICE",
        ),
        (
            {"method": "GET", "params": {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}},
            "FROM",
        ),
        ({"method": "GET", "params": {"query": SELECT, "default-graph-uri": "urn:x"}}, "default-graph-uri"),
    ],
)
def test_sparql_refuses_writes_and_outside_reads(client, request_kwargs, word, listener):
    kwargs = dict(request_kwargs)
    resp = client.request(kwargs.pop("method"), "/sparql", **kwargs)
    assert resp.status_code == 403
    assert resp.headers["content-type"] == "application/problem+json"
    assert word in resp.json()["detail"]
    assert listener.connections == 0


def test_sparql_caps_rows_and_says_so(client):
    resp = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s a ?c }"})
    assert len(resp.json()["results"]["bindings"]) == 5
    assert re.fullmatch(r"showing 5 of \d+", resp.headers["x-corpgraph-rows"])


def test_bad_sparql_is_a_problem_with_its_position(client):
    problem = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s "}).json()
    assert problem["status"] == 400 and problem["detail"].startswith("query:1:19: SPARQL syntax error")
    assert client.get("/sparql").status_code == 400


# -- limits -----------------------------------------------------------------------------------------


class SlowBackend(MemoryBackend):
    """The bundled graph, where a query holding the comment '#slow' takes three seconds."""

    def _run(self, sparql, bindings, max_rows=None):
        if "#slow" in sparql:
            time.sleep(3)
        return super()._run(sparql, bindings, max_rows)


def test_a_query_past_the_timeout_is_stopped_while_others_are_answered(bundled):
    slow = SlowBackend(bundled.graph, "slow")
    with client_of(slow, timeout=0.5, max_concurrent=2) as c:
        c.app.state.service.warm()  # the entity index, built once, before the clock starts
        box = {}
        worker = threading.Thread(
            target=lambda: box.setdefault("r", c.get("/sparql", params={"query": "#slow\nASK { ?s ?p ?o }"}))
        )
        started = time.monotonic()
        worker.start()
        time.sleep(0.1)
        fast = c.get("/api/search", params={"q": "geo"})  # answered while the slow one runs
        assert fast.status_code == 200 and fast.json()["hits"]
        worker.join(10)
        resp = box["r"]
        assert resp.status_code == 503 and resp.headers["retry-after"] == "5"
        assert "did not finish within 0.5 s" in resp.json()["detail"]
        assert time.monotonic() - started < 2.5  # the request did not wait for the query's three seconds


FOREVER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"


def test_a_query_that_would_run_forever_is_stopped_in_its_worker_process(bundled):
    app = create_app(
        bundled, ServeSettings(timeout=2, max_concurrent=1), warm=False, open_args={"graph_dir": None}
    )
    with TestClient(app, base_url=HOST) as c:
        assert app.state.service.workers is None  # started by the first query, not with the server
        deadline = time.monotonic() + 60
        while c.get("/sparql", params={"query": "ASK { ?s a cg:Company }"}).status_code != 200:
            assert time.monotonic() < deadline  # a busy machine may start the child past the timeout
        workers = app.state.service.workers
        (before,) = workers.pids()
        resp = c.get("/sparql", params={"query": FOREVER})
        assert resp.status_code == 503 and "was stopped" in resp.json()["detail"]
        assert before not in workers.pids()  # its process was ended, not left computing
        deadline = time.monotonic() + 60
        while (again := c.get("/sparql", params={"query": "ASK { ?s a cg:Company }"})).status_code != 200:
            assert time.monotonic() < deadline  # the fresh child opens the graph, then answers
        assert again.json()["boolean"] is True
    assert workers.pids() == []  # the app's shutdown ends the pool


def test_an_internal_error_is_a_page_without_a_traceback(bundled, monkeypatch):
    from corpgraph import relations

    def broken(*a, **k):
        raise RuntimeError("secret internals /etc/shadow")

    monkeypatch.setattr(relations, "relationship_groups", broken)
    with TestClient(create_app(bundled, warm=False), base_url=HOST, raise_server_exceptions=False) as c:
        page = c.get("/entity/aws")
        assert page.status_code == 500 and "Internal error" in page.text
        assert "secret" not in page.text and "Traceback" not in page.text
        problem = c.get("/api/entity/aws").json()
        assert problem == {
            "type": "about:blank",
            "title": "Internal error",
            "status": 500,
            "detail": "corpgraph could not answer this request; the server's log says why.",
        }


# -- hostile data --------------------------------------------------------------------------------------


def test_hostile_strings_are_text_in_every_page(hostile):
    pages = [
        hostile.get("/entity/evil"),
        hostile.get("/entity/evil2"),
        hostile.get("/entity/agency"),
        hostile.get("/search", params={"q": "img"}),
        hostile.get("/paths", params={"from": e("evil2"), "to": e("agency"), "soft": "1"}),
        hostile.get("/query", params={"sparql": "SELECT ?l WHERE { ?s rdfs:label ?l }"}),
        hostile.get("/entity/" + HOSTILE),
    ]
    for resp in pages:
        html = resp.text
        assert resp.status_code in (200, 404), html[:300]
        for raw in (HOSTILE, HOSTILE2, "<script>window.__pwned", "<b>bold</b>", "<svg onload"):
            assert raw not in html
        markup = Markup(html)
        assert markup.inline_scripts == 0 and markup.handlers == []
        assert not [u for u in markup.links if not u.startswith(("/", "https://", "http://"))], markup.links
    agency = pages[2].text
    assert "&lt;img src=x onerror=" in agency  # shown, as text
    assert "&lt;script&gt;window.__pwned=3&lt;/script&gt;" in agency  # the source's title, as text
    assert "javascript:window.__pwned=4" not in agency.split("<a ")[-1]  # never a link


def test_hostile_strings_stay_data_in_json(hostile):
    resp = hostile.get("/api/search", params={"q": "script"})
    assert resp.headers["content-type"] == "application/json"
    assert any(h["label"] == HOSTILE2 for h in resp.json()["hits"])


# -- the command ------------------------------------------------------------------------------------


def test_serve_help_teaches(runner):
    result = runner.invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for word in (
        "--host",
        "127.0.0.1",
        "--port",
        "--open",
        "--timeout",
        "read-only",
        "Example:",
        "Exit codes",
    ):
        assert word in result.stdout


def test_serve_on_a_busy_port_exits_4(runner):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        result = runner.invoke(cli, ["serve", "--port", str(port)])
    finally:
        busy.close()
    assert result.exit_code == 4
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr


def test_serve_warns_off_loopback_and_prints_the_url(runner, monkeypatch):
    from corpgraph.cli import serve_cmds

    seen = {}
    monkeypatch.setattr(
        serve_cmds,
        "_run",
        lambda backend, settings, sock, open_args: seen.update(settings=settings, open_args=open_args),
    )
    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0", "--timeout", "7"])
    assert result.exit_code == 0
    assert "Warning: listening on 0.0.0.0" in result.stderr
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\n", result.stdout)
    assert seen["settings"].timeout == 7 and seen["settings"].host == "0.0.0.0"
    assert seen["open_args"] == {"graph_dir": None, "store": None, "endpoint": None}
    quiet = runner.invoke(cli, ["serve", "--port", "0"])
    assert "Warning" not in quiet.stderr


def test_problem_documents_are_json(client):
    resp = client.get("/api/search", params={"limit": "lots"})
    assert resp.status_code == 400
    assert json.loads(resp.text)["detail"].startswith("limit:")


def test_entity_pages_and_path_searches_are_computed_once(bundled, monkeypatch):
    from corpgraph import paths, relations

    calls = {"groups": 0, "paths": 0}
    groups, between = relations.relationship_groups, paths.paths_between

    def counted_groups(*a, **k):
        calls["groups"] += 1
        return groups(*a, **k)

    def counted_paths(*a, **k):
        calls["paths"] += 1
        return between(*a, **k)

    monkeypatch.setattr(relations, "relationship_groups", counted_groups)
    monkeypatch.setattr(paths, "paths_between", counted_paths)
    with client_of(bundled) as c:
        first = c.get("/entity/aws").text
        assert c.get("/entity/aws").text == first and c.get("/api/entity/aws").status_code == 200
        a = c.get("/api/paths", params={"from": "AWS", "to": "ICE"}).json()
        assert c.get("/api/paths", params={"from": "AWS", "to": "ICE"}).json() == a
        c.get("/api/paths", params={"from": "AWS", "to": "ICE", "max_hops": 2})  # another search
    assert calls == {"groups": 1, "paths": 2}


STORY = """# How AWS reaches ICE

## AWS hosts ICM
highlight: AWS, Investigative Case Management
The first step.
"""


def _map_document(html: str) -> dict:
    found = re.search(r'<script id="cg-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page carries no map document"
    return json.loads(found.group(1))


def test_stories_and_the_timeline_are_offered_as_by_corpgraph_map(bundled, tmp_path):
    from corpgraph.story import parse_story

    story = parse_story(STORY, "aws-ice.md")
    with client_of(bundled, stories={"aws-ice": story}) as c:
        home = c.get("/")
        assert 'href="/map?story=aws-ice"' in home.text and "How AWS reaches ICE" in home.text
        page = c.get("/map?story=aws-ice")
        assert page.status_code == 200
        doc = _map_document(page.text)
        step = doc["story"]["steps"][0]
        assert "https://w3id.org/corpgraph/entity/aws" in step["nodes"]
        assert '/static/story.js"' in page.text and Markup(page.text).inline_scripts == 0
        timeline = c.get("/map?timeline=1")
        assert _map_document(timeline.text)["timeline"] and '/static/timeline.js"' in timeline.text
        assert "timeline" not in _map_document(c.get("/map").text)
        missing = c.get("/map?story=nope", headers={"Accept": "application/json"})
        assert missing.status_code == 404 and "aws-ice" in missing.text


def test_serve_refuses_a_bad_story_before_listening(runner, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("# A story\n\n## Step one\nhighlight: Palantr\nCaption.\n", encoding="utf-8")
    r = runner.invoke(cli, ["serve", "--story", str(bad), "--port", "0"])
    assert r.exit_code == 1
    assert "bad.md:4" in r.output and "Palantir" in r.output


def test_the_path_finders_map_lists_the_ranked_paths_like_map_path(client):
    """The network of a path search carries its ranked paths, so the best one is emphasised and the
    others muted, as in `corpgraph map --path`."""
    doc = _map_document(client.get("/map?from=AWS&to=ICE").text)
    assert len(doc["paths"]) > 1
    best = doc["paths"][0]
    assert best["edges"] and "Amazon Web Services" in best["text"]


def test_the_busiest_entities_pages_are_built_at_start(bundled, monkeypatch):
    """A hub's page costs most (ICE holds thousands of records): the app builds the busiest
    entities' views while it starts, and a page asked by any of its names reads the kept view."""
    from corpgraph import relations
    from corpgraph.web.app import warm_hubs

    calls: list[str] = []
    groups = relations.relationship_groups

    def counted_groups(g, iri, **k):
        calls.append(iri)
        return groups(g, iri, **k)

    monkeypatch.setattr(relations, "relationship_groups", counted_groups)
    with client_of(bundled) as c:
        hubs = warm_hubs(c.app.state.service, count=3, min_records=0)
        assert len(hubs) == 3 and calls == hubs
        g = c.app.state.service.net()
        assert all(g.degree(h) >= max(g.degree(n) for n in g if n not in hubs) for h in hubs)
        assert "https://w3id.org/corpgraph/entity/ice" in hubs  # the bundled graph's hub
        assert c.get("/entity/ICE").status_code == 200
        assert c.get("/entity/U.S.%20Immigration%20and%20Customs%20Enforcement").status_code == 200
        for hub in hubs:
            assert c.get(f"/entity/{hub.rsplit('/', 1)[1]}").status_code == 200
    assert calls == hubs  # nothing built twice
    assert warm_hubs(c.app.state.service, min_records=10_000) == []  # no hub that big here


# -- CORS on /sparql (serve --cors-origin) -------------------------------------------------------------

YASGUI = "https://yasgui.example.org"


def test_no_cors_header_by_default(client):
    """Without --cors-origin no answer lets another site's page read it, and a preflight is refused."""
    resp = client.get("/sparql", params={"query": SELECT}, headers={"Origin": YASGUI})
    assert resp.status_code == 200
    assert not [k for k in resp.headers if k.lower().startswith("access-control-")]
    pre = client.options("/sparql", headers={"Origin": YASGUI, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 405 and "access-control-allow-origin" not in pre.headers


def test_cors_allows_the_named_origin_on_sparql_only(bundled):
    with client_of(bundled, cors_origins=(YASGUI, "http://localhost:3000")) as c:
        ok = c.get("/sparql", params={"query": SELECT}, headers={"Origin": YASGUI})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == YASGUI
        assert "X-Corpgraph-Rows" in ok.headers["access-control-expose-headers"]
        assert {v.strip() for v in ok.headers["vary"].split(",")} == {"Accept", "Origin"}
        form = c.post("/sparql", data={"query": SELECT}, headers={"Origin": "http://localhost:3000"})
        assert form.headers["access-control-allow-origin"] == "http://localhost:3000"
        # an error answer is readable too, so the client can show it
        bad = c.get("/sparql", params={"query": "SELEC nothing"}, headers={"Origin": YASGUI})
        assert bad.status_code == 400 and bad.headers["access-control-allow-origin"] == YASGUI

        other = c.get("/sparql", params={"query": SELECT}, headers={"Origin": "https://evil.example"})
        assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
        assert "Origin" in other.headers["vary"]  # a cache must not hand one origin's answer to another
        for path in ("/", "/api/search?q=aws", "/entity/aws", "/static/map.js"):
            resp = c.get(path, headers={"Origin": YASGUI})
            assert resp.status_code == 200, path
            assert not [k for k in resp.headers if k.lower().startswith("access-control-")], path


def test_cors_preflight_is_answered_for_allowed_origins_only(bundled):
    with client_of(bundled, cors_origins=(YASGUI,)) as c:
        asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        pre = c.options("/sparql", headers={"Origin": YASGUI, **asked})
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-origin"] == YASGUI
        assert "POST" in pre.headers["access-control-allow-methods"]
        assert "content-type" in pre.headers["access-control-allow-headers"].lower()
        assert pre.headers["content-security-policy"] == CSP
        refused = c.options("/sparql", headers={"Origin": "https://evil.example", **asked})
        assert "access-control-allow-origin" not in refused.headers
        assert "access-control-allow-methods" not in refused.headers
        elsewhere = c.options("/api/search", headers={"Origin": YASGUI, **asked})
        assert elsewhere.status_code == 405 and "access-control-allow-origin" not in elsewhere.headers
        # still read-only: CORS adds no method to /sparql
        assert c.put("/sparql", headers={"Origin": YASGUI}).status_code == 405


def test_cors_any_origin_with_a_star(bundled):
    with client_of(bundled, cors_origins=("*",)) as c:
        resp = c.get("/sparql", params={"query": SELECT}, headers={"Origin": "https://anywhere.example"})
        assert resp.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in resp.headers
        assert "access-control-allow-origin" not in c.get("/api/queries").headers


def test_serve_cors_origin_is_checked_and_star_warns(runner, monkeypatch):
    from corpgraph.cli import serve_cmds

    seen = {}
    monkeypatch.setattr(
        serve_cmds, "_run", lambda backend, settings, sock, open_args: seen.update(s=settings)
    )
    args = [
        "serve",
        "--port",
        "0",
        "--cors-origin",
        "HTTPS://YASGUI.example.org/",
        "--cors-origin",
        "http://a:3000",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0 and "Warning" not in result.stderr
    assert seen["s"].cors_origins == ("https://yasgui.example.org", "http://a:3000")
    star = runner.invoke(cli, ["serve", "--port", "0", "--cors-origin", "*"])
    assert star.exit_code == 0 and "Warning: --cors-origin '*'" in star.stderr
    assert seen["s"].cors_origins == ("*",)
    for bad in ("yasgui.example.org", "https://yasgui.example.org/sparql", "ftp://x"):
        wrong = runner.invoke(cli, ["serve", "--port", "0", "--cors-origin", bad])
        assert wrong.exit_code == 2 and "--cors-origin" in wrong.stderr and "not an origin" in wrong.stderr

"""The interactive map page (issue 4, section 2), checked as text: offline, escaped, styled.
tests/test_map_browser.py opens the same pages in headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from corpgraph import render, subgraph
from corpgraph.cli import cli
from corpgraph.errors import ExportError
from corpgraph.ontology import bundled_ontology
from corpgraph.vocab import CG
from minigraph import HOSTILE, HOSTILE2, HOSTILE_TYPE, e, r


@pytest.fixture(scope="module")
def whole(mini):
    return subgraph.select_subgraph(mini)


@pytest.fixture(scope="module")
def page(whole) -> str:
    return render.render_map(whole)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    return p


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def data_of(page: str) -> dict:
    m = re.search(r'<script id="cg-data" type="application/json">(.*?)</script>', page, flags=re.S)
    assert m
    return json.loads(m.group(1))


def test_page_is_offline_and_has_the_csp(page):
    tags = parse(page)
    metas = [a for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(metas) == 1
    csp = dict(part.strip().split(" ", 1) for part in metas[0]["content"].split(";"))
    assert csp["default-src"] == "'none'" and csp["img-src"] == "data:"
    assert "unsafe-inline" not in metas[0]["content"]
    # each inline script and style is allowed by its own hash, and nothing else is
    scripts = [s for s in tags.scripts if s and not s.startswith("{")]
    assert sorted(csp["script-src"].split()) == sorted(_hash(s) for s in scripts)
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert len(styles) == 2 and sorted(csp["style-src"].split()) == sorted(_hash(s) for s in styles)
    assert not [a for t, a in tags.tags if "style" in a]  # no style attribute: the CSP would block it
    assert not [a for t, a in tags.tags if t in ("link", "iframe", "img", "object", "embed")]
    assert not [a for t, a in tags.tags if t == "script" and "src" in a]
    assert "cdnjs" not in page and "jsdelivr" not in page and "bootstrap" not in page.lower()
    assert "vis-network" in page or "vis.Network" in page  # the library is inlined


def test_hostile_strings_never_appear_raw(page):
    assert HOSTILE not in page and "<img" not in page and "<svg" not in page
    tags = parse(page)
    # every </script> closes one of our own script elements
    assert page.count("</script>") == sum(1 for t, _ in tags.tags if t == "script")
    assert "window.__pwned" in page  # the payloads are there, as inert data
    assert "\u2028" not in page and "\u2029" not in page


def test_data_round_trips_through_the_json(page, whole):
    data = data_of(page)
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert labels[e("evil")] == HOSTILE and labels[e("evil2")] == HOSTILE2
    assert next(n for n in data["nodes"] if n["id"] == e("evil2"))["typeLabel"] == HOSTILE_TYPE
    assert len(data["nodes"]) == whole.net.number_of_nodes()
    assert len(data["edges"]) == whole.net.number_of_edges()
    c2 = next(x for x in data["edges"] if x["records"] == [r("c2")])
    assert "</script><script>window.__pwned=5</script>" in c2["quotes"][0]
    assert "\u2028" in c2["quotes"][0]
    bad_source = next(s for s in data["sources"] if s["title"].startswith("<script>"))
    assert bad_source["url"] is None  # javascript: URLs are never links


def test_scripts_never_parse_data_as_html(page):
    ours = (render.STATIC / "map.js").read_text()
    assert ours in parse(page).scripts  # inlined as it is
    assert "innerHTML" not in ours and "outerHTML" not in ours and "insertAdjacentHTML" not in ours
    assert "document.write" not in ours and "eval(" not in ours
    assert "textContent" in ours


def test_user_text_is_escaped(whole):
    page = render.render_map(whole, title=HOSTILE, caption=HOSTILE2, credit="<b>credit</b>")
    assert "<img" not in page and "<b>credit" not in page
    assert "&lt;img src=x onerror=&#34;window.__pwned=1;alert(1)&#34;&gt;" in page
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;" in page


def test_visual_language(page, whole):
    data = data_of(page)
    edges = {x["records"][0]: x for x in data["edges"] if x["count"] == 1}
    assert "dashed" not in edges[r("c1")] and "colour" not in edges[r("c1")]  # confirmed: the default line
    assert edges[r("c2")]["dashed"] is True  # alleged
    assert edges[r("loan")]["dashed"] is True  # likely
    assert edges[r("st")]["dashed"] is True and edges[r("st")]["colour"] == render.DENIED_COLOUR
    assert data["options"]["edges"]["color"]["color"] == render.EDGE_COLOUR
    assert edges[r("host")]["width"] == 1.0  # no money
    # widths and sizes show one amount kind, obligations by default: other kinds are not added in
    assert edges[r("c2")]["width"] > 1.0 and edges[r("c1")]["width"] == edges[r("loan")]["width"] == 1.0
    assert "obligated money" in page and "other kinds of money are not counted" in page
    # a line reads as the verb the CLI uses, with its amount
    assert edges[r("c1")]["label"] == "contracts · $1M contract value"
    assert edges[r("sub1")]["label"] == edges[r("sub1")]["verb"] != "sub-agency"
    assert edges[r("c1")]["amount"] == "$1,000,000 contract value"
    assert edges[r("c2")]["when"] == "2020 to 2021"
    assert edges[r("c1")]["quotes"] == ["The agency awarded Acme a contract."]
    assert edges[r("c1")]["verb"] == "contracts"
    assert edges[r("c1")]["id"] == render.edge_id(e("agency"), "Contract", e("acme"))  # stable
    nodes = {x["id"]: x for x in data["nodes"]}
    assert (edges[r("c1")]["from"], edges[r("c1")]["to"]) == (
        nodes[e("agency")]["id"],
        nodes[e("acme")]["id"],
    )
    assert (
        nodes[e("acme")]["colour"] == bundled_ontology().style(str(CG.Company)).colour
    )  # as the ontology says
    assert nodes[e("agency")]["shape"] == "square" and nodes[e("tracker")]["shape"] == "diamond"
    assert nodes[e("acme")]["size"] > nodes[e("lonely")]["size"]  # money on its edges
    types = {t["type"]: t["label"] for t in data["legend"]["types"]}
    assert types["HostileKind"] == '<svg onload="window.__pwned=6">' and types["Company"] == "Company"
    assert whole.version in page and "whole graph" in page
    assert data["physics"] is True and "x" not in nodes[e("acme")]


def test_big_maps_get_positions_and_no_physics(whole):
    data = data_of(render.render_map(whole, large=3))
    assert data["physics"] is False and data["options"]["physics"]["enabled"] is False
    columns = data["packed"]["nodes"]  # a large map's document is packed (render.pack_document)
    assert len(columns["x"]) == len(whole.net) and all(
        isinstance(c, float) for c in columns["x"] + columns["y"]
    )


def details_of(page: str) -> list:
    m = re.search(r'<script id="cg-data-details" type="application/json">(.*?)</script>', page, flags=re.S)
    assert m
    return [json.loads(line) for line in m.group(1).split("\n")]


def test_large_maps_are_packed_into_columns_and_a_table_of_details(whole):
    """Issue 11: what a large map's first frame needs is columns (ends as entity indices, tie ids in
    one string); records, sources, quotes and money wait in a table of one JSON line per item."""
    doc = render.map_document(whole, large=1)
    page = render.render_document(doc)
    data, lines = data_of(page), details_of(page)
    assert "nodes" not in data and "edges" not in data
    cols, keys = data["packed"], data["packed"]["detailKeys"]
    nodes, edges = doc["nodes"], doc["edges"]
    assert cols["nodes"]["id"] == [n["id"] for n in nodes] and len(lines) == len(nodes) + len(edges)
    assert cols["hexIds"] and cols["edges"]["id"] == "".join(x["id"][1:] for x in edges)
    ends = [
        (cols["nodes"]["id"][a], cols["nodes"]["id"][b])
        for a, b in zip(cols["edges"]["from"], cols["edges"]["to"], strict=True)
    ]
    assert ends == [(x["from"], x["to"]) for x in edges]
    for i, x in enumerate(edges):  # every field of every line is in one place or the other
        detail = dict(zip(keys["edges"], lines[len(nodes) + i], strict=False))  # trailing nulls cut
        assert {k: v for k, v in detail.items() if v is not None} == {
            k: v for k, v in x.items() if k not in render.PACKED_EDGE_KEYS
        }
        assert cols["certainties"][cols["edges"]["certainty"][i]] == x["certainty"]
        assert cols["kinds"][cols["edges"]["kind"][i]] == [x["verb"], x["kind"]]
        assert bool(cols["edges"]["flags"][i] & 1) == bool(x.get("dashed"))
    assert "records" in keys["edges"] and "sources" in keys["edges"] and "money" in keys["nodes"]
    assert HOSTILE not in page.split('id="cg-data-details"')[1]  # escaped for the script element
    assert "</script" not in page.split('id="cg-data-details"')[1].split("</script>")[0]
    # small maps keep the plain document
    assert "nodes" in data_of(render.render_document(render.map_document(whole)))


def test_big_map_layout_keeps_small_parts_beside_the_biggest(whole):
    pos = render.precompute_layout(whole.net)
    assert set(pos) == set(whole.net.nodes)
    assert len(set(pos.values())) == len(pos)  # no two entities on the same spot
    main = [n for n in whole.net if n != e("lonely")]
    assert pos[e("lonely")][1] > max(pos[n][1] for n in main)  # the isolated entity sits below
    assert render.precompute_layout(whole.net) == pos  # repeatable


def test_size_by_one_amount_kind(whole):
    data = data_of(render.render_map(whole, size_by="credit line"))
    edges = {x["records"][0]: x for x in data["edges"]}
    nodes = {x["id"]: x for x in data["nodes"]}
    assert edges[r("loan")]["width"] > 1.0 and edges[r("c1")]["width"] == edges[r("c2")]["width"] == 1.0
    assert nodes[e("acme")]["size"] == nodes[e("bank")]["size"] == 40.0  # both ends of the one credit line
    # the card lists each kind on its own line, never a sum of kinds ($6M would be contract value + credit line)
    assert nodes[e("acme")]["money"] == [
        "contract value, received: $1M (1 record)",
        "credit line, received: $5M (1 record)",
    ]
    assert "credit line money on its ties" in render.render_map(whole, size_by="creditLine")
    with pytest.raises(ExportError, match="no money of that kind.*contractValue, creditLine, obligated"):
        render.node_sizes(whole.net, "bond issue")


def test_size_by_degree(whole):
    sizes = render.node_sizes(whole.net, "degree")
    assert sizes[e("acme")] > sizes[e("dept")] > sizes[e("lonely")]
    with pytest.raises(ExportError):
        render.node_sizes(whole.net, "colour")


def test_script_json_escapes_script_breakers():
    text = render.script_json({"a": "</script><!-- & \u2028\u2029 >"})
    assert (
        "<" not in text
        and ">" not in text
        and "&" not in text
        and "\u2028" not in text
        and "\u2029" not in text
    )
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029 >"}


def test_path_map_highlights(mini):
    sub = subgraph.select_subgraph(mini, path=("First Bank", "TrackDB"))
    data = data_of(render.render_map(sub))
    hl = [n for n in data["nodes"] if n.get("highlight")]
    assert {n["id"] for n in hl} == {e("bank"), e("tracker")}
    assert all(x.get("highlight") for x in data["edges"])


def test_write_map_refuses_a_folder(whole, tmp_path):
    with pytest.raises(ExportError):
        render.write_map(whole, tmp_path)


def test_cli_map(runner, mini_dir, tmp_path):
    out = tmp_path / "m.html"
    result = runner.invoke(
        cli,
        [
            "map",
            "--graph",
            str(mini_dir),
            "--focus",
            "Acme Corp",
            "--size-by",
            "degree",
            "--title",
            "Acme's partners",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert re.search(
        r"Wrote .*m\.html: 5 entities, 4 relationships \(focus Acme Corp \(depth 1\); graph version",
        result.stderr,
    )
    page = out.read_text()
    assert "Acme&#39;s partners" in page and "Node size: number of relationships" in page
    assert len(data_of(page)["nodes"]) == 5


def test_cli_map_needs_output(runner, mini_dir):
    result = runner.invoke(cli, ["map", "--graph", str(mini_dir)])
    assert result.exit_code == 2 and "--output" in result.stderr


def test_cli_map_unknown_focus_writes_nothing(runner, mini_dir, tmp_path):
    out = tmp_path / "m.html"
    result = runner.invoke(cli, ["map", "--graph", str(mini_dir), "--focus", "Zzyzx", "-o", str(out)])
    assert result.exit_code == 1 and "No entity matches 'Zzyzx'" in result.stderr
    assert not out.exists()


def test_bundled_map_renders(bundled, bundled_net):
    sub = subgraph.select_subgraph(bundled, net=bundled_net)
    page = render.render_map(sub)
    assert len(data_of(page)["nodes"]) == bundled_net.number_of_nodes()


def test_cli_map_path_without_connection_exits_3(runner, mini_dir, tmp_path):
    out = tmp_path / "p.html"
    result = runner.invoke(
        cli, ["map", "--graph", str(mini_dir), "--path", "Lonely Ltd", "Acme Corp", "-o", str(out)]
    )
    assert result.exit_code == 3, result.stderr
    assert not out.exists()


def test_cli_map_path_highlighted(runner, mini_dir, tmp_path):
    out = tmp_path / "p.html"
    result = runner.invoke(
        cli, ["map", "--graph", str(mini_dir), "--path", "First Bank", "TrackDB", "--embed", "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    data = data_of(out.read_text())
    assert {n["id"] for n in data["nodes"] if n.get("highlight")} == {e("bank"), e("tracker")}
    assert 'class="cg-page cg-embed"' in out.read_text()


def test_linked_page_for_the_app_has_no_inline_script(whole):
    page = render.render_map(whole, assets="linked", static_prefix="/assets/")
    tags = parse(page)
    srcs = [a["src"] for t, a in tags.tags if t == "script" and "src" in a]
    assert srcs == ["/assets/vis-network.min.js", "/assets/map.js"]
    inline = [a for t, a in tags.tags if t == "script" and "src" not in a]
    assert inline == [{"id": "cg-data", "type": "application/json"}]  # data, never run
    assert [s for s in tags.scripts if s.strip() and not s.startswith("{")] == []
    assert not any(k.startswith("on") for _t, a in tags.tags for k in a)  # no inline handler
    assert [a["href"] for t, a in tags.tags if t == "link"] == ["/assets/vis-network.css", "/assets/map.css"]
    assert "<style>" not in page and "unsafe-inline" not in page
    assert data_of(page) == data_of(render.render_map(whole))  # the same document as the file


def test_static_assets_are_served_by_name():
    body, kind = render.static_asset("map.js")
    assert kind.startswith("text/javascript") and b"mountMap" in body
    assert b"vis-network" in render.static_asset("vis-network.min.js")[0]
    assert render.static_asset("map.css")[1].startswith("text/css")
    for bad in ("../render.py", "/etc/passwd", "nothing.js", "__init__.py"):
        with pytest.raises(KeyError):
            render.static_asset(bad)


def test_map_document_for_the_app(whole):
    doc = render.map_document(whole)
    assert {n["id"] for n in doc["nodes"]} == set(whole.ties.nodes)
    ids = [x["id"] for x in doc["edges"]]
    assert len(set(ids)) == len(ids) and ids == [x["id"] for x in render.map_document(whole)["edges"]]
    records = [rec for x in doc["edges"] for rec in x["records"]]
    assert sorted(records) == sorted(whole.records)  # every record is on one edge
    assert doc["meta"]["version"] == whole.version and doc["paths"] == []
    json.dumps(doc)  # JSON-ready


def test_layout_file_keeps_the_map_in_place(runner, mini_dir, tmp_path, whole):
    doc = render.map_document(whole)
    saved = {n["id"]: [i * 50.0, -i * 25.5] for i, n in enumerate(doc["nodes"])}
    layout = tmp_path / "layout.json"
    layout.write_text(json.dumps({"corpgraph_layout": 1, "version": whole.version, "positions": saved}))
    for command in (["map", "-o"], ["export", "-f", "html", "-o"]):
        out = tmp_path / "m.html"
        result = runner.invoke(
            cli, [*command[:-1], "--graph", str(mini_dir), "--layout", str(layout), "-o", str(out)]
        )
        assert result.exit_code == 0, result.stderr
        data = data_of(out.read_text())
        assert {n["id"]: [n["x"], n["y"]] for n in data["nodes"]} == saved  # drawn where they were saved
        assert data["physics"] is False
    # a layout that misses some entities: those settle around the ones that keep their place
    part = dict(list(saved.items())[:3])
    doc = render.map_document(whole, layout={k: (v[0], v[1]) for k, v in part.items()})
    assert doc["physics"] is True
    assert {n["id"] for n in doc["nodes"] if n.get("fixed")} == set(part)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"layout file .*bad\.json, line 1: not JSON"),
        ('{"nodes": []}', r"layout file .*bad\.json: no 'positions' object"),
        (
            '{"positions": {"https://x/e": [1, "two"]}}',
            r"positions\['https://x/e'\] must be \[x, y\] numbers",
        ),
        ('{"positions": {"https://x/e": [1, NaN]}}', r"must be \[x, y\] numbers"),
    ],
)
def test_bad_layout_file_is_refused_naming_the_file(runner, mini_dir, tmp_path, text, message):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    out = tmp_path / "m.html"
    result = runner.invoke(cli, ["map", "--graph", str(mini_dir), "--layout", str(bad), "-o", str(out)])
    assert result.exit_code == 1 and re.search(message, result.stderr), result.stderr
    assert not out.exists()


def test_missing_layout_file_and_layout_outside_html(runner, mini_dir, tmp_path):
    result = runner.invoke(
        cli, ["map", "--graph", str(mini_dir), "--layout", str(tmp_path / "no.json"), "-o", "x.html"]
    )
    assert result.exit_code == 1 and "no.json: cannot read it" in result.stderr
    result = runner.invoke(cli, ["export", "-f", "md", "--graph", str(mini_dir), "--layout", "x.json"])
    assert result.exit_code == 2 and "--layout applies to --format html" in result.stderr


def test_only_plain_colours_and_shapes_reach_the_page():
    from corpgraph.ontology import ClassStyle

    class Hostile:
        def __init__(self, style):
            self._style = style

        def style(self, _name):
            return self._style

    for bad in (
        ClassStyle("url(https://example.org/x.png)", "dot", "ellipse"),
        ClassStyle("#fff; background: url(//x)", "dot", "ellipse"),
        ClassStyle("#123456", "dot url(x)", "ellipse"),
    ):
        colour, shape, _ = render.type_style("Company", Hostile(bad))  # type: ignore[arg-type]
        assert colour in render._EXTRA_COLOURS and shape == "dot"
    assert render.type_style("Company", Hostile(ClassStyle("#1f77b4", "square", "box")))[:2] == (
        "#1f77b4",
        "square",
    )

"""`corpgraph export`: every format read back by an independent reader (issue 4, section 3)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from corpgraph import subgraph
from corpgraph.cli import cli
from corpgraph.errors import ExportError
from corpgraph.export import EXPORTERS, export_subgraph
from corpgraph.vocab import CG, SCHEMA
from minigraph import HOSTILE, HOSTILE2, e, r


@pytest.fixture(scope="module")
def whole(mini):
    return subgraph.select_subgraph(mini)


@pytest.fixture(scope="module")
def focus(mini):
    return subgraph.select_subgraph(mini, focus=["TrackDB"], depth=2, min_certainty="denied")


def expected_rdf(full: Graph, sub: subgraph.Subgraph) -> Graph:
    """The selected subgraph computed with rdflib directly, not through SPARQL."""
    subjects = {URIRef(x) for x in [*sub.records, *sub.entities]}
    subjects |= {o for rec in sub.records for o in full.objects(URIRef(rec), CG.source)}
    out = Graph()
    for s in subjects:
        for t in full.triples((s, None, None)):
            out.add(t)
    ns = str(CG._NS)
    terms = {t for (_, p, o) in out for t in (p, o) if isinstance(t, URIRef) and str(t).startswith(ns)}
    for t in list(terms):
        for rel in (RDFS.subClassOf, RDFS.subPropertyOf):
            terms |= {x for x in full.transitive_objects(t, rel) if str(x).startswith(ns)}
    for t in terms:
        for triple in full.triples((t, None, None)):
            out.add(triple)
    return out


def without_provenance(g: Graph, version: str) -> Graph:
    nodes = list(g.subjects(RDF.type, PROV.Entity))
    export_nodes = [n for n in nodes if str(n).startswith("urn:corpgraph:export:")]
    assert len(export_nodes) == 1, "one provenance node"
    node = export_nodes[0]
    assert str(g.value(node, SCHEMA.version)) == version
    assert g.value(node, DCTERMS.description) is not None
    for t in list(g.triples((node, None, None))):
        g.remove(t)
    return g


@pytest.mark.parametrize("fmt,parser", [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")])
@pytest.mark.parametrize("which", ["whole", "focus"])
def test_rdf_formats_are_isomorphic_to_the_selection(mini, whole, focus, tmp_path, fmt, parser, which):
    sub = whole if which == "whole" else focus
    out = tmp_path / f"sub.{fmt}"
    export_subgraph(sub, mini, fmt, out)
    back = Graph().parse(out, format=parser)
    back = without_provenance(back, mini.version())
    assert isomorphic(back, expected_rdf(mini.to_graph(), sub))
    if fmt != "jsonld":
        assert f"# graph version: {mini.version()}" in out.read_text()


def test_rdf_export_of_focus_leaves_out_unselected(mini, focus, tmp_path):
    out = tmp_path / "f.ttl"
    export_subgraph(focus, mini, "ttl", out)
    g = Graph().parse(out)
    assert (URIRef(r("host")), None, None) in g
    assert (URIRef(r("sub1")), None, None) not in g
    assert (URIRef(e("dept")), None, None) not in g


def _compare_network(back: nx.DiGraph, sub: subgraph.Subgraph) -> None:
    assert set(back.nodes) == set(sub.net.nodes)
    for n, d in sub.net.nodes(data=True):
        assert back.nodes[n]["label"] == d["label"]
        assert back.nodes[n]["type"] == d["type"]
    want = sorted((u, v, k) for u, v, k in sub.net.edges(keys=True))
    got = sorted((u, v, d["record"]) for u, v, d in back.edges(data=True))
    assert got == want
    by_record = {d["record"]: d for _, _, d in back.edges(data=True)}
    for _, _, k, d in sub.net.edges(keys=True, data=True):
        b = by_record[k]
        assert b["kind"] == d["kind"]
        assert b["certainty"] == d["certainty"]
        if d.get("amount") is not None:
            assert float(b["amount"]) == float(d["amount"])
            assert b["amount_exact"] == str(d["amount"])
        else:
            assert "amount" not in b
        assert b.get("date", "") == (d.get("date") or "")
        assert b.get("start_date", "") == (d.get("start") or "")
        urls = [s["url"] for s in d["sources"] if s.get("url")]
        assert b.get("source_urls", "").split(" | ") == urls or (not urls and "source_urls" not in b)


def test_graphml_reads_back_in_networkx(mini, whole, tmp_path):
    out = tmp_path / "g.graphml"
    export_subgraph(whole, mini, "graphml", out, per_record=True)
    back = nx.read_graphml(out, force_multigraph=True)
    assert isinstance(back, nx.MultiDiGraph)
    _compare_network(back, whole)
    assert back.graph["graph_version"] == mini.version()
    assert back.graph["selection"] == "whole graph"
    assert "https://example.org/report-a" in back.graph["sources"]


def test_gexf_reads_back_in_networkx(mini, whole, tmp_path):
    out = tmp_path / "g.gexf"
    export_subgraph(whole, mini, "gexf", out, per_record=True)
    back = nx.read_gexf(out)  # networkx returns a DiGraph when no two edges share their ends
    assert back.is_directed()
    _compare_network(back, whole)
    meta = next(el for el in ElementTree.parse(out).getroot().iter() if el.tag.endswith("}description"))
    assert meta is not None and mini.version() in meta.text and "https://example.org/report-a" in meta.text


def _tie_graph():
    from minigraph import backend_of, entities, rec

    money = '; cg:amount "{}"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:{} ; cg:date "2025-0{}-01" '
    return backend_of(
        entities("buyer", cls="GovernmentBody")
        + entities("seller")
        + "".join(
            rec(
                f"c{i}",
                "Contract",
                "cg:buyer ent:buyer ; cg:supplier ent:seller",
                extra=money.format(i, "obligated", i),
            )
            for i in range(1, 4)
        )
        + rec(
            "c9",
            "Contract",
            "cg:buyer ent:buyer ; cg:supplier ent:seller",
            extra=money.format(50, "ceiling", 9),
        )
    )


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_exports_give_one_edge_per_tie_unless_per_record(tmp_path, fmt):
    b = _tie_graph()
    sub = subgraph.select_subgraph(b)
    read = (lambda p: nx.read_graphml(p, force_multigraph=True)) if fmt == "graphml" else nx.read_gexf
    export_subgraph(sub, b, fmt, tmp_path / f"ties.{fmt}")
    (tie,) = [d for _u, _v, d in read(tmp_path / f"ties.{fmt}").edges(data=True)]
    assert tie["records"] == 4 and tie["kind"] == "Contract"
    assert tie["total_obligated_USD"] == 6.0 and tie["total_ceiling_USD"] == 50.0  # never 56
    assert (tie["first_date"], tie["last_date"]) == ("2025-01-01", "2025-09-01")
    export_subgraph(sub, b, fmt, tmp_path / f"records.{fmt}", per_record=True)
    assert read(tmp_path / f"records.{fmt}").number_of_edges() == 4


def test_figure_draws_one_line_per_tie():
    from corpgraph.export.figure import build_dot

    b = _tie_graph()
    dot = build_dot(subgraph.select_subgraph(b)).source
    assert dot.count(" -> ") == 1 and "contract ×4" in dot
    assert "obligated money on its ties" in dot


@pytest.mark.parametrize("target", ["folder", "zip"])
def test_csv_folder_or_zip(mini, whole, tmp_path, target):
    out = tmp_path / ("csv" if target == "folder" else "sub.zip")
    export_subgraph(whole, mini, "csv", out)
    if target == "zip":
        with zipfile.ZipFile(out) as z:
            files = {n: z.read(n).decode() for n in z.namelist()}
    else:
        files = {p.name: p.read_text() for p in out.iterdir()}
    assert {"nodes.csv", "edges.csv", "provenance.csv"} <= set(files)
    nodes = list(csv.DictReader(io.StringIO(files["nodes.csv"])))
    edges = list(csv.DictReader(io.StringIO(files["edges.csv"])))
    assert {n["id"] for n in nodes} == set(whole.net.nodes)
    assert sorted(x["record"] for x in edges) == sorted(whole.records)
    c1 = next(x for x in edges if x["record"] == r("c1"))
    assert c1["sources"] == "https://example.org/report-a" and c1["amount"] == "1000000"
    assert c1["source"] == e("agency") and c1["target"] == e("acme") and c1["certainty"] == "confirmed"
    assert next(x for x in nodes if x["id"] == e("evil"))["label"] == HOSTILE
    assert mini.version() in files["provenance.csv"]


def _svg_text(svg: bytes) -> tuple[ElementTree.Element, str]:
    root = ElementTree.fromstring(svg)  # raises on malformed XML
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    return root, " ".join(" ".join(texts).split())


def test_svg_is_well_formed_and_names_every_node(mini, whole, tmp_path):
    out = tmp_path / "fig.svg"
    export_subgraph(whole, mini, "svg", out)
    root, text = _svg_text(out.read_bytes())
    for _, d in whole.net.nodes(data=True):
        assert " ".join(d["label"].split()) in text, d["label"]
    assert not [el for el in root.iter() if el.tag.endswith("}script") or el.tag == "script"]
    assert not any(k.lower().startswith("on") for el in root.iter() for k in el.attrib)
    assert mini.version() in text and "Government body" in text and "whole graph" in text


def test_png_is_a_png(mini, focus, tmp_path):
    out = tmp_path / "fig.png"
    export_subgraph(focus, mini, "png", out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_refuse_unreadable_selections(mini, whole, tmp_path, monkeypatch):
    from corpgraph.export import figure

    monkeypatch.setattr(figure, "FIGURE_LIMIT", 3)
    with pytest.raises(ExportError, match="too many for a print figure"):
        export_subgraph(whole, mini, "svg", tmp_path / "x.svg")
    assert not (tmp_path / "x.svg").exists()


def test_markdown_fact_list_has_one_footnote_per_source(mini, whole, tmp_path):
    """Issue 12 §4: a sentence per record, each footnoted to its sources; one footnote per source
    however many facts cite it; the quotes one per paragraph, each attributed."""
    out = tmp_path / "facts.md"
    export_subgraph(whole, mini, "md", out)
    text = out.read_text()
    facts = re.findall(r"^\d+\. (.*?)((?:\[\^\d+\])+)$", text, flags=re.M)
    assert len(facts) == len(set(whole.records))
    defs = re.findall(r"^\[\^(\d+)\]: (.*)$", text, flags=re.M)
    assert [n for n, _ in defs] == ["1", "2"]  # two sources, two footnotes, for six facts
    cited = {int(n) for _, marks in facts for n in re.findall(r"\d+", marks)}
    assert cited == {1, 2}
    report_a = next(body for _n, body in defs if "Report A" in body)
    assert "<https://example.org/report-a>" in report_a and "Example News" in report_a
    sentences = [s for s, _ in facts]
    assert (
        "In March 2024, Border Agency awarded Acme Corp a contract worth USD 1 million (contract value)."
        in (sentences)
    )
    assert (
        "In June 2023, First Bank likely provided a USD 5 million credit facility to Acme Corp." in sentences
    )
    assert "Acme Corp hosts TrackDB for Border Agency." in sentences
    assert "   > “The agency awarded Acme a contract.” — Example News" in text.splitlines()
    assert "## Sources" in text and "## Money" in text
    assert (
        "| Border Agency | Acme Corp | contract | $1,000,000 | contract value | 2024-03 | confirmed |" in text
    )
    assert mini.version() in text
    # hostile strings are inert: no raw tags, no javascript: link
    bare = re.sub(r"<https?://[^\s<>]+>", "", text)  # autolinks are the only tags left
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", bare)
    assert not re.search(r"(?<!\\)\]\(javascript:", text) and "<javascript:" not in text


def test_html_export_is_the_embeddable_map(mini, focus, tmp_path):
    out = tmp_path / "map.html"
    export_subgraph(focus, mini, "html", out)
    page = out.read_text()
    assert "default-src 'none'" in page and 'class="cg-page cg-embed"' in page
    assert "https://" not in page.split('<script id="cg-data"')[0].replace("https://w3id.org", "")


def test_unknown_format_is_refused_with_the_list_of_formats():
    with pytest.raises(ExportError, match=r"unknown export format 'docx'; formats: ttl, jsonld, nt, "):
        export_subgraph(None, None, "docx", "x.docx")  # type: ignore[arg-type]


def test_binary_and_multi_file_formats_need_a_path(mini, whole):
    with pytest.raises(ExportError, match="-o"):
        export_subgraph(whole, mini, "png", "-")
    with pytest.raises(ExportError, match="-o"):
        export_subgraph(whole, mini, "csv", None)


# -- through the CLI ------------------------------------------------------------------------------


def test_cli_export_ttl_to_stdout(runner, mini_dir, mini):
    result = runner.invoke(
        cli, ["export", "--graph", str(mini_dir), "-f", "ttl", "--focus", "ACME", "--depth", "0"]
    )
    assert result.exit_code == 0, result.stderr
    g = Graph().parse(data=result.stdout, format="turtle")
    assert (URIRef(e("acme")), None, None) in g
    assert "selection: focus ACME (depth 0)" in result.stdout


def test_cli_export_writes_file_and_reports(runner, mini_dir, tmp_path):
    out = tmp_path / "facts.md"
    result = runner.invoke(
        cli,
        [
            "export",
            "--graph",
            str(mini_dir),
            "-f",
            "md",
            "--kinds",
            "Contract,Hosting",
            "--min-certainty",
            "reported",
            "-o",
            str(out),
            "--title",
            "Who hosts what",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "Wrote" in result.stderr and "2 relationships" in result.stderr
    assert out.read_text().startswith("# Who hosts what")


def test_cli_export_bad_kind_writes_nothing(runner, mini_dir, tmp_path):
    out = tmp_path / "x.ttl"
    result = runner.invoke(
        cli, ["export", "--graph", str(mini_dir), "-f", "ttl", "--kinds", "Nope", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "unknown relationship kind 'Nope'" in result.stderr
    assert not out.exists()


def test_cli_export_unknown_entity(runner, mini_dir, tmp_path):
    result = runner.invoke(
        cli,
        ["export", "--graph", str(mini_dir), "-f", "md", "--focus", "Nobody", "-o", str(tmp_path / "x.md")],
    )
    assert result.exit_code == 1 and "No entity matches 'Nobody'" in result.stderr


def test_cli_export_png_needs_output(runner, mini_dir):
    result = runner.invoke(cli, ["export", "--graph", str(mini_dir), "-f", "png"])
    assert result.exit_code == 1 and "-o" in result.stderr


def test_cli_export_bad_as_of(runner, mini_dir):
    result = runner.invoke(cli, ["export", "--graph", str(mini_dir), "-f", "md", "--as-of", "someday"])
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_cli_export_csv_zip(runner, mini_dir, tmp_path):
    out = tmp_path / "c.zip"
    result = runner.invoke(cli, ["export", "--graph", str(mini_dir), "-f", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert set(zipfile.ZipFile(out).namelist()) == {"nodes.csv", "edges.csv", "provenance.csv"}


def test_help_and_readme_describe_every_format(runner):
    """Each format is named as a word: in the --help block that describes them, and in the README."""
    result = runner.invoke(cli, ["export", "--help"])
    assert result.exit_code == 0
    described = result.stdout.split("Formats:")[1].split("\n\n")[0]
    named = {
        f
        for line in re.findall(r"^ {4}([\w-]+(?:, [\w-]+)*)(?:  |$)", described, re.M)
        for f in line.split(", ")
    }
    assert named == set(EXPORTERS)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `corpgraph export`")[1].split("\n### ")[0]
    assert {f for f in EXPORTERS if f"`{f}`" in section} == set(EXPORTERS)


def test_hostile_labels_in_svg_stay_text(mini, whole, tmp_path):
    out = tmp_path / "fig.svg"
    export_subgraph(whole, mini, "svg", out)
    _, text = _svg_text(out.read_bytes())
    assert HOSTILE in text and HOSTILE2 in text


# -- the same export from every backend ----------------------------------------------------------


def _ttl_graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_cli_export_from_a_store_matches_memory(runner, mini_dir, tmp_path):
    args = ["export", "--graph", str(mini_dir), "-f", "ttl", "--focus", "Acme Corp"]
    memory = runner.invoke(cli, args)
    stored = runner.invoke(cli, [*args, "--store", str(tmp_path / "store")])
    assert memory.exit_code == 0 and stored.exit_code == 0, stored.stderr
    a, b = _ttl_graph(memory.stdout), _ttl_graph(stored.stdout)
    for g in (a, b):
        for t in list(g.triples((None, DCTERMS.created, None))):
            g.remove(t)
    assert len(a) > 50 and isomorphic(a, b)


@pytest.mark.endpoint
def test_export_from_an_endpoint_matches_memory(loaded_endpoint, bundled, tmp_path):
    from corpgraph.backend.endpoint import EndpointBackend

    remote = EndpointBackend(loaded_endpoint)
    local_sub = subgraph.select_subgraph(bundled, focus=["ICE"], depth=1)
    remote_sub = subgraph.select_subgraph(remote, focus=["ICE"], depth=1)
    assert sorted(local_sub.records) == sorted(remote_sub.records)
    local = subgraph.rdf_subgraph(bundled, local_sub)
    assert isomorphic(local, subgraph.rdf_subgraph(remote, remote_sub))
    md = export_subgraph(remote_sub, remote, "md", tmp_path / "f.md")
    facts = re.findall(r"^\d+\. .*\[\^\d+\]$", Path(md).read_text(), flags=re.M)
    assert len(facts) == len(set(remote_sub.records))


def test_source_date_epoch_makes_exports_reproducible(runner, mini_dir, tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01T00:00:00Z
    outputs = {}
    for fmt in ("html", "md", "ttl"):
        made = []
        for i in range(2):
            out = tmp_path / f"{i}.{fmt}"
            result = runner.invoke(
                cli, ["export", "--graph", str(mini_dir), "-f", fmt, "-o", str(out)], env=env
            )
            assert result.exit_code == 0, result.stderr
            made.append(out.read_bytes())
        assert made[0] == made[1], fmt  # byte-identical: nothing in the file depends on the clock
        outputs[fmt] = made[0].decode()
    assert "Generated 2026-01-01 00:00 UTC" in outputs["html"]
    assert "on 2026-01-01." in outputs["md"]
    assert '"2026-01-01T00:00:00+00:00"^^xsd:dateTime' in outputs["ttl"]
    bad = runner.invoke(
        cli,
        ["export", "--graph", str(mini_dir), "-f", "md", "-o", str(tmp_path / "bad.md")],
        env={"SOURCE_DATE_EPOCH": "yesterday"},
    )
    assert bad.exit_code == 1 and "SOURCE_DATE_EPOCH must be a whole number of seconds" in bad.stderr
    assert not (tmp_path / "bad.md").exists()


def test_curators_notes_reach_footnotes_and_csv(bundled, tmp_path):
    sub = subgraph.select_subgraph(bundled, focus=["ImmigrationOS"], depth=1)
    md_text = EXPORTERS["md"](sub, bundled).decode("utf-8")
    assert "*Note:* The article calls this likely, not established." in md_text
    files = EXPORTERS["csv"](sub, bundled)
    edges_csv = files["edges.csv"].decode("utf-8")
    assert "note" in edges_csv.splitlines()[0].split(",")
    assert "The article calls this likely, not established." in edges_csv


def test_curators_notes_on_entities_reach_maps_and_exports():
    """A cg:note said of an entity (not of a record) is read into the network and shown with it."""
    from corpgraph import render
    from minigraph import backend_of, entities, rec

    note = "The figure is the size of the facility, not debt drawn on it."
    backend = backend_of(
        entities("acme", "bolt")
        + f'ent:acme cg:note "{note}" .\n'
        + rec("r1", "Contract", "cg:buyer ent:bolt ; cg:supplier ent:acme")
    )
    sub = subgraph.select_subgraph(backend)
    assert sub.net.nodes[e("acme")]["notes"] == [note] and "notes" not in sub.net.nodes[e("bolt")]
    nodes_csv = list(csv.DictReader(io.StringIO(EXPORTERS["csv"](sub, backend)["nodes.csv"].decode())))
    assert {r["label"]: r["notes"] for r in nodes_csv} == {"ACME": note, "BOLT": ""}
    md_text = EXPORTERS["md"](sub, backend).decode("utf-8")
    assert f"## Notes on entities\n\n- **ACME**: {note}" in md_text
    graphml = nx.read_graphml(io.BytesIO(EXPORTERS["graphml"](sub, backend)))
    assert graphml.nodes[e("acme")]["notes"] == note and "notes" not in graphml.nodes[e("bolt")]
    cards = {n["id"]: n for n in render.map_document(sub)["nodes"]}
    assert cards[e("acme")]["notes"] == [note] and "notes" not in cards[e("bolt")]
    from corpgraph.describe import entity_card
    from corpgraph.output.card import card_md, card_text

    card = entity_card(backend, e("acme"))
    assert (
        card.notes == [note] and f"Note: {note}" in card_text(card) and "*Note:* The figure" in card_md(card)
    )

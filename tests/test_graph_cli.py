"""Loading, validation and look-ups (issue 2 §4): the library and the validate/stats/search/show commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpgraph.backend.memory import MemoryBackend
from corpgraph.cli import cli
from corpgraph.errors import AmbiguousEntity, GraphLoadError, UnknownEntity
from corpgraph.resolve import EntityIndex
from corpgraph.store import graph_version, load_graph
from corpgraph.validate import validate_folder

PREFIXES = """@prefix cg: <https://w3id.org/corpgraph/ns#> .
@prefix ent: <https://w3id.org/corpgraph/entity/> .
@prefix rec: <https://w3id.org/corpgraph/record/> .
@prefix src: <https://w3id.org/corpgraph/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def add_file(graph_dir: Path, name: str, body: str) -> Path:
    path = graph_dir / name
    path.write_text(PREFIXES + body, encoding="utf-8")
    return path


# -- loading --------------------------------------------------------------------------------


def test_bundled_graph_loads_with_ontology_and_data(bundled):
    assert len(bundled) > 500
    out = bundled.query("ASK { ?s a <https://w3id.org/corpgraph/ns#Hosting> }")
    assert out.boolean is True


def test_graph_option_and_environment_variable_choose_the_folder(tmp_graph, runner, monkeypatch):
    add_file(tmp_graph, "extra.ttl", 'ent:zz-test-co a cg:Company ; rdfs:label "Zeta Test Company" .\n')
    assert runner.invoke(cli, ["search", "Zeta Test", "--graph", str(tmp_graph)]).exit_code == 0
    assert runner.invoke(cli, ["search", "Zeta Test"]).exit_code == 3  # not in the bundled graph
    monkeypatch.setenv("CORPGRAPH_GRAPH", str(tmp_graph))
    result = runner.invoke(cli, ["search", "Zeta Test", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["label"] == "Zeta Test Company"


def test_malformed_turtle_is_reported_with_file_line_and_column(tmp_graph, runner):
    bad = add_file(tmp_graph, "broken.ttl", 'ent:a a cg:Company ;\n    rdfs:label "A" \n    cg:alias "B" .\n')
    with pytest.raises(GraphLoadError) as info:
        load_graph(tmp_graph)
    assert info.value.path == str(bad) and info.value.line == 9 and info.value.column is not None
    for args in (["validate"], ["stats"], ["show", "AWS"]):
        result = runner.invoke(cli, [*args, "--graph", str(tmp_graph)])
        assert result.exit_code == 1, args
        text = result.stdout + result.stderr
        assert f"{bad}:9:5:" in text, args
        assert "Traceback" not in text


def test_missing_graph_folder_cannot_run(runner, tmp_path):
    result = runner.invoke(cli, ["stats", "--graph", str(tmp_path / "nope")])
    assert result.exit_code == 4  # cannot run: distinct from click's usage error 2
    assert "does not exist" in result.stderr


def test_graph_version_changes_when_a_file_changes(tmp_graph):
    before = graph_version(tmp_graph)
    add_file(tmp_graph, "extra.ttl", "")
    assert graph_version(tmp_graph) != before


# -- validation -----------------------------------------------------------------------------


def test_bundled_graph_is_valid(runner):
    result = runner.invoke(cli, ["validate", "--format", "json"])
    report = json.loads(result.stdout)
    assert report["conforms"] is True, report["problems"][:5]
    assert result.exit_code == 0
    assert report["records"] > 50


def _problems(graph_dir):
    report = validate_folder(graph_dir)
    assert not report.conforms
    return report.problems


def test_unsourced_relationship_fails_and_is_named(tmp_graph, runner):
    path = add_file(
        tmp_graph,
        "extra.ttl",
        "\n\nrec:unsourced a cg:Hosting ;\n    cg:host ent:aws ; cg:system ent:icm ;\n"
        '    cg:certainty cg:reported ; cg:quote "AWS hosts ICM" .\n',
    )
    problems = [p for p in _problems(tmp_graph) if p.focus.endswith("record/unsourced")]
    assert any(p.field == "cg:source" and "source" in p.message for p in problems)
    line = path.read_text().splitlines().index("rec:unsourced a cg:Hosting ;") + 1
    assert all(p.file == str(path) and p.line == line for p in problems)
    result = runner.invoke(cli, ["validate", "--graph", str(tmp_graph)])
    assert result.exit_code == 1
    assert "record/unsourced" in result.stdout and "cg:source" in result.stdout
    assert "INVALID" in result.stdout


def test_relationship_pointing_at_a_missing_entity(tmp_graph):
    add_file(
        tmp_graph,
        "extra.ttl",
        "rec:dangling a cg:Hosting ;\n    cg:host ent:aws ; cg:system ent:no-such-system ;\n"
        '    cg:certainty cg:reported ; cg:source src:popular-info-corporate-enablers ; cg:quote "q" .\n',
    )
    problems = [p for p in _problems(tmp_graph) if p.check == "dangling"]
    assert len(problems) == 1
    assert problems[0].focus.endswith("record/dangling")
    assert "no-such-system" in problems[0].message and problems[0].field == "cg:system"


def test_one_iri_with_two_labels(tmp_graph):
    add_file(tmp_graph, "extra.ttl", 'ent:aws rdfs:label "Amazon Web Services Inc." .\n')
    problems = [p for p in _problems(tmp_graph) if p.check == "labels"]
    assert len(problems) == 1 and problems[0].focus.endswith("entity/aws")
    assert (
        "'Amazon Web Services'" in problems[0].message and "'Amazon Web Services Inc.'" in problems[0].message
    )


def test_record_without_quote_and_uncertain_certainty(tmp_graph):
    add_file(
        tmp_graph,
        "extra.ttl",
        "rec:noquote a cg:Hosting ;\n    cg:host ent:aws ; cg:system ent:icm ;\n"
        "    cg:certainty cg:rumoured ; cg:source src:popular-info-corporate-enablers .\n",
    )
    problems = {(p.check, p.field) for p in _problems(tmp_graph) if p.focus.endswith("record/noquote")}
    assert ("quote", "cg:quote") in problems
    assert ("shacl", "cg:certainty") in problems  # not one of the five levels
    assert ("vocabulary", "cg:rumoured") in problems


def test_amount_needs_decimal_currency_and_kind(tmp_graph):
    add_file(
        tmp_graph,
        "extra.ttl",
        "rec:badamount a cg:Contract ;\n    cg:buyer ent:ice ; cg:supplier ent:palantir ;\n"
        '    cg:amount "30 million" ; cg:date "April 2025" ;\n'
        '    cg:certainty cg:reported ; cg:source src:popular-info-corporate-enablers ; cg:quote "q" .\n',
    )
    fields = {p.field for p in _problems(tmp_graph) if p.focus.endswith("record/badamount")}
    assert {"cg:amount", "cg:currency", "cg:amountKind", "cg:date"} <= fields


def test_participant_of_the_wrong_class(tmp_graph):
    add_file(
        tmp_graph,
        "extra.ttl",
        "rec:wrongclass a cg:Hosting ;\n    cg:host ent:aws ; cg:system ent:palantir ;\n"
        '    cg:certainty cg:reported ; cg:source src:popular-info-corporate-enablers ; cg:quote "q" .\n',
    )
    problems = [p for p in _problems(tmp_graph) if p.focus.endswith("record/wrongclass")]
    assert any(p.field == "cg:system" and "System" in p.message for p in problems)


# -- stats ----------------------------------------------------------------------------------


def test_stats_counts_by_class_and_kind(runner, bundled):
    data = json.loads(runner.invoke(cli, ["stats", "--format", "json"]).stdout)
    assert data["records"] == sum(data["records_by_kind"].values())
    assert data["records_by_kind"]["contract"] >= 3
    assert data["entities_by_class"]["Company"] >= 10
    assert data["triples"] == len(bundled)
    article = [
        s for s in data["sources"] if s["url"] == "https://popular.info/p/the-corporate-enablers-of-the-ice"
    ]
    assert article and article[0]["records"] >= 50
    text = runner.invoke(cli, ["stats"]).stdout
    assert "Records by kind:" in text and "contract" in text


# -- search and entity names ----------------------------------------------------------------


def test_resolve_by_iri_slug_label_and_alias(bundled):
    index = EntityIndex.from_backend(bundled)
    aws = "https://w3id.org/corpgraph/entity/aws"
    for name in (aws, "aws", "ent:aws", "AWS", "Amazon Web Services", "  amazon web SERVICES "):
        assert index.resolve(name) == aws, name


def test_unknown_name_suggests_close_matches(bundled, runner):
    with pytest.raises(UnknownEntity) as info:
        EntityIndex.from_backend(bundled).resolve("Palantr")
    assert any(label.startswith("Palantir") for _, label in info.value.suggestions)
    result = runner.invoke(cli, ["show", "Palantr"])
    assert result.exit_code == 1
    assert "Did you mean" in result.stderr and "Palantir" in result.stderr


def test_ambiguous_name_lists_candidates(tmp_graph, runner):
    add_file(
        tmp_graph,
        "extra.ttl",
        'ent:acme-one a cg:Company ; rdfs:label "Acme One" ; cg:alias "Acme" .\n'
        'ent:acme-two a cg:Company ; rdfs:label "Acme Two" ; cg:alias "ACME" .\n',
    )
    with pytest.raises(AmbiguousEntity) as info:
        EntityIndex.from_backend(MemoryBackend.from_folder(tmp_graph)).resolve("acme")
    assert {c[1] for c in info.value.candidates} == {"Acme One", "Acme Two"}
    result = runner.invoke(cli, ["show", "Acme", "--graph", str(tmp_graph)])
    assert result.exit_code == 1
    assert "Acme One" in result.stderr and "Acme Two" in result.stderr


def test_search_is_ranked_and_accent_insensitive(tmp_graph, runner):
    add_file(tmp_graph, "extra.ttl", 'ent:cafe-co a cg:Company ; rdfs:label "Café Sécurité" .\n')
    result = runner.invoke(cli, ["search", "cafe securite", "--graph", str(tmp_graph), "--format", "json"])
    assert json.loads(result.stdout)[0]["label"] == "Café Sécurité"
    hits = json.loads(runner.invoke(cli, ["search", "palantir", "--format", "json"]).stdout)
    assert hits[0]["label"].startswith("Palantir") and hits[0]["score"] == 1.0
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "tsv", "md"])
def test_search_with_no_match_exits_3_in_every_format(runner, fmt):
    result = runner.invoke(cli, ["search", "zzzzqqqq", "-f", fmt], catch_exceptions=False)
    assert result.exit_code == 3 and "No entity matches 'zzzzqqqq'" in result.stderr
    if fmt == "json":
        assert json.loads(result.stdout) == []  # still valid data for a script


# -- show -----------------------------------------------------------------------------------


def test_show_card_in_text_json_and_markdown(runner):
    text = runner.invoke(cli, ["show", "AWS"])
    assert text.exit_code == 0
    assert "Amazon Web Services" in text.stdout and "—hosts→ Investigative Case Management" in text.stdout
    assert "certainty: reported" in text.stdout and "https://popular.info/" in text.stdout
    card = json.loads(runner.invoke(cli, ["show", "Amazon Web Services", "--format", "json"]).stdout)
    assert card["iri"].endswith("/aws") and "AWS" in card["aliases"]
    hosting = [r for r in card["relationships"] if r["kind"] == "Hosting"]
    assert hosting and all(r["direction"] == "out" and r["sources"] and r["quotes"] for r in hosting)
    md = runner.invoke(cli, ["show", "ICE", "--format", "md"]).stdout
    assert md.startswith("# U.S. Immigration and Customs Enforcement")
    assert "[^1]:" in md


def test_show_includes_amounts_dates_and_certainty(runner):
    card = json.loads(runner.invoke(cli, ["show", "Palantir", "--format", "json"]).stdout)
    contracts = [r for r in card["relationships"] if r["kind"] == "Contract" and r.get("amount") == 30000000]
    assert contracts and contracts[0]["date"] == "2025-04" and contracts[0]["certainty"] == "reported"
    assert contracts[0]["direction"] == "in"


# -- package --------------------------------------------------------------------------------


def test_python_dash_m_works():
    out = subprocess.run(
        [sys.executable, "-m", "corpgraph", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage:" in out.stdout and "validate" in out.stdout


def test_validate_a_store(tmp_graph, tmp_path, runner):
    store = tmp_path / "store"
    ok = runner.invoke(
        cli, ["validate", "--graph", str(tmp_graph), "--store", str(store), "--format", "json"]
    )
    assert ok.exit_code == 0 and json.loads(ok.stdout)["conforms"] is True
    add_file(
        tmp_graph,
        "extra.ttl",
        "rec:unsourced a cg:Hosting ;\n    cg:host ent:aws ; cg:system ent:icm ;\n"
        '    cg:certainty cg:reported ; cg:quote "AWS hosts ICM" .\n',
    )
    bad = runner.invoke(cli, ["validate", "--graph", str(tmp_graph), "--store", str(store)])
    assert bad.exit_code == 1
    assert "record/unsourced" in bad.stdout and "cg:source" in bad.stdout


@pytest.mark.parametrize("cache", ["off", "default"])
def test_turtle_that_is_not_utf8_is_named_with_its_line(tmp_graph, runner, monkeypatch, cache):
    """Latin-1 bytes in a .ttl file: an error naming the file and line, exit 1, the file untouched;
    through rdflib (CORPGRAPH_CACHE=off) and through the default Oxigraph path alike."""
    if cache == "off":
        monkeypatch.setenv("CORPGRAPH_CACHE", "off")
    bad = tmp_graph / "latin1.ttl"
    data = b'@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n<urn:x> rdfs:label "Caf\xe9" .\n'
    bad.write_bytes(data)
    for args in (["stats"], ["show", "AWS"]):
        result = runner.invoke(cli, [*args, "--graph", str(tmp_graph)])
        assert result.exit_code == 1, (args, result.output)
        assert f"{bad}:2: not UTF-8" in result.stderr, args
    assert bad.read_bytes() == data

"""``corpgraph validate`` computes its report with SPARQL on the Oxigraph store (validate_sparql,
shacl_sparql); rdflib and pySHACL (``validate_with_rdflib``) stay the reference.  The two must give
the same report, problem for problem, on graphs with every kind of problem (tests/data/validate)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import TEST_DATA
from corpgraph import shacl_sparql, store
from corpgraph.backend import cache
from corpgraph.validate import _validate_folder, validate_with_rdflib

BROKEN = TEST_DATA / "validate"
pytestmark = pytest.mark.filterwarnings("ignore:Parsing weird boolean")


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("CORPGRAPH_CACHE", str(root))
    return root


@pytest.fixture(params=["in memory", "cache store"])
def engine(request, monkeypatch, own_cache) -> str:
    """Both ways the SPARQL checks run: a small folder parsed into memory and checked whole, and a
    folder in the cache store, checked file by file with results kept per file."""
    if request.param == "cache store":
        monkeypatch.setattr(cache, "SMALL_FOLDER_BYTES", 0)
    return request.param


def _broken(tmp_path: Path) -> Path:
    folder = tmp_path / "graph"
    shutil.copytree(store.bundled_graph_dir(), folder)
    for f in BROKEN.glob("*.ttl"):
        shutil.copy(f, folder / f.name)
    return folder


def test_bundled_graph_same_report(engine, tmp_path):
    folder = tmp_path / "graph"
    shutil.copytree(store.bundled_graph_dir(), folder)
    fast = _validate_folder(folder)
    assert fast.conforms and fast.records > 50
    assert fast.as_dict() == validate_with_rdflib(folder).as_dict()


def test_every_kind_of_problem_same_report(engine, tmp_path):
    folder = _broken(tmp_path)
    reference = validate_with_rdflib(folder).as_dict()
    fast = _validate_folder(folder).as_dict()
    assert fast == reference
    # the fixture does break what it says it breaks
    checks = {p["check"] for p in fast["problems"]}
    assert checks == {"shacl", "dangling", "labels", "quote", "vocabulary"}
    messages = [p["message"] for p in fast["problems"]]
    for wording in (
        "Less than 1 values on rec:t-comment->cg:responded",  # pySHACL's own wording (no sh:message)
        "More than 1 values on rec:t-values->cg:value",
        "Value is not Literal with datatype xsd:duration (value: Pxx)",
        "Value does not have class cg:Source",
        "Node rec:t-event must conform to one or more shapes in",
        "(value: -0044-03-15)",  # year 0044 BC: valid XSD, refused by rdflib, so by pySHACL
        "(value: usd)",  # sh:pattern
    ):
        assert any(wording in m for m in messages), wording
    focus = {p["focus"].rsplit("/", 1)[-1] for p in fast["problems"]}
    assert "t-fine-literals" not in focus  # "1e5" as xsd:decimal, "USD\n": fine to rdflib and pySHACL
    assert "t-split" not in focus  # its certainty is in the other file
    two_amounts = [p for p in fast["problems"] if p["focus"].endswith("t-noamountinfo")]
    assert {p["field"] for p in two_amounts} == {
        "cg:amount",
        "cg:amountKind",
    }  # the second amount is in the other file
    assert all(p["file"] and p["line"] for p in fast["problems"])


def test_a_changed_file_is_checked_again(engine, tmp_path):
    """Results kept per file: after a change to one file the report is still the reference's."""
    folder = _broken(tmp_path)
    _validate_folder(folder)
    extra = folder / "second-half.ttl"
    extra.write_text(
        extra.read_text(encoding="utf-8").replace('cg:currency "USD"', 'cg:currency "dollars"')
        + "\nrec:t-nosource cg:source <https://w3id.org/corpgraph/source/popular-info-corporate-enablers> .\n",
        encoding="utf-8",
    )
    changed = _validate_folder(folder).as_dict()
    assert changed == validate_with_rdflib(folder).as_dict()
    assert any("(value: dollars)" in p["message"] for p in changed["problems"])
    assert not any(p["focus"].endswith("t-nosource") and p["check"] == "shacl" for p in changed["problems"])


def test_syntax_errors_same_report(engine, tmp_path):
    folder = _broken(tmp_path)
    (folder / "bad-one.ttl").write_text("@prefix ex: <urn:ex:> .\nex:a ex:b ex:c\nex:d ex:e ex:f .\n")
    (folder / "bad-two.ttl").write_text('<urn:a> <urn:b> "unterminated .\n')
    fast = _validate_folder(folder).as_dict()
    assert fast == validate_with_rdflib(folder).as_dict()
    assert [(p["file"].rsplit("/", 1)[-1], p["check"]) for p in fast["problems"]] == [
        ("bad-one.ttl", "syntax"),
        ("bad-two.ttl", "syntax"),
    ]
    assert all(p["line"] and p["column"] for p in fast["problems"])


def test_shapes_beyond_the_translation_are_run_by_pyshacl(engine, tmp_path):
    folder = _broken(tmp_path)
    shapes = folder / "shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8")
        + "\ncgs:ShortLabels a sh:NodeShape ; sh:targetClass cg:Company ;\n"
        "    sh:property [ sh:path rdfs:label ; sh:maxLength 20 ] .\n",
        encoding="utf-8",
    )
    with pytest.raises(shacl_sparql.Unsupported, match="maxLength"):
        shacl_sparql.compile_shapes(store.load_shapes(folder))
    report = _validate_folder(folder).as_dict()
    assert any("String length not <= " in p["message"] for p in report["problems"])
    assert report == validate_with_rdflib(folder).as_dict()


def test_edits_to_a_file_check_only_the_subjects_they_touch(own_cache, tmp_path, monkeypatch):
    """After a change to a file, the store records which subjects' triples changed, and the kept
    results of the file before are brought up to date for those subjects only; after each edit
    (a problem fixed, a record removed with the only use of an unknown term, a record added with
    new problems, a class changed, a cg: term defined then no longer, a comment) the report is still
    the reference's."""
    from corpgraph import validate_sparql

    monkeypatch.setattr(cache, "SMALL_FOLDER_BYTES", 0)
    folder = _broken(tmp_path)
    scopes: list[shacl_sparql.Scope] = []
    facts_of = validate_sparql._Run._facts_of

    def spy(self, scope):
        scopes.append(scope)
        return facts_of(self, scope)

    monkeypatch.setattr(validate_sparql._Run, "_facts_of", spy)
    first = _validate_folder(folder).as_dict()
    assert first == validate_with_rdflib(folder).as_dict()
    assert any("cg:suplier" in p["message"] for p in first["problems"])
    f = folder / "every-problem.ttl"
    text = f.read_text(encoding="utf-8")
    suplier = text[text.index("rec:t-suplier a") : text.index("rec:t-dangling a")]
    edits = [
        ('cg:currency "usd"', 'cg:currency "USD"', {"t-values"}),
        (suplier, "", {"t-suplier"}),
        (
            "# -- relationship records",
            "rec:t-new a cg:Contract ; cg:buyer ent:ice ; cg:supplyer ent:palantir ; cg:amount 5 .\n"
            "# -- relationship records",
            {"t-new"},
        ),
        ("ent:t-typo a cg:Compny", "ent:t-typo a cg:Company", {"t-typo"}),
        (
            "# -- sources",
            'cg:t-Made a rdfs:Class .\nent:t-made a cg:t-Made ; rdfs:label "Made" .\n# -- sources',
            {"ns#t-Made", "t-made"},
        ),
        ("cg:t-Made a rdfs:Class .\n", "", {"ns#t-Made"}),  # the class is no longer defined
        ("# -- sources", "# -- sources (a comment changed)", set()),
    ]
    for old, new, subjects in edits:
        assert old in text
        text = text.replace(old, new, 1)
        f.write_text(text, encoding="utf-8")
        scopes.clear()
        report = _validate_folder(folder).as_dict()
        assert report == validate_with_rdflib(folder).as_dict(), new
        with cache.open_folder(folder) as b:
            change = b.change_of("every-problem.ttl")
        assert change is not None and {s.rsplit("/", 1)[-1] for s in change[1]} == subjects
        # the file's subjects only were checked again (the other files' results were read back)
        assert [{str(t.value).rsplit("/", 1)[-1] for t in s.focus} for s in scopes if s.graph] == (
            [subjects] if subjects else []
        )
    messages = " ".join(p["message"] for p in report["problems"])
    assert "cg:suplier" not in messages and "cg:supplyer" in messages and "cg:Compny" not in messages
    assert "uses class cg:t-Made" in messages

"""The vocabulary in Python (corpgraph.vocab.CG) and in graph/ontology.ttl agree, and every graph file
uses only defined terms."""

from __future__ import annotations

import pytest
from rdflib import RDF, URIRef

from corpgraph import netgraph
from corpgraph.store import bundled_graph_dir, data_files, parse_turtle_file
from corpgraph.vocab import CERTAINTY_ORDER, CG, certainty_rank

NS = str(CG._NS)


@pytest.fixture(scope="module")
def ontology():
    return parse_turtle_file(bundled_graph_dir() / "ontology.ttl")


def test_every_python_term_is_defined_in_the_ontology(ontology):
    defined = {str(s) for s in ontology.subjects() if str(s).startswith(NS)}
    python_terms = {NS + name for name in CG.__annotations__}
    assert python_terms - defined == set()


def test_every_ontology_term_is_in_python(ontology):
    defined = {str(s)[len(NS) :] for s in ontology.subjects() if str(s).startswith(NS)}
    assert defined - set(CG.__annotations__) == set()


def test_closed_namespace_rejects_typos():
    with pytest.raises(AttributeError):
        CG.suplier  # noqa: B018


def test_certainty_ranks_match_the_ontology(ontology):
    for name in CERTAINTY_ORDER:
        assert int(ontology.value(URIRef(NS + name), CG.rank)) == certainty_rank(name)
    declared = {str(s)[len(NS) :] for s in ontology.subjects(RDF.type, CG.Certainty)}
    assert declared == set(CERTAINTY_ORDER)  # no level the ontology has and the Python list lacks


def test_every_relationship_kind_with_participants_declares_an_edge(bundled):
    onto = netgraph.read_ontology(bundled)
    edgeless = {k.rsplit("#", 1)[1] for k in onto.kind_labels} - {r.name for r in onto.rules.values()}
    # a figure is a number about one entity; a request for comment joins no two parties
    assert edgeless == {"Figure", "CommentRequest"}
    for rule in onto.rules.values():
        assert rule.money_flow in ("forward", "backward", "none")


def test_graph_files_use_only_defined_terms(ontology):
    defined = {str(s) for s in ontology.subjects() if str(s).startswith(NS)}
    for path in data_files(bundled_graph_dir()):
        g = parse_turtle_file(path)
        used = {str(t) for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(NS)}
        assert used - defined == set(), path


def test_entity_types_are_entity_classes(bundled):
    onto = netgraph.read_ontology(bundled)
    g = bundled.to_graph()
    for s, o in g.subject_objects(RDF.type):
        if str(s).startswith("https://w3id.org/corpgraph/entity/"):
            assert str(o) in onto.entity_classes, (s, o)

"""Turtle, JSON-LD and N-Triples: the RDF behind a subgraph, with a provenance description.

The triples are those of ``subgraph.rdf_subgraph`` (records, sources, entities, ontology terms used),
plus one node ``urn:corpgraph:export:...`` (a ``prov:Entity``) that states the graph version, the
selection, the date and the sources cited.  Turtle and N-Triples also open with the same facts as
comments.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from ..backend import Backend
from ..output.numbers import plural
from ..subgraph import Subgraph, rdf_subgraph, rdf_triples
from ..vocab import PREFIXES, SCHEMA

EXPORT_NS = "urn:corpgraph:export:"


def export_iri(sub: Subgraph) -> URIRef:
    digest = hashlib.sha256(f"{sub.version}\n{sub.selection.describe()}".encode()).hexdigest()[:16]
    return URIRef(EXPORT_NS + digest)


def provenance_triples(sub: Subgraph, into: Graph) -> URIRef:
    """Describe the export itself in ``into``; returns the node described."""
    prov = sub.provenance()
    node = export_iri(sub)
    into.add((node, RDF.type, PROV.Entity))
    into.add((node, DCTERMS.title, Literal(f"corpgraph export: {prov['selection']}")))
    into.add((node, DCTERMS.description, Literal(prov["selection"])))
    into.add((node, SCHEMA.version, Literal(prov["graph_version"])))
    into.add((node, DCTERMS.creator, Literal(prov["generator"])))
    into.add(
        (
            node,
            DCTERMS.created,
            Literal(prov["generated"], datatype=XSD.dateTime),
        )
    )
    for s in sub.sources():
        into.add((node, DCTERMS.source, URIRef(s["iri"])))
    return node


def export_graph(sub: Subgraph, backend: Backend) -> Graph:
    g = rdf_subgraph(backend, sub)
    provenance_triples(sub, g)
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def comment_header(sub: Subgraph) -> str:
    prov = sub.provenance()
    lines = [
        f"corpgraph export ({prov['generator']})",
        f"graph version: {prov['graph_version']}",
        f"selection: {prov['selection']}",
        f"{sub.counts()}, {plural(len(sub.sources()), 'source')}",
        prov["credit"],
    ]
    return "".join("# " + " ".join(line.split()) + "\n" for line in lines) + "\n"


def _oxigraph(g: Graph | set, fmt: str) -> bytes:
    """Serialise with pyoxigraph, which keeps every literal's lexical form as written (rdflib's Turtle
    writer rewrites decimals such as "1000000" as 1000000.0, which is a different RDF term)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal

    def term(t):
        if isinstance(t, URIRef):
            return ox.NamedNode(str(t))
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        assert isinstance(t, Literal)
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or XSD.string)))

    ordered = sorted(g, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    triples = [ox.Triple(term(s), term(p), term(o)) for s, p, o in ordered]
    out_format = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.N_TRIPLES
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()} if fmt == "turtle" else None
    data = ox.serialize(triples, format=out_format, prefixes=prefixes)
    assert data is not None  # no output file given: the bytes are returned
    return data


def _export_triples(sub: Subgraph, backend: Backend) -> set:
    triples = rdf_triples(backend, sub)
    prov = Graph()
    provenance_triples(sub, prov)
    triples.update(prov)
    return triples


def to_turtle(sub: Subgraph, backend: Backend) -> bytes:
    return comment_header(sub).encode("utf-8") + _oxigraph(_export_triples(sub, backend), "turtle")


def to_ntriples(sub: Subgraph, backend: Backend) -> bytes:
    return comment_header(sub).encode("utf-8") + _oxigraph(_export_triples(sub, backend), "nt")


def to_jsonld(sub: Subgraph, backend: Backend) -> bytes:
    g = export_graph(sub, backend)
    context = {p: str(ns) for p, ns in PREFIXES.items()}
    data = json.loads(g.serialize(format="json-ld", context=context))
    # rdflib writes nodes and values in the order of its store's sets: put them in a fixed order
    return (json.dumps(_ordered(data), indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _ordered(value: Any) -> Any:
    """JSON-LD with every array in a fixed order, except ``@list`` (an RDF list, whose order is data)."""
    if isinstance(value, dict):
        return {k: v if k == "@list" else _ordered(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_ordered(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value

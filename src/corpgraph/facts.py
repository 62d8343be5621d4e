"""Copy-ready facts: the records of a selection as sentences, each footnoted to its sources (one
footnote per source, however many facts cite it), with the quotes that support it and the curators'
note.  ``output.sentences`` words each record from its kind's ``cg:factTemplate``; the Markdown and
plain-text fact lists (``export -f md``, ``export -f txt``) and ``show -f md`` are drawn from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef

from .backend.sparqltext import values_block
from .ontology import Ontology
from .output.sentences import FactRecord, sentence
from .vocab import CG, SPARQL_PREFIXES, local_name

if TYPE_CHECKING:
    from .backend import Backend
    from .subgraph import Subgraph

_CHUNK = 400  # records per query
_SCAN_ABOVE = 2000  # more records than this are read in one pass over all records


@dataclass
class Fact:
    """One record as a sentence, with the numbers of its sources in the fact list."""

    record: str
    sentence: str
    sources: list[int]
    quotes: list[str] = field(default_factory=list)
    note: str | None = None
    certainty: str | None = None


@dataclass
class FactList:
    facts: list[Fact]
    sources: list[dict]  # numbered from 1 in this order: the footnotes


def fact_records(backend: Backend, iris: Iterable[str], onto: Ontology) -> dict[str, FactRecord]:
    """Every given record with its participants (by role, as labels) and attributes."""
    wanted = sorted(set(iris))
    out: dict[str, FactRecord] = {}
    if len(wanted) > _SCAN_ABOVE:  # most of a big graph: one pass over every record reads faster
        keep = set(wanted)
        rows = [
            row
            for row in backend.select(
                SPARQL_PREFIXES + "SELECT ?rec ?p ?o WHERE { ?rec cg:certainty ?c . ?rec ?p ?o }"
            ).rows
            if str(row[0]) in keep
        ]
        missing = keep - {str(r[0]) for r in rows}  # a record without a certainty
        wanted = sorted(missing)
    else:
        rows = []
    for i in range(0, len(wanted), _CHUNK):
        rows += backend.select(
            SPARQL_PREFIXES
            + "SELECT ?rec ?p ?o WHERE { "
            + values_block(["rec"], ([r] for r in wanted[i : i + _CHUNK]))
            + " ?rec ?p ?o . }"
        ).rows
    cg = str(CG._NS)
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for rec, p, o in rows:
        r = out.setdefault(str(rec), FactRecord(str(rec), ""))
        pred = str(p)
        if pred == rdf_type:
            if str(o) in onto.kind_labels:
                r.kind = str(o)
            continue
        if pred in onto.roles:
            r.roles.setdefault(local_name(pred), []).append(str(o))
        elif pred == str(CG.certainty):
            r.certainty = local_name(str(o))
        elif pred.startswith(cg):
            r.values.setdefault(local_name(pred), []).append(_py(o))
    labels = _labels(backend, {e for r in out.values() for ents in r.roles.values() for e in ents})
    for r in out.values():
        r.roles = {
            role: sorted((labels.get(e, local_name(e)) for e in ents), key=str.lower)
            for role, ents in r.roles.items()
        }
        for vals in r.values.values():
            vals.sort(key=str)
    return out


def _labels(backend: Backend, iris: set[str]) -> dict[str, str]:
    """The rdfs:label of each of ``iris``."""
    if len(iris) > _SCAN_ABOVE:
        rows = backend.select(SPARQL_PREFIXES + "SELECT ?e ?l WHERE { ?e rdfs:label ?l }").rows
        return {str(e): str(lbl) for e, lbl in rows if str(e) in iris}
    wanted, out = sorted(iris), {}
    for i in range(0, len(wanted), _CHUNK):
        for e, lbl in backend.select(
            SPARQL_PREFIXES
            + "SELECT ?e ?l WHERE { "
            + values_block(["e"], ([x] for x in wanted[i : i + _CHUNK]))
            + " ?e rdfs:label ?l }"
        ).rows:
            out[str(e)] = str(lbl)
    return out


def _py(term: Any) -> Any:
    if isinstance(term, Literal):
        v = term.toPython()
        return v if isinstance(v, bool | int | float | str) or type(v).__name__ == "Decimal" else str(term)
    if isinstance(term, URIRef):
        return local_name(term)
    return str(term)


def card_record(rel: dict) -> FactRecord:
    """The record of one relationship of an entity card (``describe.entity_card``)."""
    roles: dict[str, list[str]] = {}
    for p in rel.get("participants", ()):
        roles.setdefault(p["role"], []).append(p["label"])
    skip = {"record", "kind", "kind_label", "participants", "certainty", "quotes", "sources", "direction"}
    values = {
        _camel(k): [v]
        for k, v in rel.items()
        if k not in skip and not isinstance(v, list | dict) and v is not None
    }
    kind = rel["kind"] if ":" in rel["kind"] else str(CG._NS) + rel["kind"]
    return FactRecord(rel["record"], kind, roles, values, rel.get("certainty"))


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def fact_list(sub: Subgraph, backend: Backend) -> FactList:
    """The selection's records as facts, in the order of the selection's edges (by the label of their
    start, kind and end), each citing its sources by number."""
    g = sub.net
    onto = sub.ontology
    if onto is None:
        from .ontology import read_ontology

        onto = read_ontology(backend)
    edges = sorted(
        g.edges(keys=True, data=True),
        key=lambda e: (
            str(g.nodes[e[0]].get("label", "")).lower(),
            e[3].get("kind") or "",
            str(g.nodes[e[1]].get("label", "")).lower(),
            e[2],
        ),
    )
    order: list[tuple[str, dict]] = []
    seen: set[str] = set()
    for _u, _v, key, d in edges:
        if key not in seen:  # a symmetric record may be drawn both ways
            seen.add(key)
            order.append((key, d))
    records = fact_records(backend, (k for k, _ in order), onto)
    return build_fact_list(order, records, onto)


def build_fact_list(
    order: Sequence[tuple[str, dict]], records: dict[str, FactRecord], onto: Ontology
) -> FactList:
    """Facts for ``order`` ((record IRI, attributes with quote, sources, note, certainty)): sources
    numbered in the order the facts first cite them."""
    numbers: dict[str, int] = {}
    sources: list[dict] = []
    facts = []
    for key, d in order:
        rec = records.get(key) or FactRecord(key, "")
        marks = []
        for s in sorted(d.get("sources") or (), key=lambda s: str(s.get("iri"))):
            if s["iri"] not in numbers:
                sources.append(s)
                numbers[s["iri"]] = len(sources)
            marks.append(numbers[s["iri"]])
        facts.append(
            Fact(
                record=key,
                sentence=sentence(rec, onto),
                sources=sorted(set(marks)),
                quotes=list(d.get("quote") or d.get("quotes") or ()),
                note=d.get("note"),
                certainty=rec.certainty or d.get("certainty"),
            )
        )
    return FactList(facts, sources)


__all__ = ["Fact", "FactList", "build_fact_list", "card_record", "fact_list", "fact_records"]

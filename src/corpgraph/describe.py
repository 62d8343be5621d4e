"""Describing the graph and its entities: counts (``stats``) and an entity's card (``show``)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from . import derived
from .backend import Backend
from .backend.sparqltext import values_block
from .ontology import Ontology, read_ontology
from .output.sentences import sentence
from .vocab import CG, SCHEMA, SPARQL_PREFIXES, certainty_rank, local_name

# --------------------------------------------------------------------------------------------
# stats


def graph_stats(backend: Backend, ontology: Ontology | None = None) -> dict[str, Any]:
    """Counts by entity class, relationship kind and certainty; sources with how many records cite each.

    The counts are read once per graph version (``derived.kept``)."""
    counts = derived.kept(backend, "stats", lambda: _graph_counts(backend, ontology))
    return {
        "graph_version": backend.version(),
        "backend": backend.name,
        "location": backend.location,
        "triples": len(backend),
        **counts,
    }


def _graph_counts(backend: Backend, ontology: Ontology | None) -> dict[str, Any]:
    onto = ontology or read_ontology(backend)
    entity_classes, kinds_below = _below(onto, str(CG.Entity)), _below(onto, str(CG.Relationship))
    entity_rows = _count_by_class(backend, entity_classes)
    kind_rows = _count_by_class(backend, kinds_below)
    cert_rows = backend.select(
        SPARQL_PREFIXES
        + """
        SELECT ?c (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r cg:certainty ?c } GROUP BY ?c"""
    ).rows
    entities = {onto.class_labels.get(str(t), local_name(t)): int(n) for t, n in entity_rows}
    kinds = {onto.kind_labels.get(str(k), local_name(k)): int(n) for k, n in kind_rows}
    # Entities are counted once, under their most specific class.
    leaf = backend.select(
        SPARQL_PREFIXES
        + """
        SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { """
        + values_block(["type"], ([c] for c in entity_classes))
        + " ?e a ?type . }"
    ).rows
    certainty = {local_name(str(c)): _int(n) for c, n in cert_rows}
    return {
        "entities": _int(leaf[0][0]) if leaf else 0,
        "entities_by_class": dict(sorted(entities.items(), key=lambda kv: (-kv[1], kv[0]))),
        "records": sum(kinds.values()),
        "records_by_kind": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        "records_by_certainty": {
            k: certainty[k] for k in sorted(certainty, key=lambda c: -certainty_rank(c))
        },
        "sources": _source_counts(backend, kinds_below),
    }


_SOURCE_FIELDS = {str(SCHEMA.url): "url", str(DCTERMS.title): "title", str(DCTERMS.publisher): "publisher"}


def _below(onto: Ontology, root: str) -> list[str]:
    return onto.below(root)


def _source_counts(backend: Backend, kinds: list[str]) -> list[dict[str, Any]]:
    """Every source with its URL, title, publisher and how many records cite it, most cited first.

    Flat queries of text rows joined here: one query with an OPTIONAL per field and the count took
    3-7 s on the real-data graph (8,443 sources), these a fraction of it."""
    sources: dict[str, dict[str, Any]] = {}
    for (iri,) in backend.select_text(SPARQL_PREFIXES + "SELECT ?s WHERE { ?s a cg:Source }"):
        assert iri is not None
        sources[iri] = {"iri": iri, "url": None, "title": None, "publisher": None, "records": 0}
    fields = backend.select_text(
        SPARQL_PREFIXES
        + "SELECT ?s ?p ?v WHERE { VALUES ?p { "
        + " ".join(f"<{p}>" for p in _SOURCE_FIELDS)
        + " } ?s ?p ?v . ?s a cg:Source }"
    )
    for s, p, v in sorted(fields, key=lambda row: row[2] or ""):  # of several values, the first in order
        item = sources[s or ""]
        key = _SOURCE_FIELDS[p or ""]
        if item[key] is None:
            item[key] = v
    cited = backend.select_text(
        SPARQL_PREFIXES
        + """
        SELECT ?s (COUNT(DISTINCT ?r) AS ?n) WHERE { """
        + values_block(["k"], ([k] for k in kinds))
        + """ ?r a ?k ; cg:source ?s
        } GROUP BY ?s"""
    )
    for s, n in cited:
        if s in sources:
            sources[s]["records"] = int(n or 0)
    return sorted(
        sources.values(), key=lambda x: (-x["records"], x["title"] is not None, x["title"] or "", x["iri"])
    )


def _count_by_class(backend: Backend, classes: list[str]) -> list[tuple]:
    """(class, number of distinct instances) for each of ``classes`` that has some."""
    return backend.select(
        "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { "
        + values_block(["c"], ([c] for c in classes))
        + " ?x a ?c . } GROUP BY ?c"
    ).rows


# --------------------------------------------------------------------------------------------
# show

IDENTIFIERS = {
    CG.uei: "UEI",
    CG.duns: "DUNS",
    CG.cage: "CAGE",
    CG.cik: "CIK",
    CG.lei: "LEI",
    CG.wikidata: "Wikidata",
    CG.detloc: "DETLOC",
    CG.agencyCode: "agency code",
}


@dataclass
class EntityCard:
    iri: str
    label: str
    type: str
    types: list[str]
    aliases: list[str] = field(default_factory=list)
    description: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    sources: list[dict] = field(default_factory=list)
    relationships: list[dict] = field(default_factory=list)
    family: list[dict] | None = None  # with --family: each member, and why it belongs
    notes: list[str] = field(default_factory=list)  # curators' notes on the entity (cg:note)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def family_card(
    backend: Backend,
    iri: str,
    as_of: Any = None,
    ontology: Ontology | None = None,
    *,
    sentences: bool = True,
) -> EntityCard:
    """The entity's card with its whole corporate family (``family.family_of``): the members, each with
    the ownership record and certainty that puts it in the family, and every member's relationships,
    each marked with the member it belongs to.  Ownership between members is listed once."""
    from . import netgraph
    from .family import family_of

    onto = ontology or read_ontology(backend)
    card = entity_card(backend, iri, onto, sentences=sentences)
    fam = family_of(netgraph.project(backend), iri, as_of=as_of)
    card.family = [
        {"iri": m.entity, "label": m.label, "why": m.why(), "record": m.record, "certainty": m.certainty}
        for m in fam.members
    ]
    seen = {r["record"] for r in card.relationships}
    for m in fam.members:
        if m.entity == iri:
            continue
        for rel in _relationships(backend, URIRef(m.entity), onto, sentences):
            if rel["record"] in seen:
                continue
            seen.add(rel["record"])
            rel["member"], rel["member_iri"], rel["membership"] = m.label, m.entity, m.why()
            card.relationships.append(rel)
    return card


def entity_card(
    backend: Backend,
    iri: str,
    ontology: Ontology | None = None,
    *,
    relationships: bool = True,
    sentences: bool = True,
) -> EntityCard:
    """Everything the graph says about one entity, with every record it takes part in (without
    them when ``relationships`` is false: the web app reads those from the network, see
    ``corpgraph.relations``).  ``sentences=False`` leaves out each record's copy-ready sentence
    (``sentence``; only the md and json cards print it, and it is most of a big card's cost)."""
    onto = ontology or read_ontology(backend)
    e = URIRef(iri)
    props = backend.select(SPARQL_PREFIXES + "SELECT ?p ?o WHERE { ?e ?p ?o }", {"e": e}).rows
    label, types, aliases, description, ids, src_iris = local_name(iri), [], [], None, {}, []
    notes: list[str] = []
    for p, o in props:
        if p == URIRef("http://www.w3.org/2000/01/rdf-schema#label"):
            label = str(o)
        elif p == URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"):
            types.append(str(o))
        elif p == CG.alias:
            aliases.append(str(o))
        elif p == URIRef("https://schema.org/description"):
            description = str(o)
        elif isinstance(p, URIRef) and p in IDENTIFIERS:
            ids[IDENTIFIERS[p]] = str(o)
        elif p == CG.source:
            src_iris.append(str(o))
        elif p == CG.note:
            notes.append(str(o))
    known = [t for t in types if t in onto.entity_classes]
    main_type = max(known, key=lambda t: onto.entity_classes[t]) if known else (types[0] if types else "")
    card = EntityCard(
        iri,
        label,
        onto.class_labels.get(main_type, local_name(main_type)),
        [local_name(t) for t in types],
        sorted(aliases),
        description,
        ids,
    )
    card.sources = _sources(backend, src_iris)
    card.notes = sorted(notes)
    if relationships:
        card.relationships = _relationships(backend, e, onto, sentences)
    return card


def _relationships(backend: Backend, e: URIRef, onto: Ontology, sentences: bool = True) -> list[dict]:
    from .facts import card_record

    # Three flat queries: the records and the entity's roles in them, every value of those records,
    # the participants' labels.  One join of all three (an OPTIONAL label on every value) took 5 s
    # of CPU for ICE's 9,873 records on the real-data graph.
    kinds = values_block(["kind"], ([k] for k in _below(onto, str(CG.Relationship))))
    my_records = backend.select(
        SPARQL_PREFIXES
        + "SELECT ?rec ?kind ?role WHERE { "
        + kinds
        + " ?rec ?role ?e . ?role a cg:RoleProperty . ?rec a ?kind . }",
        {"e": e},
    ).rows
    recs: dict[str, dict] = {}
    roles_of_e: dict[str, set[str]] = defaultdict(set)
    values: dict[str, dict[Node | None, list]] = defaultdict(lambda: defaultdict(list))
    for rec, kind, role in my_records:
        recs.setdefault(str(rec), {"kind": str(kind)})
        roles_of_e[str(rec)].add(str(role))
    record_values = (
        backend.select(
            "SELECT ?rec ?p ?o WHERE { " + values_block(["rec"], ([r] for r in recs)) + " ?rec ?p ?o }"
        ).rows
        if recs
        else []
    )
    for rec, p, o in record_values:
        vals = values[str(rec)][p]
        if o not in vals:
            vals.append(o)
    participants_of = {
        str(o)
        for v in values.values()
        for p, os in v.items()
        if str(p) in onto.roles
        for o in os
        if isinstance(o, URIRef)
    }
    labels: dict[str, str] = {}
    if participants_of:
        for o, olabel in backend.select(
            SPARQL_PREFIXES
            + "SELECT ?o ?l WHERE { "
            + values_block(["o"], ([x] for x in sorted(participants_of)))
            + " ?o rdfs:label ?l }"
        ).rows:
            labels[str(o)] = str(olabel)
    role_props = onto.roles
    kind_names = {
        local_name(str(k)): str(lbl)
        for k, lbl in backend.select(
            SPARQL_PREFIXES + "SELECT ?k ?l WHERE { ?k a cg:AmountKind ; rdfs:label ?l }"
        ).rows
    }
    fields = sorted((URIRef(p) for p in onto.record_fields), key=field_name)
    cited = _SourceTable(backend, (str(s) for v in values.values() for s in v.get(CG.source, ())))
    out = []
    for r, info in recs.items():
        kind = info["kind"]
        rule = onto.rules.get(kind)
        v = values[r]
        participants = [
            {
                "role": local_name(str(p)),
                "iri": str(o),
                "label": labels.get(str(o), local_name(o)),
                "is_self": o == e,
            }
            for p, os in v.items()
            if str(p) in role_props
            for o in os
        ]
        direction = "none"
        if rule:
            mine = roles_of_e[r]
            if rule.symmetric and rule.from_role in mine:
                direction = "both"
            elif rule.from_role in mine:
                direction = "out"
            elif rule.to_role in mine:
                direction = "in"
        item: dict[str, Any] = {
            "record": r,
            "kind": local_name(kind),
            "kind_label": onto.kind_labels.get(kind, local_name(kind)),
            "edge_label": rule.label if rule else None,
            "edge_from_role": local_name(rule.from_role) if rule else None,
            "edge_to_role": local_name(rule.to_role) if rule else None,
            "direction": direction,
            "my_roles": sorted(local_name(x) for x in roles_of_e[r]),
            "participants": participants,
            "certainty": local_name(v[CG.certainty][0]) if v.get(CG.certainty) else None,
            "quotes": sorted(str(q) for q in v.get(CG.quote, [])),
        }
        for prop in fields:  # the record attributes the ontology declares (rdfs:domain cg:Relationship)
            if v.get(prop):
                item[field_name(prop)] = _py(v[prop][0])
        if "amount_kind" in item:
            item["amount_kind_label"] = kind_names.get(item["amount_kind"], item["amount_kind"])
        item["sources"] = cited.of(str(s) for s in v.get(CG.source, []))
        if sentences:
            fact = card_record(item)  # the copy-ready sentence (show -f md), with every value of an attribute
            fact.values.update(
                {local_name(p): sorted(map(_py, v[p]), key=str) for p in fields if len(v.get(p, ())) > 1}
            )
            item["sentence"] = sentence(fact, onto)
        out.append(item)
    out.sort(
        key=lambda i: (
            {"out": 0, "both": 1, "in": 2}.get(i["direction"], 3),
            i["kind_label"],
            str(i.get("date") or i.get("start_date") or ""),
            i["record"],
        )
    )
    return out


def _sources(backend: Backend, iris: list[str]) -> list[dict]:
    return _SourceTable(backend, iris).of(iris)


class _SourceTable:
    """The descriptions of many sources read in one query, then handed out per record: a card of
    thousands of records (ICE) asked one query per record and took most of a minute."""

    def __init__(self, backend: Backend, iris: Iterable[str]):
        self.rows: dict[str, list[dict]] = defaultdict(list)
        wanted = sorted(set(iris))
        if not wanted:
            return
        rows = backend.select(
            SPARQL_PREFIXES
            + "SELECT ?s ?url ?title ?pub ?issued WHERE { "
            + values_block(["s"], ([i] for i in wanted))
            + " OPTIONAL { ?s schema:url ?url } OPTIONAL { ?s dcterms:title ?title }"
            " OPTIONAL { ?s dcterms:publisher ?pub } OPTIONAL { ?s dcterms:issued ?issued } }"
        ).rows
        for s, u, t, p, i in rows:
            self.rows[str(s)].append(
                {"iri": str(s), "url": _s(u), "title": _s(t), "publisher": _s(p), "issued": _s(i)}
            )

    def of(self, iris: Iterable[str]) -> list[dict]:
        """The descriptions of ``iris`` (each distinct source once, in IRI order), as fresh dicts."""
        return [dict(row) for iri in sorted(set(iris)) for row in self.rows.get(iri, ())]


def field_name(prop: str) -> str:
    """The key of a record attribute on a card: its local name in snake case (cg:startDate -> start_date)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", local_name(prop)).lower()


def _py(term: Any) -> Any:
    if isinstance(term, Literal):
        v = term.toPython()
        if isinstance(v, Decimal | bool | int | float | str):
            return v
        return str(term)
    if isinstance(term, URIRef):
        return local_name(term)
    return str(term)


def _s(term: Any) -> str | None:
    return None if term is None else str(term)


def _int(term: Node | None) -> int:
    """The value of a COUNT (an integer literal)."""
    return int(term.toPython()) if isinstance(term, Literal) else 0

"""The one projection of the RDF graph onto a network: entities are nodes, relationship records are
typed, directed edges, drawn by the edge rules that graph/ontology.ttl declares for each kind.

Classes, literals and shared sources never become nodes, so they can never serve as shortcuts
between entities.  Paths, maps and exports all start from this projection.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import networkx as nx
from rdflib import Literal, URIRef

from . import dates
from .backend import Backend
from .vocab import SPARQL_PREFIXES, certainty_rank, local_name


@dataclass(frozen=True)
class EdgeRule:
    """How records of one kind are drawn: ``from_role`` --label--> ``to_role``."""

    kind: str  # IRI of the relationship class
    kind_label: str
    from_role: str
    to_role: str
    label: str
    symmetric: bool = False
    label_property: str | None = None
    money_flow: str = "none"  # forward | backward | none

    @property
    def name(self) -> str:
        return local_name(self.kind)


@dataclass
class Ontology:
    """What the projection needs to know of the vocabulary: edge rules and entity classes."""

    rules: dict[str, EdgeRule]
    entity_classes: dict[str, int]  # class IRI -> depth below cg:Entity (deeper is more specific)
    class_labels: dict[str, str] = field(default_factory=dict)
    kind_labels: dict[str, str] = field(default_factory=dict)  # every relationship class, edge or not

    def kind_by_name(self, name: str) -> str | None:
        """The IRI of a relationship kind given its local name or label, case-insensitively."""
        wanted = name.strip().lower().replace("-", "").replace(" ", "").replace("_", "")
        for iri, label in self.kind_labels.items():
            if wanted in (local_name(iri).lower(), label.lower().replace(" ", "").replace("-", "")):
                return iri
        return None


_RULES_QUERY = SPARQL_PREFIXES + """
SELECT ?kind ?klabel ?from ?to ?label ?sym ?lprop ?flow WHERE {
  ?kind cg:edgeFrom ?from ; cg:edgeTo ?to ; cg:edgeLabel ?label .
  OPTIONAL { ?kind rdfs:label ?klabel }
  OPTIONAL { ?kind cg:symmetric ?sym }
  OPTIONAL { ?kind cg:edgeLabelProperty ?lprop }
  OPTIONAL { ?kind cg:moneyFlow ?flow }
}"""

_CLASSES_QUERY = SPARQL_PREFIXES + """
SELECT ?c ?label ?parent WHERE {
  { ?c rdfs:subClassOf ?parent . ?parent rdfs:subClassOf* cg:Entity . }
  UNION { ?c rdfs:subClassOf ?parent . ?parent rdfs:subClassOf* cg:Relationship . }
  UNION { VALUES ?c { cg:Entity cg:Relationship } }
  OPTIONAL { ?c rdfs:label ?label }
}"""


def read_ontology(backend: Backend) -> Ontology:
    """Edge rules and classes from the graph in use; the bundled ontology if the graph has none."""
    rows = backend.select(_RULES_QUERY).dicts()
    class_rows = backend.select(_CLASSES_QUERY).dicts()
    if not rows:
        from .backend.memory import MemoryBackend
        from .store import bundled_graph_dir, parse_turtle_file

        bundled = MemoryBackend(parse_turtle_file(bundled_graph_dir() / "ontology.ttl"))
        rows = bundled.select(_RULES_QUERY).dicts()
        class_rows = bundled.select(_CLASSES_QUERY).dicts()
    rules = {}
    for r in rows:
        kind = str(r["kind"])
        rules[kind] = EdgeRule(
            kind=kind,
            kind_label=str(r.get("klabel", local_name(kind))),
            from_role=str(r["from"]),
            to_role=str(r["to"]),
            label=str(r["label"]),
            symmetric=bool(r.get("sym") is not None and r["sym"].toPython() is True),
            label_property=str(r["lprop"]) if "lprop" in r else None,
            money_flow=str(r.get("flow", "none")),
        )
    parents: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for r in class_rows:
        c = str(r["c"])
        if "parent" in r:
            parents[c].add(str(r["parent"]))
        if "label" in r:
            labels[c] = str(r["label"])
    entity_root, rel_root = str(_cg("Entity")), str(_cg("Relationship"))

    def depth(c: str, root: str, seen: frozenset[str] = frozenset()) -> int | None:
        if c == root:
            return 0
        best = None
        for p in parents.get(c, ()):
            if p in seen:
                continue
            d = depth(p, root, seen | {c})
            if d is not None and (best is None or d + 1 > best):
                best = d + 1
        return best

    entity_classes = {c: d for c in set(parents) | {entity_root} if (d := depth(c, entity_root)) is not None}
    kinds = {c for c in parents if depth(c, rel_root) is not None}
    kind_labels = {c: labels.get(c, local_name(c)) for c in kinds}
    return Ontology(rules, entity_classes, labels, kind_labels)


def _cg(name: str) -> URIRef:
    from .vocab import CG

    return getattr(CG, name)


def _values(var: str, iris: Iterable[str]) -> str:
    return "VALUES ?" + var + " { " + " ".join(f"<{i}>" for i in iris) + " }"


def project(backend: Backend, ontology: Ontology | None = None) -> nx.MultiDiGraph:
    """Build the entity network of the whole graph.

    Nodes are entity IRIs with ``label``, ``type`` (most specific class name) and ``type_label``.
    Each edge is keyed by its record IRI and carries ``kind``, ``kind_label``, ``label``,
    ``certainty``, ``certainty_rank``, ``amount`` (Decimal), ``currency``, ``amount_kind``,
    ``amount_qualifier``, ``amount_text``, ``date``, ``start``, ``end``, ``no_bid``, ``quote``,
    ``sources`` (list of dicts) and ``symmetric``.
    """
    onto = ontology or read_ontology(backend)
    g = nx.MultiDiGraph()
    g.graph["ontology"] = onto
    g.graph["version"] = backend.version()
    _add_nodes(backend, onto, g)
    if not onto.rules:
        return g
    rule_values = " ".join(f"(<{r.kind}> <{r.from_role}> <{r.to_role}>)" for r in onto.rules.values())
    edge_rows = backend.select(
        SPARQL_PREFIXES
        + "SELECT ?rec ?kind ?s ?t WHERE { VALUES (?kind ?fp ?tp) { " + rule_values + " } "
        "?rec a ?kind ; ?fp ?s ; ?tp ?t . FILTER(?s != ?t) }"
    ).rows
    if not edge_rows:
        return g
    attrs = _record_attributes(backend, onto)
    for rec, kind, s, t in edge_rows:
        rule = onto.rules[str(kind)]
        s, t, rec = str(s), str(t), str(rec)
        if rule.symmetric and s > t:  # one edge per unordered pair of partners
            continue
        if s not in g or t not in g:  # a dangling reference: validate reports it; never draw it
            continue
        a = attrs.get(rec, {})
        label = a.get("label_override") or rule.label
        g.add_edge(s, t, key=rec, record=rec, kind=rule.name, kind_label=rule.kind_label, label=label,
                   symmetric=rule.symmetric, money_flow=rule.money_flow,
                   **{k: v for k, v in a.items() if k != "label_override"})
    return g


def _add_nodes(backend: Backend, onto: Ontology, g: nx.MultiDiGraph) -> None:
    rows = backend.select(
        SPARQL_PREFIXES + "SELECT ?e ?type ?label WHERE { " + _values("type", onto.entity_classes)
        + " ?e a ?type . OPTIONAL { ?e rdfs:label ?label } }"
    ).rows
    for e, typ, label in rows:
        node, typ = str(e), str(typ)
        depth = onto.entity_classes.get(typ, 0)
        current = g.nodes[node] if node in g else None
        if current is None:
            g.add_node(node, label=str(label) if label is not None else local_name(node))
            current = g.nodes[node]
            current["_depth"] = -1
        if depth > current["_depth"]:
            current.update(type=local_name(typ), type_iri=typ, type_label=onto.class_labels.get(typ, local_name(typ)),
                           _depth=depth)
    for _, data in g.nodes(data=True):
        data.pop("_depth", None)


def _record_attributes(backend: Backend, onto: Ontology) -> dict[str, dict]:
    kinds = _values("kind", onto.rules)
    single = backend.select(
        SPARQL_PREFIXES + "SELECT ?rec ?cert ?rank ?amount ?cur ?akind ?aq ?at ?date ?start ?end ?nobid ?lbl WHERE { "
        + kinds + " ?rec a ?kind . "
        "OPTIONAL { ?rec cg:certainty ?cert . OPTIONAL { ?cert cg:rank ?rank } } "
        "OPTIONAL { ?rec cg:amount ?amount } OPTIONAL { ?rec cg:currency ?cur } "
        "OPTIONAL { ?rec cg:amountKind ?akind } OPTIONAL { ?rec cg:amountQualifier ?aq } "
        "OPTIONAL { ?rec cg:amountText ?at } "
        "OPTIONAL { ?rec cg:date ?date } OPTIONAL { ?rec cg:startDate ?start } OPTIONAL { ?rec cg:endDate ?end } "
        "OPTIONAL { ?rec cg:noBid ?nobid } "
        "OPTIONAL { ?kind cg:edgeLabelProperty ?lp . ?rec ?lp ?lbl } }"
    ).rows
    out: dict[str, dict] = {}
    for rec, cert, _rank, amount, cur, akind, aq, at, date, start, end, nobid, lbl in single:
        cert_name = local_name(cert) if cert is not None else None
        out[str(rec)] = {
            "certainty": cert_name,
            "certainty_rank": certainty_rank(cert_name) if cert_name else 0,
            "amount": _decimal(amount),
            "currency": str(cur) if cur is not None else None,
            "amount_kind": local_name(akind) if akind is not None else None,
            "amount_qualifier": str(aq) if aq is not None else None,
            "amount_text": str(at) if at is not None else None,
            "date": str(date) if date is not None else None,
            "start": str(start) if start is not None else None,
            "end": str(end) if end is not None else None,
            "no_bid": bool(nobid.toPython()) if isinstance(nobid, Literal) else None,
            "label_override": str(lbl) if lbl is not None else None,
            "quote": [],
            "sources": [],
        }
    for rec, quote in backend.select(
        SPARQL_PREFIXES + "SELECT ?rec ?q WHERE { " + kinds + " ?rec a ?kind ; cg:quote ?q }"
    ).rows:
        if str(rec) in out:
            out[str(rec)]["quote"].append(str(quote))
    for rec, src, url, title, publisher, issued in backend.select(
        SPARQL_PREFIXES + "SELECT ?rec ?src ?url ?title ?pub ?issued WHERE { " + kinds
        + " ?rec a ?kind ; cg:source ?src . OPTIONAL { ?src schema:url ?url } OPTIONAL { ?src dcterms:title ?title }"
        " OPTIONAL { ?src dcterms:publisher ?pub } OPTIONAL { ?src dcterms:issued ?issued } }"
    ).rows:
        if str(rec) in out:
            out[str(rec)]["sources"].append({
                "iri": str(src),
                "url": str(url) if url is not None else None,
                "title": str(title) if title is not None else None,
                "publisher": str(publisher) if publisher is not None else None,
                "issued": str(issued) if issued is not None else None,
            })
    return out


def _decimal(term: object) -> Decimal | None:
    if term is None:
        return None
    try:
        return Decimal(str(term))
    except ArithmeticError:
        return None


def filter_edges(
    g: nx.MultiDiGraph,
    kinds: Iterable[str] | None = None,
    min_certainty: str | None = None,
    as_of: dt.date | None = None,
) -> nx.MultiDiGraph:
    """A view of ``g`` keeping only the edges of the given kinds (local names), at least as certain
    as ``min_certainty`` and in force on ``as_of``.  All nodes stay; callers drop isolates if they want."""
    wanted = {k for k in kinds} if kinds else None
    floor = certainty_rank(min_certainty) if min_certainty else 0

    def keep(u: str, v: str, key: str) -> bool:
        d = g.edges[u, v, key]
        if wanted is not None and d["kind"] not in wanted:
            return False
        if d.get("certainty_rank", 0) < floor:
            return False
        return not (as_of and not dates.in_force(as_of, d.get("start"), d.get("end"), d.get("date")))

    if wanted is None and not floor and as_of is None:
        return g
    return nx.subgraph_view(g, filter_edge=keep)

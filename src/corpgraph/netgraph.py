"""The one projection of the RDF graph onto a network: entities are nodes, relationship records are
typed, directed edges, drawn by the edge rules that graph/ontology.ttl declares for each kind.

Classes, literals and shared sources never become nodes, so they can never serve as shortcuts
between entities.  Paths, maps and exports all start from this projection.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import networkx as nx
from rdflib import Literal
from rdflib.term import Node

from . import awards, dates
from .backend import Backend
from .backend.sparqltext import iri_ref, values_block
from .derived import file_stamp
from .errors import OutputError
from .ontology import EdgeRule, Ontology, read_ontology
from .vocab import SPARQL_PREFIXES, certainty_rank, local_name

__all__ = ["EdgeRule", "Ontology", "build_network", "filter_edges", "project", "read_ontology"]


def _values(var: str, iris: Iterable[str]) -> str:
    return values_block([var], ([i] for i in iris))


# Bump when the projection's shape changes, so caches written by older code are not read.
_CACHE_FORMAT = 5


def project(backend: Backend, ontology: Ontology | None = None, *, use_cache: bool = True) -> nx.MultiDiGraph:
    """The entity network of the whole graph, from the backend's cache when it keeps one.

    Building the network reads every record (about 13 s at a million triples in the Oxigraph store);
    the store keeps the result as JSON for its graph version, which reloads in under a second.
    See ``build_network`` for what nodes and edges carry.
    """
    cache_dir = backend.cache_dir() if use_cache else None
    cache = (
        cache_dir / f"network-{file_stamp(backend.version())}-v{_CACHE_FORMAT}.json" if cache_dir else None
    )
    if cache is not None and cache.is_file():
        try:
            return _network_from_json(cache.read_bytes(), ontology or read_ontology(backend))
        except (ValueError, KeyError, TypeError, OSError):
            pass  # a damaged cache is rebuilt below
    g = build_network(backend, ontology)
    if cache is not None:
        try:
            from .fileio import write_atomically

            write_atomically(cache, _network_to_json(g))
            for old in cache.parent.glob("network-*.json"):
                if old != cache:
                    old.unlink(missing_ok=True)
        except (OSError, OutputError):
            pass  # a read-only store still answers, just without a cache
    return g


def _network_to_json(g: nx.MultiDiGraph) -> bytes:
    sources: dict[str, dict] = {}
    edges = []
    for u, v, k, d in g.edges(keys=True, data=True):
        item = {
            key: (str(val) if isinstance(val, Decimal) else val) for key, val in d.items() if val is not None
        }
        item["sources"] = [sources.setdefault(src["iri"], src)["iri"] for src in d.get("sources", ())]
        edges.append([u, v, k, item])
    return json.dumps(
        {
            "version": g.graph.get("version"),
            "sources": sources,
            "nodes": [[n, d] for n, d in g.nodes(data=True)],
            "edges": edges,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def _network_from_json(raw: bytes, onto: Ontology) -> nx.MultiDiGraph:
    data = json.loads(raw)
    sources = data["sources"]
    g = nx.MultiDiGraph()
    g.graph["ontology"] = onto
    g.graph["version"] = data["version"]
    g.add_nodes_from((n, d) for n, d in data["nodes"])
    empty = dict.fromkeys(_EDGE_KEYS)

    def edges():
        for u, v, k, d in data["edges"]:
            if "amount" in d:
                d["amount"] = Decimal(d["amount"])
            d["sources"] = [sources[i] for i in d["sources"]]
            yield u, v, k, {**empty, **d}

    g.add_edges_from(edges())
    return g


def build_network(backend: Backend, ontology: Ontology | None = None) -> nx.MultiDiGraph:
    """Build the entity network of the whole graph.

    Nodes are entity IRIs with ``label``, ``type`` (most specific class name) and ``type_label``,
    and ``notes`` (the curators' ``cg:note`` texts on the entity) when it has some.
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
    rule_values = values_block(
        ["kind", "fp", "tp"], ([r.kind, r.from_role, r.to_role] for r in onto.rules.values())
    )
    edge_rows = backend.select(
        SPARQL_PREFIXES + "SELECT ?rec ?kind ?s ?t WHERE { " + rule_values + " "
        "?rec a ?kind ; ?fp ?s ; ?tp ?t . FILTER(?s != ?t) }"
    ).rows
    if not edge_rows:
        return g
    attrs = _record_attributes(backend, onto, {str(row[0]) for row in edge_rows})
    # Edges (and below, nodes) are added in IRI order, not in the order the query engine returns rows
    # (which may follow hash order): every view and export of the network inherits this order.
    edge_rows.sort(key=lambda row: (str(row[2]), str(row[3]), str(row[0])))
    for rec_term, kind, s_term, t_term in edge_rows:
        rule = onto.rules[str(kind)]
        s, t, rec = str(s_term), str(t_term), str(rec_term)
        if rule.symmetric and s > t:  # one edge per unordered pair of partners
            continue
        if s not in g or t not in g:  # a dangling reference: validate reports it; never draw it
            continue
        a = attrs.get(rec, {})
        label = a.get("label_override") or rule.label
        g.add_edge(
            s,
            t,
            key=rec,
            record=rec,
            kind=rule.name,
            kind_label=rule.kind_label,
            label=label,
            symmetric=rule.symmetric,
            money_flow=rule.money_flow,
            soft=rule.soft,
            **{k: v for k, v in a.items() if k != "label_override"},
        )
    awards.count_once(g)  # one award's amount stated by several files is one edge
    return g


def _add_nodes(backend: Backend, onto: Ontology, g: nx.MultiDiGraph) -> None:
    rows = backend.select(
        SPARQL_PREFIXES
        + "SELECT ?e ?type ?label WHERE { "
        + _values("type", onto.entity_classes)
        + " ?e a ?type . OPTIONAL { ?e rdfs:label ?label } }"
    ).rows
    rows.sort(key=lambda row: (str(row[0]), str(row[1]), str(row[2] or "")))
    for e, typ_term, label in rows:
        node, typ = str(e), str(typ_term)
        depth = onto.entity_classes.get(typ, 0)
        current = g.nodes[node] if node in g else None
        if current is None:
            g.add_node(node, label=str(label) if label is not None else local_name(node))
            current = g.nodes[node]
            current["_depth"] = -1
        if depth > current["_depth"]:
            current.update(
                type=local_name(typ),
                type_iri=typ,
                type_label=onto.class_labels.get(typ, local_name(typ)),
                _depth=depth,
            )
    for _, data in g.nodes(data=True):
        data.pop("_depth", None)
    notes: dict[str, list[str]] = defaultdict(list)  # curators' notes on the entities themselves
    for e, note in backend.select(SPARQL_PREFIXES + "SELECT ?e ?n WHERE { ?e cg:note ?n }").rows:
        if str(e) in g:
            notes[str(e)].append(str(note))
    for node, texts in notes.items():
        g.nodes[node]["notes"] = sorted(texts)


# Record attributes read one predicate at a time: a single query with a dozen OPTIONALs took 20 s
# on a million-triple Oxigraph store, these simple scans take a fraction of that in total.
_EDGE_KEYS = (
    "certainty",
    "certainty_rank",
    "amount",
    "currency",
    "amount_kind",
    "amount_kind_label",
    "amount_qualifier",
    "amount_text",
    "date",
    "start",
    "end",
    "no_bid",
    "award_id",
    "quote",
    "note",
    "sources",
    "award_key",
    "fiscal_year",
    "as_of",
    "same_transaction",
    "also_stated",
)
_SINGLE_VALUED: dict[str, tuple[str, Callable[[Node], Any]]] = {
    "amount": ("cg:amount", lambda t: _decimal(t)),
    "currency": ("cg:currency", str),
    "amount_kind": ("cg:amountKind", local_name),
    "amount_qualifier": ("cg:amountQualifier", str),
    "amount_text": ("cg:amountText", str),
    "date": ("cg:date", str),
    "start": ("cg:startDate", str),
    "end": ("cg:endDate", str),
    "no_bid": ("cg:noBid", lambda t: bool(t.toPython()) if isinstance(t, Literal) else None),
    "award_id": ("cg:awardId", str),
    "note": ("cg:note", str),
    "award_key": ("cg:awardKey", str),
    "fiscal_year": ("cg:fiscalYear", str),
    "same_transaction": ("cg:sameTransactionAs", str),
}


def _record_attributes(backend: Backend, onto: Ontology, records: set[str]) -> dict[str, dict]:
    out: dict[str, dict] = {
        r: {
            "certainty": None,
            "certainty_rank": 0,
            **dict.fromkeys(_SINGLE_VALUED),
            "amount_kind_label": None,
            "as_of": None,
            "also_stated": None,  # filled by awards.count_once
            "label_override": None,
            "quote": [],
            "sources": [],
        }
        for r in records
    }

    def scan(predicate: str):
        for rec, value in backend.select(
            SPARQL_PREFIXES + f"SELECT ?rec ?v WHERE {{ ?rec {predicate} ?v }}"
        ).rows:
            item = out.get(str(rec))
            if item is not None:
                yield item, value

    for item, cert in scan("cg:certainty"):
        item["certainty"] = local_name(cert)
        item["certainty_rank"] = certainty_rank(item["certainty"])
    for key, (predicate, convert) in _SINGLE_VALUED.items():
        for item, value in scan(predicate):
            item[key] = convert(value)
    for item in out.values():  # readers see the ontology's words for an amount kind
        if item["amount_kind"]:
            item["amount_kind_label"] = onto.amount_kind_labels.get(item["amount_kind"])
    for item, day in scan("cg:asOf"):  # one record stated by several files: the latest date
        item["as_of"] = max(item.get("as_of") or "", str(day))
    for item, quote in scan("cg:quote"):
        item["quote"].append(str(quote))
    label_props = {r.label_property for r in onto.rules.values() if r.label_property}
    for prop in sorted(label_props):
        for item, value in scan(iri_ref(prop)):
            item["label_override"] = str(value)
    cited: dict[str, list[dict]] = {}
    for item, src in scan("cg:source"):
        cited.setdefault(str(src), []).append(item)
    sources = _sources(backend, cited)
    for src in sorted(cited):
        for item in cited[src]:
            item["sources"].append(sources[src])
    for item in out.values():  # several values of one property: in a fixed order
        item["quote"].sort()
    return out


def _sources(backend: Backend, cited: dict[str, list[dict]]) -> dict[str, dict]:
    """Source descriptions, one dict per source shared by every record citing it."""
    found = {
        iri: {"iri": iri, "url": None, "title": None, "publisher": None, "issued": None} for iri in cited
    }
    for key, predicate in (
        ("url", "schema:url"),
        ("title", "dcterms:title"),
        ("publisher", "dcterms:publisher"),
        ("issued", "dcterms:issued"),
    ):
        for src, value in backend.select(
            SPARQL_PREFIXES + f"SELECT ?s ?v WHERE {{ ?s a cg:Source ; {predicate} ?v }}"
        ).rows:
            if str(src) in found:
                found[str(src)][key] = str(value)
    return found


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


# -- one edge per tie ------------------------------------------------------------------------------

GOVERNMENT_TYPES = frozenset({"GovernmentBody", "Legislation"})


@functools.lru_cache(maxsize=4096)
def money_year(day_text: str | None, federal: bool) -> str:
    """The year an amount is counted in: the US federal fiscal year (FY2025 = 2024-10-01..2025-09-30)
    when a government body pays in USD, else the calendar year; ``undated`` without a date."""
    if not day_text:
        return "undated"
    try:
        first, last = dates.span(day_text)
    except ValueError:
        return "undated"
    if federal:
        fy_first, fy_last = dates.fiscal_year(first), dates.fiscal_year(last)
        return f"FY{fy_first}" if fy_first == fy_last else f"FY{fy_first}-{fy_last}"
    return str(first.year)


def payer_of(u: str, v: str, d: dict) -> str | None:
    """Who pays the amount of an edge u -> v: its start for forward money, its end for backward."""
    flow = d.get("money_flow") or "none"
    return u if flow == "forward" else v if flow == "backward" else None


def is_federal(g: nx.MultiDiGraph, u: str, v: str, d: dict) -> bool:
    payer = payer_of(u, v, d)
    return bool(payer and g.nodes[payer].get("type") in GOVERNMENT_TYPES and d.get("currency") == "USD")


def aggregate(g: nx.MultiDiGraph, *, soft: bool = True) -> nx.MultiDiGraph:
    """One edge per tie: all records of one kind from one entity to another become a single edge.

    The edge is keyed by the kind's local name and carries ``kind``, ``kind_label``, ``label`` (the
    records' labels, distinct, joined by " / "), ``symmetric``, ``money_flow``, ``soft``,
    ``records`` (record IRIs, oldest first: each is an edge key of ``g``), ``count``, ``first`` and
    ``last`` (the earliest and latest date of any record), ``certainty`` and ``certainty_rank`` (of
    the most certain record), ``certainties`` ({name: records}), ``totals`` (one per amount kind,
    currency and year, never added across kinds: dicts with ``amount_kind``, ``currency``, ``year``,
    ``amount`` (Decimal), ``records`` and ``qualified``), ``sources`` (distinct) and ``notes``.
    A tie of one record also keeps that record's own attributes (amount, date, quote...).
    ``soft=False`` leaves out the kinds the ontology marks as soft ties.  The result's
    ``graph["records"]`` is ``g``, so each record stays one look-up away.
    """
    out = nx.MultiDiGraph()
    out.graph.update(g.graph)
    out.graph["records"] = g
    out.add_nodes_from(g.nodes(data=True))
    groups: dict[tuple[str, str, str], list[tuple[str, dict]]] = defaultdict(list)
    for u, nbrs in g.adj.items():
        for v, keyed in nbrs.items():
            for k, d in keyed.items():
                if not soft and d.get("soft"):
                    continue
                groups[(u, v, d.get("kind") or "")].append((k, d))
    enabled = gc.isenabled()
    gc.disable()  # thousands of small dicts and no cycles: collection passes only cost time
    try:
        out.add_edges_from(
            (u, v, kind, tie_attributes(g, u, v, items)) for (u, v, kind), items in groups.items()
        )
    finally:
        if enabled:
            gc.enable()
    return out


def _when(d: dict) -> tuple[str, str] | None:
    first = d.get("start") or d.get("date")
    last = d.get("end") or d.get("date") or d.get("start")
    return (first, last) if first and last else None


def _oldest_first(item: tuple[str, dict]) -> tuple:
    when = item[1].get("date") or item[1].get("start")
    return (when is None, when or "", item[0])  # undated records last


def tie_attributes(g: nx.MultiDiGraph, u: str, v: str, items: list[tuple[str, dict]]) -> dict:
    """The attributes of the edge that stands for ``items`` (record key, record attributes), all of one
    kind from ``u`` to ``v``; see ``aggregate``."""
    items = sorted(items, key=_oldest_first)
    head = items[0][1]
    totals: dict[tuple, dict] = {}
    certainties: dict[str, int] = {}
    sources: dict[str, dict] = {}
    labels: dict[str, None] = {}
    notes: dict[str, None] = {}
    first = last = None
    best = max(items, key=lambda kd: kd[1].get("certainty_rank") or 0)[1]
    payer = payer_of(u, v, head)  # one kind, so one payer for all the records of the tie
    government_payer = bool(payer and g.nodes[payer].get("type") in GOVERNMENT_TYPES)
    for _k, d in items:
        labels[str(d.get("label") or "")] = None
        cert = d.get("certainty") or "unknown"
        certainties[cert] = certainties.get(cert, 0) + 1
        for s in d.get("sources") or ():
            sources.setdefault(s["iri"], s)
        if d.get("note"):
            notes[d["note"]] = None
        span_ = _when(d)
        if span_:
            first = span_[0] if first is None or span_[0] < first else first
            last = span_[1] if last is None or span_[1] > last else last
        amount = d.get("amount")
        if amount is not None:
            year = money_year(
                d.get("date") or d.get("start"), government_payer and d.get("currency") == "USD"
            )
            key = (d.get("amount_kind"), d.get("currency"), year)
            t = totals.get(key)
            if t is None:
                t = totals[key] = {
                    "amount_kind": key[0],
                    "amount_kind_label": d.get("amount_kind_label"),
                    "currency": key[1],
                    "year": year,
                    "amount": Decimal(0),
                    "records": 0,
                    "qualified": False,
                }
            t["amount"] += amount
            t["records"] += 1
            t["qualified"] = t["qualified"] or bool(d.get("amount_qualifier"))
    attrs = dict(head) if len(items) == 1 else dict.fromkeys(_EDGE_KEYS)
    attrs.pop("record", None)
    attrs.update(
        kind=head.get("kind"),
        kind_label=head.get("kind_label"),
        label=" / ".join(x for x in labels if x) or head.get("label"),
        symmetric=head.get("symmetric"),
        money_flow=head.get("money_flow"),
        soft=bool(head.get("soft")),
        records=[k for k, _d in items],
        count=len(items),
        first=first,
        last=last,
        certainty=best.get("certainty"),
        certainty_rank=best.get("certainty_rank") or 0,
        certainties=certainties,
        totals=sorted(
            totals.values(), key=lambda t: (t["amount_kind"] or "", t["currency"] or "", t["year"])
        ),
        sources=list(sources.values()),
        notes=list(notes),
    )
    return attrs


def tie_records(tie_graph: nx.MultiDiGraph, u: str, v: str, kind: str) -> list[tuple[str, dict]]:
    """(record IRI, record attributes) of one tie of an ``aggregate`` graph, oldest first."""
    records = tie_graph.graph["records"]
    return [(k, records.edges[u, v, k]) for k in tie_graph.edges[u, v, kind]["records"]]

"""The one projection of the RDF graph onto a network: entities are nodes, relationship records are
typed, directed edges, drawn by the edge rules that graph/ontology.ttl declares for each kind.

Classes, literals and shared sources never become nodes, so they can never serve as shortcuts
between entities.  Paths, maps and exports all start from this projection.
"""

from __future__ import annotations

import datetime as dt
import functools
import pickle
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import networkx as nx

from . import awards, dates, netrows
from .backend import Backend
from .derived import file_stamp, from_pickle, replace_kept, to_pickle
from .gcpause import no_cycle_collection
from .netrows import RDF_TYPE
from .ontology import EdgeRule, Ontology, read_ontology
from .vocab import certainty_rank, local_name

__all__ = ["EdgeRule", "Ontology", "build_network", "filter_edges", "project", "read_ontology"]


# Bump when the projection's shape changes, so caches written by older code are not read.
_CACHE_FORMAT = 8


def project(backend: Backend, ontology: Ontology | None = None, *, use_cache: bool = True) -> nx.MultiDiGraph:
    """The entity network of the whole graph, from the backend's cache when it keeps one.

    Building the network reads every record; the triples it needs are kept per part (``netrows``),
    and the network itself for its graph version (``derived.to_pickle``), which reloads many times
    faster than it is built (at a million triples: 96k records, built in 11 s, reloaded in 0.5-0.9 s).
    See ``build_network`` for what nodes and edges carry.
    """
    cache_dir = backend.cache_dir() if use_cache else None
    cache = (
        cache_dir / f"network-{file_stamp(backend.version())}-v{_CACHE_FORMAT}.pickle" if cache_dir else None
    )
    if cache is not None and cache.is_file():
        try:
            g = _network_from_kept(cache.read_bytes(), ontology or read_ontology(backend))
            _KEPT_AT[g] = cache
            return g
        except _DAMAGED:
            pass  # a damaged cache is rebuilt below
    with no_cycle_collection():  # hundreds of thousands of rows, dicts and edges, no cycles
        g = build_network(backend, ontology)
        if cache is not None:  # a read-only store still answers, just without a cache
            replace_kept(cache, _network_to_kept(g), "network-*")
            _KEPT_AT[g] = cache
    return g


# What reading a damaged or foreign kept file may raise (it is then built again).
_DAMAGED = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
)

# The kept file of each network ``project`` returned: its tie indexes are kept beside it.  Only
# those networks, never a view or subgraph of one (they are other objects).
_KEPT_AT: weakref.WeakKeyDictionary[nx.MultiDiGraph, Path] = weakref.WeakKeyDictionary()


def _network_to_kept(g: nx.MultiDiGraph) -> bytes:
    """The network as plain data: its node and adjacency dicts as networkx holds them (the pickle
    keeps ``_succ[u][v]`` and ``_pred[v][u]`` one dict, and each source one dict, as built)."""
    return to_pickle({"version": g.graph.get("version"), "node": g._node, "succ": g._succ, "pred": g._pred})


def _network_from_kept(raw: bytes, onto: Ontology) -> nx.MultiDiGraph:
    data = from_pickle(raw)
    g = _adopted(nx.MultiDiGraph(), data["node"], data["succ"], data["pred"])
    g.graph["ontology"] = onto
    g.graph["version"] = data["version"]
    return g


def _adopted(g: nx.MultiDiGraph, node: dict, succ: dict, pred: dict) -> nx.MultiDiGraph:
    """``g`` (new and empty) holding the given node and adjacency dicts as its own (networkx's
    layout; setting them resets networkx's cached views)."""
    if not (node.keys() == succ.keys() == pred.keys()):
        raise ValueError("the kept network's node and adjacency dicts differ")
    g._node, g._succ, g._pred = node, succ, pred
    return _views_reset(g)


def _views_reset(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``g`` with the views networkx 3.3+ caches cleared, after its dicts were filled directly."""
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(g)
    return g


def filled(
    g: nx.MultiDiGraph,
    nodes: Iterable[tuple[str, dict]],
    edges: Iterable[tuple[str, str, str, dict]],
) -> nx.MultiDiGraph:
    """``g`` (new and empty) with ``nodes`` (node, attributes) and then ``edges`` (u, v, key,
    attributes) added, the same graph as ``add_nodes_from`` and ``add_edges_from`` give, 2-3x faster:
    the attribute dicts are taken as they are, not copied (pass dicts nothing else changes), and the
    adjacency dicts are filled directly (networkx's own layout: ``_succ[u][v]`` and ``_pred[v][u]``
    are one dict of keys to attributes; ``tests/test_netgraph.py`` checks it against networkx's own
    methods).  networkx's methods cost a call, a lookup chain and a dict copy per edge: at a million
    triples, 96k records and 77k ties."""
    node, succ, pred = g._node, g._succ, g._pred
    for n, d in nodes:
        if n not in node:
            succ[n], pred[n] = {}, {}
        node[n] = d
    for u, v, k, d in edges:
        if u not in node:
            node[u], succ[u], pred[u] = {}, {}, {}
        if v not in node:
            node[v], succ[v], pred[v] = {}, {}, {}
        keys = succ[u].get(v)
        if keys is None:
            keys = succ[u][v] = pred[v][u] = {}
        keys[k] = d
    return _views_reset(g)


def build_network(backend: Backend, ontology: Ontology | None = None) -> nx.MultiDiGraph:
    """Build the entity network of the whole graph.

    Nodes are entity IRIs with ``label``, ``type`` (most specific class name) and ``type_label``,
    and ``notes`` (the curators' ``cg:note`` texts on the entity) when it has some.
    Each edge is keyed by its record IRI and carries ``kind``, ``kind_label``, ``label``,
    ``certainty``, ``certainty_rank``, ``amount`` (Decimal), ``currency``, ``amount_kind``,
    ``amount_qualifier``, ``amount_text``, ``date``, ``start``, ``end``, ``no_bid``, ``quote``,
    ``sources`` (list of dicts) and ``symmetric``.

    The triples come from ``netrows.read_rows`` (kept per part where the backend has parts) and are
    joined here, so the result does not depend on the order any engine returns rows in.
    """
    onto = ontology or read_ontology(backend)
    g = nx.MultiDiGraph()
    g.graph["ontology"] = onto
    g.graph["version"] = backend.version()
    rows = netrows.read_rows(backend, _predicates(onto), [*onto.entity_classes, *onto.rules, _CG_SOURCE])
    types: dict[str, list[str]] = defaultdict(list)
    for subject, cls in rows.get(RDF_TYPE, ()):
        types[cls].append(subject)
    _add_nodes(rows, types, onto, g)
    if not onto.rules:
        return g
    roles = {p: _grouped(rows.get(p, ())) for r in onto.rules.values() for p in (r.from_role, r.to_role)}
    edge_rows: list[tuple[str, str, str, str]] = []
    for kind, rule in onto.rules.items():
        starts, ends = roles[rule.from_role], roles[rule.to_role]
        for rec in types.get(kind, ()):
            for s in starts.get(rec, ()):
                edge_rows.extend((rec, kind, s, t) for t in ends.get(rec, ()) if s != t)
    if not edge_rows:
        return g
    attrs = _record_attributes(rows, types, onto, {row[0] for row in edge_rows})
    # Edges (and above, nodes) are added in IRI order: every view and export inherits this order.
    edge_rows.sort(key=lambda row: (row[2], row[3], row[0], row[1]))
    label_of = {
        rec: a.pop("label_override") for rec, a in attrs.items()
    }  # the edge's label, not an attribute
    for rec, kind, s, t in edge_rows:
        rule = onto.rules[kind]
        if rule.symmetric and s > t:  # one edge per unordered pair of partners
            continue
        if s not in g or t not in g:  # a dangling reference: validate reports it; never draw it
            continue
        a = attrs.get(rec, {})
        label = label_of.get(rec) or rule.label
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
            **a,
        )
    awards.count_once(g)  # one award's amount stated by several files is one edge
    return g


_CG_SOURCE = netrows.expand("cg:Source")
_RDFS_LABEL = netrows.expand("rdfs:label")
_CG_NOTE = netrows.expand("cg:note")
_SOURCE_FIELDS = (
    ("url", netrows.expand("schema:url")),
    ("title", netrows.expand("dcterms:title")),
    ("publisher", netrows.expand("dcterms:publisher")),
    ("issued", netrows.expand("dcterms:issued")),
)


def _predicates(onto: Ontology) -> set[str]:
    """Every predicate the network reads."""
    preds = {_RDFS_LABEL, _CG_NOTE, *(p for _key, p in _SOURCE_FIELDS)}
    preds |= {netrows.expand(p) for p in ("cg:certainty", "cg:asOf", "cg:quote", "cg:source")}
    preds |= {netrows.expand(p) for p, _convert in _SINGLE_VALUED.values()}
    for r in onto.rules.values():
        preds |= {r.from_role, r.to_role}
        if r.label_property:
            preds.add(r.label_property)
    return preds


def _grouped(pairs: Iterable[list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for s, o in pairs:
        out[s].append(o)
    return out


def _add_nodes(rows: netrows.Rows, types: dict[str, list[str]], onto: Ontology, g: nx.MultiDiGraph) -> None:
    entity_types: dict[str, list[str]] = defaultdict(list)
    for cls in onto.entity_classes:
        for e in types.get(cls, ()):
            entity_types[e].append(cls)
    labels: dict[str, str] = {}
    for e, label in rows.get(_RDFS_LABEL, ()):  # sorted: the first label of an entity is its least
        if e in entity_types and e not in labels:
            labels[e] = label
    for node in sorted(entity_types):
        # the most specific class; of several as specific, the first in IRI order
        typ = max(sorted(entity_types[node]), key=lambda c: onto.entity_classes.get(c, 0))
        g.add_node(
            node,
            label=labels[node] if node in labels else local_name(node),
            type=local_name(typ),
            type_iri=typ,
            type_label=onto.class_labels.get(typ, local_name(typ)),
        )
    notes: dict[str, list[str]] = defaultdict(list)  # curators' notes on the entities themselves
    for e, note in rows.get(_CG_NOTE, ()):
        if e in g:
            notes[e].append(note)
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
# (predicate, conversion of the value's text)
_SINGLE_VALUED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "amount": ("cg:amount", lambda t: _decimal(t)),
    "currency": ("cg:currency", str),
    "amount_kind": ("cg:amountKind", local_name),
    "amount_qualifier": ("cg:amountQualifier", str),
    "amount_text": ("cg:amountText", str),
    "date": ("cg:date", str),
    "start": ("cg:startDate", str),
    "end": ("cg:endDate", str),
    "no_bid": ("cg:noBid", lambda t: True if t in ("true", "1") else False if t in ("false", "0") else None),
    "award_id": ("cg:awardId", str),
    "note": ("cg:note", str),
    "award_key": ("cg:awardKey", str),
    "fiscal_year": ("cg:fiscalYear", str),
    "same_transaction": ("cg:sameTransactionAs", str),
}


def _record_attributes(
    rows: netrows.Rows, types: dict[str, list[str]], onto: Ontology, records: set[str]
) -> dict[str, dict]:
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
        for rec, value in rows.get(netrows.expand(predicate), ()):
            item = out.get(rec)
            if item is not None:
                yield item, value

    for item, cert in scan("cg:certainty"):
        item["certainty"] = local_name(cert)
        item["certainty_rank"] = certainty_rank(item["certainty"])
    for key, (predicate, convert) in _SINGLE_VALUED.items():
        for item, value in scan(predicate):  # several values (an error validate reports): the last
            item[key] = convert(value)
    for item in out.values():  # readers see the ontology's words for an amount kind
        if item["amount_kind"]:
            item["amount_kind_label"] = onto.amount_kind_labels.get(item["amount_kind"])
    for item, day in scan("cg:asOf"):  # one record stated by several files: the latest date
        item["as_of"] = max(item.get("as_of") or "", day)
    for item, quote in scan("cg:quote"):
        item["quote"].append(quote)
    label_props = {r.label_property for r in onto.rules.values() if r.label_property}
    for prop in sorted(label_props):
        for item, value in scan(prop):
            item["label_override"] = value
    cited: dict[str, list[dict]] = {}
    for item, src in scan("cg:source"):
        cited.setdefault(src, []).append(item)
    sources = _sources(rows, set(types.get(_CG_SOURCE, ())), cited)
    for src in sorted(cited):
        for item in cited[src]:
            item["sources"].append(sources[src])
    for item in out.values():  # several values of one property: in a fixed order
        item["quote"].sort()
    return out


def _sources(rows: netrows.Rows, typed: set[str], cited: dict[str, list[dict]]) -> dict[str, dict]:
    """Source descriptions, one dict per source shared by every record citing it."""
    found = {
        iri: {"iri": iri, "url": None, "title": None, "publisher": None, "issued": None} for iri in cited
    }
    for key, predicate in _SOURCE_FIELDS:
        for src, value in rows.get(predicate, ()):
            if src in found and src in typed:
                found[src][key] = value
    return found


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def edge_test(
    kinds: Iterable[str] | None = None,
    min_certainty: str | None = None,
    as_of: dt.date | None = None,
) -> Callable[[dict], bool] | None:
    """A test of an edge's data: of the given kinds (local names), at least as certain as
    ``min_certainty`` and in force on ``as_of``; None when it would keep every edge."""
    wanted = set(kinds) if kinds else None
    floor = certainty_rank(min_certainty) if min_certainty else 0
    if wanted is None and not floor and as_of is None:
        return None

    def keep(d: dict) -> bool:
        if wanted is not None and d["kind"] not in wanted:
            return False
        if d.get("certainty_rank", 0) < floor:
            return False
        return not (as_of and not dates.in_force(as_of, d.get("start"), d.get("end"), d.get("date")))

    return keep


def filter_edges(
    g: nx.MultiDiGraph,
    kinds: Iterable[str] | None = None,
    min_certainty: str | None = None,
    as_of: dt.date | None = None,
) -> nx.MultiDiGraph:
    """A view of ``g`` keeping only the edges ``edge_test`` keeps.  All nodes stay; callers drop
    isolates if they want."""
    keep = edge_test(kinds, min_certainty, as_of)
    if keep is None:
        return g
    return nx.subgraph_view(g, filter_edge=lambda u, v, key: keep(g.edges[u, v, key]))


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
    return _tie_graph(g, soft, tie_attributes)


def tie_index(g: nx.MultiDiGraph, *, soft: bool = True) -> nx.MultiDiGraph:
    """``aggregate`` without the summaries, for a search that ranks ties but shows only a few: each
    tie carries ``kind``, ``symmetric``, ``soft``, ``records`` (oldest first), ``count``,
    ``certainty`` and ``certainty_rank``.  ``complete_tie`` adds the rest to the ties kept.

    The index of a network ``project`` returned is kept beside it in the cache, once per ``soft``
    and graph version (at a million triples: built in 0.5-1.3 s, read back in 0.27 s), and read
    once per process (a server asks for it on every search)."""
    kept_at = _KEPT_AT.get(g)
    if kept_at is None:
        return _tie_graph(g, soft, _tie_summary)
    memo = _TIES_READ.setdefault(g, {})
    if soft not in memo:
        with no_cycle_collection():  # a pass over the network's million objects would free nothing
            memo[soft] = _kept_ties(g, kept_at, soft)
    return memo[soft]


# The tie indexes (by ``soft``) of each kept network, once read or built in this process.
_TIES_READ: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[bool, nx.MultiDiGraph]] = (
    weakref.WeakKeyDictionary()
)


def _kept_ties(g: nx.MultiDiGraph, network_file: Path, soft: bool) -> nx.MultiDiGraph:
    prefix = "ties-all-" if soft else "ties-hard-"
    path = network_file.with_name(network_file.name.replace("network-", prefix, 1))
    if path.is_file():
        try:
            data = from_pickle(path.read_bytes())
            ties = _tie_shell(g)
            return _adopted(ties, {n: dict(d) for n, d in g._node.items()}, data["succ"], data["pred"])
        except _DAMAGED:
            pass  # built again below
    ties = _tie_graph(g, soft, _tie_summary)
    replace_kept(path, to_pickle({"succ": ties._succ, "pred": ties._pred}), f"{prefix}*")
    return ties


def _tie_shell(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """An empty tie graph of ``g``: its graph attributes, and ``records`` naming ``g``."""
    out = nx.MultiDiGraph()
    out.graph.update(g.graph)
    out.graph["records"] = g
    return out


def complete_tie(ties: nx.MultiDiGraph, u: str, v: str, kind: str) -> dict:
    """The attributes of one tie of a ``tie_index`` graph made whole, as ``aggregate`` gives them
    (in place: every holder of the tie's dict sees them)."""
    data = ties.edges[u, v, kind]
    if "totals" not in data:
        records = ties.graph["records"]
        data.update(tie_attributes(records, u, v, [(k, records.edges[u, v, k]) for k in data["records"]]))
    return data


def _tie_graph(
    g: nx.MultiDiGraph, soft: bool, attributes: Callable[[nx.MultiDiGraph, str, str, list], dict]
) -> nx.MultiDiGraph:
    out = _tie_shell(g)
    groups: dict[tuple[str, str, str], list[tuple[str, dict]]] = defaultdict(list)
    with no_cycle_collection():
        for u, v, k, d in g.edges(keys=True, data=True):  # cheaper than walking g.adj's nested views
            if not soft and d.get("soft"):
                continue
            groups[(u, v, d.get("kind") or "")].append((k, d))
        filled(
            out,
            ((n, dict(d)) for n, d in g.nodes(data=True)),
            ((u, v, kind, attributes(g, u, v, items)) for (u, v, kind), items in groups.items()),
        )
    return out


def _tie_summary(g: nx.MultiDiGraph, u: str, v: str, items: list[tuple[str, dict]]) -> dict:
    head = items[0][1]
    best = max(items, key=lambda kd: kd[1].get("certainty_rank") or 0)[1]
    return {
        "kind": head.get("kind"),
        "symmetric": head.get("symmetric"),
        "soft": bool(head.get("soft")),
        "records": [k for k, _d in sorted(items, key=_oldest_first)],
        "count": len(items),
        "certainty": best.get("certainty"),
        "certainty_rank": best.get("certainty_rank") or 0,
    }


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

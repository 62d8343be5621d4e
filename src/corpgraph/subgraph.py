"""Choosing the part of the graph a map or an export shows, shared by ``corpgraph map`` and ``export``.

A selection is the whole graph (the default), the neighbourhood of focus entities or of every member
of an entity's corporate family, the paths between two entities, the result of a query, or the union
of several of these; then filtered by relationship
kind, certainty and date.  The answer is a ``Subgraph``: a copy of the part of the entity network
(``netgraph.project``) that was selected, with the selection described for provenance.

``rdf_subgraph`` fetches the RDF behind a subgraph through the backend (so it works on every
backend): the records of the selected edges, their sources, the selected entities and the ontology
terms they use.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef

from . import netgraph, paths
from .backend import Backend
from .backend.sparqltext import values_block
from .dates import generated_at
from .errors import ExportError, QueryError
from .family import family_of
from .output.numbers import plural
from .resolve import EntityIndex
from .vocab import CG, SPARQL_PREFIXES, local_name

CREDIT = "corpgraph: a sourced knowledge graph of corporate-agency relationships"


@dataclass(frozen=True)
class Selection:
    """What the user asked for, kept to describe every map and export it produces."""

    focus: tuple[str, ...] = ()
    family: tuple[str, ...] = ()  # entities whose whole corporate family is focused on
    depth: int = 1
    path: tuple[str, str] | None = None
    max_hops: int = 4
    query: str | None = None
    query_params: tuple[tuple[str, str], ...] = ()
    kinds: tuple[str, ...] = ()
    min_certainty: str | None = None
    as_of: dt.date | None = None

    def describe(self) -> str:
        """One line such as ``focus ICE (depth 1); kinds Contract; min certainty reported``."""
        parts = []
        if self.focus:
            parts.append(f"focus {', '.join(self.focus)} (depth {self.depth})")
        if self.family:
            parts.append(f"family of {', '.join(self.family)} (depth {self.depth})")
        if self.path:
            parts.append(f"paths {self.path[0]} -> {self.path[1]} (max {plural(self.max_hops, 'hop')})")
        if self.query:
            q = f"query {self.query}"
            if self.query_params:
                q += " with " + ", ".join(f"{k}={v}" for k, v in self.query_params)
            parts.append(q)
        if not parts:
            parts.append("whole graph")
        if self.kinds:
            parts.append("kinds " + ", ".join(self.kinds))
        if self.min_certainty:
            parts.append(f"min certainty {self.min_certainty}")
        if self.as_of:
            parts.append(f"as of {self.as_of.isoformat()}")
        return "; ".join(parts)

    @property
    def filtered(self) -> bool:
        return bool(self.kinds or self.min_certainty or self.as_of)


@dataclass
class Subgraph:
    """The selected part of the entity network, ready to render or export."""

    net: nx.MultiDiGraph
    selection: Selection
    version: str
    highlight_nodes: set[str] = field(default_factory=set)
    highlight_edges: set[str] = field(default_factory=set)  # record IRIs
    notes: list[str] = field(default_factory=list)
    path_result: paths.PathResult | None = None  # the ranked paths of a --path selection

    @functools.cached_property
    def ties(self) -> nx.MultiDiGraph:
        """The selection with one edge per tie (``netgraph.aggregate``): what maps, figures and
        network exports draw; its ``graph["records"]`` is ``net``."""
        return netgraph.aggregate(self.net)

    @property
    def ontology(self) -> netgraph.Ontology | None:
        return self.net.graph.get("ontology")

    @property
    def entities(self) -> list[str]:
        return list(self.net.nodes)

    @property
    def records(self) -> list[str]:
        return list(dict.fromkeys(k for _, _, k in self.net.edges(keys=True)))

    def sources(self) -> list[dict]:
        """Every source cited by a selected edge, once, in the order first cited."""
        seen: dict[str, dict] = {}
        for _, _, d in self.net.edges(data=True):
            for s in d.get("sources") or ():
                seen.setdefault(s["iri"], s)
        return list(seen.values())

    def _repr_html_(self) -> str:
        """In a notebook: the interactive map, inline (``corpgraph.notebook``)."""
        from .notebook import subgraph_html

        return subgraph_html(self)

    def counts(self) -> str:
        """'1 entity, 3 relationships'."""
        return f"{plural(len(self.net), 'entity', 'entities')}, {plural(len(self.net.edges), 'relationship')}"

    def provenance(self) -> dict[str, str]:
        """The facts every export states about itself."""
        return {
            "graph_version": self.version,
            "selection": self.selection.describe(),
            "generator": f"corpgraph {_version()}",
            "credit": CREDIT,
            "nodes": str(self.net.number_of_nodes()),
            "edges": str(self.net.number_of_edges()),
            "generated": generated_at().isoformat(),
        }


def _version() -> str:
    from . import __version__

    return __version__


# -- selecting ------------------------------------------------------------------------------------


def select_subgraph(
    backend: Backend,
    *,
    focus: Sequence[str] = (),
    depth: int = 1,
    path: tuple[str, str] | None = None,
    family: Sequence[str] = (),
    max_hops: int = 4,
    query: str | Any = None,
    query_params: Mapping[str, str] | None = None,
    kinds: Iterable[str] = (),
    min_certainty: str | None = None,
    as_of: dt.date | None = None,
    net: nx.MultiDiGraph | None = None,
    index: EntityIndex | None = None,
) -> Subgraph:
    """Select a subgraph of the graph behind ``backend``.

    ``focus`` names entities (names, aliases, slugs or IRIs) whose neighbourhood up to ``depth``
    hops is kept; ``family`` names entities whose corporate family (``family.family_of``, ownership
    in force on ``as_of``) is kept the same way, every member marked with why it is in the family
    (node attribute ``family``); ``path`` keeps the paths of ``corpgraph paths`` between two entities (highlighted);
    ``query`` names a library query or a ``.rq`` file whose CONSTRUCT result or SELECT rows of
    entities (or records) are kept.  Several selectors give the union.  ``kinds``, ``min_certainty``
    and ``as_of`` filter the edges first.  ``net`` reuses a projection already built.
    """
    if depth < 0:
        raise ExportError("--depth must be 0 or more")
    g = net if net is not None else netgraph.project(backend)
    onto = g.graph.get("ontology") or netgraph.read_ontology(backend)
    kind_names = tuple(_kind_name(onto, k) for k in kinds)
    selection = Selection(
        focus=tuple(focus),
        family=tuple(family),
        depth=depth,
        path=(path[0], path[1]) if path else None,
        max_hops=max_hops,
        query=getattr(query, "name", query),
        query_params=tuple(sorted((query_params or {}).items())),
        kinds=kind_names,
        min_certainty=min_certainty,
        as_of=as_of,
    )
    if min_certainty:
        from .vocab import CERTAINTY_ORDER

        if min_certainty not in CERTAINTY_ORDER:
            raise ExportError(f"unknown certainty {min_certainty!r}; use one of {', '.join(CERTAINTY_ORDER)}")
    view = netgraph.filter_edges(g, kind_names or None, min_certainty, as_of)
    version = g.graph.get("version") or backend.version()
    if index is None and (focus or path or family):
        index = EntityIndex.from_backend(backend)

    if not (focus or path or query or family):
        if not selection.filtered:
            return _finish(g, g, set(g.nodes), None, selection, version)
        # the whole graph filtered: one pass over the edges, the entities they join (no isolates)
        keep = netgraph.edge_test(kind_names or None, min_certainty, as_of)  # None: every edge
        kept = [(u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True) if keep is None or keep(d)]
        return _subgraph_of(g, {n for u, v, _k, _d in kept for n in (u, v)}, kept, selection, version)

    nodes: set[str] = set()
    edges: set[str] = set()
    hl_nodes: set[str] = set()
    hl_edges: set[str] = set()
    notes: list[str] = []
    induced_nodes: set[str] = set()
    if focus:
        assert index is not None
        seeds = [index.resolve(name) for name in focus]
        hood = neighbourhood(view, seeds, depth)
        induced_nodes |= hood
        hl_nodes |= set(seeds)
    memberships: dict[str, str] = {}
    if family:
        assert index is not None
        for name in family:
            fam = family_of(g, index.resolve(name), as_of=as_of)
            head = " and ".join(m.label for m in fam.roots)  # named after its ultimate parent(s)
            for m in fam.members:
                memberships.setdefault(m.entity, f"family of {head}: {m.why()}")
            notes += fam.notes
        induced_nodes |= neighbourhood(view, memberships, depth)
        hl_nodes |= set(memberships)
    if path:
        assert index is not None
        result = paths.find_paths(
            g,
            index.resolve(path[0]),
            index.resolve(path[1]),
            max_hops=max_hops,
            kinds=kind_names or None,
            min_certainty=min_certainty,
            as_of=as_of,
        )
        p_nodes, p_edges = paths_members(result)
        nodes |= p_nodes
        edges |= p_edges
        hl_nodes |= {result.source, result.target}
        hl_edges |= p_edges
        if result.truncated and result.note:
            notes.append(result.note)
    if query:
        q_nodes, q_edges = query_members(backend, view, query, query_params)
        if not q_nodes and not q_edges:
            notes.append(f"query {query} selected nothing in the graph")
        nodes |= q_nodes
        edges |= q_edges
    # the neighbourhoods are induced subgraphs; paths and queries keep exactly their edges
    for u, v, k in view.edges(keys=True):
        if u in induced_nodes and v in induced_nodes:
            edges.add(k)
    nodes |= induced_nodes
    sub = _finish(g, view, nodes, edges, selection, version)
    for member, why in memberships.items():
        if member in sub.net:
            sub.net.nodes[member]["family"] = why
    sub.highlight_nodes = hl_nodes & set(sub.net.nodes)
    sub.highlight_edges = hl_edges
    sub.notes = notes
    if path:
        sub.path_result = result
    return sub


def _kind_name(onto: netgraph.Ontology, name: str) -> str:
    iri = onto.kind_by_name(name)
    if iri is None:
        known = ", ".join(sorted(local_name(k) for k in onto.rules))
        raise ExportError(f"unknown relationship kind {name!r}; known kinds: {known}")
    return local_name(iri)


def _finish(
    g: nx.MultiDiGraph,
    view: nx.MultiDiGraph,
    nodes: set[str],
    edges: set[str] | None,
    selection: Selection,
    version: str,
) -> Subgraph:
    kept = [
        (u, v, k, d)
        for u, v, k, d in view.edges(keys=True, data=True)
        if (edges is None or k in edges) and u in nodes and v in nodes
    ]
    return _subgraph_of(g, nodes, kept, selection, version)


def _subgraph_of(
    g: nx.MultiDiGraph,
    nodes: set[str],
    edges: list[tuple[str, str, str, dict]],
    selection: Selection,
    version: str,
) -> Subgraph:
    """The subgraph of ``nodes`` (with their attributes in ``g``) and ``edges`` (u, v, key, data),
    each in the projection's order, so outputs are stable."""
    out = nx.MultiDiGraph()
    out.graph.update(g.graph)
    netgraph.filled(
        out,
        ((n, dict(d)) for n, d in g.nodes(data=True) if n in nodes),
        ((u, v, k, dict(d)) for u, v, k, d in edges),
    )
    return Subgraph(out, selection, version)


def neighbourhood(g: nx.MultiDiGraph, seeds: Iterable[str], depth: int) -> set[str]:
    """The entities within ``depth`` hops of any seed, edges taken in either direction."""
    found = set(seeds)
    frontier = set(found)
    for _ in range(depth):
        nxt: set[str] = set()
        for n in frontier:
            nxt.update(g.successors(n))
            nxt.update(g.predecessors(n))
        frontier = nxt - found
        if not frontier:
            break
        found |= frontier
    return found


def path_subgraph(g: nx.MultiDiGraph, result: paths.PathResult, selection: Selection) -> Subgraph:
    """The subgraph of a path search already made (with its via, avoid and limits): every path's
    entities and records, the ends and the records highlighted."""
    nodes, records = paths_members(result)
    sub = _finish(g, g, nodes, records, selection, g.graph.get("version") or "unknown")
    sub.highlight_nodes = {result.source, result.target} & set(sub.net.nodes)
    sub.highlight_edges = records
    sub.path_result = result  # the map lists the ranked paths and emphasises the best, as map --path
    if result.truncated and result.note:
        sub.notes.append(result.note)
    return sub


def busiest_neighbours(g: nx.MultiDiGraph, entity: str, limit: int) -> tuple[list[str], int]:
    """At most ``limit`` neighbours of ``entity``, those joined by the most records first (then by
    label), and how many neighbours it has in all: the cut that keeps a hub's view readable."""
    counts: dict[str, int] = {}
    for _, v in g.out_edges(entity):
        counts[v] = counts.get(v, 0) + 1
    for u, _ in g.in_edges(entity):
        counts[u] = counts.get(u, 0) + 1
    counts.pop(entity, None)
    ranked = sorted(counts, key=lambda n: (-counts[n], str(g.nodes[n].get("label") or n), n))
    return ranked[:limit], len(ranked)


def neighbours_subgraph(
    g: nx.MultiDiGraph, entity: str, *, limit: int, selection: Selection | None = None
) -> Subgraph:
    """``entity`` and its neighbours (at most ``limit``, see ``busiest_neighbours``) with the records
    between them; a note says "showing N of M neighbours" when the cut left some out."""
    kept, total = busiest_neighbours(g, entity, limit)
    nodes = {entity, *kept}
    sel = selection or Selection(focus=(str(g.nodes[entity].get("label") or entity),), depth=1)
    sub = _finish(g, g, nodes, None, sel, g.graph.get("version") or "unknown")
    sub.highlight_nodes = {entity}
    if total > len(kept):
        sub.notes.append(
            f"showing {len(kept):,} of {total:,} neighbours of {g.nodes[entity].get('label') or entity} "
            "(those joined by the most records)"
        )
    return sub


def paths_members(result: paths.PathResult) -> tuple[set[str], set[str]]:
    """The entities and record IRIs of every path of a ``paths.PathResult``."""
    nodes: set[str] = {result.source, result.target}
    records: set[str] = set()
    for p in result.paths:
        nodes.update(p.nodes)
        records.update(p.records)
    return nodes, records


def query_members(
    backend: Backend, g: nx.MultiDiGraph, query: str | Any, params: Mapping[str, str] | None = None
) -> tuple[set[str], set[str]]:
    """The entities and records a query selects (``query``: a library name, a ``.rq`` path or a
    ``query.NamedQuery``, such as SPARQL text read by ``query.parse_header``).

    Every IRI of the answer (each triple of a CONSTRUCT or DESCRIBE, each row of a SELECT) that is a
    record of ``g`` selects that edge; two or more entities in one triple or row select the edges
    between them (or just the entities when none joins them); a lone entity selects itself.
    """
    from . import query as query_mod

    named = query if isinstance(query, query_mod.NamedQuery) else query_mod.load_query(query)
    outcome = query_mod.run_query(backend, named, dict(params or {})).outcome
    if outcome.kind == "ASK":
        raise QueryError(f"{query}: an ASK query selects nothing; use a CONSTRUCT or a SELECT of entities")
    groups: list[list[str]] = []
    if outcome.graph is not None:
        groups = [[str(t) for t in triple if isinstance(t, URIRef)] for triple in outcome.graph]
    else:
        groups = [[str(t) for t in row if isinstance(t, URIRef)] for row in outcome.rows]
    by_record = {k: (u, v) for u, v, k in g.edges(keys=True)}
    nodes: set[str] = set()
    records: set[str] = set()
    for group in groups:
        ents = [i for i in group if i in g]
        for i in group:
            if i in by_record:
                records.add(i)
                nodes.update(by_record[i])
        nodes.update(ents)
        for a in ents:
            for b in ents:
                if a != b and g.has_edge(a, b):
                    records.update(g[a][b])
    return nodes, records


# -- the RDF behind a subgraph -------------------------------------------------------------------

_CHUNK = 400


def _values(var: str, iris: Iterable[str]) -> str:
    return values_block([var], ([i] for i in iris))


def _chunks(items: Sequence[str], n: int = _CHUNK) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def describe_subjects(backend: Backend, subjects: Iterable[str], into: set) -> None:
    """Add to ``into`` every triple whose subject is one of ``subjects``.

    A SELECT of ``?s ?p ?o`` with the subjects in VALUES: every backend answers it, and rows come
    back about three times faster than the same triples as a CONSTRUCT graph."""
    items = sorted(set(subjects))
    for chunk in _chunks(items):
        q = "SELECT ?s ?p ?o WHERE { " + _values("s", chunk) + " ?s ?p ?o }"
        into.update(backend.select(q).rows)


def ontology_terms_used(triples: Iterable[tuple]) -> set[str]:
    """The cg: terms some triples use: classes, properties and individuals (certainty, amount kinds)."""
    ns = str(CG._NS)
    used: set[str] = set()
    for _s, p, o in triples:
        for t in (p, o):
            if isinstance(t, URIRef) and str(t).startswith(ns):
                used.add(str(t))
    return used


def rdf_triples(backend: Backend, sub: Subgraph) -> set[tuple]:
    """The triples of ``rdf_subgraph``, as a set (cheaper than an rdflib Graph for big exports)."""
    triples: set[tuple] = set()
    sources = [s["iri"] for s in sub.sources()]
    describe_subjects(backend, [*sub.records, *sub.entities, *sources], triples)
    terms = ontology_terms_used(triples)
    # superclasses and superproperties of the terms used, so the classes read as a hierarchy
    for chunk in _chunks(sorted(terms)):
        rows = backend.select(
            SPARQL_PREFIXES
            + "SELECT DISTINCT ?sup WHERE { "
            + _values("t", chunk)
            + " { ?t rdfs:subClassOf+ ?sup } UNION { ?t rdfs:subPropertyOf+ ?sup } }"
        ).rows
        terms.update(
            str(r[0]) for r in rows if isinstance(r[0], URIRef) and str(r[0]).startswith(str(CG._NS))
        )
    describe_subjects(backend, terms, triples)
    return triples


def rdf_subgraph(backend: Backend, sub: Subgraph) -> Graph:
    """The RDF of a subgraph: its records with all their triples, their sources, the selected
    entities, and the ontology terms used (with the superclasses of the classes used)."""
    from .store import new_graph

    out = new_graph()
    out.addN((s, p, o, out) for s, p, o in rdf_triples(backend, sub))
    return out

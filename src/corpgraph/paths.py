"""Sourced paths between two entities, over the entity network (``netgraph.project``).

Paths are distinct sequences of entities: every hop is a tie (``netgraph.aggregate``: all records of
one kind between two entities), summarised by its number of records, totals per amount kind and
date range, with the records one flag away.  When two entities are joined by several kinds, the
most certain tie carries the hop and the others are listed beside it.  Soft ties (kinds the ontology
marks ``cg:softTie``: statements, pledges, sector membership, events) are left out unless asked for.

Relationships are walked in either direction, but every hop keeps its true direction, label,
certainty and sources, so a path reads ``Amazon Web Services —hosts→ Investigative Case Management
←uses— U.S. Immigration and Customs Enforcement``.  Paths are simple (no entity twice), ranked by
fewest hops, then by their least certain hop, then by the certainty of all hops.

The enumeration is bounded by count (``max_paths``) and by time (``time_budget``) so that hubs
cannot make it explode; it is pruned by a breadth-first distance map from the target, so only
walks that can still reach the target within ``max_hops`` are followed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from . import netgraph
from .backend import Backend
from .errors import NoPathFound, QueryError
from .family import Member, family_of
from .output.numbers import plural
from .resolve import EntityIndex
from .vocab import CERTAINTY_ORDER, local_name


@dataclass(frozen=True)
class Hop:
    source: str  # entity IRI where the hop starts (in walking order)
    target: str  # entity IRI where the hop ends (in walking order)
    key: str  # the tie's kind (its edge key in ``netgraph.aggregate``)
    forward: bool  # True when the edge's true direction is source -> target
    data: dict = field(compare=False, hash=False)  # the tie's attributes from netgraph.aggregate
    also: tuple[Hop, ...] = field(default=(), compare=False, hash=False)  # other ties of this pair

    @property
    def records(self) -> list[str]:
        """The record IRIs of the tie, oldest first."""
        return list(self.data.get("records") or ())

    @property
    def count(self) -> int:
        return int(self.data.get("count") or 0)

    @property
    def label(self) -> str:
        return str(self.data.get("label", ""))

    @property
    def certainty(self) -> str | None:
        return self.data.get("certainty")

    @property
    def certainty_rank(self) -> int:
        return int(self.data.get("certainty_rank") or 0)

    @property
    def symmetric(self) -> bool:
        return bool(self.data.get("symmetric"))

    @property
    def subject(self) -> str:
        """The entity the edge's label is said of (its true start)."""
        return self.source if self.forward else self.target

    @property
    def object(self) -> str:
        return self.target if self.forward else self.source


@dataclass(frozen=True)
class Path:
    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]

    @property
    def length(self) -> int:
        return len(self.hops)

    @property
    def min_certainty_rank(self) -> int:
        return min((h.certainty_rank for h in self.hops), default=0)

    @property
    def certainty_sum(self) -> int:
        return sum(h.certainty_rank for h in self.hops)

    @property
    def min_certainty(self) -> str | None:
        """The name of the least certain hop's certainty."""
        worst = min(self.hops, key=lambda h: h.certainty_rank, default=None)
        return worst.certainty if worst else None

    @property
    def records(self) -> tuple[str, ...]:
        """Every record of every tie of the path (the alternatives included)."""
        return tuple(r for h in self.hops for t in (h, *h.also) for r in t.records)

    @property
    def weakest_tie(self) -> int:
        """The fewest records any hop stands on."""
        return min((h.count for h in self.hops), default=0)


@dataclass
class PathResult:
    source: str
    target: str
    paths: list[Path]
    truncated: bool = False
    note: str | None = None
    max_hops: int = 4
    searched: float = 0.0  # seconds spent enumerating
    soft: bool = False  # whether soft ties were walked
    # with ``family_paths``: every member of either end's corporate family (entity -> Member), so
    # each path can say which member it starts or ends at and why that member counts
    members: dict[str, Member] = field(default_factory=dict)
    family: bool = False
    # the network the paths were found in (for drawing them: ``_repr_html_`` in a notebook)
    network: nx.MultiDiGraph | None = field(default=None, repr=False, compare=False)

    def _repr_html_(self) -> str:
        from .notebook import path_result_html

        return path_result_html(self)

    def member(self, entity: str) -> Member | None:
        """The family member a path starting or ending at ``entity`` stands for (None: no family asked)."""
        return self.members.get(entity)


class _Budget(Exception):
    pass


def _adjacency(g: nx.MultiDiGraph) -> tuple[Any, Any]:
    return g.succ, g.pred


def _neighbours(succ: Any, pred: Any, u: str) -> Iterator[str]:
    seen = set()
    for v, keys in succ[u].items():
        if keys and v not in seen:
            seen.add(v)
            yield v
    for v, keys in pred[u].items():
        if keys and v not in seen:
            seen.add(v)
            yield v


def _adjacent(succ: Any, pred: Any, u: str, v: str) -> bool:
    """Whether some (unfiltered-out) edge joins u and v, in either direction."""
    return bool((v in succ[u] and len(succ[u][v])) or (v in pred[u] and len(pred[u][v])))


def _distances(succ: Any, pred: Any, start: str, limit: int, avoid: set[str]) -> dict[str, int]:
    """Undirected hop distance from ``start`` to every node within ``limit`` hops."""
    dist = {start: 0}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        d = dist[u]
        if d >= limit:
            continue
        for v in _neighbours(succ, pred, u):
            if v not in dist and v not in avoid:
                dist[v] = d + 1
                queue.append(v)
    return dist


def _hop(succ: Any, pred: Any, a: str, b: str) -> Hop:
    """The hop from a to b: the most certain tie joining them (then the one of most records), with
    the other ties of the pair beside it."""
    ties = [Hop(a, b, key, True, data) for key, data in succ[a].get(b, {}).items()]
    if not (ties and ties[0].symmetric):  # a symmetric tie is stored once, in one direction
        ties += [Hop(a, b, key, False, data) for key, data in pred[a].get(b, {}).items()]
    ties.sort(key=lambda h: (-h.certainty_rank, -h.count, h.key, not h.forward))
    best, *others = ties
    return Hop(best.source, best.target, best.key, best.forward, best.data, tuple(others))


def rank_key(p: Path, labels: dict[str, str] | None = None) -> tuple:
    """Fewest hops first, then the most certain least-certain hop, then the most certain overall,
    then the path whose thinnest tie stands on the most records."""
    names = tuple((labels or {}).get(n, n) for n in p.nodes)
    return (p.length, -p.min_certainty_rank, -p.certainty_sum, -p.weakest_tie, names)


def find_paths(
    g: nx.MultiDiGraph,
    source: str,
    target: str,
    *,
    max_hops: int = 4,
    via: Iterable[str] = (),
    avoid: Iterable[str] = (),
    kinds: Iterable[str] | None = None,
    min_certainty: str | None = None,
    as_of: dt.date | None = None,
    soft: bool = False,
    max_paths: int = 50,
    time_budget: float = 2.0,
) -> PathResult:
    """The distinct simple paths from ``source`` to ``target`` (entity IRIs) up to ``max_hops``,
    ranked, over the ties of ``g`` (a ``netgraph.project`` network of records).

    ``via``: entities every path must pass through; ``avoid``: entities no path may touch;
    ``kinds``: relationship kinds (local names such as ``Hosting``) to walk, soft or not;
    ``soft``: also walk soft ties when ``kinds`` is not given; ``min_certainty``: the least
    certainty a record may have; ``as_of``: only records in force that day.  At most
    ``max_paths`` paths are returned; the search stops after ``time_budget`` seconds.  When either
    limit cut the answer, ``truncated`` is set and ``note`` says so.  Raises NoPathFound.
    """
    started = time.perf_counter()
    label = labeller(g)
    _check_ends(g, label, [source], [target], via, avoid, min_certainty)
    via_set, avoid_set = set(via), set(avoid)
    view, ties = _ties(g, kinds, min_certainty, as_of, soft)
    search = _Search(ties, max_hops, via_set, max(int(max_paths), 1), started + max(time_budget, 0.0))
    found = search.run(source, target, avoid_set)
    if search.cut_reason == _BUDGET:
        search.cut_reason = f"the search stopped after its time budget of {time_budget:g} s"
    return _result(
        g,
        view,
        ties,
        label,
        source,
        target,
        found,
        search.cut_reason,
        started,
        max_hops,
        max_paths,
        kinds,
        min_certainty,
        as_of,
        soft,
        via_set,
        avoid_set,
    )


def family_paths(
    g: nx.MultiDiGraph,
    source: str,
    target: str,
    *,
    max_hops: int = 4,
    via: Iterable[str] = (),
    avoid: Iterable[str] = (),
    kinds: Iterable[str] | None = None,
    min_certainty: str | None = None,
    as_of: dt.date | None = None,
    soft: bool = False,
    max_paths: int = 50,
    time_budget: float = 2.0,
) -> PathResult:
    """The paths from any member of ``source``'s corporate family to any member of ``target``'s
    (``family.family_of``, through ownership records in force on ``as_of``), ranked together.

    A path starts at one member and ends at one member and passes through no other member of
    either family (the way through the parent is the parent's own path); each path's ends are
    looked up in ``PathResult.members`` to say which member it is and the ownership record that puts
    it in the family.  Options as in ``find_paths``; the time budget covers the whole search.
    """
    started = time.perf_counter()
    label = labeller(g)
    _check_ends(g, label, [source], [target], via, avoid, min_certainty)
    fam_a, fam_b = family_of(g, source, as_of=as_of), family_of(g, target, as_of=as_of)
    shared = set(fam_a.entities) & set(fam_b.entities)
    if shared:
        raise NoPathFound(
            f"{label(source)} and {label(target)} are in one corporate family "
            f"(through {', '.join(sorted(label(n) for n in shared))}); drop --family to see the paths between them."
        )
    via_set, avoid_set = set(via), set(avoid)
    starts = [m for m in fam_a.members if m.entity not in avoid_set]
    ends = [m for m in fam_b.members if m.entity not in avoid_set]
    everyone = set(fam_a.entities) | set(fam_b.entities)
    view, ties = _ties(g, kinds, min_certainty, as_of, soft)
    search = _Search(ties, max_hops, via_set, max(int(max_paths), 1), started + max(time_budget, 0.0))
    found: list[Path] = []
    for a in starts:
        for b in ends:
            found.extend(search.run(a.entity, b.entity, avoid_set | (everyone - {a.entity, b.entity})))
            if search.cut_reason == _BUDGET:
                break
        if search.cut_reason == _BUDGET:
            break
    if search.cut_reason == _BUDGET:
        search.cut_reason = f"the search stopped after its time budget of {time_budget:g} s"
    result = _result(
        g,
        view,
        ties,
        label,
        source,
        target,
        found,
        search.cut_reason,
        started,
        max_hops,
        max_paths,
        kinds,
        min_certainty,
        as_of,
        soft,
        via_set,
        avoid_set,
        family=True,
    )
    result.members = {m.entity: m for m in (*fam_a.members, *fam_b.members)}
    return result


_BUDGET = "time budget"


def _check_ends(g, label, sources, targets, via, avoid, min_certainty) -> None:
    for node in (*sources, *targets):
        if node not in g:
            raise NoPathFound(
                f"{label(node)} is not an entity of the graph, so no path can start or end there."
            )
    if set(sources) & set(targets):
        raise NoPathFound(f"{label(sources[0])} is both ends of the path; name two different entities.")
    if min_certainty and min_certainty not in CERTAINTY_ORDER:
        raise ValueError(f"unknown certainty {min_certainty!r}; use one of {', '.join(CERTAINTY_ORDER)}")
    via_set, avoid_set = set(via), set(avoid)
    if avoid_set & {*sources, *targets}:
        raise NoPathFound("An end of the path is also in --avoid.")
    if via_set & avoid_set:
        raise NoPathFound("An entity is both in --via and in --avoid.")


def _ties(g, kinds, min_certainty, as_of, soft) -> tuple[nx.MultiDiGraph, nx.MultiDiGraph]:
    """The records that may be walked, and their ties (one edge per kind between two entities)."""
    view = netgraph.filter_edges(
        g, kinds=list(kinds) if kinds else None, min_certainty=min_certainty, as_of=as_of
    )
    return view, netgraph.tie_index(view, soft=soft or bool(kinds))


class _Search:
    """The bounded, pruned enumeration of simple paths over ``ties``, one (source, target) at a time;
    ``cut_reason`` says why the last run stopped early (``_BUDGET`` when time ran out)."""

    def __init__(self, ties: nx.MultiDiGraph, max_hops: int, via: set[str], max_paths: int, deadline: float):
        self.succ, self.pred = _adjacency(ties)
        self.max_hops, self.via, self.max_paths, self.deadline = max_hops, via, max_paths, deadline
        self.cut_reason: str | None = None

    def run(self, source: str, target: str, avoid_set: set[str]) -> list[Path]:
        succ, pred, max_hops, max_paths, deadline = (
            self.succ,
            self.pred,
            self.max_hops,
            self.max_paths,
            self.deadline,
        )
        via_set = self.via
        # distances from the target, known exactly up to ``horizon`` hops; a node not in the map is
        # farther, so ``horizon + 1`` is a lower bound for it (cheap on hubs, still prunes every step)
        horizon = max(1, (max_hops + 1) // 2)
        dist_t = _distances(succ, pred, target, horizon, avoid_set)
        beyond = horizon + 1
        near_target = sorted(v for v, d in dist_t.items() if d == 1)
        # how many candidates one length may produce before ranking cuts them (keeps hubs bounded)
        candidate_cap = max(10 * max_paths, 200)
        found: list[Path] = []
        cut: str | None = None
        steps = 0

        def walk(length: int) -> Iterator[tuple[str, ...]]:
            nonlocal steps
            stack: list[tuple[str, ...]] = [(source,)]
            while stack:
                nodes = stack.pop()
                steps += 1
                if steps % 512 == 0 and time.perf_counter() > deadline:
                    raise _Budget
                u = nodes[-1]
                depth = len(nodes) - 1
                if u == target:
                    if depth == length:
                        yield nodes
                    continue
                remaining = length - depth - 1
                nexts = []
                if remaining == 0:  # the last hop: only the target will do (never scan a hub's neighbours)
                    if _adjacent(succ, pred, u, target):
                        nexts.append(target)
                elif remaining == 1 and len(near_target) < len(succ[u]) + len(pred[u]):
                    # the next node must touch the target: look among the target's neighbours instead
                    nexts = [v for v in near_target if v not in nodes and _adjacent(succ, pred, u, v)]
                else:
                    for v in _neighbours(succ, pred, u):
                        dv = dist_t.get(v, beyond)
                        if dv > remaining or v in nodes or v in avoid_set:
                            continue
                        if v == target and remaining != 0:
                            continue
                        nexts.append(v)
                for v in reversed(nexts):
                    stack.append((*nodes, v))

        try:
            for length in range(dist_t.get(source, beyond), max_hops + 1):
                level: list[Path] = []
                for nodes in walk(length):
                    if via_set and not via_set.issubset(nodes):
                        continue
                    level.append(
                        Path(nodes, tuple(_hop(succ, pred, a, b) for a, b in itertools.pairwise(nodes)))
                    )
                    if len(level) >= candidate_cap:
                        cut = f"the search stopped after {candidate_cap:,} candidate paths of {plural(length, 'hop')}"
                        break
                level.sort(key=lambda p: rank_key(p, None))
                found.extend(level)
                if cut:
                    break
                if len(found) >= max_paths:
                    if length < max_hops:
                        cut = f"longer paths (up to {plural(max_hops, 'hop')}) were not searched"
                    break
        except _Budget:
            cut = _BUDGET
        if cut and (cut == _BUDGET or not self.cut_reason):
            self.cut_reason = cut
        return found


def _result(
    g,
    view,
    ties,
    label,
    source,
    target,
    found,
    cut_reason,
    started,
    max_hops,
    max_paths,
    kinds,
    min_certainty,
    as_of,
    soft,
    via_set,
    avoid_set,
    *,
    family: bool = False,
) -> PathResult:
    """Rank and cut the paths found, or raise NoPathFound with what limited the search."""
    max_paths = max(int(max_paths), 1)
    elapsed = time.perf_counter() - started
    labels = {n: label(n) for p in found for n in p.nodes}
    found.sort(key=lambda p: rank_key(p, labels))
    truncated = bool(cut_reason) or len(found) > max_paths
    total = len(found)
    found = found[:max_paths]
    for p in found:  # the search ranked light ties: the paths kept show whole ones
        for hop in p.hops:
            for tie in (hop, *hop.also):
                netgraph.complete_tie(ties, tie.subject, tie.object, tie.key)
    if not found:
        if cut_reason:
            raise NoPathFound(
                f"No path from {label(source)} to {label(target)} was found before {cut_reason}; "
                "narrow the search with --kinds, --avoid or --max-hops."
            )
        message = _no_path_message(
            label, source, target, max_hops, kinds, min_certainty, as_of, via_set, avoid_set
        )
        if family:
            message = message.replace(" joins ", " joins any member of the families of ", 1)
        if not soft and not kinds and _soft_would_join(view, source, target):
            message += " Soft ties (statements, pledges, sector membership, events) join them: add --soft."
        raise NoPathFound(message)
    note = None
    if truncated:
        parts = [f"showing the {len(found)} best of {total}{'+' if cut_reason else ''} paths found"]
        if cut_reason:
            parts.append(cut_reason)
        note = (
            "Results were cut: "
            + "; ".join(parts)
            + ". Raise --max-paths, or narrow with --via, --avoid, --kinds, --min-certainty or --max-hops."
        )
    return PathResult(
        source,
        target,
        found,
        truncated,
        note,
        max_hops,
        elapsed,
        soft or bool(kinds),
        family=family,
        network=g,
    )


def _soft_would_join(view: nx.MultiDiGraph, source: str, target: str) -> bool:
    """Whether the two entities are connected at all once soft ties count (any length)."""
    return nx.has_path(view.to_undirected(as_view=True), source, target)


def paths_between(
    backend: Backend,
    source: str,
    target: str,
    *,
    via: Iterable[str] = (),
    avoid: Iterable[str] = (),
    kinds: Iterable[str] | None = None,
    g: nx.MultiDiGraph | None = None,
    index: EntityIndex | None = None,
    family: bool = False,
    **options: Any,
) -> tuple[nx.MultiDiGraph, PathResult]:
    """``find_paths`` (``family_paths`` with ``family``) with entities given by name, alias, slug or
    IRI and kinds by name or label (``hosting``, ``Contract``, ``credit facility``), on the
    projection of ``backend`` (or ``g``, with the names of ``index``, when a caller keeps both)."""
    index = index if index is not None else EntityIndex.from_backend(backend)
    g = g if g is not None else netgraph.project(backend)
    kind_names = None
    if kinds:
        onto = g.graph.get("ontology") or netgraph.read_ontology(backend)
        kind_names = []
        for k in kinds:
            iri = onto.kind_by_name(k)
            if iri is None or iri not in onto.rules:
                known = ", ".join(sorted(r.name for r in onto.rules.values()))
                raise QueryError(f"Unknown relationship kind {k!r}; kinds drawn as edges: {known}")
            kind_names.append(local_name(iri))
    result = (family_paths if family else find_paths)(
        g,
        index.resolve(source),
        index.resolve(target),
        via=[index.resolve(v) for v in via],
        avoid=[index.resolve(a) for a in avoid],
        kinds=kind_names,
        **options,
    )
    return g, result


def _no_path_message(label, source, target, max_hops, kinds, min_certainty, as_of, via, avoid) -> str:
    limits = [f"within {plural(max_hops, 'hop')}"]
    if kinds:
        limits.append("through " + ", ".join(kinds))
    if min_certainty:
        limits.append(f"at least {min_certainty}")
    if as_of:
        limits.append(f"in force on {as_of.isoformat()}")
    if via:
        limits.append("via " + ", ".join(label(v) for v in sorted(via)))
    if avoid:
        limits.append("avoiding " + ", ".join(label(v) for v in sorted(avoid)))
    return (
        f"No path joins {label(source)} and {label(target)} {' '.join(limits)}. "
        "Try a larger --max-hops or fewer restrictions."
    )


def labeller(g: nx.MultiDiGraph):
    """A function giving a node's label in ``g`` (its IRI's local name when it has none; the text
    itself when it is not a node)."""

    def label(n: str) -> str:
        if n in g:
            return str(g.nodes[n].get("label") or local_name(n))
        return n

    return label


__all__ = [
    "Hop",
    "Path",
    "PathResult",
    "family_paths",
    "find_paths",
    "paths_between",
    "rank_key",
    "local_name",
]

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
from .output import to_json
from .resolve import EntityIndex
from .summary import period_text, record_amount, tie_summary
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
    deadline = started + max(time_budget, 0.0)
    label = _label_fn(g)
    for node in (source, target):
        if node not in g:
            raise NoPathFound(
                f"{label(node)} is not an entity of the graph, so no path can start or end there."
            )
    if source == target:
        raise NoPathFound(f"{label(source)} is both ends of the path; name two different entities.")
    if min_certainty and min_certainty not in CERTAINTY_ORDER:
        raise ValueError(f"unknown certainty {min_certainty!r}; use one of {', '.join(CERTAINTY_ORDER)}")
    via_set, avoid_set = set(via), set(avoid)
    if source in avoid_set or target in avoid_set:
        raise NoPathFound("An end of the path is also in --avoid.")
    if via_set & avoid_set:
        raise NoPathFound("An entity is both in --via and in --avoid.")
    max_paths = max(int(max_paths), 1)
    view = netgraph.filter_edges(
        g, kinds=list(kinds) if kinds else None, min_certainty=min_certainty, as_of=as_of
    )
    ties = netgraph.aggregate(view, soft=soft or bool(kinds))
    succ, pred = _adjacency(ties)

    # distances from the target, known exactly up to ``horizon`` hops; a node not in the map is
    # farther, so ``horizon + 1`` is a lower bound for it (cheap on hubs, still prunes every step)
    horizon = max(1, (max_hops + 1) // 2)
    dist_t = _distances(succ, pred, target, horizon, avoid_set)
    beyond = horizon + 1
    near_target = sorted(v for v, d in dist_t.items() if d == 1)
    # how many candidates one length may produce before ranking cuts them (keeps hubs bounded)
    candidate_cap = max(10 * max_paths, 200)
    found: list[Path] = []
    cut_reason: str | None = None
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
                level.append(Path(nodes, tuple(_hop(succ, pred, a, b) for a, b in itertools.pairwise(nodes))))
                if len(level) >= candidate_cap:
                    cut_reason = f"the search stopped after {candidate_cap} candidate paths of {length} hops"
                    break
            level.sort(key=lambda p: rank_key(p, None))
            found.extend(level)
            if cut_reason:
                break
            if len(found) >= max_paths:
                if length < max_hops:
                    cut_reason = f"longer paths (up to {max_hops} hops) were not searched"
                break
    except _Budget:
        cut_reason = f"the search stopped after its time budget of {time_budget:g} s"
    elapsed = time.perf_counter() - started

    labels = {n: label(n) for p in found for n in p.nodes}
    found.sort(key=lambda p: rank_key(p, labels))
    truncated = bool(cut_reason) or len(found) > max_paths
    total = len(found)
    found = found[:max_paths]
    if not found:
        if cut_reason:
            raise NoPathFound(
                f"No path from {label(source)} to {label(target)} was found before {cut_reason}; "
                "narrow the search with --kinds, --avoid or --max-hops."
            )
        message = _no_path_message(
            label, source, target, max_hops, kinds, min_certainty, as_of, via_set, avoid_set
        )
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
    return PathResult(source, target, found, truncated, note, max_hops, elapsed, soft or bool(kinds))


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
    **options: Any,
) -> tuple[nx.MultiDiGraph, PathResult]:
    """``find_paths`` with entities given by name, alias, slug or IRI and kinds by name or label
    (``hosting``, ``Contract``, ``credit facility``), on the projection of ``backend``."""
    index = EntityIndex.from_backend(backend)
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
    result = find_paths(
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
    limits = [f"within {max_hops} hops"]
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


def _label_fn(g: nx.MultiDiGraph):
    def label(n: str) -> str:
        if n in g:
            return str(g.nodes[n].get("label") or local_name(n))
        return n

    return label


# -- presentation ---------------------------------------------------------------------------------


def hop_arrow(g: nx.MultiDiGraph, hop: Hop) -> str:
    """``—hosts→`` for a hop walked along its direction, ``←uses—`` against it, ``—partners with—``."""
    if hop.symmetric:
        return f"—{hop.label}—"
    return f"—{hop.label}→" if hop.forward else f"←{hop.label}—"


def path_line(g: nx.MultiDiGraph, path: Path) -> str:
    label = _label_fn(g)
    parts = [label(path.nodes[0])]
    for hop in path.hops:
        parts += [hop_arrow(g, hop), label(hop.target)]
    return " ".join(parts)


def hop_sentence(g: nx.MultiDiGraph, hop: Hop) -> str:
    """The hop as a sentence in its true direction, with its tie summarised: 'U.S. Immigration and
    Customs Enforcement contracts CoreCivic: 18 records, obligated FY2025 USD 305.8M, 2024-10 to 2025-09'."""
    label = _label_fn(g)
    text = f"{label(hop.subject)} {hop.label} {label(hop.object)}"
    summary = tie_summary(hop.data)
    return f"{text}: {summary}" if summary else text


def record_line(rec: str, d: dict) -> str:
    """One record of a tie: date, amount, award ID, certainty and sources."""
    bits = [d.get("date") or period_text(d.get("start"), d.get("end")) or "undated"]
    if d.get("amount") is not None or d.get("amount_text"):
        bits.append(record_amount(d))
    if d.get("award_id"):
        bits.append(f"award {d['award_id']}")
    bits.append(f"[{d.get('certainty')}]")
    return " ".join(bits) + f" <{rec}>"


def _source_text(s: dict) -> str:
    bits = [s.get("title") or s.get("iri") or ""]
    meta = ", ".join(x for x in (s.get("publisher"), s.get("issued")) if x)
    if meta:
        bits.append(f"({meta})")
    if s.get("url"):
        bits.append(s["url"])
    return " ".join(b for b in bits if b)


SOURCES_SHOWN = 3  # sources listed per hop before "and N more" (``--records`` lists every record)


def _hop_records(g: nx.MultiDiGraph, hop: Hop) -> list[tuple[str, dict]]:
    records = g.graph.get("records") if "records" in g.graph else g
    return [(r, _record_data(records, hop, r)) for r in hop.records]


def _record_data(records: nx.MultiDiGraph, hop: Hop, rec: str) -> dict:
    u, v = (hop.source, hop.target) if hop.forward else (hop.target, hop.source)
    data = records.get_edge_data(u, v, rec) or records.get_edge_data(v, u, rec)
    return data or {}


def render_text(g: nx.MultiDiGraph, result: PathResult, *, records: bool = False) -> str:
    label = _label_fn(g)
    lines = [
        f"{len(result.paths)} path{'s' if len(result.paths) != 1 else ''} from {label(result.source)} "
        f"to {label(result.target)} (up to {result.max_hops} hops"
        + ("" if result.soft else "; soft ties left out, --soft adds them")
        + ")"
    ]
    if result.note:
        lines.append("Note: " + result.note)
    for i, p in enumerate(result.paths, 1):
        lines.append("")
        lines.append(
            f"{i}. [{p.length} hop{'s' if p.length != 1 else ''}, least certain: {p.min_certainty}] "
            + path_line(g, p)
        )
        for hop in p.hops:
            lines.append(f"   - {hop_sentence(g, hop)} [{hop.certainty}]")
            if hop.count == 1:  # the notes of a tie of many records are listed with them (--records)
                for note in hop.data.get("notes") or ():
                    lines.append(f"     note: {note}")
            for other in hop.also:
                lines.append(f"     also: {hop_sentence(g, other)} [{other.certainty}]")
            if records:
                for rec, d in _hop_records(g, hop):
                    lines.append(f"     record: {record_line(rec, d)}")
                    if d.get("note"):
                        lines.append(f"       note: {d['note']}")
                    for s in d.get("sources") or []:
                        lines.append(f"       source: {_source_text(s)}")
                continue
            srcs = hop.data.get("sources") or []
            for s in srcs[:SOURCES_SHOWN]:
                lines.append(f"     source: {_source_text(s)}")
            if len(srcs) > SOURCES_SHOWN:
                lines.append(
                    f"     ... and {len(srcs) - SOURCES_SHOWN} more sources (--records lists every record)"
                )
    return "\n".join(lines) + "\n"


def render_md(g: nx.MultiDiGraph, result: PathResult, *, records: bool = False) -> str:
    label = _label_fn(g)
    esc = lambda s: str(s).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")  # noqa: E731

    def src_links(srcs) -> str:
        return "; ".join(
            f"[{esc(s.get('title') or s.get('iri'))}]({s['url']})" if s.get("url") else esc(_source_text(s))
            for s in srcs
        )

    lines = [f"## Paths from {esc(label(result.source))} to {esc(label(result.target))}", ""]
    if result.note:
        lines += [f"> {esc(result.note)}", ""]
    for i, p in enumerate(result.paths, 1):
        lines.append(f"{i}. **{esc(path_line(g, p))}** ({p.length} hops, least certain: {p.min_certainty})")
        for hop in p.hops:
            srcs = hop.data.get("sources") or []
            more = f" and {len(srcs) - SOURCES_SHOWN} more" if len(srcs) > SOURCES_SHOWN else ""
            lines.append(
                f"    - {esc(hop_sentence(g, hop))} — *{hop.certainty}* — {src_links(srcs[:SOURCES_SHOWN])}{more}"
            )
            for other in hop.also:
                lines.append(f"        - also: {esc(hop_sentence(g, other))} — *{other.certainty}*")
            if records:
                for rec, d in _hop_records(g, hop):
                    lines.append(
                        f"        - {esc(record_line(rec, d))} — {src_links(d.get('sources') or [])}"
                    )
    return "\n".join(lines) + "\n"


def to_dict(g: nx.MultiDiGraph, result: PathResult, *, records: bool = False) -> dict:
    label = _label_fn(g)

    def record_dict(rec: str, d: dict) -> dict:
        keep = ("kind", "certainty", "amount", "currency", "amount_kind", "amount_qualifier", "amount_text")
        out = {"record": rec, **{k: d.get(k) for k in keep}}
        out.update(
            award_id=d.get("award_id"),
            date=d.get("date"),
            start=d.get("start"),
            end=d.get("end"),
            note=d.get("note"),
            quote=d.get("quote") or [],
            sources=d.get("sources") or [],
        )
        return out

    def hop_dict(h: Hop, with_also: bool = True) -> dict:
        d = h.data
        out = {
            "from": h.source,
            "from_label": label(h.source),
            "to": h.target,
            "to_label": label(h.target),
            "label": h.label,
            "forward": h.forward,
            "symmetric": h.symmetric,
            "subject": h.subject,
            "object": h.object,
            "text": hop_sentence(g, h),
            "kind": d.get("kind"),
            "certainty": h.certainty,
            "certainty_rank": h.certainty_rank,
            "certainties": d.get("certainties") or {},
            "count": h.count,
            "first": d.get("first"),
            "last": d.get("last"),
            "totals": d.get("totals") or [],
            "notes": d.get("notes") or [],
            "record_iris": h.records,
            "sources": d.get("sources") or [],
        }
        if records:
            out["records"] = [record_dict(r, rd) for r, rd in _hop_records(g, h)]
        if with_also:
            out["also"] = [hop_dict(o, False) for o in h.also]
        return out

    return {
        "source": {"iri": result.source, "label": label(result.source)},
        "target": {"iri": result.target, "label": label(result.target)},
        "max_hops": result.max_hops,
        "soft": result.soft,
        "truncated": result.truncated,
        "note": result.note,
        "paths": [
            {
                "rank": i,
                "length": p.length,
                "min_certainty": p.min_certainty,
                "text": path_line(g, p),
                "nodes": list(p.nodes),
                "hops": [hop_dict(h) for h in p.hops],
            }
            for i, p in enumerate(result.paths, 1)
        ],
    }


def format_paths(g: nx.MultiDiGraph, result: PathResult, fmt: str = "text", *, records: bool = False) -> str:
    """The paths as text, Markdown or JSON; ``records`` lists every record of every hop."""
    if fmt == "json":
        return to_json(to_dict(g, result, records=records))
    if fmt == "md":
        return render_md(g, result, records=records)
    return render_text(g, result, records=records)


__all__ = [
    "Hop",
    "Path",
    "PathResult",
    "find_paths",
    "paths_between",
    "format_paths",
    "path_line",
    "hop_sentence",
    "to_dict",
    "rank_key",
    "local_name",
]

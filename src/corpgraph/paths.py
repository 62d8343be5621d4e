"""Sourced paths between two entities, over the entity network (``netgraph.project``).

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
from .output import money, to_json
from .resolve import EntityIndex
from .vocab import CERTAINTY_ORDER, local_name


@dataclass(frozen=True)
class Hop:
    source: str  # entity IRI where the hop starts (in walking order)
    target: str  # entity IRI where the hop ends (in walking order)
    record: str  # record IRI (the edge key in the netgraph projection)
    forward: bool  # True when the edge's true direction is source -> target
    data: dict = field(compare=False, hash=False)  # the edge's attributes from netgraph.project

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
        return tuple(h.record for h in self.hops)


@dataclass
class PathResult:
    source: str
    target: str
    paths: list[Path]
    truncated: bool = False
    note: str | None = None
    max_hops: int = 4
    searched: float = 0.0  # seconds spent enumerating


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


def _hop_choices(succ: Any, pred: Any, a: str, b: str) -> list[Hop]:
    hops = [Hop(a, b, key, True, data) for key, data in succ[a].get(b, {}).items()]
    hops += [Hop(a, b, key, False, data) for key, data in pred[a].get(b, {}).items()]
    hops.sort(key=lambda h: (-h.certainty_rank, h.record))
    return hops


def rank_key(p: Path, labels: dict[str, str] | None = None) -> tuple:
    """Fewest hops first, then the most certain least-certain hop, then the most certain overall."""
    names = tuple((labels or {}).get(n, n) for n in p.nodes)
    return (p.length, -p.min_certainty_rank, -p.certainty_sum, names, p.records)


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
    max_paths: int = 50,
    time_budget: float = 2.0,
) -> PathResult:
    """All simple paths from ``source`` to ``target`` (entity IRIs) up to ``max_hops``, ranked.

    ``via``: entities every path must pass through; ``avoid``: entities no path may touch;
    ``kinds``: relationship kinds (local names such as ``Hosting``) to walk; ``min_certainty``: the
    least certainty a hop may have; ``as_of``: only relationships in force that day.  At most
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
    succ, pred = _adjacency(view)

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
            elif remaining == 1 and len(near_target) < len(g.succ[u]) + len(g.pred[u]):
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
                choices = [_hop_choices(succ, pred, a, b) for a, b in itertools.pairwise(nodes)]
                for combo in itertools.product(*choices):
                    level.append(Path(nodes, tuple(combo)))
                    if len(level) >= candidate_cap:
                        cut_reason = (
                            f"the search stopped after {candidate_cap} candidate paths of {length} hops"
                        )
                        break
                if cut_reason:
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
        raise NoPathFound(
            _no_path_message(label, source, target, max_hops, kinds, min_certainty, as_of, via_set, avoid_set)
        )
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
    return PathResult(source, target, found, truncated, note, max_hops, elapsed)


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
    """The hop as a sentence in its true direction: 'U.S. Immigration and Customs Enforcement uses ICM'."""
    label = _label_fn(g)
    text = f"{label(hop.subject)} {hop.label} {label(hop.object)}"
    d = hop.data
    extras = []
    if d.get("amount") is not None:
        kind = d.get("amount_kind") or "amount"
        q = f"{d['amount_qualifier']} " if d.get("amount_qualifier") else ""
        extras.append(f"{q}{d.get('currency') or ''} {money(d['amount'])} {_kind_words(kind)}".strip())
    elif d.get("amount_text"):
        extras.append(str(d["amount_text"]))
    when = d.get("date") or d.get("start")
    if when:
        extras.append(str(when))
    if extras:
        text += " (" + ", ".join(extras) + ")"
    return text


def _kind_words(kind: str) -> str:
    out = []
    for ch in kind:
        out.append(" " + ch.lower() if ch.isupper() else ch)
    return "".join(out).strip()


def _source_text(s: dict) -> str:
    bits = [s.get("title") or s.get("iri") or ""]
    meta = ", ".join(x for x in (s.get("publisher"), s.get("issued")) if x)
    if meta:
        bits.append(f"({meta})")
    if s.get("url"):
        bits.append(s["url"])
    return " ".join(b for b in bits if b)


def render_text(g: nx.MultiDiGraph, result: PathResult) -> str:
    label = _label_fn(g)
    lines = [
        f"{len(result.paths)} path{'s' if len(result.paths) != 1 else ''} from {label(result.source)} "
        f"to {label(result.target)} (up to {result.max_hops} hops)"
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
            for s in hop.data.get("sources") or []:
                lines.append(f"     source: {_source_text(s)}")
    return "\n".join(lines) + "\n"


def render_md(g: nx.MultiDiGraph, result: PathResult) -> str:
    label = _label_fn(g)
    esc = lambda s: str(s).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")  # noqa: E731
    lines = [f"## Paths from {esc(label(result.source))} to {esc(label(result.target))}", ""]
    if result.note:
        lines += [f"> {esc(result.note)}", ""]
    for i, p in enumerate(result.paths, 1):
        lines.append(f"{i}. **{esc(path_line(g, p))}** ({p.length} hops, least certain: {p.min_certainty})")
        for hop in p.hops:
            srcs = "; ".join(
                f"[{esc(s.get('title') or s.get('iri'))}]({s['url']})"
                if s.get("url")
                else esc(_source_text(s))
                for s in hop.data.get("sources") or []
            )
            lines.append(f"    - {esc(hop_sentence(g, hop))} — *{hop.certainty}* — {srcs}")
    return "\n".join(lines) + "\n"


def to_dict(g: nx.MultiDiGraph, result: PathResult) -> dict:
    label = _label_fn(g)

    def hop_dict(h: Hop) -> dict:
        d = h.data
        return {
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
            "record": h.record,
            "kind": d.get("kind"),
            "certainty": h.certainty,
            "certainty_rank": h.certainty_rank,
            "amount": d.get("amount"),
            "currency": d.get("currency"),
            "amount_kind": d.get("amount_kind"),
            "date": d.get("date"),
            "start": d.get("start"),
            "end": d.get("end"),
            "quote": d.get("quote") or [],
            "sources": d.get("sources") or [],
        }

    return {
        "source": {"iri": result.source, "label": label(result.source)},
        "target": {"iri": result.target, "label": label(result.target)},
        "max_hops": result.max_hops,
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


def format_paths(g: nx.MultiDiGraph, result: PathResult, fmt: str = "text") -> str:
    if fmt == "json":
        return to_json(to_dict(g, result))
    if fmt == "md":
        return render_md(g, result)
    return render_text(g, result)


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

"""Interactive maps: one self-contained, offline HTML file per subgraph, drawn by vis-network (small
maps) or by WebGL (``web/static/sigma-renderer.js``, sigma + graphology, above ``LARGE_MAP`` entities).

pyvis holds the network (its ``nodes``/``edges`` lists are filled directly: ``add_node`` is
quadratic) and supplies vis-network itself, read from the installed package's files and inlined.
The page comes from our own Jinja template (``templates/map.html``) with autoescaping on, a
Content-Security-Policy that forbids every request, and all data passed as one JSON document that
scripts read with ``JSON.parse`` and turn into DOM text nodes: nothing from the data is ever parsed as
HTML.  Small maps settle with tuned physics that is switched off once stable; big maps get positions
computed here (igraph) and are drawn in WebGL, without vis-network.

The visual language (dashed edges for weak claims, width by money) is defined here and shared with
the static figures of ``export.figure``; the colour and shape of each entity type come from the
ontology (``cg:colour``, ``cg:mapShape``, ``cg:figureShape``).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import networkx as nx

from .certainty import CERTAINTY_ORDER, WEAK_CERTAINTIES
from .errors import ExportError
from .ontology import Ontology, bundled_ontology
from .output.numbers import plural
from .subgraph import Subgraph

# -- the visual language -----------------------------------------------------------------------------

_EXTRA_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d")
WEAK_CERTAINTY = WEAK_CERTAINTIES  # drawn dashed
EDGE_COLOUR = "#7a7a7a"
DENIED_COLOUR = "#c0392b"
HIGHLIGHT_COLOUR = "#ff8c00"
LARGE_MAP = 1500  # above this many nodes, positions are computed here and WebGL (sigma) draws the map
EDGE_LABEL_LIMIT = 3000  # above this many edges, edge labels are left to the tooltips


# a graph's ontology says how types are drawn: only plain colours and shape names reach the page
# (a CSS value such as url(...) in a legend swatch would be a request)
_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}")
_SHAPE = re.compile(r"[A-Za-z]{1,20}")


def type_style(type_name: str | None, ontology: Ontology | None = None) -> tuple[str, str, str]:
    """(colour, vis shape, graphviz shape) of an entity type (local name or IRI), as the ontology draws
    it (``cg:colour``, ``cg:mapShape``, ``cg:figureShape``); unknown types get a stable extra colour."""
    style = (ontology or bundled_ontology()).style(type_name)
    if style is not None and _COLOUR.fullmatch(style.colour) and _SHAPE.fullmatch(style.map_shape):
        return style.colour, style.map_shape, style.figure_shape
    name = type_name or ""
    colour = _EXTRA_COLOURS[sum(map(ord, name)) % len(_EXTRA_COLOURS)]
    return colour, "dot", "ellipse"


def edge_width(amount: Decimal | None, largest: Decimal | None, lo: float = 1.0, hi: float = 8.0) -> float:
    """Edge width from the amount of money, on a log scale up to the largest amount shown."""
    if not amount or not largest or amount <= 0 or largest <= 0:
        return lo
    return round(lo + (hi - lo) * math.log10(1 + float(amount)) / math.log10(1 + float(largest)), 2)


def edges_of(g: nx.MultiDiGraph):
    """(u, v, key, data) for every edge, read from the public adjacency view (faster than g.edges)."""
    for u, nbrs in g.adj.items():
        for v, keyed in nbrs.items():
            for k, d in keyed.items():
                yield u, v, k, d


MONEY_FLOWS = frozenset({"forward", "backward"})  # investments, bond issues... are not money flowing


def _amounts(d: dict, kind: str) -> Decimal:
    """The money of one amount kind on an edge (a record or a tie), if its kind is money flowing."""
    if (d.get("money_flow") or "none") not in MONEY_FLOWS:
        return Decimal(0)
    if "totals" in d and d.get("count") is not None:
        return sum((t["amount"] for t in d["totals"] if t["amount_kind"] == kind), Decimal(0))
    amount = d.get("amount")
    return amount if amount is not None and d.get("amount_kind") == kind else Decimal(0)


def node_money(g: nx.MultiDiGraph, kind: str | None) -> dict[str, Decimal]:
    """The money of one amount kind on each entity's money-flowing edges (records or ties), in or out.
    Kinds are never added together; ``None`` gives zeros."""
    out: dict[str, Decimal] = {n: Decimal(0) for n in g.nodes}
    if kind is None:
        return out
    for u, v, _k, d in edges_of(g):
        a = _amounts(d, kind)
        if a:
            out[u] += a
            out[v] += a
    return out


def amount_kinds(g: nx.MultiDiGraph) -> dict[str, int]:
    """The amount kinds of money flowing on ``g``'s edges, with how many records carry each."""
    seen: dict[str, int] = {}
    for _u, _v, _k, d in edges_of(g):
        if (d.get("money_flow") or "none") not in MONEY_FLOWS:
            continue
        for t in d.get("totals") or ([d] if d.get("amount") is not None else []):
            kind = t.get("amount_kind")
            if kind:
                seen[kind] = seen.get(kind, 0) + int(t.get("records") or 1)
    return seen


# obligations, the money the government committed: per fiscal year first, then as recorded, then all years
DEFAULT_SIZE_KINDS = ("fiscalYearObligation", "obligated", "totalObligated")


def size_kind(g: nx.MultiDiGraph, size_by: str | None) -> str | None:
    """The amount kind node sizes show: ``size_by`` itself (an amount kind, by local name or words),
    or for ``money`` (the default) obligations when present, else the kind most records carry;
    ``None`` for ``degree`` or when no money flows in ``g``."""
    if size_by == "degree":
        return None
    kinds = amount_kinds(g)
    if size_by in (None, "", "money"):
        for preferred in DEFAULT_SIZE_KINDS:
            if preferred in kinds:
                return preferred
        return max(sorted(kinds), key=lambda k: kinds[k]) if kinds else None
    wanted = size_by.replace(" ", "").replace("-", "").replace("_", "").lower()
    for kind in kinds:
        if wanted in (kind.lower(), words(kind).replace(" ", "")):
            return kind
    present = ", ".join(sorted(kinds)) or "none"
    raise ExportError(
        f"--size-by {size_by!r}: no money of that kind in this selection; use degree, money or one of: {present}"
    )


def size_legend(kind: str | None) -> str:
    """What node size shows, for legends: 'Node size: obligated on its ties (money of other kinds is not counted)'."""
    if kind is None:
        return "Node size: number of relationships"
    return f"Node size and line width: {words(kind)} money on its ties (other kinds of money are not counted)"


def money_lines(g: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Each entity's money per amount kind, direction and currency, one line each, never added
    across kinds: 'obligated, received: $621M (36 records)'.  Kinds that are not money flowing
    (bond issues, investments) read 'party to'."""
    from .output.numbers import compact_money

    acc: dict[str, dict[tuple, list]] = {}
    for u, v, _k, d in edges_of(g):
        flow = d.get("money_flow") or "none"
        for t in d.get("totals") or ([_record_total(d)] if d.get("amount") is not None else []):
            for node, role in ((u, "start"), (v, "end")):
                if flow == "forward":
                    way = "paid" if role == "start" else "received"
                elif flow == "backward":
                    way = "received" if role == "start" else "paid"
                else:
                    way = "party to"
                key = (t.get("amount_kind") or "", way, t.get("currency") or "")
                slot = acc.setdefault(node, {}).setdefault(key, [Decimal(0), 0])
                slot[0] += t["amount"]
                slot[1] += int(t.get("records") or 1)
    out: dict[str, list[str]] = {}
    for node, totals in acc.items():
        lines = []
        for (kind, way, currency), (amount, n) in sorted(totals.items()):
            figure = compact_money(amount, currency or "USD")
            lines.append(f"{words(kind) or 'amount'}, {way}: {figure} ({plural(n, 'record')})")
        out[node] = lines
    return out


def _record_total(d: dict) -> dict:
    return {
        "amount_kind": d.get("amount_kind"),
        "currency": d.get("currency"),
        "amount": d["amount"],
        "records": 1,
    }


def node_sizes(
    g: nx.MultiDiGraph,
    size_by: str | None = "money",
    lo: float = 10.0,
    hi: float = 40.0,
    money: dict[str, Decimal] | None = None,
) -> dict[str, float]:
    """Node size by the money of one amount kind on its edges (log scale; see ``size_kind`` for
    ``size_by``), or by degree; nodes without money of that kind fall back to degree."""
    kind = size_kind(g, size_by)
    deg = dict(g.degree())
    max_deg = max(deg.values(), default=0) or 1
    by_degree = {n: lo + (hi - lo) * 0.5 * math.sqrt(deg[n] / max_deg) for n in g.nodes}
    if kind is None:
        return {n: round(s, 1) for n, s in by_degree.items()}
    money = money if money is not None else node_money(g, kind)
    top = max(money.values(), default=Decimal(0))
    if top <= 0:
        return {n: round(s, 1) for n, s in by_degree.items()}
    return {
        n: round(lo + (hi - lo) * math.log10(1 + float(m)) / math.log10(1 + float(top)), 1)
        if m > 0
        else round(min(by_degree[n], lo + (hi - lo) * 0.4), 1)
        for n, m in money.items()
    }


def legend_types(g: nx.MultiDiGraph) -> list[dict[str, str]]:
    """The entity types present, with their style, for legends."""
    seen: dict[str, str] = {}
    for _, d in g.nodes(data=True):
        seen.setdefault(d.get("type") or "Entity", d.get("type_label") or d.get("type") or "Entity")
    out = []
    for name, label in sorted(seen.items(), key=lambda kv: kv[1].lower()):
        colour, shape, gv_shape = type_style(name, g.graph.get("ontology"))
        out.append({"type": name, "label": label, "colour": colour, "shape": shape, "gv_shape": gv_shape})
    return out


def fact_sentence(g: nx.MultiDiGraph, u: str, v: str, d: dict) -> str:
    """'Amazon Web Services hosts Investigative Case Management' -- plain text, not escaped."""
    return (
        f"{g.nodes[u].get('label', u)} {d.get('label') or d.get('kind_label') or d.get('kind')} "
        f"{g.nodes[v].get('label', v)}"
    )


@functools.lru_cache(maxsize=256)
def words(name: str | None) -> str:
    """'creditLine' -> 'credit line' (amount kinds and other camelCase names, for readers)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name or "").lower()


def when_text(d: dict) -> str:
    if d.get("start") or d.get("end"):
        return f"{d.get('start') or '?'} to {d.get('end') or 'present'}"
    return d.get("date") or ""


# -- layout ----------------------------------------------------------------------------------------


def precompute_layout(g: nx.MultiDiGraph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions for big maps, in vis-network's pixels.

    Each connected part is laid out by igraph's Fruchterman-Reingold, scaled so that the median line
    is about 150 px long; the biggest part comes first and the smaller parts (and entities without
    relationships) are set out in rows beside it.  Laid out together, the small parts would fly off
    and shrink the biggest one to a dot.
    """
    import random
    import statistics

    import igraph

    nodes = list(g.nodes)
    if not nodes:
        return {}
    index = {n: i for i, n in enumerate(nodes)}
    pairs = [(index[u], index[v]) for u, v, _k, _d in edges_of(g) if u != v]
    ig = igraph.Graph(n=len(nodes), edges=pairs)
    random.seed(seed)  # igraph draws its random start from Python's random module: layouts repeat
    parts = sorted(ig.connected_components(mode="weak"), key=len, reverse=True)
    boxes: list[tuple[list[int], list[tuple[float, float]]]] = []
    scale = None
    for members in parts:
        if len(members) == 1:
            boxes.append((members, [(0.0, 0.0)]))
            continue
        sub = ig.induced_subgraph(members)
        niter = 300 if len(members) <= 5000 else 80
        coords = sub.layout_fruchterman_reingold(niter=niter).coords
        if scale is None:  # the biggest part sets the scale for all
            edges = sub.get_edgelist()
            sample = edges[:: max(1, len(edges) // 5000)]
            median = statistics.median(math.dist(coords[a], coords[b]) for a, b in sample) if sample else 1.0
            scale = 150.0 / (median or 1.0)
        boxes.append((members, [(x * scale, y * scale) for x, y in coords]))
    positions: dict[str, tuple[float, float]] = {}
    gap = 90.0
    first_members, first = boxes[0]
    x0, y0 = _place(first, 0.0, 0.0, first_members, nodes, positions)
    small_area = sum(
        (max(p[0] for p in c) - min(p[0] for p in c) + gap)
        * (max(p[1] for p in c) - min(p[1] for p in c) + gap)
        for _m, c in boxes[1:]
    )
    width = max(x0, 900.0, 1.5 * math.sqrt(small_area))  # the small parts fill a block about as wide as tall
    x, y, row_height = 0.0, y0 + gap * 2, 0.0  # the smaller parts in rows under the biggest
    for members, coords in boxes[1:]:
        w = max(p[0] for p in coords) - min(p[0] for p in coords)
        h = max(p[1] for p in coords) - min(p[1] for p in coords)
        if x > 0 and x + w > width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        _place(coords, x, y, members, nodes, positions)
        x += w + gap
        row_height = max(row_height, h)
    return positions


def _place(
    coords: list[tuple[float, float]],
    left: float,
    top: float,
    members: list[int],
    nodes: list[str],
    positions: dict[str, tuple[float, float]],
) -> tuple[float, float]:
    """Shift a part so its box starts at (left, top); returns the box's right and bottom edges."""
    min_x = min(p[0] for p in coords)
    min_y = min(p[1] for p in coords)
    right = bottom = 0.0
    for i, (px, py) in zip(members, coords, strict=True):
        x, y = round(px - min_x + left, 1), round(py - min_y + top, 1)
        positions[nodes[i]] = (x, y)
        right, bottom = max(right, x), max(bottom, y)
    return right, bottom


# -- the page --------------------------------------------------------------------------------------


@functools.cache
def _template():  # -> jinja2.Template
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    return env.get_template("map.html")


@functools.cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS, read from the installed pyvis package (never fetched)."""
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    try:
        js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
        css = (lib / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot read vis-network from the pyvis package ({lib}): {exc}") from None
    for text, what in ((js, "script"), (css, "style")):
        if f"</{what}" in text.lower():
            raise ExportError(f"vis-network {what} in {lib} cannot be inlined safely")
    return js, css


def script_json(data: Any) -> str:
    """JSON safe to place inside a <script> element: '<', '>', '&', U+2028 and U+2029 escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str, check_circular=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    low = url.strip().lower()
    return url.strip() if low.startswith(("https://", "http://")) else None


def edge_id(u: str, kind: str, v: str) -> str:
    """A stable id for a tie (all records of one kind between two entities): the same in every map,
    app view and graph version, so stories, timelines and URLs can name it."""
    return "t" + hashlib.sha1(f"{u}\n{kind}\n{v}".encode()).hexdigest()[:16]


def edge_amount(d: dict, kind: str | None = None) -> str:
    """The short amount an edge's label carries: '$450M credit line' for one record ('more than ...'
    when hedged); for a tie, its total of one amount kind (the kind node sizes show when the tie has
    it, else its first), never a sum across kinds."""
    from .output.numbers import compact_money
    from .output.ties import kind_words

    if d.get("count", 1) == 1:
        if d.get("amount") is None:
            return ""
        figure = compact_money(d["amount"], d.get("currency"))
        hedge = f"{d['amount_qualifier']} " if d.get("amount_qualifier") else ""
        return f"{hedge}{figure} {kind_words(d.get('amount_kind'))}"
    sums: dict[tuple[str, str], Decimal] = {}
    for t in d.get("totals") or ():
        key = (t.get("amount_kind") or "", t.get("currency") or "")
        sums[key] = sums.get(key, Decimal(0)) + t["amount"]
    if not sums:
        return ""
    pick = next((k for k in sums if k[0] == kind), next(iter(sums)))
    more = " and other kinds" if len({k for k, _c in sums}) > 1 else ""
    return f"{compact_money(sums[pick], pick[1] or None)} {kind_words(pick[0])}{more}"


def edge_label(d: dict, kind: str | None = None) -> str:
    """What a line says on the map: the verb the CLI uses (the ontology's edge label) and its amount,
    'lends to · $450M credit line'; a tie of several records counts them, 'contracts ×36 · ...'."""
    verb = d.get("label") or d.get("kind_label") or d.get("kind") or ""
    if d.get("count", 1) > 1:
        verb += f" ×{d['count']}"
    amount = edge_amount(d, kind)
    return f"{verb} · {amount}" if amount else verb


def _span(d: dict) -> list[str | None]:
    """[begin, end] of a record as written (any precision), for the page's as-of filter."""
    return [d.get("start") or d.get("date"), d.get("end")]


def map_document(
    sub: Subgraph,
    *,
    size_by: str = "money",
    layout: dict[str, tuple[float, float]] | None = None,
    large: int = LARGE_MAP,
    title: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
) -> dict[str, Any]:
    """The JSON-ready *map document* that the front-end (``web/static/map.js``) draws, for a static
    map and for the web app alike.

    ``nodes``: one per entity, ``id`` = its IRI.  ``edges``: one per tie, ``id`` = ``edge_id``,
    ``records`` its record IRIs, ``spans`` each record's [begin, end] dates; a tie of several
    records lists them as ``rows`` [date, amount, award ID, certainty, [source ids], record IRI,
    note].  ``sources``: the table that ``sources`` fields index.  ``paths``: the ranked paths of a
    path selection, best first.  ``meta``: title, caption, credit, version, selection.  ``options``
    and ``physics``: how vis-network draws it.  ``renderer``: ``"vis"``, or ``"sigma"`` (WebGL) for
    maps above ``large`` entities.  ``layout`` fixes positions ({iri: (x, y)}, from a layout file);
    big maps get positions computed here.
    """
    from .output.ties import period_text, record_amount, tie_summary, totals_text

    g = sub.ties
    onto = g.graph.get("ontology")
    n_nodes = len(g)
    big = n_nodes > large
    positions: dict[str, tuple[float, float]] | None = precompute_layout(g) if big else None
    fixed: set[str] = set()
    if layout:
        known = {n: layout[n] for n in g.nodes if n in layout}
        if positions is not None or len(known) == n_nodes:
            positions = {**(positions or {}), **known}  # drawn as saved, physics off
        else:  # entities new since the layout was saved settle around the ones that keep their place
            fixed = set(known)
    kind = size_kind(g, size_by)
    money = node_money(g, kind)
    sizes = node_sizes(g, size_by, money=money)
    lines = money_lines(g)
    notes = _entity_notes(sub)
    source_index: dict[str, int] = {}
    sources: list[dict] = []

    def source_ids(items) -> list[int]:
        ids = []
        for s in items or ():
            at = source_index.get(s["iri"])
            if at is None:
                at = source_index[s["iri"]] = len(sources)
                sources.append(
                    {
                        "title": s.get("title") or s["iri"],
                        "publisher": s.get("publisher") or "",
                        "issued": s.get("issued") or "",
                        "url": _safe_url(s.get("url")),
                    }
                )
            ids.append(at)
        return ids

    nodes = []
    for n, d in g.nodes(data=True):
        colour, shape, _ = type_style(d.get("type"), onto)
        item: dict[str, Any] = {
            "id": n,
            "label": d.get("label") or n,
            "type": d.get("type") or "Entity",
            "typeLabel": d.get("type_label") or d.get("type") or "",
            "shape": shape,
            "colour": colour,
            "size": sizes[n],
        }
        if lines.get(n):
            item["money"] = lines[n]
        if notes.get(n):
            item["notes"] = notes[n]
        if d.get("family"):  # a --family selection: whose family the entity is in, and why
            item["family"] = d["family"]
        if n in sub.highlight_nodes:
            item["highlight"] = True
        if positions is not None and n in positions:
            item["x"], item["y"] = (float(c) for c in positions[n])
        elif n in fixed:
            item["x"], item["y"] = (float(c) for c in layout[n])  # type: ignore[index]
            item["fixed"] = True
        nodes.append(item)
    all_edges = list(edges_of(g))
    widths = {(u, v, k): _amounts(d, kind) if kind else Decimal(0) for u, v, k, d in all_edges}
    largest = max(widths.values(), default=None)
    highlighted = sub.highlight_edges
    records_of = g.graph["records"]
    show_labels = len(all_edges) <= EDGE_LABEL_LIMIT
    edges = []
    for u, v, k, d in all_edges:
        cert = d.get("certainty") or ""
        item = {
            "id": edge_id(u, k, v),
            "from": u,
            "to": v,
            "verb": d.get("label") or d.get("kind_label") or d.get("kind") or "",
            "kind": d.get("kind_label") or d.get("kind") or "",
            "certainty": cert or "none",
            "count": d["count"],
            "records": list(d["records"]),
            "width": edge_width(widths[(u, v, k)], largest),
            "sources": source_ids(d.get("sources")),
        }
        if show_labels:
            item["label"] = edge_label(d, kind)
        if d["count"] == 1:
            item["spans"] = [_span(d)]
            item["quotes"] = list(d.get("quote") or ())
            amount = record_amount(d)
            if amount:
                item["amount"] = amount
            when = when_text(d)
            if when:
                item["when"] = when
            if d.get("note"):
                item["notes"] = [d["note"]]
            if d.get("award_id"):
                item["award"] = d["award_id"]
        else:
            item["summary"] = tie_summary(d)
            if d.get("totals"):
                item["amount"] = totals_text(d["totals"])
            when = period_text(d.get("first"), d.get("last"))
            if when:
                item["when"] = when
            rows, spans = [], []
            for rec in d["records"]:
                r = records_of.edges[u, v, rec]
                spans.append(_span(r))
                rows.append(
                    [
                        r.get("date") or period_text(r.get("start"), r.get("end")),
                        record_amount(r),
                        r.get("award_id") or "",
                        r.get("certainty") or "",
                        source_ids(r.get("sources")),
                        rec,
                        r.get("note") or "",
                    ]
                )
            item["rows"], item["spans"] = rows, spans
        if (d.get("money_flow") or "none") not in MONEY_FLOWS and d.get("totals"):
            item["notFlow"] = True  # a bond issue or an investment: an amount, not money flowing
        if cert in WEAK_CERTAINTY:
            item["dashed"] = True
        if highlighted and any(r in highlighted for r in d["records"]):
            item["highlight"] = True
        if cert == "denied":
            item["colour"] = DENIED_COLOUR
        if d.get("symmetric"):
            item["symmetric"] = True
        edges.append(item)
    prov = sub.provenance()
    title = title or f"corpgraph map: {prov['selection']}"
    if caption is None:
        caption = (
            f"{sub.counts()} "
            f"({prov['selection']}). One line per tie: all records of one kind between two entities. "
            f"Dashed lines: likely, alleged or denied claims. {size_legend(kind)}. "
            f"Click an entity or a line for its records and sources."
        )
    credit = credit or f"{prov['credit']}. {plural(len(sources), 'source')} cited."
    doc: dict[str, Any] = {
        "meta": {
            "title": title,
            "caption": caption,
            "credit": credit,
            "notes": list(sub.notes),
            "version": prov["graph_version"],
            "selection": prov["selection"],
            "generator": prov["generator"],
            "generated": dt.datetime.fromisoformat(prov["generated"]).strftime("%Y-%m-%d %H:%M UTC"),
        },
        "legend": {
            "types": [{k: t[k] for k in ("type", "label", "colour", "shape")} for t in legend_types(g)],
            "certainties": [*CERTAINTY_ORDER, "none"],
            "weak": sorted(WEAK_CERTAINTY),
            "sizeKind": kind,
            "size": size_legend(kind),
            "sizeShort": f"{words(kind)} money" if kind else "the same for all",
        },
        "nodes": nodes,
        "edges": edges,
        "sources": sources,
        "paths": path_list(sub, edges),
        "physics": positions is None,
        "renderer": "sigma" if big else "vis",  # which renderer of web/static/ draws it (render_document)
        "options": vis_options(n_nodes, physics=positions is None),
    }
    return doc


# -- the packed document of a large map ------------------------------------------------------------

# What the first frame of a large map needs, kept as columns in the page's JSON document; every
# other field of an entity or a line (records, sources, quotes, amounts, money...) goes to a table
# of details, one JSON line per item, which the page parses only for the items a reader opens.
PACKED_NODE_KEYS = (
    "id",
    "label",
    "type",
    "typeLabel",
    "shape",
    "colour",
    "size",
    "x",
    "y",
    "highlight",
    "fixed",
)
PACKED_EDGE_KEYS = (
    "id", "from", "to", "verb", "kind", "certainty", "count", "width", "spans",
    "dashed", "symmetric", "highlight", "colour", "label",
)  # fmt: skip
_FLAGS = ("dashed", "symmetric", "highlight")  # bits 1, 2, 4 of an edge's flags
_TIE_ID = re.compile(r"t[0-9a-f]{16}")


def pack_document(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The packed form of a map document, and its table of details (JSON lines: one per entity, in
    order, then one per line), which web/static/map.js unpacks into the same document.

    Columns: entities' ids, labels, sizes, positions and an index into a table of types (name,
    label, shape, colour); lines' ids (16 hex digits each, in one string, when every id is a tie
    id), ends as indices of entities, widths, counts, flags (dashed 1, symmetric 2, highlight 4),
    an index into a table of (verb, kind) and one into a table of certainties, and their records'
    date spans as indices into a table of dates.  A details line is a JSON array of the values of
    ``detailKeys`` (null where an item has none)."""
    nodes, edges = doc["nodes"], doc["edges"]
    at = {n["id"]: i for i, n in enumerate(nodes)}
    types: dict[tuple, int] = {}
    kinds: dict[tuple, int] = {}
    certainties: dict[str, int] = {}
    dates: dict[str | None, int] = {None: -1}

    def index(table: dict, key: Any) -> int:
        return table.setdefault(key, len(table))

    def date(value: str | None) -> int:
        if value not in dates:
            dates[value] = len(dates) - 1
        return dates[value]

    node_cols: dict[str, Any] = {"id": [], "label": [], "type": [], "size": [], "x": [], "y": []}
    node_cols["highlight"] = [i for i, n in enumerate(nodes) if n.get("highlight")]
    node_cols["fixed"] = [i for i, n in enumerate(nodes) if n.get("fixed")]
    for n in nodes:
        node_cols["id"].append(n["id"])
        node_cols["label"].append(n["label"])
        node_cols["type"].append(index(types, (n["type"], n["typeLabel"], n["shape"], n["colour"])))
        node_cols["size"].append(n["size"])
        node_cols["x"].append(n.get("x"))
        node_cols["y"].append(n.get("y"))
    hex_ids = all(_TIE_ID.fullmatch(e["id"]) for e in edges)
    edge_cols: dict[str, Any] = {
        "id": "".join(e["id"][1:] for e in edges) if hex_ids else [e["id"] for e in edges],
        "from": [at[e["from"]] for e in edges],
        "to": [at[e["to"]] for e in edges],
        "kind": [index(kinds, (e["verb"], e["kind"])) for e in edges],
        "certainty": [index(certainties, e["certainty"]) for e in edges],
        "count": [e["count"] for e in edges],
        "width": [e["width"] for e in edges],
        "spans": [[[date(a), date(b)] for a, b in e["spans"]] if "spans" in e else None for e in edges],
        "flags": [sum(1 << b for b, f in enumerate(_FLAGS) if e.get(f)) for e in edges],
        "colour": {str(i): e["colour"] for i, e in enumerate(edges) if e.get("colour")},
    }
    if any("label" in e for e in edges):
        edge_cols["label"] = [e.get("label") for e in edges]
    node_keys = list(dict.fromkeys(k for n in nodes for k in n if k not in PACKED_NODE_KEYS))
    edge_keys = list(dict.fromkeys(k for e in edges for k in e if k not in PACKED_EDGE_KEYS))

    def line(item: dict, keys: list[str]) -> str:
        values = [item.get(k) for k in keys]
        while values and values[-1] is None:
            values.pop()
        return script_json(values)

    details = "\n".join([*(line(n, node_keys) for n in nodes), *(line(e, edge_keys) for e in edges)])
    packed = {k: v for k, v in doc.items() if k not in ("nodes", "edges")}
    packed["packed"] = {
        "nodes": node_cols,
        "types": [list(t) for t in types],
        "edges": edge_cols,
        "hexIds": hex_ids,
        "kinds": [list(k) for k in kinds],
        "certainties": list(certainties),
        "dates": [d for d in dates if d is not None],
        "detailKeys": {"nodes": node_keys, "edges": edge_keys},
        "counts": [len(nodes), len(edges)],
    }
    return packed, details


LAYOUT_FORMAT = 1  # the "corpgraph_layout" field of a layout file


def read_layout(path: str | Path) -> dict[str, tuple[float, float]]:
    """Positions saved by a map's "Save layout" button: a JSON object whose ``positions`` maps entity
    IRIs to [x, y].  A bad file raises ``ExportError`` naming the file and what is wrong."""
    where = Path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"layout file {where}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(f"layout file {where}, line {exc.lineno}: not JSON ({exc.msg})") from None
    positions = data.get("positions") if isinstance(data, dict) else None
    if not isinstance(positions, dict):
        raise ExportError(
            f"layout file {where}: no 'positions' object (save one with the map's Save layout button)"
        )
    if data.get("corpgraph_layout", LAYOUT_FORMAT) != LAYOUT_FORMAT:
        raise ExportError(f"layout file {where}: corpgraph_layout {data.get('corpgraph_layout')!r} is not 1")
    out: dict[str, tuple[float, float]] = {}
    for iri, xy in positions.items():
        ok = isinstance(xy, list) and len(xy) == 2
        ok = ok and all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in xy
        )
        if not ok:
            raise ExportError(f"layout file {where}: positions[{iri!r}] must be [x, y] numbers, not {xy!r}")
        out[str(iri)] = (float(xy[0]), float(xy[1]))
    return out


def path_list(sub: Subgraph, edges: list[dict]) -> list[dict]:
    """The ranked paths of a path selection, best first: each with its entities, its edges (ids of
    ``edges``) and a line a reader can follow ('AWS hosts → ICM ← uses ICE')."""
    result = getattr(sub, "path_result", None)
    if result is None:
        return []
    g = sub.ties
    present = {e["id"] for e in edges}

    def name(n: str) -> str:
        return str(g.nodes[n].get("label", n)) if n in g else n

    out = []
    for rank, p in enumerate(result.paths, 1):
        ids, text = [], [name(p.nodes[0])]
        for h in p.hops:
            u, v = (h.source, h.target) if h.forward else (h.target, h.source)
            eid = edge_id(u, h.key, v)
            if eid in present:
                ids.append(eid)
            label = h.label or h.data.get("kind_label") or h.key
            text += [f"—{label}→" if h.forward else f"←{label}—", name(h.target)]
        out.append(
            {
                "rank": rank,
                "nodes": list(p.nodes),
                "edges": ids,
                "hops": p.length,
                "certainty": p.min_certainty or "none",
                "text": " ".join(text),
            }
        )
    return out


def _entity_notes(sub: Subgraph) -> dict[str, list[str]]:
    """Curators' notes kept on entities (cg:note), when the selection read them."""
    return {n: list(d["notes"]) for n, d in sub.net.nodes(data=True) if d.get("notes")}


def vis_options(n_nodes: int, physics: bool) -> dict:
    """vis-network options tuned to settle quickly (see NOTES-stack.md) or to draw fixed positions."""
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "nodes": {"font": {"size": 14, "face": "Helvetica, Arial, sans-serif"}, "borderWidth": 1},
        "edges": {
            "smooth": False,
            "font": {"size": 10, "align": "horizontal", "color": "#555"},
            "color": {"color": EDGE_COLOUR, "inherit": False},
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "selectionWidth": 2,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 100000,
            "hideEdgesOnDrag": n_nodes > 300,
            "hideEdgesOnZoom": n_nodes > 300,
            "navigationButtons": False,
            "keyboard": False,
        },
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -12000,
                "springLength": 130,
                "springConstant": 0.04,
                "damping": 0.5,
                "avoidOverlap": 0.6,
            },
            "minVelocity": 2,
            "stabilization": {"enabled": physics, "iterations": 200, "updateInterval": 25, "fit": True},
        },
    }


STATIC = Path(__file__).parent / "web" / "static"
# Extra panels: a document key and the script that draws it (each script uses only the controller API)
PANELS = (("story", "story.js"), ("timeline", "timeline.js"))
# Maps above LARGE_MAP entities are drawn with WebGL: the vendored libraries and the renderer using them
SIGMA_SCRIPTS = ("vendor/graphology.umd.min.js", "vendor/sigma.min.js", "sigma-renderer.js")


def static_asset(name: str) -> tuple[bytes, str]:
    """The bytes and media type of a front-end file, as the app serves it at ``/static/<name>``:
    the files of ``web/static/`` and vis-network (``vis-network.min.js``, ``vis-network.css``),
    which comes from the installed pyvis package.  Unknown names raise ``KeyError``."""
    js, css = _vis_assets()
    if name == "vis-network.min.js":
        return js.encode("utf-8"), "text/javascript; charset=utf-8"
    if name == "vis-network.css":
        return css.encode("utf-8"), "text/css; charset=utf-8"
    path = (STATIC / name).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file():
        raise KeyError(name)
    kind = {".js": "text/javascript", ".css": "text/css", ".json": "application/json"}.get(path.suffix)
    if kind is None:
        raise KeyError(name)
    return path.read_bytes(), f"{kind}; charset=utf-8"


def _inline(name: str) -> str:
    body, _kind = static_asset(name)
    text = body.decode("utf-8")
    tag = "script" if name.endswith(".js") else "style"
    if f"</{tag}" in text.lower():
        raise ExportError(f"{name} cannot be inlined safely (it contains </{tag})")
    return text


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def render_map(
    sub: Subgraph,
    *,
    title: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
    size_by: str = "money",
    embed: bool = False,
    large: int = LARGE_MAP,
    layout: dict[str, tuple[float, float]] | None = None,
    assets: str = "inline",
    static_prefix: str = "/static/",
    story: dict[str, Any] | None = None,
    timeline: dict[str, Any] | None = None,
) -> str:
    """The HTML page of the interactive map of a subgraph.

    ``assets="inline"``: one offline, self-contained file (scripts and styles inlined, allowed by
    their sha256 hashes in the page's Content-Security-Policy, nothing fetched).  ``assets="linked"``:
    the same page for the web app, loading ``<static_prefix>map.js`` and the rest with ``<script src>``
    and holding no inline script (the app's CSP has none).  ``layout`` fixes positions
    (``read_layout``); ``story`` (``story.story_document``) becomes the document's ``story``, which
    web/static/story.js steps through; ``timeline`` (``timeline.timeline_document``) the document's
    ``timeline``, which web/static/timeline.js draws beside the map."""
    from .gcpause import no_cycle_collection

    with no_cycle_collection():
        doc = map_document(
            sub, size_by=size_by, layout=layout, large=large, title=title, caption=caption, credit=credit
        )
        if story is not None:
            doc["story"] = story
        if timeline is not None:
            doc["timeline"] = timeline
        return render_document(doc, embed=embed, assets=assets, static_prefix=static_prefix)


def render_document(
    doc: dict[str, Any], *, embed: bool = False, assets: str = "inline", static_prefix: str = "/static/"
) -> str:
    """The page of a map document (``map_document``); see ``render_map`` for ``assets``.  A large
    map's document (``renderer`` "sigma") goes into the page packed (``pack_document``): columns
    for the first frame, and a table of details that the page reads item by item as they are opened."""
    from markupsafe import Markup

    if assets not in ("inline", "linked"):
        raise ExportError(f"assets must be 'inline' or 'linked', not {assets!r}")
    panels = [f for key, f in PANELS if key in doc and (STATIC / f).is_file()]
    if doc.get("renderer") == "sigma":  # a large view: WebGL, and no vis-network at all (0.7 MiB less)
        scripts = ["map.js", *SIGMA_SCRIPTS, *panels]
        styles = ["map.css"]
    else:
        scripts = ["vis-network.min.js", "map.js", *panels]
        styles = ["vis-network.css", "map.css"]
    meta = doc["meta"]
    details = None
    if doc.get("renderer") == "sigma":  # packed: the first frame parses columns, details wait
        data, details = pack_document(doc)
    else:
        data = doc
    context: dict[str, Any] = {
        "meta": meta,
        "embed": embed,
        "n_nodes": len(doc["nodes"]),
        "n_edges": len(doc["edges"]),
        "data_json": Markup(script_json(data)),
        "details_json": Markup(details) if details is not None else None,  # escaped line by line
        "linked": assets == "linked",
    }
    if assets == "inline":
        js = [_inline(f) for f in scripts]
        css = [_inline(f) for f in styles]
        context["inline_scripts"] = [Markup(t) for t in js]
        context["inline_styles"] = [Markup(t) for t in css]
        context["csp"] = Markup(  # hashes and keywords only: nothing to escape
            "default-src 'none'; script-src "
            + " ".join(_csp_hash(t) for t in js)
            + "; style-src "
            + " ".join(_csp_hash(t) for t in css)
            + "; img-src data:"
        )
    else:
        prefix = static_prefix if static_prefix.endswith("/") else static_prefix + "/"
        context["script_urls"] = [prefix + f for f in scripts]
        context["style_urls"] = [prefix + f for f in styles]
        context["csp"] = Markup(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
        )
    return _template().render(**context)


def write_map(sub: Subgraph, path: str | Path, **kw: Any) -> Path:
    """Render the map of ``sub`` and write it atomically to ``path``."""
    from .errors import OutputError
    from .fileio import write_atomically

    out = Path(path)
    if out.is_dir():
        raise OutputError(f"{out} is a folder; give a file name such as {out / 'map.html'}")
    write_atomically(out, render_map(sub, **kw), make_parents=False)
    return out

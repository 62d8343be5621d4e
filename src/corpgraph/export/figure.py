"""Static, print-ready figures (SVG and PNG) laid out by Graphviz: entities coloured and shaped by
type as on the interactive map, dashed lines for weak claims, line width by money, and a caption
block under the figure with the title, the legend, the credit, the graph version and the selection.

Data strings go into DOT through ``graphviz.escape`` (no backslash escapes, never an HTML label) and
into the HTML-like caption through the package's one HTML escaper (``output.escape.html``).
"""

from __future__ import annotations

import subprocess
import textwrap

from ..backend import Backend
from ..errors import ExportError
from ..output.escape import html, xml_text
from ..render import (
    DENIED_COLOUR,
    EDGE_COLOUR,
    HIGHLIGHT_COLOUR,
    MONEY_FLOWS,
    WEAK_CERTAINTY,
    edge_width,
    edges_of,
    legend_types,
    node_money,
    node_sizes,
    size_kind,
    size_legend,
)
from ..subgraph import Subgraph

LABEL_LIMIT = 150  # above this many entities only the biggest are labelled
FIGURE_LIMIT = 2500  # a print figure of more entities is unreadable, and Graphviz takes minutes to lay it out
EDGE_LABEL_LIMIT = 80
NO_GRAPHVIZ = "Graphviz is not installed: install it (apt-get install graphviz) for svg and png"

TEXT_LIMIT = 300  # characters of a name drawn or shown on hover: Graphviz refuses strings over 16,384


def _short(text: str, limit: int = TEXT_LIMIT) -> str:
    """One line of at most ``limit`` characters, without the control characters SVG (XML) cannot hold."""
    text = xml_text(" ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _h(text: object) -> str:
    return html(xml_text(" ".join(str(text).split())))


def _wrap(label: str, width: int = 20) -> str:
    return (
        "\n".join(
            textwrap.wrap(" ".join(label.split()), width, break_long_words=False, break_on_hyphens=False)
        )
        or label
    )


def build_dot(sub: Subgraph, title: str | None = None, size_by: str = "money"):  # -> graphviz.Digraph
    """The figure as Graphviz DOT: one line per tie (all records of one kind between two entities)."""
    import graphviz

    g = sub.ties
    n = g.number_of_nodes()
    if n > FIGURE_LIMIT:
        raise ExportError(
            f"the selection has {n:,} entities: too many for a print figure (at most {FIGURE_LIMIT:,}). "
            "Narrow it "
            "with --focus/--depth, --kinds or --min-certainty, or export html, gexf or graphml instead."
        )
    engine = "neato" if n <= 100 else "sfdp"
    prov = sub.provenance()
    dot = graphviz.Digraph("corpgraph", engine=engine)
    dot.attr(
        "graph",
        overlap="prism" if engine == "sfdp" else "false",
        splines="true" if g.number_of_edges() <= 80 else "false",
        outputorder="edgesfirst",
        pad="0.3",
        fontname="Helvetica",
        labelloc="b",
        labeljust="l",
        size="7,9",
        sep="+6",
        comment=" ".join(f"{k}={v}" for k, v in prov.items()).replace("--", "- -"),
    )
    if engine == "sfdp":
        dot.attr("graph", K="0.9", repulsiveforce="1.5")
    dot.attr(
        "node",
        fontname="Helvetica",
        fontsize="12",
        style="filled",
        penwidth="0.8",
        color="#333333",
        margin="0.04,0.02",
    )
    dot.attr("edge", fontname="Helvetica", fontsize="9", fontcolor="#555555", arrowsize="0.6")
    kind = size_kind(g, size_by)
    sizes = node_sizes(g, size_by)
    labelled = set(g.nodes)
    if n > LABEL_LIMIT:
        money = node_money(g, kind)
        degree = dict(g.degree())
        labelled = set(sorted(g.nodes, key=lambda x: (-money[x], -degree[x]))[:LABEL_LIMIT])
    ids = {node: f"n{i}" for i, node in enumerate(g.nodes)}
    from ..render import type_style

    for node, d in g.nodes(data=True):
        colour, _, shape = type_style(d.get("type"), g.graph.get("ontology"))
        label = _short(d.get("label") or node)
        attrs = {"fillcolor": colour + "cc", "shape": shape, "tooltip": graphviz.escape(label)}
        if node in labelled:
            attrs["label"] = graphviz.nohtml(
                "\\n".join(graphviz.escape(line) for line in _wrap(label).split("\n"))
            )
            attrs["fontcolor"] = "#000000"
            attrs["fillcolor"] = colour + "55"
        else:
            attrs.update(
                label="",
                width=str(round(sizes[node] / 60, 2)),
                height=str(round(sizes[node] / 60, 2)),
                fixedsize="true",
            )
        if node in sub.highlight_nodes:
            attrs.update(penwidth="3", color=HIGHLIGHT_COLOUR)
        dot.node(ids[node], **attrs)
    widths = {(u, v, k): _kind_money(d, kind) for u, v, k, d in edges_of(g)}
    largest = max(widths.values(), default=None)
    show_labels = g.number_of_edges() <= EDGE_LABEL_LIMIT
    for u, v, k, d in g.edges(keys=True, data=True):
        cert = d.get("certainty") or ""
        highlighted = any(r in sub.highlight_edges for r in d["records"])
        attrs = {
            "penwidth": str(edge_width(widths[(u, v, k)], largest, 0.8, 5.0)),
            "color": HIGHLIGHT_COLOUR
            if highlighted
            else (DENIED_COLOUR if cert == "denied" else EDGE_COLOUR),
        }
        if cert in WEAK_CERTAINTY:
            attrs["style"] = "dashed"
        if d.get("symmetric"):
            attrs["dir"] = "none"
        if show_labels:
            text = _short(d.get("kind_label") or d.get("kind") or "")
            attrs["label"] = graphviz.escape(text + (f" ×{d['count']}" if d["count"] > 1 else ""))
        dot.edge(ids[u], ids[v], **attrs)
    dot.attr("graph", label=_caption(sub, title, len(labelled) < n, kind))
    return dot


def _kind_money(d: dict, kind: str | None):
    from decimal import Decimal

    if kind is None or (d.get("money_flow") or "none") not in MONEY_FLOWS:
        return Decimal(0)
    return sum((t["amount"] for t in d.get("totals") or () if t["amount_kind"] == kind), Decimal(0))


def _caption(sub: Subgraph, title: str | None, partial_labels: bool, kind: str | None = None) -> str:
    prov = sub.provenance()
    title = title or f"corpgraph: {prov['selection']}"
    cells = []
    for t in legend_types(sub.net):
        cells.append(
            f'<TD BGCOLOR="{t["colour"]}" WIDTH="10" HEIGHT="10" FIXEDSIZE="TRUE"></TD>'
            f'<TD ALIGN="LEFT">{_h(t["label"])}</TD>'
        )
    rows = [f'<TR><TD ALIGN="LEFT" COLSPAN="1"><FONT POINT-SIZE="15"><B>{_h(title)}</B></FONT></TD></TR>']
    for i in range(0, len(cells), 5):
        rows.append(
            '<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="3" CELLPADDING="0"><TR>'
            + "".join(cells[i : i + 5])
            + "</TR></TABLE></TD></TR>"
        )
    rows.append(
        '<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10">One line per tie (×N: N records). Solid lines: confirmed '
        "or reported. Dashed: likely or alleged; red dashed: denied. "
        + _h(f"{size_legend(kind)}." if kind else "Shapes the same size: no money in this selection.")
        + (" Only the biggest entities are labelled." if partial_labels else "")
        + "</FONT></TD></TR>"
    )
    sources = sub.sources()
    src_text = "; ".join(s.get("title") or s["iri"] for s in sources[:3])
    if len(sources) > 3:
        src_text += f"; and {len(sources) - 3} more"
    rows.append(
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#444444">{_h(prov["credit"])}. '
        f"Sources: {_h(src_text or 'none')}.</FONT></TD></TR>"
    )
    rows.append(
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#444444">Graph version {_h(prov["graph_version"])}'
        f" · selection: {_h(prov['selection'])} · {_h(prov['generator'])}</FONT></TD></TR>"
    )
    return '<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def layout(sub: Subgraph, title: str | None = None, size_by: str = "money") -> bytes:
    """The figure laid out by Graphviz, as DOT with every position fixed.  SVG and PNG are both drawn
    from it (``neato -n2`` keeps the positions), so the two show the same picture."""
    import graphviz

    dot = build_dot(sub, title, size_by)
    try:
        return dot.pipe(format="dot")
    except graphviz.ExecutableNotFound:
        raise ExportError(NO_GRAPHVIZ) from None
    except graphviz.CalledProcessError as exc:
        raise ExportError(f"Graphviz failed: {exc.stderr.decode(errors='replace').strip()[:500]}") from None


def draw(positioned: bytes, fmt: str) -> bytes:
    """Render a laid-out figure (``layout``) as ``svg`` or ``png``, without moving anything."""
    raster = ["-Gdpi=200", "-Gbgcolor=white"] if fmt == "png" else []
    try:
        done = subprocess.run(
            ["neato", "-n2", f"-T{fmt}", *raster], input=positioned, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise ExportError(NO_GRAPHVIZ) from None
    if done.returncode != 0:
        raise ExportError(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()[:500]}")
    return done.stdout


def _pipe(sub: Subgraph, fmt: str, title: str | None, size_by: str = "money") -> bytes:
    return draw(layout(sub, title, size_by), fmt)


def to_svg(sub: Subgraph, backend: Backend, title: str | None = None, size_by: str = "money") -> bytes:
    return _pipe(sub, "svg", title, size_by)


def to_png(sub: Subgraph, backend: Backend, title: str | None = None, size_by: str = "money") -> bytes:
    return _pipe(sub, "png", title, size_by)

"""GraphML and GEXF for Gephi, Cytoscape and networkx: entities as nodes, records as edges with
kind, amount, dates, certainty, quotes and source URLs as attributes; provenance as graph data
(GraphML) or in the file's meta description (GEXF)."""

from __future__ import annotations

import io
from typing import Any

import networkx as nx

from ..backend import Backend
from ..render import node_sizes, type_style
from ..subgraph import Subgraph
from .common import edge_rows, node_rows


def flat_graph(sub: Subgraph, *, viz: bool = False) -> nx.MultiDiGraph:
    """A networkx graph with scalar attributes only (what GraphML and GEXF can hold)."""
    out = nx.MultiDiGraph()
    prov = sub.provenance()
    out.graph.update({k: v for k, v in prov.items() if k not in ("nodes", "edges")})
    out.graph["sources"] = " | ".join(s.get("url") or s["iri"] for s in sub.sources())
    sizes = node_sizes(sub.net, "money") if viz else {}
    for row in node_rows(sub):
        attrs: dict[str, Any] = {k: v for k, v in row.items() if k != "id"}
        attrs["iri"] = row["id"]
        if viz:
            colour = type_style(row["type"])[0]
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            attrs["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": sizes[row["id"]]}
        out.add_node(row["id"], **attrs)
    for row in edge_rows(sub):
        attrs = {k: v for k, v in row.items() if k not in ("id", "source", "target") and v not in ("", None)}
        if row["amount"] is not None:
            attrs["amount"] = float(row["amount"])
            attrs["amount_exact"] = str(row["amount"])
        out.add_edge(row["source"], row["target"], key=row["id"], **attrs)
    return out


def to_graphml(sub: Subgraph, backend: Backend) -> bytes:
    buf = io.BytesIO()
    nx.write_graphml(flat_graph(sub), buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def to_gexf(sub: Subgraph, backend: Backend) -> bytes:
    from xml.etree.ElementTree import SubElement

    from networkx.readwrite.gexf import GEXFWriter

    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    meta = writer.xml.find("meta")
    prov = sub.provenance()
    if meta is not None:
        SubElement(meta, "keywords").text = "corpgraph, " + prov["graph_version"]
        SubElement(meta, "description").text = (
            f"{prov['credit']}. Graph version {prov['graph_version']}. Selection: {prov['selection']}. "
            f"Sources: " + "; ".join(s.get("url") or s["iri"] for s in sub.sources())
        )
    writer.add_graph(flat_graph(sub, viz=True))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()

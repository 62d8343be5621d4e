"""GraphML and GEXF for Gephi, Cytoscape and networkx: entities as nodes, and by default one edge
per tie (all records of one kind between two entities) with its kind, number of records, date range,
totals per amount kind (``total_<kind>_<currency>``, never added across kinds), certainty and source
URLs; with ``per_record`` one edge per record, with kind, amount, dates, certainty, quotes and source
URLs, as Gephi users choose.  Provenance as graph data (GraphML) or in the file's meta description
(GEXF).  XML 1.0 cannot hold most control
characters, even escaped: every string passes through ``output.escape.xml_text``, which replaces
them."""

from __future__ import annotations

import io
from typing import Any

import networkx as nx

from ..backend import Backend
from ..output.escape import xml_text
from ..render import node_sizes, type_style
from ..subgraph import Subgraph
from .common import SEP, edge_ends, edge_rows, labels_of, node_rows


def tie_rows(sub: Subgraph) -> list[dict[str, Any]]:
    """One dict per tie with scalar values only; ``id`` is ``FROM|KIND|TO``."""
    g = sub.ties
    labels = labels_of(g)
    rows = []
    for u, v, k, d in g.edges(keys=True, data=True):
        sources = d.get("sources") or []
        row: dict[str, Any] = {
            "id": f"{u}|{k}|{v}",
            **edge_ends(labels, u, v, d),
            "records": d["count"],
            "first_date": d.get("first") or "",
            "last_date": d.get("last") or "",
            "record_iris": SEP.join(d["records"]),
            "notes": SEP.join(d.get("notes") or ()),
            "source_urls": SEP.join(s.get("url") or "" for s in sources if s.get("url")),
            "source_titles": SEP.join(s.get("title") or s["iri"] for s in sources),
            "highlight": any(r in sub.highlight_edges for r in d["records"]),
        }
        by_kind: dict[str, Any] = {}
        for t in d.get("totals") or ():  # summed over years, one attribute per kind and currency
            key = f"total_{t['amount_kind'] or 'amount'}_{t['currency'] or 'none'}"
            by_kind[key] = by_kind.get(key, 0) + t["amount"]
        row.update({key: float(value) for key, value in by_kind.items()})
        rows.append(row)
    return rows


def flat_graph(
    sub: Subgraph, *, viz: bool = False, per_record: bool = False, size_by: str = "money"
) -> nx.MultiDiGraph:
    """A networkx graph with scalar attributes only (what GraphML and GEXF can hold): one edge per
    tie, or per record with ``per_record``."""
    out = nx.MultiDiGraph()
    prov = sub.provenance()
    out.graph.update({k: v for k, v in prov.items() if k not in ("nodes", "edges")})
    out.graph["edges_are"] = (
        "records" if per_record else "ties (all records of one kind between two entities)"
    )
    out.graph["sources"] = " | ".join(s.get("url") or s["iri"] for s in sub.sources())
    sizes = node_sizes(sub.ties, size_by) if viz else {}
    for row in node_rows(sub):
        attrs: dict[str, Any] = {
            k: v for k, v in row.items() if k != "id" and (k not in ("notes", "family") or v)
        }
        attrs["iri"] = row["id"]
        if viz:
            colour = type_style(row["type"], sub.net.graph.get("ontology"))[0]
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            attrs["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": sizes[row["id"]]}
        out.add_node(row["id"], **attrs)
    if not per_record:
        for row in tie_rows(sub):
            attrs = {
                k: v for k, v in row.items() if k not in ("id", "source", "target") and v not in ("", None)
            }
            out.add_edge(row["source"], row["target"], key=row["id"], **attrs)
        return _xml_safe(out)
    for row in edge_rows(sub):
        attrs = {k: v for k, v in row.items() if k not in ("id", "source", "target") and v not in ("", None)}
        if row["amount"] is not None:
            attrs["amount"] = float(row["amount"])
            attrs["amount_exact"] = str(row["amount"])
        out.add_edge(row["source"], row["target"], key=row["id"], **attrs)
    return _xml_safe(out)


def _xml_safe(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with every string (ids, keys, attributes) holding only characters XML 1.0 allows."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return xml_text(value)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    out = nx.MultiDiGraph()
    out.graph.update(clean(dict(g.graph)))
    for n, d in g.nodes(data=True):
        out.add_node(clean(n), **clean(d))
    for u, v, k, d in g.edges(keys=True, data=True):
        out.add_edge(clean(u), clean(v), key=clean(k), **clean(d))
    return out


def to_graphml(sub: Subgraph, backend: Backend, per_record: bool = False) -> bytes:
    buf = io.BytesIO()
    nx.write_graphml(flat_graph(sub, per_record=per_record), buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def to_gexf(sub: Subgraph, backend: Backend, per_record: bool = False, size_by: str = "money") -> bytes:
    from xml.etree.ElementTree import SubElement

    from networkx.readwrite.gexf import GEXFWriter

    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    meta = writer.xml.find("meta")
    prov = sub.provenance()
    if meta is not None:
        SubElement(meta, "keywords").text = xml_text("corpgraph, " + prov["graph_version"])
        SubElement(meta, "description").text = xml_text(
            f"{prov['credit']}. Graph version {prov['graph_version']}. Selection: {prov['selection']}. "
            f"Sources: " + "; ".join(s.get("url") or s["iri"] for s in sub.sources())
        )
    writer.add_graph(flat_graph(sub, viz=True, per_record=per_record, size_by=size_by))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()

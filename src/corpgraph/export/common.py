"""Flat views of a subgraph's nodes and edges shared by the tabular and network formats."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..subgraph import Subgraph

SEP = " | "  # between several quotes, titles or URLs in one cell


def node_rows(sub: Subgraph) -> list[dict[str, Any]]:
    """One dict per entity: id (IRI), label, type, type_label, notes (curators' notes on it), and
    family (with a --family selection: whose family it is in, and why)."""
    return [
        {
            "id": n,
            "label": d.get("label") or n,
            "type": d.get("type") or "",
            "type_label": d.get("type_label") or "",
            "notes": SEP.join(d.get("notes") or ()),
            "family": d.get("family") or "",
        }
        for n, d in sub.net.nodes(data=True)
    ]


def labels_of(g: Any) -> dict[str, str]:
    """Each entity's label (its IRI when it has none), read once for ``edge_ends``."""
    return {n: d.get("label") or n for n, d in g.nodes(data=True)}


def edge_ends(labels: dict[str, str], u: str, v: str, d: dict[str, Any]) -> dict[str, Any]:
    """The columns every exported edge starts with: its two ends, their labels (``labels_of``),
    kind and certainty."""
    return {
        "source": u,
        "target": v,
        "source_label": labels[u],
        "target_label": labels[v],
        "kind": d.get("kind") or "",
        "kind_label": d.get("kind_label") or "",
        "label": d.get("label") or "",
        "certainty": d.get("certainty") or "",
    }


def edge_rows(sub: Subgraph) -> list[dict[str, Any]]:
    """One dict per edge with scalar values only; ``id`` is the record IRI, suffixed when one record
    gives several edges (an n-ary record with several partners)."""
    g = sub.net
    counts = Counter(k for _, _, k in g.edges(keys=True))
    seen: Counter[str] = Counter()
    labels = labels_of(g)
    rows = []
    for u, v, k, d in g.edges(keys=True, data=True):
        seen[k] += 1
        sources = d.get("sources") or []
        amount = d.get("amount")
        rows.append(
            {
                "id": k if counts[k] == 1 else f"{k}#{seen[k]}",
                "record": k,
                **edge_ends(labels, u, v, d),
                "amount": amount,
                "currency": d.get("currency") or "",
                "amount_kind": d.get("amount_kind") or "",
                "amount_qualifier": d.get("amount_qualifier") or "",
                "amount_text": d.get("amount_text") or "",
                "date": d.get("date") or "",
                "start_date": d.get("start") or "",
                "end_date": d.get("end") or "",
                "quote": SEP.join(d.get("quote") or ()),
                "note": d.get("note") or "",
                "source_urls": SEP.join(s.get("url") or "" for s in sources if s.get("url")),
                "source_titles": SEP.join(s.get("title") or s["iri"] for s in sources),
                "source_iris": SEP.join(s["iri"] for s in sources),
                "highlight": k in sub.highlight_edges,
            }
        )
    return rows

"""An entity's relationships read from the entity network (``netgraph.project``), grouped by kind.

Each group is one relationship kind; in it, one tie per counterparty and direction (all records of
that kind between the two, as ``netgraph.aggregate`` makes them: totals per amount kind and year,
never added across kinds, each award amount counted once), and the tie's records with their date,
amount, certainty, quotes, notes and sources.  Long lists are cut, with the counts kept, so a hub
(ICE holds thousands of records) stays readable: the web app's entity page reads this.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from . import netgraph

RECORD_KEYS = (
    "kind",
    "kind_label",
    "label",
    "certainty",
    "amount",
    "currency",
    "amount_kind",
    "amount_qualifier",
    "amount_text",
    "date",
    "start",
    "end",
    "award_id",
    "note",
    "quote",
    "sources",
)


def ego_network(g: nx.MultiDiGraph, entity: str) -> nx.MultiDiGraph:
    """``entity``, its neighbours and the records between ``entity`` and them (not among them)."""
    ego = nx.MultiDiGraph()
    ego.graph.update(g.graph)
    ego.add_node(entity, **g.nodes[entity])
    for u, v, k, d in [*g.out_edges(entity, keys=True, data=True), *g.in_edges(entity, keys=True, data=True)]:
        for n in (u, v):
            if n not in ego:
                ego.add_node(n, **g.nodes[n])
        ego.add_edge(u, v, key=k, **d)
    return ego


def relationship_groups(
    g: nx.MultiDiGraph, entity: str, *, ties_per_kind: int = 50, records_per_tie: int = 20
) -> list[dict[str, Any]]:
    """The relationships of ``entity`` by kind (most records first), each kind with its ties (most
    records first, at most ``ties_per_kind``) and each tie with its first ``records_per_tie``
    records (oldest first); ``ties`` and ``records`` counts say how many there are in all."""
    ego = ego_network(g, entity)
    ties = netgraph.aggregate(ego, soft=True)
    groups: dict[str, dict[str, Any]] = {}
    for u, v, _k, d in ties.edges(keys=True, data=True):
        other = v if u == entity else u
        direction = "both" if d.get("symmetric") else ("out" if u == entity else "in")
        group = groups.setdefault(
            d.get("kind") or "",
            {
                "kind": d.get("kind"),
                "kind_label": d.get("kind_label") or d.get("kind"),
                "ties": [],
                "records": 0,
            },
        )
        recs = list(d.get("records") or ())
        group["records"] += len(recs)
        group["ties"].append((u, v, other, direction, d, recs))
    out = sorted(groups.values(), key=lambda gr: (-gr["records"], str(gr["kind_label"])))
    for gr in out:
        label = {t[2]: str(g.nodes[t[2]].get("label") or t[2]) for t in gr["ties"]}
        gr["ties"].sort(key=lambda t: (-(t[4].get("count") or len(t[5])), label[t[2]], t[3]))
        gr["tie_count"] = len(gr["ties"])
        gr["ties"] = [  # the records of the ties shown only: a hub has thousands
            {
                "counterparty": other,
                "counterparty_label": label[other],
                "counterparty_type": g.nodes[other].get("type_label") or g.nodes[other].get("type"),
                "label": d.get("label"),
                "direction": direction,
                "count": d.get("count") or len(recs),
                "first": d.get("first"),
                "last": d.get("last"),
                "certainties": d.get("certainties") or {},
                "totals": d.get("totals") or [],
                "sources": d.get("sources") or [],
                "records": [
                    {"record": r, **{key: ego[u][v][r].get(key) for key in RECORD_KEYS}}
                    for r in _oldest_first(ego, u, v, recs)[:records_per_tie]
                ],
            }
            for u, v, other, direction, d, recs in gr["ties"][:ties_per_kind]
        ]
    return out


def _oldest_first(ego: nx.MultiDiGraph, u: str, v: str, recs: list[str]) -> list[str]:
    def when(r: str) -> tuple[str, str]:
        d = ego[u][v][r]
        return (str(d.get("date") or d.get("start") or "9999"), r)

    return sorted((r for r in recs if r in ego[u][v]), key=when)

"""Each amount of an award counted once, however many files state it.

An award reaches the graph from several files: USAspending's transactions (obligations per fiscal
year), its prime-award summaries and subaward files (all-years totals, potential values), Torn
Apart's 2018 extract (current and potential values).  Imported records name the award they state an
amount of (``cg:awardKey``: USAspending's generated unique award ID, or, in files without one,
awarding agency code and PIID, which joins the one award USAspending gives with these).  Two files
stating the same amount write one record (the IRI comes from the award, the kind and the amount,
never the file); two files stating different amounts of one kind (a 2018 and a 2025 potential value)
write two.

In the network projection, the records of one award key, amount kind and fiscal year are one
amount: the statement with the latest ``cg:asOf`` counts (ties: the one with more sources, then the
record IRI, so the answer never depends on the order files were imported in).  The counted record
carries every statement's sources, and the others are listed on it under ``also_stated``; they are
not edges of their own, so no view adds them up.

A record matched, in review, to a hand-curated record of the same transaction
(``cg:sameTransactionAs``) is folded the same way into the hand-curated one, whose amount counts,
when both state the same kind of amount; of two kinds (the article's contract value, the award's
fiscal-year obligation), which are never added anyway, both edges stay, each with the other's
sources and pointing at it (``same_transaction``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importers use short_key without loading networkx
    import networkx as nx

Edge = tuple[str, str, str, dict]


def count_once(g: nx.MultiDiGraph) -> int:
    """Fold the extra statements of one award amount (and accepted matches) into one edge each.

    Returns how many records were folded into another.  Edges of a folded record are removed.
    """
    by_record: dict[str, list[Edge]] = defaultdict(list)
    for u, v, k, d in g.edges(keys=True, data=True):
        by_record[k].append((u, v, k, d))
    groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for rec, edges in by_record.items():
        d = edges[0][3]
        if d.get("award_key") and d.get("amount_kind") and d.get("amount") is not None:
            groups[(d["award_key"], d["amount_kind"], d.get("fiscal_year") or "")].add(rec)
    # 'agency/PIID' (Torn Apart) joins the award of USAspending's key with that agency and PIID,
    # when exactly one has them
    full_by_short: dict[str, set[str]] = defaultdict(set)
    for key, _, _ in groups:
        if key.startswith("CONT_"):
            full_by_short[short_key(key)].add(key)
    for key, kind, fy in [g for g in groups if not g[0].startswith("CONT_")]:
        fulls = full_by_short.get(key, set())
        if len(fulls) == 1 and (joined := (next(iter(fulls)), kind, fy)) in groups:
            groups[joined] |= groups.pop((key, kind, fy))
    folded: list[tuple[str, str]] = []  # (kept record, folded record)
    for recs in groups.values():
        if len(recs) < 2:
            continue
        ranked = sorted(recs, key=lambda r: _rank(by_record[r][0][3]), reverse=True)
        folded += [(ranked[0], other) for other in ranked[1:]]
    for rec, edges in by_record.items():
        target = edges[0][3].get("same_transaction")
        if not target or target not in by_record or target == rec:
            continue
        if by_record[target][0][3].get("amount_kind") == edges[0][3].get("amount_kind"):
            folded.append((target, rec))  # one amount of one kind: the curated record's counts
        else:  # two kinds of amount never add up: both stay, each showing the other's sources
            _link(by_record[target], edges)
            _link(edges, by_record[target])
    done: set[str] = set()
    for kept, other in folded:
        if other in done or kept in done:
            continue
        _fold(by_record[kept], by_record[other])
        for u, v, k, _ in by_record[other]:
            if g.has_edge(u, v, k):
                g.remove_edge(u, v, k)
        done.add(other)
    return len(done)


def short_key(key: str) -> str:
    """'CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730' -> '7012/70CTD022FR0000170'."""
    parts = key.split("_")
    return f"{parts[3]}/{parts[2]}" if len(parts) >= 4 and parts[0] == "CONT" else key


def _rank(d: dict) -> tuple[str, int, str]:
    return (d.get("as_of") or "", len(d.get("sources") or ()), d.get("record") or "")


def _link(edges: list[Edge], other: list[Edge]) -> None:
    od = other[0][3]
    for _, _, _, d in edges:
        have = {s["iri"] for s in d.get("sources") or ()}
        d["sources"] = [
            *(d.get("sources") or ()),
            *(s for s in od.get("sources") or () if s["iri"] not in have),
        ]
        d["same_transaction"] = od.get("record")


def _fold(kept: list[Edge], other: list[Edge]) -> None:
    od = other[0][3]
    statement = {
        "record": od.get("record"),
        "amount": str(od["amount"]) if od.get("amount") is not None else None,
        "amount_kind": od.get("amount_kind"),
        "as_of": od.get("as_of"),
        "sources": [s["iri"] for s in od.get("sources") or ()],
    }
    for _, _, _, d in kept:
        have = {s["iri"] for s in d.get("sources") or ()}
        d["sources"] = [
            *(d.get("sources") or ()),
            *(s for s in od.get("sources") or () if s["iri"] not in have),
        ]
        d["also_stated"] = [*(d.get("also_stated") or ()), statement, *(od.get("also_stated") or ())]

"""The Torn Apart / Separados files (xpmethod, 2018): ICE awards with a curated parent company.

``freezer``  (``freezer.csv``: award_id, recipient_name, parent_name, current/potential value ...)
    One row per ICE award.  Each becomes contract records ICE -> recipient: ``current_total_value``
    as ``cg:currentValue`` and ``potential_total_value`` as ``cg:potentialValue`` (one amount per
    record), as of 2018 (the awards active in 2018), named by the award like USAspending's records
    of it (:func:`corpgraph.importers.usaspending.award_key`), and, where the curated parent differs
    from the recipient, an ownership parent -> recipient.  The file has no dates, so neither have
    the records.
``graph``    (``graph.json``: nodes with ``childOf`` and DUNS-number ids)
    Only the parent -> company links (``category: company`` nodes) are imported, as ownership
    records, and each company's DUNS (ids lost their leading zeros: padded back to 9 digits).  The
    awards repeated on its nodes duplicate ``freezer.csv`` and are not imported again.

Records cite the file on GitHub at the commit it was read from (certainty reported: curated data).
"""

from __future__ import annotations

import json
from typing import Any

from ..entity_resolution import name_key
from ..errors import ImportFailed
from ..vocab import CG, local_name
from .common import BadRow, header_of, org_type, parse_amount, repair_text
from .context import Dataset, ImportContext, Ownerships
from .usaspending import award_key

# The freezer lists the ICE awards active in 2018: its values are stated as of that year.
FREEZER_AS_OF = "2018"

KNOWN_FILES = {
    "freezer.csv": Dataset(
        "https://github.com/xpmethod/torn-apart-open-data/blob/724e7c45e17740deb4d3bfe261c5383474bc36a2/freezer.csv",
        "Torn Apart / Separados: ICE awards active in 2018 with parent companies (freezer.csv)",
        "xpmethod (Torn Apart / Separados)",
    ),
    "graph.json": Dataset(
        "https://github.com/xpmethod/torn-apart/blob/28e0bd960d881d7217cf5f518afde10f63de3437/data/freezer/graph.json",
        "Torn Apart / Separados: parent company, company and product graph (graph.json)",
        "xpmethod (Torn Apart / Separados)",
    ),
}
FREEZER_COLUMNS = {"award_id", "recipient_name", "parent_name"}


def _dataset(ctx: ImportContext, title: str) -> Dataset:
    return KNOWN_FILES.get(ctx.path.name) or Dataset(
        ctx.path.resolve().as_uri(), f"{title} ({ctx.path.name})", "unknown publisher"
    )


def run(ctx: ImportContext) -> None:
    if ctx.path.suffix.lower() == ".json":
        ctx.shape = "graph"
        _graph(ctx)
        return
    if not FREEZER_COLUMNS <= set(header_of(ctx.path)):
        raise ImportFailed(
            f"{ctx.path}: not a Torn Apart file this importer knows: expected freezer.csv's "
            "columns (award_id, recipient_name, parent_name, ...) or graph.json"
        )
    ctx.shape = "freezer"
    _freezer(ctx)


def _freezer(ctx: ImportContext) -> None:
    res = ctx.resolver
    src = ctx.dataset_source(_dataset(ctx, "ICE awards with parent companies"))
    ice = res.agency("7012", "ICE").iri
    own = Ownerships(ctx, CG.reported)
    seen: set[str] = set()
    for row in ctx.rows():
        try:
            award = row.get("award_id")
            if not award:
                raise BadRow("no award id", "award_id")
            if award in seen:
                ctx.stats["duplicate rows dropped"] += 1
                continue
            name = row.get("recipient_name")
            if not name:
                raise BadRow("no recipient", "recipient_name")
            current = parse_amount(row.data.get("current_total_value", ""), "current_total_value")
            potential = parse_amount(row.data.get("potential_total_value", ""), "potential_total_value")
        except BadRow as exc:
            ctx.bad(row, exc)
            continue
        seen.add(award)
        supplier = res.resolve(name, etype=org_type(name)).iri
        text = row.get("award_description")
        key = award_key("", award, "7012")
        common: dict[str, Any] = dict(
            certainty=CG.reported,
            sources=[src],
            quotes=[text or f"award_id: {award}; recipient_name: {name}"],
            purpose=text or None,
            award_id=award,
            award_key=key,
            as_of=FREEZER_AS_OF,
            names_as_written=[name],
        )
        roles = {CG.buyer: ice, CG.supplier: supplier}
        for amount, kind in ((current, CG.currentValue), (potential, CG.potentialValue)):
            if amount is not None:
                iri = ctx.award_record_iri(key, local_name(kind), amount)
                ctx.record(iri, CG.Contract, roles, amount=amount, amount_kind=kind, **common)
        if current is None and potential is None:
            ctx.record(ctx.award_record_iri(key, "no-amount"), CG.Contract, roles, **common)
        ctx.stats["awards"] += 1
        parent = row.get("parent_name")
        if parent and name_key(parent) != name_key(name):
            owner = res.resolve(parent, etype=org_type(parent)).iri
            own.add(
                owner, supplier, date=None, source=src, quote=f"recipient_name: {name}; parent_name: {parent}"
            )
        elif parent:
            ctx.skip("parent is the recipient itself")
    own.emit(note="Parent company as curated by Torn Apart / Separados for ICE awards active in 2018.")


def _duns(node_id: str) -> str:
    return node_id.zfill(9) if node_id.isdigit() and len(node_id) <= 9 else ""


def _graph(ctx: ImportContext) -> None:
    res = ctx.resolver
    try:
        data = json.loads(ctx.path.read_text(encoding="utf-8"))
        nodes = data["nodes"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImportFailed(f"{ctx.path}: not a Torn Apart graph.json ({exc})") from None
    src = ctx.dataset_source(_dataset(ctx, "Parent company graph"))
    own = Ownerships(ctx, CG.reported)
    by_id = {str(n.get("id")): n for n in nodes if isinstance(n, dict)}
    total = len(nodes)
    for node in nodes:  # every company name with its DUNS first (see Resolver.expect)
        if isinstance(node, dict) and node.get("category") == "company" and node.get("name"):
            name = repair_text(str(node["name"])).strip()
            res.expect(name, duns=_duns(str(node.get("id", "")).split("||")[0]))
            parent = by_id.get(str(node.get("childOf") or ""))
            pname = repair_text(str(parent.get("name") or "")).strip() if parent is not None else ""
            if pname and name_key(pname) != name_key(name):  # as below: a parent of its own name is skipped
                res.expect(pname, duns=_duns(str(node.get("childOf"))))
    for i, node in enumerate(nodes, 1):
        ctx.stats["nodes read"] += 1
        if ctx.progress and i % 500 == 0:
            ctx.progress(i, total)
        if not isinstance(node, dict) or node.get("category") != "company":
            continue
        node_id, parent_id = str(node.get("id", "")), str(node.get("childOf") or "")
        name = repair_text(str(node.get("name") or "")).strip()
        parent = by_id.get(parent_id)
        if not name or parent is None or not parent.get("name"):
            ctx.bad(i, BadRow(f"company node {node_id!r} without a name or a known parent", "childOf"))
            continue
        pname = repair_text(str(parent["name"])).strip()
        child_duns = _duns(node_id.split("||")[0])
        sub = res.resolve(name, duns=child_duns, etype=org_type(name)).iri
        if name_key(pname) == name_key(name):
            ctx.skip("parent is the company itself")
            continue
        owner = res.resolve(pname, duns=_duns(parent_id), etype=org_type(pname)).iri
        own.add(owner, sub, date=None, source=src, quote=f"name: {name}; childOf: {pname}")
    if ctx.progress:
        ctx.progress(total, total)
    own.emit(note="Parent company as curated by Torn Apart / Separados for ICE awards active in 2018.")

"""The money flowing to and from an entity, by counterparty and kind of amount, with sources.

Money comes from the relationship records that carry an amount (edges of the network projection,
``netgraph.project``): the kind's ``cg:moneyFlow`` says which way it goes ("forward" from the edge's
start to its end, "backward" the reverse).  Kinds whose amount does not change hands between the
two parties (``cg:moneyFlow "none"``: bonds underwritten, purchases, investments) are listed as
"party to", never as money in or out.

Rules kept throughout:

* amounts of different kinds (contract value, ceiling, obligated, credit line, bond issue, payment,
  cost of system...) or currencies are never added together: every total is per (direction, kind,
  currency), per counterparty or overall;
* a figure about a system (``cg:Figure`` with ``cg:costOfSystem``) is that system's cost: it is
  reported for the system itself, and for a company that hosts, builds, runs or uses the system only
  as context, never counted as that company's money;
* years are US federal fiscal years (FY2025 = 2024-10-01..2025-09-30) for USD amounts paid by a
  government body (the graph's government bodies are US federal), else calendar years.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import networkx as nx
from rdflib import URIRef

from . import derived, netgraph
from .backend import Backend
from .errors import QueryError
from .family import Family, Member, family_of
from .ontology import read_ontology
from .vocab import CG, SPARQL_PREFIXES, certainty_rank, local_name

DIRECTION_ORDER = ("in", "out", "party", "figure")
# The payers whose USD amounts are counted in US federal fiscal years, and their subclasses.
GOVERNMENT_CLASSES = (str(CG.GovernmentBody), str(CG.Legislation))
_SUBDIVISION = local_name(CG.Subdivision)


@dataclass
class Flow:
    """One record's amount, seen from the entity."""

    record: str
    direction: str  # in | out | party | figure
    counterparty: str | None
    counterparty_label: str | None
    relation: str  # the record's sentence, e.g. "DHS contracts AT&T"
    kind: str | None  # amount kind local name (contractValue, creditLine, costOfSystem ...)
    kind_label: str
    amount: Decimal | None
    currency: str | None
    qualifier: str | None = None
    amount_text: str | None = None
    date: str | None = None
    year: str = "undated"
    certainty: str | None = None
    sources: list[dict] = field(default_factory=list)
    through: str | None = None  # the sub-agency or family member that took part, when counted for another
    through_label: str | None = None
    membership: str | None = None  # why ``through`` is in the family: its ownership record and certainty


@dataclass
class Total:
    direction: str
    kind: str | None
    kind_label: str
    currency: str | None
    amount: Decimal
    records: int
    counterparty: str | None = None
    counterparty_label: str | None = None
    year: str | None = None
    qualified: bool = False  # some amount in it is hedged ("more than", "about")


@dataclass
class MoneyReport:
    entity: str
    label: str
    flows: list[Flow]
    by_counterparty: list[Total]
    by_kind: list[Total]
    by_year: list[Total]
    not_counted: list[Flow]  # context: costs of systems the entity hosts/builds/runs/uses
    without_amount: list[Flow]  # money records that give no figure ("millions of dollars annually")
    units: list[str] = field(default_factory=list)
    unit_labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    family: Family | None = None


_FIGURES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?fig ?subject ?amount ?cur ?kind ?kindLabel ?aq ?date ?cert WHERE {
  ?fig a cg:Figure ; cg:subject ?subject ; cg:amount ?amount .
  OPTIONAL { ?fig cg:currency ?cur }
  OPTIONAL { ?fig cg:amountKind ?kind . OPTIONAL { ?kind rdfs:label ?kindLabel } }
  OPTIONAL { ?fig cg:amountQualifier ?aq }
  OPTIONAL { ?fig cg:date ?date }
  OPTIONAL { ?fig cg:certainty ?cert }
}"""
)

_FIGURE_SOURCES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?fig ?src ?url ?title ?pub ?issued WHERE {
  ?fig a cg:Figure ; cg:subject ?subject ; cg:amount ?amount ; cg:source ?src .
  OPTIONAL { ?src schema:url ?url } OPTIONAL { ?src dcterms:title ?title }
  OPTIONAL { ?src dcterms:publisher ?pub } OPTIONAL { ?src dcterms:issued ?issued }
}"""
)

_KIND_LABELS_QUERY = SPARQL_PREFIXES + "SELECT ?k ?l WHERE { ?k a cg:AmountKind ; rdfs:label ?l }"


def _figures(backend: Backend, subjects: set[str]) -> dict[str, list[dict]]:
    """Money figures (cg:Figure with an amount) about each of ``subjects``."""
    if not subjects:
        return {}
    out: dict[str, list[dict]] = defaultdict(list)
    by_fig: dict[str, dict] = {}
    for row in backend.select(_FIGURES_QUERY).dicts():
        subject = str(row["subject"])
        if subject not in subjects:
            continue
        fig: dict[str, Any] = {
            "record": str(row["fig"]),
            "subject": subject,
            "amount": Decimal(str(row["amount"])),
            "currency": str(row["cur"]) if "cur" in row else None,
            "kind": local_name(row["kind"]) if "kind" in row else None,
            "kind_label": str(
                row.get("kindLabel") or (local_name(row["kind"]) if "kind" in row else "amount")
            ),
            "qualifier": str(row["aq"]) if "aq" in row else None,
            "date": str(row["date"]) if "date" in row else None,
            "certainty": local_name(row["cert"]) if "cert" in row else None,
            "sources": [],
        }
        out[subject].append(fig)
        by_fig[fig["record"]] = fig
    if by_fig:
        for row in backend.select(_FIGURE_SOURCES_QUERY).dicts():
            cited = by_fig.get(str(row["fig"]))
            if cited is not None and not any(s["iri"] == str(row["src"]) for s in cited["sources"]):
                cited["sources"].append(
                    {
                        "iri": str(row["src"]),
                        "url": str(row["url"]) if "url" in row else None,
                        "title": str(row["title"]) if "title" in row else None,
                        "publisher": str(row["pub"]) if "pub" in row else None,
                        "issued": str(row["issued"]) if "issued" in row else None,
                    }
                )
    return out


def _units(g: nx.MultiDiGraph, entity: str) -> list[str]:
    """Sub-agencies below ``entity`` at any depth (Subdivision edges point unit -> parent body)."""
    seen, todo = {entity}, [entity]
    while todo:
        parent = todo.pop()
        for unit, _, data in g.in_edges(parent, data=True):
            if data.get("kind") == _SUBDIVISION and unit not in seen:
                seen.add(unit)
                todo.append(unit)
    seen.discard(entity)
    return sorted(seen)


def money_report(
    backend: Backend,
    entity: str,
    g: nx.MultiDiGraph | None = None,
    *,
    with_units: bool = False,
    kinds: set[str] | None = None,
    family: Family | None = None,
) -> MoneyReport:
    """The money to and from ``entity`` (an IRI).  ``with_units`` adds its sub-agencies' money
    (each flow says which unit took part); ``family`` (``family.family_of``) adds the money of every
    member of its corporate family (each flow says which member, and the ownership record that puts
    it in the family); money between members is not money in or out.  ``kinds`` keeps only these
    amount kinds (local names)."""
    g = g if g is not None else netgraph.project(backend)
    label = lambda n: str(g.nodes[n].get("label") or local_name(n)) if n in g else local_name(n)  # noqa: E731
    kind_labels = {local_name(str(k)): str(lbl) for k, lbl in backend.select(_KIND_LABELS_QUERY).rows}
    units = _units(g, entity) if with_units else []
    onto = g.graph.get("ontology") or read_ontology(backend)

    def is_a(node: str, *classes: str) -> bool:
        cls = g.nodes[node].get("type_iri")
        return bool(cls) and any(onto.is_a(cls, c) for c in classes)

    kin = [m for m in family.entities if m != entity and m not in units] if family else []
    members = [entity, *units, *kin]
    member_set = set(members)
    flows: list[Flow] = []
    without: list[Flow] = []
    seen: set[str] = set()
    for node in members:
        edges = [(u, v, k, d, u == node) for u, v, k, d in g.out_edges(node, keys=True, data=True)]
        edges += [(u, v, k, d, False) for u, v, k, d in g.in_edges(node, keys=True, data=True)]
        for u, v, key, d, node_is_start in edges:
            if key in seen:
                continue
            other = v if node_is_start else u
            if other in member_set:  # money inside the agency family is not money in or out of it
                continue
            flow = d.get("money_flow") or "none"
            has_amount = d.get("amount") is not None
            if not has_amount and not (d.get("amount_text") and flow != "none"):
                continue
            seen.add(key)
            if flow == "forward":
                direction = "out" if node_is_start else "in"
            elif flow == "backward":
                direction = "in" if node_is_start else "out"
            else:
                direction = "party"
            payer = (u if flow == "forward" else v) if flow in ("forward", "backward") else None
            federal = bool(payer and is_a(payer, *GOVERNMENT_CLASSES) and d.get("currency") == "USD")
            when = d.get("date") or d.get("start")
            kind = d.get("amount_kind")
            item = Flow(
                record=key,
                direction=direction,
                counterparty=other,
                counterparty_label=label(other),
                relation=f"{label(u)} {d.get('label', '')} {label(v)}",
                kind=kind,
                kind_label=kind_labels.get(kind or "", kind or "amount"),
                amount=d.get("amount"),
                currency=d.get("currency"),
                qualifier=d.get("amount_qualifier"),
                amount_text=d.get("amount_text"),
                date=when,
                year=netgraph.money_year(when, federal),
                certainty=d.get("certainty"),
                sources=list(d.get("sources") or []),
                through=node if node != entity else None,
                through_label=label(node) if node != entity else None,
                membership=_membership(family, node) if node != entity else None,
            )
            if kinds and kind not in kinds:
                continue
            (flows if has_amount else without).append(item)

    # figures: the entity's own (a system's cost), and those of systems it is linked to (context only)
    neighbours = {n for n in nx.all_neighbors(g, entity)} if entity in g else set()
    systems = {n for n in neighbours if is_a(n, str(CG.System))}
    figures = _figures(backend, {entity, *systems})

    def figure_flow(fig: dict, counterparty: str | None, relation: str) -> Flow:
        return Flow(
            record=fig["record"],
            direction="figure",
            counterparty=counterparty,
            counterparty_label=label(counterparty) if counterparty else None,
            relation=relation,
            kind=fig["kind"],
            kind_label=fig["kind_label"],
            amount=fig["amount"],
            currency=fig["currency"],
            qualifier=fig["qualifier"],
            date=fig["date"],
            year=netgraph.money_year(fig["date"], False),
            certainty=fig["certainty"],
            sources=fig["sources"],
        )

    for fig in figures.get(entity, []):
        if not kinds or fig["kind"] in kinds:
            flows.append(figure_flow(fig, None, f"{fig['kind_label']} of {label(entity)}"))
    not_counted: list[Flow] = []
    for system in sorted(systems):
        links = {d.get("label", "") for _, _, d in g.out_edges(entity, data=True)}
        links |= {d.get("label", "") for _, _, d in g.in_edges(entity, data=True)}
        rel = _relation_to(g, entity, system) or ", ".join(sorted(x for x in links if x))
        for fig in figures.get(system, []):
            relation = f"{fig['kind_label']} of {label(system)}, which {label(entity)} {rel}"
            not_counted.append(figure_flow(fig, system, relation))

    flows.sort(
        key=lambda f: (
            DIRECTION_ORDER.index(f.direction),
            f.kind_label,
            -(f.amount or 0),
            f.counterparty_label or "",
            f.record,
        )
    )
    report = MoneyReport(
        entity,
        label(entity),
        flows,
        _totals(flows, "counterparty"),
        _totals(flows, "kind"),
        _totals(flows, "year"),
        not_counted,
        without,
        units,
        [label(u) for u in units],
        family=family,
    )
    if not_counted:
        report.notes.append(
            "Costs of systems this entity is linked to are the systems' costs, not its money; "
            "they are listed for context and counted nowhere."
        )
    if len({(t.kind, t.currency) for t in report.by_kind}) > 1:
        report.notes.append("Different kinds of amount are totalled separately and never added together.")
    return report


def _membership(family: Family | None, node: str) -> str | None:
    member = family.member(node) if family else None
    return member.why() if member else None


def money_of(
    backend: Backend,
    name: str,
    *,
    with_units: bool = False,
    kinds: list[str] | None = None,
    g: nx.MultiDiGraph | None = None,
    with_family: bool = False,
    as_of: dt.date | None = None,
    index: Any = None,
) -> MoneyReport:
    """``money_report`` for an entity given by name, alias, slug or IRI; ``kinds`` by local name or
    label of the amount kind (``creditLine``, ``credit line``); ``with_family`` adds its corporate
    family (ownership in force on ``as_of`` when given); ``g`` and ``index`` reuse a network and an
    ``EntityIndex`` already built.  An entity without money of its own whose
    family has some gets a note saying so and naming the command."""
    from .resolve import EntityIndex

    entity = (index if index is not None else EntityIndex.from_backend(backend)).resolve(name)
    if g is not None:  # a network at hand (the web app): nothing to gain from a kept report
        return _money_of(backend, entity, name, g, with_units, kinds, with_family, as_of)
    # one report per entity and options is kept per graph version (``derived.kept_for``): asked again,
    # it is read back instead of loading the network and walking thousands of records
    return derived.kept_for(
        backend,
        "money",
        [entity, name, with_units, kinds or None, with_family, as_of.isoformat() if as_of else None],
        lambda: _money_of(backend, entity, name, None, with_units, kinds, with_family, as_of),
        report_to_json,
        report_from_json,
    )


def _money_of(
    backend: Backend,
    entity: str,
    name: str,
    g: nx.MultiDiGraph | None,
    with_units: bool,
    kinds: list[str] | None,
    with_family: bool,
    as_of: dt.date | None,
) -> MoneyReport:
    g = g if g is not None else netgraph.project(backend)
    fam = family_of(g, entity, as_of=as_of)
    wanted = None
    if kinds:
        known = {local_name(str(k)): str(lbl) for k, lbl in backend.select(_KIND_LABELS_QUERY).rows}
        norm = lambda t: t.lower().replace(" ", "").replace("-", "").replace("_", "")  # noqa: E731
        wanted = set()
        for k in kinds:
            hit = [n for n, lbl in known.items() if norm(k) in (norm(n), norm(lbl))]
            if not hit:
                raise QueryError(f"Unknown amount kind {k!r}; kinds: {', '.join(sorted(known))}")
            wanted.update(hit)
    report = money_report(
        backend, entity, g, with_units=with_units, kinds=wanted, family=fam if with_family else None
    )
    if not with_family and not report.flows and not report.without_amount and len(fam) > 1:
        kin = money_report(backend, entity, g, kinds=wanted, family=fam)
        if kin.flows or kin.without_amount:
            holders = sorted({f.through_label or "" for f in [*kin.flows, *kin.without_amount]} - {""})
            report.notes.append(
                f"No amounts are recorded for {report.label} itself, but its corporate family has "
                f"{len(kin.flows) + len(kin.without_amount)} money record(s), held by {', '.join(holders)}: "
                f'see corpgraph money "{name}" --family'
            )
    return report


def _relation_to(g: nx.MultiDiGraph, entity: str, system: str) -> str:
    labels = [d.get("label", "") for d in g.get_edge_data(entity, system, default={}).values()]
    labels += [f"is {d.get('label', '')} by" for d in g.get_edge_data(system, entity, default={}).values()]
    return " and ".join(sorted({x for x in labels if x}))


def _totals(flows: list[Flow], by: str) -> list[Total]:
    acc: dict[tuple, Total] = {}
    for f in flows:
        if f.amount is None:
            continue
        extra = (f.counterparty,) if by == "counterparty" else (f.year,) if by == "year" else ()
        key = (f.direction, f.kind, f.currency, *extra)
        t = acc.get(key)
        if t is None:
            t = acc[key] = Total(f.direction, f.kind, f.kind_label, f.currency, Decimal(0), 0)
            if by == "counterparty":
                t.counterparty, t.counterparty_label = f.counterparty, f.counterparty_label
            if by == "year":
                t.year = f.year
        t.amount += f.amount
        t.records += 1
        t.qualified = t.qualified or bool(f.qualifier)
    out = list(acc.values())
    if by == "year":
        out.sort(
            key=lambda t: (DIRECTION_ORDER.index(t.direction), t.kind_label, t.currency or "", t.year or "")
        )
    else:
        out.sort(
            key=lambda t: (
                DIRECTION_ORDER.index(t.direction),
                t.kind_label,
                -t.amount,
                t.counterparty_label or "",
            )
        )
    return out


# -- a report as JSON data and back (kept per graph version) ---------------------------------------


def _fields_of(item: Any) -> dict[str, Any]:
    # a shallow asdict: dataclasses.asdict deep-copies every source dict of every flow (most of
    # the time of keeping a report for a big agency); the JSON writer reads them as they are
    return {name: getattr(item, name) for name in _FIELD_NAMES[type(item)]}


_FIELD_NAMES = {cls: tuple(f.name for f in fields(cls)) for cls in (Flow, Total, Member)}


def report_to_json(report: MoneyReport) -> dict[str, Any]:
    def flow(f: Flow) -> dict[str, Any]:
        d = _fields_of(f)
        d["amount"] = None if f.amount is None else str(f.amount)
        return d

    def total(t: Total) -> dict[str, Any]:
        d = _fields_of(t)
        d["amount"] = str(t.amount)
        return d

    fam = report.family
    return {
        "entity": report.entity,
        "label": report.label,
        "flows": [flow(f) for f in report.flows],
        "by_counterparty": [total(t) for t in report.by_counterparty],
        "by_kind": [total(t) for t in report.by_kind],
        "by_year": [total(t) for t in report.by_year],
        "not_counted": [flow(f) for f in report.not_counted],
        "without_amount": [flow(f) for f in report.without_amount],
        "units": report.units,
        "unit_labels": report.unit_labels,
        "notes": report.notes,
        "family": None
        if fam is None
        else {
            "entity": fam.entity,
            "members": [_fields_of(m) for m in fam.members],
            "as_of": fam.as_of.isoformat() if fam.as_of else None,
            "notes": fam.notes,
        },
    }


def report_from_json(data: dict[str, Any]) -> MoneyReport:
    def flow(d: dict[str, Any]) -> Flow:
        return Flow(**{**d, "amount": None if d["amount"] is None else Decimal(d["amount"])})

    def total(d: dict[str, Any]) -> Total:
        return Total(**{**d, "amount": Decimal(d["amount"])})

    fam = data["family"]
    return MoneyReport(
        data["entity"],
        data["label"],
        [flow(d) for d in data["flows"]],
        [total(d) for d in data["by_counterparty"]],
        [total(d) for d in data["by_kind"]],
        [total(d) for d in data["by_year"]],
        [flow(d) for d in data["not_counted"]],
        [flow(d) for d in data["without_amount"]],
        list(data["units"]),
        list(data["unit_labels"]),
        list(data["notes"]),
        family=None
        if fam is None
        else Family(
            fam["entity"],
            [Member(**m) for m in fam["members"]],
            dt.date.fromisoformat(fam["as_of"]) if fam["as_of"] else None,
            list(fam["notes"]),
        ),
    )


__all__ = ["Flow", "Total", "MoneyReport", "money_report", "money_of", "URIRef", "certainty_rank"]

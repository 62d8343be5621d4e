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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import networkx as nx
from rdflib import URIRef

from . import dates, netgraph
from .backend import Backend
from .errors import QueryError
from .family import Family, family_of, family_text
from .ontology import read_ontology
from .output import money as fmt_money
from .output import render_rows, to_json
from .vocab import CG, SPARQL_PREFIXES, certainty_rank, local_name

DIRECTION_WORDS = {
    "in": "money in",
    "out": "money out",
    "party": "party to (not money changing hands between the parties)",
    "figure": "figures about this entity",
}
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


def _year(day_text: str | None, federal: bool) -> str:
    if not day_text:
        return "undated"
    try:
        first, last = dates.span(day_text)
    except ValueError:
        return "undated"
    if federal:
        fy_first, fy_last = dates.fiscal_year(first), dates.fiscal_year(last)
        return f"FY{fy_first}" if fy_first == fy_last else f"FY{fy_first}-{fy_last}"
    return str(first.year)


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
                year=_year(when, federal),
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
            year=_year(fig["date"], False),
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
) -> MoneyReport:
    """``money_report`` for an entity given by name, alias, slug or IRI; ``kinds`` by local name or
    label of the amount kind (``creditLine``, ``credit line``); ``with_family`` adds its corporate
    family (ownership in force on ``as_of`` when given).  An entity without money of its own whose
    family has some gets a note saying so and naming the command."""
    from .resolve import EntityIndex

    entity = EntityIndex.from_backend(backend).resolve(name)
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


# -- presentation ---------------------------------------------------------------------------------


def _amount(amount: Decimal | None, currency: str | None, qualifier: str | None = None) -> str:
    if amount is None:
        return ""
    q = f"{qualifier} " if qualifier else ""
    return f"{q}{currency + ' ' if currency else ''}{fmt_money(amount)}"


def _src(s: dict) -> str:
    title = s.get("title") or s.get("iri") or ""
    meta = ", ".join(x for x in (s.get("publisher"), s.get("issued")) if x)
    return f"{title}{f' ({meta})' if meta else ''}{' ' + s['url'] if s.get('url') else ''}"


FLOW_HEADERS = (
    "direction",
    "counterparty",
    "counterparty_label",
    "kind",
    "amount",
    "currency",
    "qualifier",
    "date",
    "year",
    "certainty",
    "relation",
    "through",
    "membership",
    "record",
    "sources",
)


def flow_rows(report: MoneyReport) -> list[list]:
    rows = []
    for f in [*report.flows, *report.without_amount]:
        rows.append(
            [
                f.direction,
                f.counterparty or "",
                f.counterparty_label or "",
                f.kind_label,
                str(f.amount) if f.amount is not None else (f.amount_text or ""),
                f.currency or "",
                f.qualifier or "",
                f.date or "",
                f.year,
                f.certainty or "",
                f.relation,
                f.through_label or "",
                f.membership or "",
                f.record,
                " ".join(s.get("url") or s.get("iri") or "" for s in f.sources),
            ]
        )
    return rows


def render_text(report: MoneyReport) -> str:
    lines = [f"Money of {report.label}"]
    if report.units:
        lines.append("Including its sub-agencies: " + ", ".join(report.unit_labels))
    if report.family is not None:
        lines += family_text(report.family)
    if not report.flows and not report.without_amount and not report.not_counted:
        lines.append("No amounts are recorded for this entity.")
    for direction in DIRECTION_ORDER:
        totals = [t for t in report.by_counterparty if t.direction == direction]
        if not totals:
            continue
        lines += ["", DIRECTION_WORDS[direction].capitalize() + ":"]
        for kt in [t for t in report.by_kind if t.direction == direction]:
            star = " (some amounts hedged)" if kt.qualified else ""
            lines.append(
                f"  {kt.kind_label}: {_amount(kt.amount, kt.currency)} in {kt.records} "
                f"record{'s' if kt.records != 1 else ''}{star}"
            )
            for t in [t for t in totals if (t.kind, t.currency) == (kt.kind, kt.currency)]:
                if t.counterparty:
                    lines.append(
                        f"    {t.counterparty_label}: {_amount(t.amount, t.currency)}"
                        f"{'' if t.records == 1 else f' ({t.records} records)'}"
                    )
            years = [
                t
                for t in report.by_year
                if (t.direction, t.kind, t.currency) == (direction, kt.kind, kt.currency)
            ]
            if years:
                lines.append(
                    "    by year: " + "; ".join(f"{t.year} {_amount(t.amount, t.currency)}" for t in years)
                )
    if report.flows:
        lines += ["", "Records:"]
        for f in report.flows:
            via = (
                f" [through {f.through_label}{': ' + f.membership if f.membership else ''}]"
                if f.through_label
                else ""
            )
            lines.append(
                f"  - {f.relation}: {_amount(f.amount, f.currency, f.qualifier)} {f.kind_label}"
                f"{', ' + f.date if f.date else ''} [{f.certainty}]{via}"
            )
            for s in f.sources:
                lines.append(f"      source: {_src(s)}")
    if report.without_amount:
        lines += ["", "Money recorded without a figure:"]
        for f in report.without_amount:
            lines.append(f"  - {f.relation}: {f.amount_text} [{f.certainty}]")
            for s in f.sources:
                lines.append(f"      source: {_src(s)}")
    if report.not_counted:
        lines += ["", "Not counted (context):"]
        for f in report.not_counted:
            lines.append(f"  - {f.relation}: {_amount(f.amount, f.currency, f.qualifier)} [{f.certainty}]")
            for s in f.sources:
                lines.append(f"      source: {_src(s)}")
    if report.notes:
        lines += [""] + [f"Note: {n}" for n in report.notes]
    return "\n".join(lines) + "\n"


def render_md(report: MoneyReport) -> str:
    out = [f"## Money of {report.label}", ""]
    headers = ["direction", "kind", "counterparty", "total", "records"]
    rows = [
        [
            DIRECTION_WORDS[t.direction],
            t.kind_label,
            t.counterparty_label or "—",
            _amount(t.amount, t.currency),
            t.records,
        ]
        for t in report.by_counterparty
    ]
    out.append(render_rows(headers, rows, "md"))
    if report.by_year:
        out += [
            "### By year",
            "",
            render_rows(
                ["direction", "kind", "year", "total", "records"],
                [
                    [
                        DIRECTION_WORDS[t.direction],
                        t.kind_label,
                        t.year,
                        _amount(t.amount, t.currency),
                        t.records,
                    ]
                    for t in report.by_year
                ],
                "md",
            ),
        ]
    out += [
        "### Records",
        "",
        render_rows(
            ["relation", "amount", "kind", "date", "certainty", "sources"],
            [
                [
                    f.relation,
                    _amount(f.amount, f.currency, f.qualifier) or f.amount_text,
                    f.kind_label,
                    f.date or "",
                    f.certainty or "",
                    "; ".join(
                        f"[{s.get('title') or s.get('iri')}]({s['url']})" if s.get("url") else _src(s)
                        for s in f.sources
                    ),
                ]
                for f in [*report.flows, *report.without_amount]
            ],
            "md",
        ),
    ]
    if report.not_counted:
        out += ["### Not counted (context)", ""]
        out += [f"- {f.relation}: {_amount(f.amount, f.currency, f.qualifier)}" for f in report.not_counted]
        out.append("")
    out += [f"*{n}*" for n in report.notes]
    return "\n".join(out).rstrip() + "\n"


def to_dict(report: MoneyReport) -> dict:
    def flow(f: Flow) -> dict:
        return {k: getattr(f, k) for k in Flow.__dataclass_fields__}

    def total(t: Total) -> dict:
        return {
            k: getattr(t, k)
            for k in Total.__dataclass_fields__
            if getattr(t, k) is not None or k == "currency"
        }

    return {
        "entity": {"iri": report.entity, "label": report.label},
        "units": report.units,
        "family": [
            {
                "iri": m.entity,
                "label": m.label,
                "owner": m.owner,
                "record": m.record,
                "certainty": m.certainty,
            }
            for m in report.family.members
        ]
        if report.family
        else None,
        "totals_by_kind": [total(t) for t in report.by_kind],
        "totals_by_counterparty": [total(t) for t in report.by_counterparty],
        "totals_by_year": [total(t) for t in report.by_year],
        "flows": [flow(f) for f in report.flows],
        "without_amount": [flow(f) for f in report.without_amount],
        "not_counted": [flow(f) for f in report.not_counted],
        "notes": report.notes,
    }


def format_money(report: MoneyReport, fmt: str = "text") -> str:
    if fmt == "json":
        return to_json(to_dict(report))
    if fmt == "csv":
        return render_rows(FLOW_HEADERS, flow_rows(report), "csv")
    if fmt == "md":
        return render_md(report)
    return render_text(report)


__all__ = [
    "Flow",
    "Total",
    "MoneyReport",
    "money_report",
    "money_of",
    "format_money",
    "to_dict",
    "URIRef",
    "certainty_rank",
]

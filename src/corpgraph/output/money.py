"""The money of an entity (``corpgraph.money.MoneyReport``) in every format.

``text`` and ``md`` give totals by kind, counterparty and year, then the records with their sources;
``json`` the whole report; ``table``, ``jsonl``, ``csv`` and ``tsv`` one row per record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import md_table, render_rows, to_json
from .escape import md, md_link, terminal
from .numbers import hedged_money, money, plural
from .sources import source_text, source_urls

if TYPE_CHECKING:
    from ..family import Family
    from ..money import Flow, MoneyReport

DIRECTION_WORDS = {
    "in": "money in",
    "out": "money out",
    "party": "party to (not money changing hands between the parties)",
    "figure": "figures about this entity",
}

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


def flow_rows(report: MoneyReport) -> list[list[Any]]:
    """One row per record with an amount (or with money but no figure); amounts stay numbers."""
    return [
        [
            f.direction,
            f.counterparty or "",
            f.counterparty_label or "",
            f.kind_label,
            f.amount if f.amount is not None else (f.amount_text or ""),
            f.currency or "",
            f.qualifier or "",
            f.date or "",
            f.year,
            f.certainty or "",
            f.relation,
            f.through_label or "",
            f.membership or "",
            f.record,
            source_urls(f.sources),
        ]
        for f in [*report.flows, *report.without_amount]
    ]


def family_lines(fam: Family) -> list[str]:
    """The family as indented lines: each member with why it belongs."""
    when = f" as of {fam.as_of.isoformat()}" if fam.as_of else ""
    lines = [f"Corporate family{when}: {plural(len(fam), 'entity', 'entities')}"]
    for m in fam.members:
        mark = " (asked about)" if m.entity == fam.entity else ""
        lines.append(f"  - {m.label}{mark}: {m.why()}")
    lines += [f"  Note: {n}" for n in fam.notes]
    return lines


def render_text(report: MoneyReport) -> str:
    from ..money import DIRECTION_ORDER  # here, not at the top: the CLI imports this module for every command

    lines = [f"Money of {report.label}"]
    if report.units:
        lines.append("Including its sub-agencies: " + ", ".join(report.unit_labels))
    if report.family is not None:
        lines += family_lines(report.family)
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
                f"  {kt.kind_label}: {money(kt.amount, kt.currency)} in {plural(kt.records, 'record')}{star}"
            )
            for t in [t for t in totals if (t.kind, t.currency) == (kt.kind, kt.currency)]:
                if t.counterparty:
                    many = "" if t.records == 1 else f" ({plural(t.records, 'record')})"
                    lines.append(f"    {t.counterparty_label}: {money(t.amount, t.currency)}{many}")
            years = [
                t
                for t in report.by_year
                if (t.direction, t.kind, t.currency) == (direction, kt.kind, kt.currency)
            ]
            if years:
                lines.append(
                    "    by year: " + "; ".join(f"{t.year} {money(t.amount, t.currency)}" for t in years)
                )
    if report.flows:
        lines += ["", "Records:"]
        for f in report.flows:
            member = f": {f.membership}" if f.membership else ""
            via = f" [through {f.through_label}{member}]" if f.through_label else ""
            lines.append(
                f"  - {f.relation}: {hedged_money(f.amount, f.currency, f.qualifier)} {f.kind_label}"
                f"{', ' + f.date if f.date else ''} [{f.certainty}]{via}"
            )
            lines += [f"      source: {source_text(s)}" for s in f.sources]
    if report.without_amount:
        lines += ["", "Money recorded without a figure:"]
        for f in report.without_amount:
            lines.append(f"  - {f.relation}: {f.amount_text} [{f.certainty}]")
            lines += [f"      source: {source_text(s)}" for s in f.sources]
    if report.not_counted:
        lines += ["", "Not counted (context):"]
        for f in report.not_counted:
            lines.append(
                f"  - {f.relation}: {hedged_money(f.amount, f.currency, f.qualifier)} [{f.certainty}]"
            )
            lines += [f"      source: {source_text(s)}" for s in f.sources]
    if report.notes:
        lines += [""] + [f"Note: {n}" for n in report.notes]
    return terminal("\n".join(lines) + "\n")


def _sources_md(f: Flow) -> str:
    return "; ".join(
        md_link(s.get("title") or s.get("iri"), s.get("url")) if s.get("url") else md(source_text(s))
        for s in f.sources
    )


def render_md(report: MoneyReport) -> str:
    out = [f"## Money of {md(report.label)}", ""]
    headers = ["direction", "kind", "counterparty", "total", "records"]
    rows = [
        [
            DIRECTION_WORDS[t.direction],
            t.kind_label,
            t.counterparty_label or "—",
            money(t.amount, t.currency),
            t.records,
        ]
        for t in report.by_counterparty
    ]
    out.append(md_table(headers, rows))
    if report.by_year:
        out += [
            "### By year",
            "",
            md_table(
                ["direction", "kind", "year", "total", "records"],
                [
                    [
                        DIRECTION_WORDS[t.direction],
                        t.kind_label,
                        t.year,
                        money(t.amount, t.currency),
                        t.records,
                    ]
                    for t in report.by_year
                ],
            ),
        ]
    # the sources cell holds Markdown links already escaped: build the records table by hand
    out += [
        "### Records",
        "",
        "| relation | amount | kind | date | certainty | sources |",
        "|---|---|---|---|---|---|",
    ]
    for f in [*report.flows, *report.without_amount]:
        cells = [
            f.relation,
            hedged_money(f.amount, f.currency, f.qualifier) or f.amount_text or "",
            f.kind_label,
            f.date or "",
            f.certainty or "",
        ]
        out.append("| " + " | ".join(md(c) for c in cells) + f" | {_sources_md(f)} |")
    out.append("")
    if report.not_counted:
        out += ["### Not counted (context)", ""]
        out += [
            f"- {md(f.relation)}: {md(hedged_money(f.amount, f.currency, f.qualifier))}"
            for f in report.not_counted
        ]
        out.append("")
    out += [f"*{md(n)}*" for n in report.notes]
    return "\n".join(out).rstrip() + "\n"


def to_dict(report: MoneyReport, *, flows: bool = True) -> dict:
    """The report as data; ``flows=False`` leaves out the records (a hub has thousands), keeping the
    totals and how many records each list holds."""
    from ..money import Flow, Total

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
        "totals_by_kind": [total(t) for t in report.by_kind],
        "totals_by_counterparty": [total(t) for t in report.by_counterparty],
        "totals_by_year": [total(t) for t in report.by_year],
        "flows": [flow(f) for f in report.flows] if flows else len(report.flows),
        "without_amount": [flow(f) for f in report.without_amount] if flows else len(report.without_amount),
        "not_counted": [flow(f) for f in report.not_counted] if flows else len(report.not_counted),
        "notes": report.notes,
    }


def format_money(report: MoneyReport, fmt: str = "text") -> str:
    if fmt == "json":
        return to_json(to_dict(report))
    if fmt == "md":
        return render_md(report)
    if fmt == "text":
        return render_text(report)
    return render_rows(FLOW_HEADERS, flow_rows(report), fmt)


__all__ = ["FLOW_HEADERS", "flow_rows", "format_money", "to_dict"]

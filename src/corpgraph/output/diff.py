"""What changed between two versions of the graph (``corpgraph.graphdiff.GraphDiff``) in every format.

``text`` for the terminal, ``md`` for an editor's note (every value escaped), ``json`` as data.  Each
changed record lists the fields that differ with both values, and its sources; money totals that moved
are per entity, direction, amount kind and currency, never added across kinds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import to_json
from .escape import md, md_code, terminal
from .money import DIRECTION_WORDS
from .numbers import money, plural
from .sources import source_md, source_text

if TYPE_CHECKING:
    from ..graphdiff import FieldChange, GraphDiff, ItemChange, MoneyMove, Value

DIFF_FORMATS = ("text", "json", "md")
HEADINGS = {"record": "Records", "entity": "Entities", "source": "Sources", "other": "Other terms"}
NOUNS = {
    "record": ("record", "records"),
    "entity": ("entity", "entities"),
    "source": ("source", "sources"),
    "other": ("other term", "other terms"),
}
MARKS = {"added": "+", "removed": "-", "changed": "~"}
# Fields shown on one line for an added or removed item (the full list is in --format json).
_BRIEF_FIELDS = {"cg:amount", "cg:currency", "cg:amountKind", "cg:date", "cg:startDate", "cg:certainty"}


def counts_line(diff: GraphDiff) -> str:
    """'1 record changed, 2 added; 1 entity added; 2 money totals moved', or 'No changes.'"""
    from ..graphdiff import CATEGORIES

    parts = []
    for cat in CATEGORIES:
        bits = [(n, change) for change in ("changed", "added", "removed") if (n := len(diff.of(cat, change)))]
        if bits:
            one, many = NOUNS[cat]
            (n, first), rest = bits[0], bits[1:]
            parts.append(", ".join([f"{plural(n, one, many)} {first}", *(f"{m} {ch}" for m, ch in rest)]))
    if diff.money:
        parts.append(f"{plural(len(diff.money), 'money total')} moved")
    return "; ".join(parts) + "." if parts else "No changes."


def _values_text(values: list[Value]) -> str:
    return "; ".join(v.text for v in values) if values else "(none)"


def _field_line(f: FieldChange, change: str) -> str:
    if change == "added":
        return f"{f.field}: {_values_text(f.new)}"
    if change == "removed":
        return f"{f.field}: {_values_text(f.old)}"
    return f"{f.field}: {_values_text(f.old)} → {_values_text(f.new)}"


def _item_fields(item: ItemChange) -> list[FieldChange]:
    if item.change == "changed" or item.category != "record":
        return item.fields if item.change == "changed" else []
    return [f for f in item.fields if f.field in _BRIEF_FIELDS]


def move_text(m: MoneyMove) -> str:
    before = (
        f"{money(m.old, m.currency)} ({plural(m.old_records, 'record')})" if m.old is not None else "none"
    )
    after = f"{money(m.new, m.currency)} ({plural(m.new_records, 'record')})" if m.new is not None else "none"
    sign = "+" if m.delta > 0 else "-" if m.delta < 0 else "±"
    return (
        f"{m.label}: {m.kind_label}, {DIRECTION_WORDS[m.direction].split(' (')[0]}: {before} → {after} "
        f"({sign}{money(abs(m.delta), m.currency)})"
    )


def render_text(diff: GraphDiff) -> str:
    lines = [
        f"Old: {diff.old['description']} ({diff.old['version']})",
        f"New: {diff.new['description']} ({diff.new['version']})",
        counts_line(diff),
    ]
    if diff.parts_changed and diff.changed:
        lines.append("Files that differ: " + ", ".join(diff.parts_changed))
    for cat in HEADINGS:
        items = diff.of(cat)
        if not items:
            continue
        lines += ["", HEADINGS[cat] + ":"]
        for item in items:
            lines.append(f"{MARKS[item.change]} {item.summary} [{item.kind}] {item.change}  <{item.iri}>")
            lines += [f"    {_field_line(f, item.change)}" for f in _item_fields(item)]
            lines += [f"    source: {source_text(s)}" for s in item.sources]
    if diff.money:
        lines += ["", "Money totals that moved (per entity, direction and amount kind; kinds never added):"]
        lines += [f"  {move_text(m)}" for m in diff.money]
    return terminal("\n".join(lines) + "\n")


def _values_md(values: list[Value]) -> str:
    return "; ".join(md(v.text) for v in values) if values else "*(none)*"


def render_md(diff: GraphDiff) -> str:
    out = [
        "## What changed in the graph",
        "",
        f"From {md(diff.old['description'])} ({md_code(diff.old['version'])}) "
        f"to {md(diff.new['description'])} ({md_code(diff.new['version'])}): {md(counts_line(diff))}",
        "",
    ]
    for cat in HEADINGS:
        items = diff.of(cat)
        if not items:
            continue
        out += [f"### {HEADINGS[cat]}", ""]
        for item in items:
            out.append(f"- **{item.change}** {md(item.kind)}: {md(item.summary)} ({md_code(item.iri)})")
            for f in _item_fields(item):
                if item.change == "changed":
                    out.append(f"  - {md_code(f.field)}: {_values_md(f.old)} → {_values_md(f.new)}")
                else:
                    out.append(f"  - {md_code(f.field)}: {_values_md(f.new or f.old)}")
            out += [f"  - source: {source_md(s)}" for s in item.sources]
        out.append("")
    if diff.money:
        out += [
            "### Money totals that moved",
            "",
            "*Per entity, direction and amount kind; kinds are never added.*",
            "",
        ]
        out += [f"- {md(move_text(m))}" for m in diff.money]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_dict(diff: GraphDiff) -> dict[str, Any]:
    def value(v: Value) -> dict:
        return {
            k: x for k, x in (("text", v.text), ("iri", v.iri), ("datatype", v.datatype)) if x is not None
        }

    def item(i: ItemChange) -> dict:
        return {
            "iri": i.iri,
            "label": i.label,
            "category": i.category,
            "kind": i.kind,
            "change": i.change,
            "summary": i.summary,
            "fields": [
                {"field": f.field, "old": [value(v) for v in f.old], "new": [value(v) for v in f.new]}
                for f in i.fields
            ],
            "sources": i.sources,
        }

    return {
        "old": diff.old,
        "new": diff.new,
        "changed": diff.changed,
        "files_changed": diff.parts_changed,
        "counts": {
            cat: {ch: len(diff.of(cat, ch)) for ch in ("added", "removed", "changed")} for cat in HEADINGS
        },
        "items": [item(i) for i in diff.items],
        "money_moved": [
            {
                "entity": m.entity,
                "label": m.label,
                "direction": m.direction,
                "kind": m.kind,
                "kind_label": m.kind_label,
                "currency": m.currency,
                "old": m.old,
                "new": m.new,
                "delta": m.delta,
                "old_records": m.old_records,
                "new_records": m.new_records,
            }
            for m in diff.money
        ],
    }


def format_diff(diff: GraphDiff, fmt: str = "text") -> str:
    if fmt == "json":
        return to_json(to_dict(diff))
    if fmt == "md":
        return render_md(diff)
    return render_text(diff)


__all__ = ["DIFF_FORMATS", "counts_line", "format_diff", "to_dict"]

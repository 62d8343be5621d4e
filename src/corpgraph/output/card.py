"""An entity's card (``corpgraph.describe.EntityCard``, for ``show``) and the graph's counts (``stats``).

The card reads as ``text`` (footnote marks [1]), ``md`` (footnotes [^1], every value escaped) or
``json``; ``table``, ``jsonl``, ``csv`` and ``tsv`` give one row per relationship.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import render_rows, to_json
from .escape import md, md_code, terminal
from .numbers import duration, hedged_money, number
from .sources import source_md, source_text, source_urls

if TYPE_CHECKING:
    from ..describe import EntityCard


# -- stats ------------------------------------------------------------------------------------------


def stats_text(stats: dict[str, Any]) -> str:
    lines = [
        f"Graph {stats['graph_version']} ({stats['backend']}: {stats['location']})",
        f"{stats['triples']:,} triples, {stats['entities']:,} entities, {stats['records']:,} relationship records,"
        f" {len(stats['sources']):,} sources",
        "",
        "Entities by class:",
    ]
    lines += [f"  {n:>6,}  {k}" for k, n in stats["entities_by_class"].items()]
    lines += ["", "Records by kind:"] + [f"  {n:>6,}  {k}" for k, n in stats["records_by_kind"].items()]
    lines += ["", "Records by certainty:"] + [
        f"  {n:>6,}  {k}" for k, n in stats["records_by_certainty"].items()
    ]
    lines += ["", "Sources (records citing each):"]
    shown = stats["sources"][:15]
    lines += [
        f"  {s['records']:>6,}  {s['title'] or s['iri']} — {s['publisher'] or ''} <{s['url'] or ''}>"
        for s in shown
    ]
    if len(stats["sources"]) > len(shown):
        lines.append(f"  … and {len(stats['sources']) - len(shown):,} more (use --format json for all)")
    return terminal("\n".join(lines) + "\n")


def stats_md(stats: dict[str, Any]) -> str:
    lines = [
        f"## Graph {md_code(stats['graph_version'])}",
        "",
        f"{stats['triples']:,} triples, {stats['entities']:,} entities, {stats['records']:,} relationship "
        f"records, {len(stats['sources']):,} sources ({md(stats['backend'])}: {md(stats['location'])}).",
    ]
    for title, key in (
        ("Entities by class", "entities_by_class"),
        ("Records by kind", "records_by_kind"),
        ("Records by certainty", "records_by_certainty"),
    ):
        lines += ["", f"### {title}", ""] + [f"- {md(k)}: {n:,}" for k, n in stats[key].items()]
    lines += ["", "### Sources", ""]
    lines += [f"- {source_md(s)} ({s['records']:,} records)" for s in stats["sources"]]
    return "\n".join(lines) + "\n"


def format_stats(stats: dict[str, Any], fmt: str = "text") -> str:
    if fmt == "json":
        return to_json(stats)
    if fmt == "md":
        return stats_md(stats)
    return stats_text(stats)


# -- the card ---------------------------------------------------------------------------------------


def card_text(card: EntityCard) -> str:
    """The card as plain text, sources as [1] marks and a numbered list."""
    lines = [f"{card.label}  [{card.type}]", card.iri]
    if card.aliases:
        lines.append("Also known as: " + ", ".join(card.aliases))
    if card.identifiers:
        lines.append("Identifiers: " + ", ".join(f"{k} {v}" for k, v in card.identifiers.items()))
    if card.description:
        lines.append(card.description)
    lines += [f"Note: {n}" for n in card.notes]
    footnotes = _Footnotes()
    if card.family is not None:
        lines += ["", f"Corporate family ({len(card.family)})"]
        for m in card.family:
            lines.append(f"* {m['label']}{_this(card, m)}: {m['why']}")
    lines += ["", f"Relationships ({len(card.relationships)})"]
    for rel in card.relationships:
        marks = " ".join(f"[{m}]" for m in _cite(footnotes, rel["sources"]))
        lines.append("* " + _member_mark(rel) + _relationship_line(_as_member(card, rel), rel) + " " + marks)
        lines += [f"    “{q}”" for q in rel["quotes"]]
        if rel.get("note"):
            lines.append(f"    Note: {rel['note']}")
    if card.sources:
        lines += ["", "Entity described by: " + " ".join(f"[{m}]" for m in _cite(footnotes, card.sources))]
    if footnotes:
        lines += ["", "Sources"]
        lines += [f"[{i}] {source_text(s)}" for i, s in enumerate(footnotes, 1)]
    return terminal("\n".join(lines) + "\n")


def card_md(card: EntityCard) -> str:
    """The card as Markdown with footnoted sources; every value from the data is escaped."""
    lines = [f"# {md(card.label)}", f"*{md(card.type)}* — {md_code(card.iri)}"]
    if card.aliases:
        lines.append("**Also known as:** " + ", ".join(md(a) for a in card.aliases))
    if card.identifiers:
        lines.append("**Identifiers:** " + ", ".join(f"{md(k)} {md(v)}" for k, v in card.identifiers.items()))
    if card.description:
        lines.append(md(card.description))
    lines += [f"*Note:* {md(n)}" for n in card.notes]
    footnotes = _Footnotes()
    if card.family is not None:
        lines += ["", f"## Corporate family ({len(card.family)})"]
        for m in card.family:
            lines.append(f"- {md(m['label'] + _this(card, m))}: {md(m['why'])}")
    lines += ["", f"## Relationships ({len(card.relationships)})", ""]
    for rel in card.relationships:  # each as its copy-ready sentence, quotes one by one and attributed
        marks = "".join(f"[^{m}]" for m in _cite(footnotes, rel["sources"]))
        fact = rel.get("sentence") or _relationship_line(_as_member(card, rel), rel)
        lines.append("- " + md(_member_mark(rel) + fact) + marks)
        who = " and ".join(md(s.get("publisher") or s.get("title") or "") for s in rel["sources"])
        for q in rel["quotes"]:
            lines += ["", f"  > “{md(q)}”" + (f" — {who}" if who.strip() else "")]
        if rel.get("note"):
            lines += ["", f"  *Note:* {md(str(rel['note']))}"]
        lines.append("")
    if card.sources:
        lines += ["", "Described by: " + "".join(f"[^{m}]" for m in _cite(footnotes, card.sources))]
    if footnotes:
        lines += ["", "## Sources"]
        lines += [f"[^{i}]: {source_md(s)}" for i, s in enumerate(footnotes, 1)]
    return "\n".join(lines) + "\n"


def _this(card: EntityCard, member: dict) -> str:
    return " (this entity)" if member["iri"] == card.iri else ""


def _member_mark(rel: dict) -> str:
    """'[member B.I. Incorporated] ' before a family member's relationship on a --family card."""
    return f"[member {rel['member']}] " if rel.get("member") else ""


def _as_member(card: EntityCard, rel: dict) -> EntityCard:
    """The card a family member's relationship is read from (its own label on the self side)."""
    from ..describe import EntityCard

    if not rel.get("member"):
        return card
    return EntityCard(rel["member_iri"], rel["member"], card.type, card.types)


class _Footnotes(list):
    """The sources cited so far, in order of first citation, with each one's number at hand (a card
    of thousands of records cites thousands of sources: looking each up in the list took seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers: dict[tuple, int] = {}

    def cite(self, source: dict) -> int:
        key = tuple(sorted(source.items()))
        n = self.numbers.get(key)
        if n is None:
            self.append(source)
            n = self.numbers[key] = len(self)
        return n


def _cite(footnotes: _Footnotes, sources: list[dict]) -> list[int]:
    return [footnotes.cite(s) for s in sources]


def _relationship_line(card: EntityCard, rel: dict) -> str:
    """'Citizens Financial Group —lends to→ GEO Group; $450,000,000 (credit line); 2025-07; ...'."""
    others = [p for p in rel["participants"] if not p["is_self"]]
    edge = str(rel["title"]) if rel.get("title") else (rel.get("edge_label") or rel["kind_label"])
    far_role = {
        "in": rel.get("edge_from_role"),
        "out": rel.get("edge_to_role"),
        "both": rel.get("edge_to_role"),
    }
    far = [p for p in others if p["role"] == far_role.get(rel["direction"])]
    extra = [p for p in others if p not in far]
    if rel["direction"] != "none" and not far:  # e.g. a statement about nothing in particular
        head = f"{card.label}: {rel['kind_label']}"
    elif rel["direction"] == "in":
        head = f"{_names(far)} —{edge}→ {card.label}"
    elif rel["direction"] in ("out", "both"):
        head = f"{card.label} —{edge}→ {_names(far)}"
    else:  # the entity takes part in a side role (client, beneficiary, funder ...)
        src = [p for p in others if p["role"] == rel.get("edge_from_role")]
        dst = [p for p in others if p["role"] == rel.get("edge_to_role")]
        far, extra = src + dst, [p for p in others if p not in src + dst]
        if src or dst:
            head = f"{_names(src)} —{edge}→ {_names(dst)} [{card.label} as {', '.join(rel['my_roles'])}]"
        else:  # a record drawn as no edge, such as a figure about this entity
            head = rel["kind_label"].capitalize()
    if extra:
        head += " (" + ", ".join(f"{p['role']}: {p['label']}" for p in extra) + ")"
    bits = [head]
    if rel.get("amount") is not None:
        amount = hedged_money(rel["amount"], rel.get("currency"), rel.get("amount_qualifier"))
        bits.append(f"{amount} ({rel.get('amount_kind_label', 'amount')})")
    elif rel.get("amount_text"):
        bits.append(f"amount: {rel['amount_text']}")
    if rel.get("value") is not None:
        q = f"{rel['amount_qualifier']} " if rel.get("amount_qualifier") else ""
        bits.append(
            f"{rel.get('measure', 'value')}: {q}{number(rel['value'])} {rel.get('count_unit', '')}".strip()
        )
    when = rel.get("date") or rel.get("start_date")
    if when:
        bits.append(str(when) + (f"–{rel['end_date']}" if rel.get("end_date") else ""))
    if rel.get("duration"):
        bits.append(f"duration {duration(rel['duration'])}")
    if rel.get("no_bid"):
        bits.append("no-bid")
    for key in ("purpose", "commitment", "text", "medium"):
        if rel.get(key) and not any(str(rel[key]) in q for q in rel["quotes"]):
            bits.append(f"{key}: {rel[key]}")
    if rel.get("later_softened"):
        bits.append("later softened")
    if rel.get("responded") is False:
        bits.append("did not respond")
    bits.append(f"certainty: {rel['certainty']}")
    return "; ".join(bits)


def _names(parts: list[dict]) -> str:
    return ", ".join(p["label"] for p in parts) or "?"


CARD_HEADERS = (
    "relationship",
    "kind",
    "direction",
    "amount",
    "currency",
    "amount_kind",
    "date",
    "certainty",
    "record",
    "sources",
)


def card_rows(card: EntityCard) -> list[list[Any]]:
    """One row per relationship of the card."""
    return [
        [
            _relationship_line(card, rel).split("; ")[0],
            rel["kind_label"],
            rel["direction"],
            rel.get("amount"),
            rel.get("currency") or "",
            rel.get("amount_kind_label") or "",
            str(rel.get("date") or rel.get("start_date") or ""),
            rel.get("certainty") or "",
            rel["record"],
            source_urls(rel["sources"]),
        ]
        for rel in card.relationships
    ]


def format_card(card: EntityCard, fmt: str = "text") -> str:
    if fmt == "json":
        return to_json(card.as_dict())
    if fmt == "md":
        return card_md(card)
    if fmt == "text":
        return card_text(card)
    return render_rows(CARD_HEADERS, card_rows(card), fmt)


__all__ = [
    "CARD_HEADERS",
    "card_md",
    "card_rows",
    "card_text",
    "format_card",
    "format_stats",
]

"""Short texts that summarise a tie (``netgraph.aggregate``) for readers: its records, its money per
amount kind (never added across kinds) and its date range, e.g. "18 records, obligated FY2025
$305.8M, 2024-10 to 2025-09".  Plain text; the output layer's formats escape it.  Amounts are
worded by ``output.numbers`` (the sign before the currency: "-$3,497.06")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .numbers import compact_money, hedged_money, money, plural


def kind_words(name: str | None, label: str | None = None) -> str:
    """An amount kind for readers: its label in the ontology (``amount_kind_label``: 'total obligated
    (all years)'), else its name split ('creditLine' -> 'credit line')."""
    if label:
        return label
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name or "").lower() or "amount"


def total_text(t: dict, *, exact: bool = False) -> str:
    """'obligated FY2025 $305.8M' for one total of a tie (see ``netgraph.tie_attributes``)."""
    currency = t.get("currency")
    figure = money(t["amount"], currency) if exact else compact_money(t["amount"], currency)
    year = f" {t['year']}" if t.get("year") and t["year"] != "undated" else ""
    hedge = " (some hedged)" if t.get("qualified") else ""
    return f"{kind_words(t.get('amount_kind'), t.get('amount_kind_label'))}{year} {figure}{hedge}"


def totals_text(totals: Iterable[dict], *, exact: bool = False) -> str:
    return "; ".join(total_text(t, exact=exact) for t in totals)


def period_text(first: str | None, last: str | None) -> str:
    """'2024-10 to 2025-09' (months) for a range of dates; one date as written when both agree."""
    if not first:
        return ""
    if first == last or not last:
        return first
    a, b = first[:7], last[:7]
    return a if a == b else f"{a} to {b}"


def record_amount(d: dict) -> str:
    """One record's amount as written: 'more than $450,000,000 credit line'."""
    if d.get("amount") is None:
        return str(d.get("amount_text") or "")
    amount = hedged_money(d["amount"], d.get("currency"), d.get("amount_qualifier"))
    return f"{amount} {kind_words(d.get('amount_kind'), d.get('amount_kind_label'))}"


def tie_summary(d: dict) -> str:
    """'18 records, obligated FY2025 $305.8M, 2024-10 to 2025-09'; for a tie of one record, its
    amount as written and its date."""
    if (d.get("count") or 1) == 1:
        parts = [record_amount(d), d.get("date") or period_text(d.get("start"), d.get("end"))]
        return ", ".join(p for p in parts if p)
    parts = [
        plural(d["count"], "record"),
        totals_text(d.get("totals") or ()),
        period_text(d.get("first"), d.get("last")),
    ]
    return ", ".join(p for p in parts if p)

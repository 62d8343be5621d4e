"""Turning rows into text: table, JSON, CSV, TSV and Markdown.  The CLI's one presentation helper."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

ROW_FORMATS = ("table", "json", "jsonl", "csv", "tsv", "md")


def plain(value: Any) -> Any:
    """A JSON-friendly value: Decimals as numbers (ints when whole), rdflib terms as strings."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return str(value)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return money(value) if isinstance(value, Decimal) else str(value)
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    return str(value)


def money(amount: Decimal | float | int | None) -> str:
    """1234567.5 -> '1,234,567.50'; whole amounts without cents."""
    if amount is None:
        return ""
    d = Decimal(str(amount))
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,.2f}"


def to_json(data: Any) -> str:
    return json.dumps(plain(data), indent=2, ensure_ascii=False) + "\n"


def render_rows(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    """Rows in one of ROW_FORMATS.  JSON is an array of objects keyed by header."""
    if fmt == "json":
        return to_json([dict(zip(headers, (plain(v) for v in r), strict=True)) for r in rows])
    if fmt == "jsonl":
        return "".join(
            json.dumps(dict(zip(headers, (plain(v) for v in r), strict=True)), ensure_ascii=False) + "\n"
            for r in rows
        )
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(headers)
        for r in rows:
            w.writerow([cell(v) for v in r])
        return buf.getvalue()
    if fmt == "md":
        esc = lambda s: cell(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = ["| " + " | ".join(esc(h) for h in headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(esc(v) for v in r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    if fmt == "table":
        return table(headers, rows)
    raise ValueError(f"unknown format {fmt!r}")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> str:
    """A plain-text table with aligned columns; long cells are cut with '…'."""
    text = [[_clip(cell(v), max_width) for v in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in text:
        widths = [max(w, len(c)) for w, c in zip(widths, r, strict=True)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in text]
    return "\n".join(out) + "\n"


def _clip(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"

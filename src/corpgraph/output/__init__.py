"""The one output layer: services return data, this package renders it in every format.

Formats, the same for every command that prints data (``corpgraph.output.FORMATS``):

* ``table`` (rows, aligned) and ``text`` (a command's prose view: show's card, paths, money, stats):
  for people, the default whether or not stdout is a terminal; control characters are neutralised;
* ``json`` (one document), ``jsonl`` (one JSON object per row), ``csv`` and ``tsv`` (rows, with
  spreadsheet formulas neutralised), ``md`` (Markdown, every value escaped).

Modules: ``escape`` (the one Markdown escaper, the one HTML escaper, spreadsheet and terminal guards),
``numbers`` (money, counts, durations), ``sources`` (how a source is cited), and one module per view:
``card`` (show, stats), ``paths``, ``money``, ``answers`` (query results).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .escape import md, spreadsheet_cell, terminal
from .numbers import number

ROW_FORMATS = ("table", "json", "jsonl", "csv", "tsv", "md")  # every command whose result is rows
TEXT_FORMATS = ("text", *ROW_FORMATS)  # commands with a prose view as well
GRAPH_FORMATS = ("turtle", "json-ld")  # CONSTRUCT and DESCRIBE answers
QUERY_FORMATS = (*ROW_FORMATS, *GRAPH_FORMATS)
HUMAN_FORMATS = ("text", "table")  # neutralised for the terminal


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
    """One value as the text of a cell: Decimals grouped by thousands, lists joined with '; '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, float | int):
        return str(value)
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    return str(value)


def _raw(value: Any) -> str:
    """A value as data (csv/tsv): numbers in full, without grouping."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(_raw(v) for v in value)
    return str(value)


def to_json(data: Any) -> str:
    return json.dumps(plain(data), indent=2, ensure_ascii=False) + "\n"


def to_jsonl(items: Sequence[Any]) -> str:
    return "".join(json.dumps(plain(item), ensure_ascii=False) + "\n" for item in items)


def render_rows(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    """Rows in one of ROW_FORMATS.  JSON is an array of objects keyed by header, JSONL one per line."""
    if fmt in ("json", "jsonl"):
        objects = [dict(zip(headers, r, strict=True)) for r in rows]
        return to_json(objects) if fmt == "json" else to_jsonl(objects)
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow([spreadsheet_cell(str(h)) for h in headers])
        for r in rows:
            w.writerow([spreadsheet_cell(_raw(v)) for v in r])
        return buf.getvalue()
    if fmt == "md":
        return md_table(headers, rows)
    if fmt == "table":
        return table(headers, rows)
    raise ValueError(f"unknown format {fmt!r}")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table; every cell escaped (a '|' in the data cannot add a column)."""
    lines = ["| " + " | ".join(md(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md(cell(v)) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> str:
    """A plain-text table with aligned columns; long cells are cut with '…'."""
    text = [[_clip(terminal(cell(v)), max_width) for v in r] for r in rows]
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


__all__ = [
    "GRAPH_FORMATS",
    "HUMAN_FORMATS",
    "QUERY_FORMATS",
    "ROW_FORMATS",
    "TEXT_FORMATS",
    "cell",
    "md_table",
    "plain",
    "render_rows",
    "table",
    "to_json",
    "to_jsonl",
]

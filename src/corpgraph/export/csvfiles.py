"""CSV: ``nodes.csv`` and ``edges.csv`` (with a sources column) plus ``provenance.csv``.

Every cell passes through ``output.escape.spreadsheet_cell``: text a spreadsheet would run as a
formula gets a leading apostrophe, plain numbers (``-62013.29``) stay numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..backend import Backend
from ..output.escape import FORMULA_START, spreadsheet_cell
from ..subgraph import Subgraph
from .common import edge_rows, node_rows

EDGE_COLUMNS = (
    "id",
    "record",
    "source",
    "target",
    "source_label",
    "target_label",
    "kind",
    "label",
    "certainty",
    "amount",
    "currency",
    "amount_kind",
    "amount_qualifier",
    "amount_text",
    "date",
    "start_date",
    "end_date",
    "quote",
    "note",
    "sources",
    "source_titles",
    "source_iris",
)
NODE_COLUMNS = ("id", "label", "type", "type_label", "degree", "notes", "family")


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]], keys: dict[str, str] | None = None) -> bytes:
    """The CSV of ``rows`` under ``columns``; a column takes its value from the key ``keys`` maps it
    to, if any, else from its own name (missing or None: empty)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    fields = [(keys or {}).get(c, c) for c in columns]
    starts = frozenset(FORMULA_START)
    # only text starting with one of FORMULA_START can be a formula: most cells skip the check
    w.writerows(
        [
            spreadsheet_cell(text)
            if (text := "" if (v := r.get(c)) is None else str(v)) and text[0] in starts
            else text
            for c in fields
        ]
        for r in rows
    )
    return buf.getvalue().encode("utf-8")


def to_csv(sub: Subgraph, backend: Backend) -> dict[str, bytes]:
    degree = dict(sub.net.degree())
    nodes = [{**r, "degree": degree[r["id"]]} for r in node_rows(sub)]
    edges = edge_rows(sub)
    prov = [{"key": k, "value": v} for k, v in sub.provenance().items()]
    prov += [
        {"key": "source", "value": f"{s.get('title') or ''} <{s.get('url') or s['iri']}>"}
        for s in sub.sources()
    ]
    return {
        "nodes.csv": _csv(NODE_COLUMNS, nodes),
        "edges.csv": _csv(EDGE_COLUMNS, edges, {"sources": "source_urls"}),
        "provenance.csv": _csv(("key", "value"), prov),
    }

"""Query answers (``corpgraph.backend.QueryOutcome``) in every format.

SELECT and ASK: ``table`` (the default), ``json`` (SPARQL 1.1 results JSON), ``jsonl`` (one object of
plain values per row), ``csv`` and ``tsv`` (lexical forms, spreadsheet formulas neutralised), ``md``.
CONSTRUCT and DESCRIBE: ``turtle`` (the default) or ``json-ld``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node, Variable

from ..errors import QueryError
from ..vocab import PREFIXES
from . import GRAPH_FORMATS, render_rows


def default_format(kind: str) -> str:
    """The format when none is asked for: the same whether or not stdout is a terminal."""
    return "turtle" if kind in ("CONSTRUCT", "DESCRIBE") else "table"


def _compact(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        s = str(term)
        for prefix, ns in PREFIXES.items():
            if s.startswith(str(ns)) and len(s) > len(str(ns)):
                return f"{prefix}:{s[len(str(ns)) :]}"
        return s
    if isinstance(term, BNode):
        return "_:" + str(term)
    return str(term)


def _sparql_json(out: Any) -> str:
    """SPARQL 1.1 results JSON, written by rdflib's serializer (the one writer of that format)."""
    res = Result(out.kind)
    if out.kind == "ASK":
        res.askAnswer = bool(out.boolean)
    else:
        res.vars = [Variable(v) for v in out.variables]
        names = res.vars
        res.bindings = ({v: t for v, t in zip(names, row, strict=True) if t is not None} for row in out.rows)
    data = res.serialize(format="json", encoding="utf-8")
    assert data is not None  # no destination: the bytes come back
    return data.decode("utf-8") + "\n"


def _plain_term(term: Node | None) -> Any:
    """A JSON value for jsonl: numbers and booleans as themselves, everything else as its text."""
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, bool | int | float | Decimal):
            return value
    return None if term is None else str(term)


def format_answer(answer: Any, fmt: str) -> str:
    """A ``QueryAnswer`` or ``QueryOutcome`` in ``fmt`` (see the module docstring)."""
    out = getattr(answer, "outcome", answer)
    if out.kind in ("CONSTRUCT", "DESCRIBE"):
        g = out.graph if out.graph is not None else Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns, override=False)
        if fmt == "json-ld":
            return g.serialize(format="json-ld", indent=2)
        return g.serialize(format="turtle")
    if fmt in GRAPH_FORMATS:
        raise QueryError(f"--format {fmt} is for CONSTRUCT and DESCRIBE queries; this is a {out.kind} query")
    if fmt == "json":
        return _sparql_json(out)
    if out.kind == "ASK":
        if fmt == "jsonl":
            return json.dumps({"boolean": bool(out.boolean)}) + "\n"
        if fmt in ("csv", "tsv"):
            return "_askResult\n" + ("true" if out.boolean else "false") + "\n"
        return ("true" if out.boolean else "false") + "\n"
    if fmt == "jsonl":
        return render_rows(out.variables, [[_plain_term(t) for t in row] for row in out.rows], fmt)
    if fmt in ("csv", "tsv"):
        rows = [[("" if t is None else str(t)) for t in row] for row in out.rows]
        return render_rows(out.variables, rows, fmt)
    rows = [[_compact(t) for t in row] for row in out.rows]
    return render_rows(out.variables, rows, fmt)


__all__ = ["default_format", "format_answer"]

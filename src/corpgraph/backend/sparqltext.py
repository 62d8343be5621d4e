"""Reading just enough of a SPARQL text for the engines that are not rdflib.

The Oxigraph store and remote endpoints have no ``initBindings``; their backends bind values by
opening the query's WHERE group with a ``VALUES`` block (terms serialised by rdflib, never pasted
as user text), and they refuse anything that would make the engine reach out (``SERVICE``) or
write (SPARQL Update) before the engine sees it.  The scanner skips comments, strings and IRIs, so
words inside them never count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from rdflib.term import Node

from ..errors import QueryError, QueryRefused

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")


def _tokens(sparql: str) -> Iterator[tuple[str, str, int, int]]:
    """(kind, text, offset, brace depth) for words and braces outside comments, strings and IRIs.

    kind is "word" (a keyword or name not part of a variable or a prefixed name), "{" or "}".
    """
    i, n, depth = 0, len(sparql), 0
    while i < n:
        c = sparql[i]
        if c == "#":
            j = sparql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c in "\"'":
            q = sparql[i : i + 3] if sparql[i : i + 3] in ('"""', "'''") else c
            j = i + len(q)
            while j < n and not sparql.startswith(q, j):
                j += 2 if sparql[j] == "\\" else 1
            i = j + len(q)
            continue
        if c == "<":
            m = _IRI.match(sparql, i)
            if m:
                i = m.end()
                continue
        if c in "?$":  # a variable: its name is not a keyword
            m = _WORD.match(sparql, i + 1)
            i = m.end() if m else i + 1
            continue
        if c.isalpha() or c == "_":
            m = _WORD.match(sparql, i)
            assert m is not None
            end = m.end()
            prefixed = (end < n and sparql[end] == ":") or (i > 0 and sparql[i - 1] == ":")
            if not prefixed:
                yield "word", m.group().upper(), i, depth
            i = end
            # skip the rest of a prefixed name (ex:local-part)
            while i < n and (sparql[i].isalnum() or sparql[i] in "_-.:%") and not sparql[i : i + 1].isspace():
                if sparql[i] == "." and (
                    i + 1 >= n or not (sparql[i + 1].isalnum() or sparql[i + 1] in "_-:")
                ):
                    break
                i += 1
            continue
        if c == "{":
            yield "{", c, i, depth
            depth += 1
        elif c == "}":
            depth -= 1
            yield "}", c, i, depth
        i += 1


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; QueryRefused for SPARQL Update, QueryError when none is found."""
    for kind, text, _, depth in _tokens(sparql):
        if kind != "word" or depth:
            continue
        if text in QUERY_FORMS:
            return text
        if text in UPDATE_WORDS:
            raise QueryRefused(f"corpgraph only reads: SPARQL Update ({text}) is refused")
    raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE found")


def refuse_unsafe(sparql: str) -> str:
    """The query form, after refusing SERVICE (the engine would call out to the network) and updates."""
    form = query_form(sparql)
    for kind, text, _, _ in _tokens(sparql):
        if kind == "word" and text == "SERVICE":
            raise QueryRefused("SERVICE is refused: corpgraph never lets a query contact another endpoint")
    return form


def where_brace(sparql: str) -> int | None:
    """Offset of the ``{`` opening the outermost WHERE group, or None (``DESCRIBE <iri>``, short CONSTRUCT)."""
    construct = template_seen = where_seen = False
    for kind, text, pos, depth in _tokens(sparql):
        if depth:
            continue
        if kind == "word":
            if text == "CONSTRUCT":
                construct = True
            elif text == "WHERE":
                where_seen = True
        elif kind == "{":
            if not construct or template_seen:
                return pos
            if where_seen:  # CONSTRUCT WHERE { ... }: the group is also the template
                return None
            template_seen = True  # the CONSTRUCT template: the WHERE group follows it
    return None


def bind_inline(sparql: str, bindings: Mapping[str, Node]) -> str:
    """``sparql`` with ``bindings`` as a VALUES block opening its WHERE group (or trailing, if it has none).

    A trailing VALUES block is joined after grouping, so a FILTER or an aggregate inside the WHERE
    group would see the variable unbound; opening the group binds it where the query uses it, as
    rdflib's ``initBindings`` does.
    """
    from . import values_clause

    if not bindings:
        return sparql
    block = values_clause(bindings).strip()
    pos = where_brace(sparql)
    if pos is None:
        return sparql.rstrip() + "\n" + block + "\n"
    return sparql[: pos + 1] + "\n  " + block + "\n" + sparql[pos + 1 :]

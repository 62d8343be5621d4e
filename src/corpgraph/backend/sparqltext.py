"""Reading just enough of a SPARQL text to keep every engine offline, read-only and bound safely.

:func:`refuse_unsafe` is the one safety check: ``Backend.query`` runs it on every query, for every
backend, before any engine sees the text.  It refuses SPARQL Update, ``SERVICE`` anywhere (the
engine would call out to the network), ``FROM`` / ``FROM NAMED`` (rdflib would fetch or read the
documents) and ``LOAD``.  rdflib and Oxigraph both run SERVICE and LOAD when asked, so nothing
behind this check may assume the caller checked.

The scanner skips comments, strings, IRIs, variables and prefixed names, so words inside them never
count.  SPARQL lets ``\\uXXXX`` escapes stand for any character of the query and rdflib expands them
before parsing (``SERVIC\\u0045``): a text holding such escapes is scanned as written and expanded.

Engines without ``initBindings`` (the Oxigraph store, endpoints) get values as a ``VALUES`` block
opening the query's WHERE group (:func:`bind_inline`); :func:`values_block` is the one builder of
VALUES blocks, for bindings and for the lists of IRIs internal queries send.  Every term in it is
written by :mod:`corpgraph.rdftext` (IRIs checked, literals escaped), never pasted.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .. import rdftext
from ..errors import QueryError, QueryRefused

# rdflib's SPARQL parser (pyparsing) keeps state in shared parser objects: two threads parsing at
# once get each other's tokens ("<lambda>() missing 1 required positional argument"). Every parse
# takes this lock; evaluation does not (a server answers many queries at once).
PARSER_LOCK = threading.Lock()


def parse_sparql(sparql: str, init_ns: Mapping[str, object] | None = None):  # -> rdflib Query
    """rdflib's parse and algebra of ``sparql``, one thread at a time."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    with PARSER_LOCK:
        return translateQuery(parseQuery(sparql), None, dict(init_ns or {}))


QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
    "USING",
)

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# SPARQL's IRIREF: what the engines read as an IRI (anything else between < and > is an operator)
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
        if c.isascii() and (c.isalpha() or c == "_"):
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
            raise QueryRefused(
                f"SPARQL Update ({text}) is refused: corpgraph queries are read-only. "
                "Edit the Turtle files under graph/ or use `corpgraph import` to change the graph."
            )
    raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE found")


def _expand_escapes(sparql: str) -> str:
    return _ESCAPE.sub(lambda m: chr(min(int(m.group(1) or m.group(2), 16), 0x10FFFF)), sparql)


def refuse_unsafe(sparql: str, where: str = "") -> str:
    """The query form, after refusing updates, SERVICE, FROM / FROM NAMED and LOAD (see the module doc)."""
    texts = [sparql]
    if "\\u" in sparql or "\\U" in sparql:
        texts.append(_expand_escapes(sparql))
    head = f"{where}: " if where else ""
    form = ""
    for text in texts:
        try:
            form = query_form(text)
        except QueryError as exc:
            raise type(exc)(head + str(exc)) from None
        for kind, word, _, _ in _tokens(text):
            if kind != "word":
                continue
            if word == "SERVICE":
                raise QueryRefused(
                    f"{head}SERVICE is refused: corpgraph never lets a query contact another endpoint. "
                    "Run the query against that endpoint with --endpoint URL instead."
                )
            if word == "FROM":
                raise QueryRefused(
                    f"{head}FROM / FROM NAMED is refused: corpgraph queries read only the graph in use and "
                    "never fetch or read other documents. Remove the FROM clause."
                )
            if word in UPDATE_WORDS:
                raise QueryRefused(
                    f"{head}SPARQL Update ({word}) is refused: corpgraph queries are read-only."
                )
    return form


def check_variable(name: str) -> str:
    """``name`` when it is a SPARQL variable name (ASCII letters, digits, _), else QueryError."""
    if not VARIABLE.match(name):
        raise QueryError(
            f"{name[:80]!r} is not a parameter name: use letters, digits and _ (a SPARQL variable name)"
        )
    return name


def value_text(term: Node) -> str:
    """A term as it is written in a VALUES block; QueryError for an IRI that is not valid."""
    if isinstance(term, BNode):
        raise QueryError("cannot bind a blank node")
    if not isinstance(term, URIRef | Literal):
        raise QueryError(f"cannot bind {term!r}")
    try:
        return rdftext.term(term)
    except ValueError as exc:
        raise QueryError(f"cannot put a term into a query: {exc}") from None


def iri_ref(value: str) -> str:
    """``<value>`` for a query text, QueryError when ``value`` is not a valid IRI."""
    try:
        return rdftext.iri(str(value))
    except rdftext.BadIRI as exc:
        raise QueryError(f"cannot put an IRI into a query: {exc}") from None


def values_block(variables: Sequence[str], rows: Iterable[Sequence[Node | str]]) -> str:
    """``VALUES (?a ?b) { (t1 t2) ... }``: plain strings in ``rows`` are IRIs; every term is checked."""
    names = " ".join("?" + check_variable(v) for v in variables)
    body = []
    for row in rows:
        cells = [
            iri_ref(t) if isinstance(t, str) and not isinstance(t, Literal) else value_text(t) for t in row
        ]
        if len(cells) != len(variables):
            raise QueryError(f"a VALUES row has {len(cells)} terms for {len(variables)} variables")
        body.append("(" + " ".join(cells) + ")")
    return f"VALUES ({names}) {{ {' '.join(body)} }}"


def values_clause(bindings: Mapping[str, Node]) -> str:
    """A VALUES block binding each variable to one term (empty text when there is nothing to bind)."""
    if not bindings:
        return ""
    return "\n" + values_block(list(bindings), [list(bindings.values())]) + "\n"


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
    if not bindings:
        return sparql
    block = values_clause(bindings).strip()
    pos = where_brace(sparql)
    if pos is None:
        return sparql.rstrip() + "\n" + block + "\n"
    return sparql[: pos + 1] + "\n  " + block + "\n" + sparql[pos + 1 :]


_PATH_MODIFIER = re.compile(r"(?<=[)\w])[*+?](?=\s)")
_TERM = r"\?\w+|<[^<>\s]*>|[A-Za-z][\w.-]*:[\w.-]*"
_SUBJECT_BEFORE = re.compile(rf"(?:^|(?<=[\s{{.;]))({_TERM})\s+$")
_OBJECT_AFTER = re.compile(rf"^\s+({_TERM})(\s*(?:\.|(?=\}})))")


def isolate_paths(sparql: str, bound: Mapping[str, Node] | None = None) -> str:
    """``sparql`` with each triple pattern whose predicate is a transitive or optional property path
    (``?a (^cg:parentBody/cg:unit)* ?b .``, ``?t rdfs:subClassOf+ cg:Entity``) evaluated on its own,
    as ``{ SELECT DISTINCT ?a ?b WHERE { ... } }``, then joined: the same answers by the standard,
    and the only form in which Virtuoso 7.2 answers such a path right when it is joined to other
    patterns (it repeats or invents rows otherwise).  A variable of the pattern that ``bound`` gives
    (the query's parameters) is bound inside the subquery too, and the path turned (``?b ^(path) ?a``)
    so that end is its object: the end Virtuoso walks a transitive path from.
    A pattern that goes on with ``;`` or ``,`` is left as it is."""
    out, pos = [], 0
    for m in _PATH_MODIFIER.finditer(sparql):
        if m.start() < pos or _inside_literal(sparql, m.start()):
            continue
        start = m.start()
        if sparql[start - 1] == ")":  # back to the matching parenthesis
            depth, i = 0, start - 1
            while i >= 0:
                depth += {")": 1, "(": -1}.get(sparql[i], 0)
                if depth == 0:
                    break
                i -= 1
            if i < 0:
                continue
            path_start = i - 1 if i > 0 and sparql[i - 1] == "^" else i
        else:
            path_start = start
            while path_start > 0 and (sparql[path_start - 1].isalnum() or sparql[path_start - 1] in ":_-^"):
                path_start -= 1
        before = _SUBJECT_BEFORE.search(sparql[pos:path_start])
        after = _OBJECT_AFTER.match(sparql[m.end() :])
        if before is None or after is None:
            continue
        subj, obj = before.group(1), after.group(1)
        names = " ".join(dict.fromkeys(t for t in (subj, obj) if t.startswith("?"))) or "*"
        path = sparql[path_start : m.end()]
        s_at = pos + before.start(1)
        given = {
            t[1:]: (bound or {})[t[1:]] for t in (subj, obj) if t.startswith("?") and t[1:] in (bound or {})
        }
        inner = values_clause(given).strip() + " " if given else ""
        triple = f"{subj} {path} {obj}"
        if subj[1:] in given and obj[1:] not in given:  # walked from its bound end, as its object
            triple = f"{obj} ^({path}) {subj}"
        out.append(sparql[pos:s_at])
        out.append(f"{{ SELECT DISTINCT {names} WHERE {{ {inner}{triple} }} }}")
        pos = m.end() + after.end()
    out.append(sparql[pos:])
    return "".join(out)


def _inside_literal(text: str, at: int) -> bool:
    """Whether ``at`` is inside a quoted string or a comment of the line it is on (a rough check)."""
    line = text[text.rfind("\n", 0, at) + 1 : at]
    return line.count('"') % 2 == 1 or "#" in line.split('"')[-1] and not line.rstrip().endswith(">")

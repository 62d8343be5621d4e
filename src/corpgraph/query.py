"""Asking the graph in SPARQL: the query library in ``queries/``, the safety check every query passes
before any engine sees it, parameter binding, and the answers in the formats reporters need.

A library query is a ``.rq`` file whose header is made of ``#`` comment lines::

    # title: Who is paid by an agency
    # description: Contracts and payments from an agency and its sub-agencies,
    #   continued on lines that start with "#" and two spaces.
    # param agency (entity) default=ICE -- the paying agency: a name, an alias or an IRI
    # param from (date) default=2019 -- YYYY, YYYY-MM or YYYY-MM-DD
    # example: corpgraph query paid-by --param agency DHS

Parameter types: ``entity`` (a name, alias, slug or IRI, resolved with ``corpgraph.resolve``),
``iri`` (a full IRI or a prefixed name such as ``cg:creditLine``), ``string``, ``date`` (YYYY,
YYYY-MM or YYYY-MM-DD, bound as a plain string so it compares with graph dates of any precision)
and ``int``.  Parameters are bound, never pasted into the query text.

Read-only and offline: every query passes the backend layer's one check
(``corpgraph.backend.sparqltext.refuse_unsafe``), which refuses SPARQL Update, ``SERVICE`` anywhere in
the query (subqueries, OPTIONAL, FILTER EXISTS included), ``FROM`` / ``FROM NAMED`` and ``LOAD``,
because rdflib and Oxigraph would otherwise contact the network or read files.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from . import dates, derived, rdftext
from .backend import Backend, QueryOutcome
from .backend.sparqltext import PARSER_LOCK, check_variable, refuse_unsafe
from .errors import QueryError, QueryRefused, UnknownQuery
from .resolve import EntityIndex
from .store import bundled_queries_dir
from .vocab import PREFIXES, SPARQL_PREFIXES

if TYPE_CHECKING:
    from rdflib.plugins.sparql.parserutils import CompValue

# rows a SELECT keeps unless told otherwise (``--limit N`` / ``--all``): a 2-million-row answer
# converted to rdflib terms took 15.9 GB; the rows past the limit are counted, not converted
DEFAULT_ROW_LIMIT = 10_000
# rows a table shows unless told otherwise: a first page, quick to answer however big the result
TABLE_PAGE_ROWS = 100

PARAM_TYPES = ("entity", "iri", "string", "date", "int")


# -- the library ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"
    default: str | None = None
    description: str = ""


@dataclass
class NamedQuery:
    """A query of the library (or any .rq file) with the metadata of its header."""

    name: str
    path: Path | None
    sparql: str
    title: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


_PARAM_RE = re.compile(
    r"^param\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<type>\w+)\))?\s*"
    r"(?:default=(?P<default>\"[^\"]*\"|\S+))?\s*(?:--\s*(?P<desc>.*))?$"
)


def parse_header(sparql: str, name: str = "", path: Path | None = None) -> NamedQuery:
    """Read the ``#`` header of a query (the comment lines before the first other line)."""
    q = NamedQuery(name=name, path=path, sparql=sparql)
    last: str | None = None
    where = str(path) if path else name or "query"
    for lineno, raw in enumerate(sparql.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break
        body = line[1:]
        if body.startswith("  ") and last:  # continuation of the previous field
            text = body.strip()
            if last == "description":
                q.description = (q.description + " " + text).strip()
            elif last == "param" and q.params:
                p = q.params[-1]
                q.params[-1] = Param(p.name, p.type, p.default, (p.description + " " + text).strip())
            elif last == "example" and q.examples:
                q.examples[-1] += " " + text
            continue
        body = body.strip()
        key, _, value = body.partition(":")
        key = key.strip().lower()
        if body.lower().startswith("param "):
            m = _PARAM_RE.match(body)
            if not m:
                raise QueryError(
                    f"{where}:{lineno}: cannot read parameter line {body!r}; "
                    "write '# param NAME (TYPE) default=VALUE -- description'"
                )
            ptype = (m["type"] or "string").lower()
            if ptype not in PARAM_TYPES:
                raise QueryError(
                    f"{where}:{lineno}: parameter {m['name']!r} has unknown type {ptype!r}; "
                    f"use one of {', '.join(PARAM_TYPES)}"
                )
            default = m["default"]
            if default and default.startswith('"'):
                default = default[1:-1]
            q.params.append(Param(m["name"], ptype, default, (m["desc"] or "").strip()))
            last = "param"
        elif key == "title":
            q.title, last = value.strip(), "title"
        elif key == "description":
            q.description, last = value.strip(), "description"
        elif key == "example":
            q.examples.append(value.strip())
            last = "example"
        else:
            last = None
    return q


def queries_dir() -> Path:
    return bundled_queries_dir()


def list_queries(folder: Path | None = None) -> list[NamedQuery]:
    """Every query of the library, sorted by name."""
    folder = Path(folder) if folder else queries_dir()
    if not folder.is_dir():
        return []
    return [parse_header(p.read_text(encoding="utf-8"), p.stem, p) for p in sorted(folder.glob("*.rq"))]


def load_query(name_or_path: str | Path, folder: Path | None = None) -> NamedQuery:
    """A query by library name (``contractors-of``) or by the path of a ``.rq`` file."""
    text = str(name_or_path)
    path = Path(text).expanduser()
    if path.suffix == ".rq" or path.is_file() or "/" in text:
        if not path.is_file():
            raise UnknownQuery(f"Query file {text!r} does not exist.")
        return parse_header(path.read_text(encoding="utf-8"), path.stem, path)
    folder = Path(folder) if folder else queries_dir()
    candidate = folder / f"{text}.rq"
    if candidate.is_file():
        return parse_header(candidate.read_text(encoding="utf-8"), text, candidate)
    names = [q.name for q in list_queries(folder)]
    import difflib

    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownQuery(f"No query named {text!r} in {folder}.{hint} `corpgraph queries` lists them.")


# -- the safety check -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed ``check_query``: its form and the text to run (default prefixes added)."""

    kind: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    sparql: str  # the text as given
    runnable: str  # with the standard prefixes the text does not declare itself


def _walk(node: object) -> Iterator[CompValue]:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            yield n
            stack.extend(n.values())
        elif isinstance(n, list | tuple | ParseResults | set):
            stack.extend(n)
        elif isinstance(n, dict):
            stack.extend(n.values())


def _position(text: str, exc: Exception) -> tuple[int, int]:
    loc = getattr(exc, "loc", None)
    if isinstance(loc, int):
        line = text.count("\n", 0, loc) + 1
        col = loc - (text.rfind("\n", 0, loc) + 1) + 1
        return line, col
    return getattr(exc, "lineno", 1) or 1, getattr(exc, "col", 1) or 1


def _declared_prefixes(parsed: object) -> set[str]:
    from rdflib.plugins.sparql.parserutils import CompValue

    return {
        str(n.get("prefix") or "")
        for n in _walk(parsed)
        if isinstance(n, CompValue) and n.name == "PrefixDecl"
    }


@functools.lru_cache(maxsize=256)  # the parse costs up to a second; the same text is checked once
def check_query(sparql: str, where: str = "query") -> CheckedQuery:
    """Refuse anything that could write, reach the network or read files, then parse ``sparql``.

    The refusal is the backend layer's one check (``refuse_unsafe``, which ``Backend.query`` runs
    again on every query); parsing here gives syntax errors a line and column and finds the
    prefixes the text does not declare.  Raises QueryRefused or QueryError; nothing is evaluated.
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        refuse_unsafe(sparql, where)
    except QueryRefused:
        raise
    except QueryError:
        pass  # no query form found: the parser below says where the text goes wrong
    try:
        with PARSER_LOCK:
            parsed = parseQuery(sparql)
    except Exception as exc:  # pyparsing and rdflib raise several types for a syntax error
        line, col = _position(sparql, exc)
        msg = str(getattr(exc, "msg", "") or exc).split("  (at char")[0]
        lines = sparql.splitlines() or [""]
        near = lines[min(line, len(lines)) - 1][col - 1 :].strip()[:40]
        raise QueryError(f"{where}:{line}:{col}: SPARQL syntax error near {near!r} ({msg})") from None
    declared = _declared_prefixes(parsed)
    missing = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p not in declared)
    runnable = missing + sparql
    try:  # the standard prefixes given as initial namespaces: what the runnable text declares
        with PARSER_LOCK:
            algebra = translateQuery(parsed, None, {p: ns for p, ns in PREFIXES.items() if p not in declared})
    except Exception as exc:  # rdflib raises several types for an unknown prefix or a bad aggregate
        raise QueryError(f"{where}: {exc}") from None
    kind = algebra.algebra.name.replace("Query", "").upper()
    return CheckedQuery(kind, sparql, runnable)


_PREFIX_DECLARATION = re.compile(r"^[ \t]*PREFIX[ \t]+([A-Za-z][\w.\-]*)?:", re.IGNORECASE | re.MULTILINE)


def _checked_library_query(query: NamedQuery | None, sparql: str, where: str) -> CheckedQuery | None:
    """``check_query``'s answer for a query of the bundled library without rdflib's parser, or None for
    any other text.  The library's queries are parsed by the test suite (which checks this answer
    against ``check_query``'s), and parsing them again cost 0.4 s of every ``corpgraph query NAME``."""
    if query is None or query.path is None or query.sparql != sparql:
        return None
    if query.path.parent.resolve() != bundled_queries_dir().resolve():
        return None
    kind = refuse_unsafe(sparql, where)
    declared = set(_PREFIX_DECLARATION.findall(sparql))
    missing = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p not in declared)
    return CheckedQuery(kind, sparql, missing + sparql)


# -- parameters -------------------------------------------------------------------------------------


def bind_params(
    backend: Backend,
    query: NamedQuery | None,
    params: Mapping[str, str] | None,
    index: EntityIndex | None = None,
) -> dict[str, Node]:
    """Turn text parameters (and the header's defaults) into rdflib terms, typed by the header."""
    given = dict(params or {})
    for name in given:
        check_variable(name)
    declared = {p.name: p for p in (query.params if query else [])}
    for name in given:
        if query is not None and declared and name not in declared:
            known = ", ".join(declared) or "none"
            raise QueryError(f"{query.name}: unknown parameter {name!r} (parameters: {known})")
    out: dict[str, Node] = {}
    names = list(declared) + [n for n in given if n not in declared]
    for name in names:
        p = declared.get(name, Param(name, "auto"))
        value = given.get(name, p.default)
        if value is None:
            continue
        out[name] = _term(backend, p, value, index)
    return out


def _term(backend: Backend, p: Param, value: str, index: EntityIndex | None) -> Node:
    if p.type == "entity":
        if value.startswith(("http://", "https://", "urn:")):
            return _iri_param(p, value)
        return URIRef((index or EntityIndex.from_backend(backend)).resolve(value))
    if p.type == "iri":
        if ":" in value and not value.startswith(("http://", "https://", "urn:")):
            prefix, _, local = value.partition(":")
            if prefix in PREFIXES:
                return _iri_param(p, str(PREFIXES[prefix]) + local)
        if not value.startswith(("http://", "https://", "urn:")):
            raise QueryError(f"parameter {p.name}: {value!r} is not an IRI or a known prefixed name")
        return _iri_param(p, value)
    if p.type == "date":
        try:
            dates.span(value)
        except ValueError:
            raise QueryError(
                f"parameter {p.name}: {value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD"
            ) from None
        return Literal(value.strip())
    if p.type == "int":
        try:
            return Literal(int(value), datatype=XSD.integer)
        except ValueError:
            raise QueryError(f"parameter {p.name}: {value!r} is not a whole number") from None
    if p.type == "auto":  # a parameter no header declares: an IRI if it looks like one, else a string
        if value.startswith(("http://", "https://", "urn:")):
            return _iri_param(p, value)
        prefix, sep, local = value.partition(":")
        if sep and prefix in PREFIXES and " " not in local:
            return _iri_param(p, str(PREFIXES[prefix]) + local)
    return Literal(value)


def _iri_param(p: Param, value: str) -> URIRef:
    problem = rdftext.iri_problem(value)
    if problem:
        raise QueryError(f"parameter {p.name}: {value[:200]!r} is not a valid IRI ({problem})")
    return URIRef(value)


# -- running -------------------------------------------------------------------------------------


@dataclass
class QueryAnswer:
    """What ``run_query`` returns: the outcome plus what was asked."""

    outcome: QueryOutcome
    query: NamedQuery | None
    bindings: dict[str, Node]

    @property
    def kind(self) -> str:
        return self.outcome.kind


def run_query(
    backend: Backend,
    sparql_or_query: str | NamedQuery,
    params: Mapping[str, str] | None = None,
    *,
    index: EntityIndex | None = None,
    max_rows: int | None = None,
) -> QueryAnswer:
    """Check, bind and run a query (SPARQL text or a ``NamedQuery``) on any backend.

    ``max_rows``: keep the first rows of a SELECT and count the rest (``answer.outcome.total``,
    ``truncated``); the CLI passes ``DEFAULT_ROW_LIMIT`` unless told ``--limit N`` or ``--all``.
    """
    query = sparql_or_query if isinstance(sparql_or_query, NamedQuery) else None
    sparql = query.sparql if query else str(sparql_or_query)
    if query is None:
        query_meta = parse_header(sparql, "query")
        if query_meta.params:
            query = query_meta
    where = str(query.path) if query and query.path else (query.name if query else "query")
    checked = _checked_library_query(query, sparql, where) or check_query(sparql, where)
    bindings = bind_params(backend, query, params, index)
    # each backend binds its way: initBindings in memory, a VALUES block opening the WHERE group elsewhere
    # the answer is kept per graph version: asked again, it is read back instead of computed
    outcome = derived.kept_answer(
        backend,
        checked.runnable,
        bindings,
        max_rows,
        lambda: backend.query(checked.runnable, bindings, max_rows=max_rows),
    )
    return QueryAnswer(outcome, query, bindings)


__all__ = [
    "CheckedQuery",
    "NamedQuery",
    "Param",
    "QueryAnswer",
    "check_query",
    "list_queries",
    "load_query",
    "parse_header",
    "run_query",
    "bind_params",
    "SPARQL_PREFIXES",
]

"""Any SPARQL 1.1 endpoint (``--endpoint URL``), through the standard protocol and nothing but urllib.

Queries are POSTed as ``application/sparql-query`` to the query URL; SELECT and ASK answers are read
as SPARQL JSON results, CONSTRUCT and DESCRIBE as N-Triples (or Turtle), and every term comes back
as the rdflib term the memory backend would give.  Imports write through SPARQL Update
(``application/sparql-update``) to the update URL: each part of the graph (one file of the graph
folder) is a named graph ``urn:corpgraph:part:<path>``, replaced with ``DROP SILENT GRAPH`` and
``INSERT DATA`` in chunks.  Queries must therefore see the union of the named graphs as their
default graph: ``oxigraph serve --union-default-graph``, Fuseki ``tdb2:unionDefaultGraph true``;
GraphDB and Virtuoso do so unless told otherwise.

The update URL is, in order: the ``update_url`` argument, $CORPGRAPH_UPDATE_ENDPOINT, the query URL
with ``/query`` replaced by ``/update`` (Oxigraph, Fuseki), ``/repositories/ID`` + ``/statements``
(GraphDB, RDF4J), else the query URL itself (Virtuoso, Fuseki's dataset URL).  A URL without a path
is taken as an Oxigraph server's base: ``/query`` is added.

A small record in the named graph ``urn:corpgraph:meta`` (the version stamp and each part's
SHA-256) lets ``load_folder`` push only the files that changed and gives ``version()``.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import XSD, Graph, Literal
from rdflib.term import Node

from .. import rdftext
from .. import store as graph_store
from ..errors import BackendError, GraphLoadError
from . import Backend, PartTriples, QueryOutcome
from .oxigraph_store import (
    META_GRAPH,
    META_TRIPLES,
    META_VERSION,
    PART_PREFIX,
    Progress,
    _say,
    from_ox,
    graph_digest,
    outcome_from_ox,
    part_iri,
    part_name,
)
from .sparqlhttp import Reply, Transport, check_url, display_url, printable
from .sparqltext import bind_inline, isolate_paths, query_form

ENV_UPDATE = "CORPGRAPH_UPDATE_ENDPOINT"
ENV_DIALECT = "CORPGRAPH_ENDPOINT_DIALECT"
META_SHA = "urn:corpgraph:meta#sha256"
META_PREFIX = "urn:corpgraph:meta#"
EMPTY_GRAPH = "urn:corpgraph:none"
CHUNK_TRIPLES = 20_000

_JSON = "application/sparql-results+json"
_NOT_META = f'FILTER(!STRSTARTS(STR(?p), "{META_PREFIX}"))'


def default_update_url(query_url: str) -> str:
    """Where updates go when not told: see the module docstring."""
    env = os.environ.get(ENV_UPDATE)
    if env:
        return env
    parts = urllib.parse.urlsplit(query_url)
    path = parts.path.rstrip("/")
    if path.endswith("/query"):
        path = path[: -len("/query")] + "/update"
    elif "/repositories/" in path and path.rsplit("/repositories/", 1)[1].count("/") == 0:
        path = path + "/statements"
    return urllib.parse.urlunsplit(parts._replace(path=path))


def normalise_query_url(url: str) -> str:
    parts = check_url(url, "--endpoint")
    if parts.path in ("", "/"):
        return urllib.parse.urlunsplit(parts._replace(path="/query"))
    return url


@dataclass(frozen=True)
class Dialect:
    """How one engine departs from the plain protocol, found from its ``Server`` header (or set by
    $CORPGRAPH_ENDPOINT_DIALECT to ``standard`` or ``virtuoso``)."""

    name: str
    # the default graph is not the union of corpgraph's parts: name them with default-graph-uri
    name_the_parts: bool
    # where parts are written with the Graph Store protocol (path of the query URL -> path), or None
    # for SPARQL Update's INSERT DATA
    graph_store: dict[str, str] | None
    # what to ask CONSTRUCT answers in
    graph_accept: str
    # SELECT answers give an xsd:duration as a number (months, or seconds): read it back as written
    durations_as_numbers: bool = False
    # a property path (``*``, ``+``, ``?``) joined to other patterns repeats or loses rows: each is
    # sent as a subquery of its own (``sparqltext.isolate_paths``), which it answers right
    isolate_paths: bool = False


STANDARD = Dialect("standard", False, None, "application/n-triples, text/turtle;q=0.9")
# Virtuoso 7.2: its default graph is every graph it holds, its own system graphs included; answers
# past [SPARQL] ResultSetMaxRows are cut (said in an X-SPARQL-MaxRows header on SELECT only); its
# SPARQL parser runs out of stack past ~5,000 statements in one INSERT DATA and refuses xsd:duration
# literals there, while its Graph Store endpoint loads N-Triples of any size; its N-Triples answers
# give durations as numbers, its Turtle answers as written.
VIRTUOSO = Dialect(
    "virtuoso",
    True,
    {"/sparql": "/sparql-graph-crud", "/sparql-auth": "/sparql-graph-crud-auth"},
    "text/turtle, application/n-triples;q=0.5",
    durations_as_numbers=True,
    isolate_paths=True,
)
DIALECTS = {d.name: d for d in (STANDARD, VIRTUOSO)}


def dialect_of(server_header: str) -> Dialect:
    forced = os.environ.get(ENV_DIALECT, "").strip().lower()
    if forced:
        if forced not in DIALECTS:
            raise BackendError(f"{ENV_DIALECT} must be one of {', '.join(DIALECTS)}, not {forced!r}.")
        return DIALECTS[forced]
    return VIRTUOSO if server_header.lower().startswith("virtuoso") else STANDARD


class EndpointBackend(Backend):
    """SPARQL over HTTP: see the module docstring."""

    name = "endpoint"
    writable = True

    def __init__(self, url: str, update_url: str | None = None, timeout: float | None = None):
        self.url = normalise_query_url(url)
        self.update_url = update_url or default_update_url(self.url)
        check_url(self.update_url, "The SPARQL update URL")
        self.shown = display_url(self.url)
        self.shown_update = display_url(self.update_url)
        self.http = Transport(timeout=timeout)
        self.timeout = self.http.timeout
        super().__init__("", self.shown)
        self._stamp: str | None = None
        self._dialect: Dialect | None = None
        self._parts: list[str] | None = None

    # -- HTTP ------------------------------------------------------------------------------------
    def _post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        accept: str | None,
        method: str = "POST",
    ) -> Reply:
        reply = self.http.post(url, body, content_type, accept, method)
        if self._dialect is None:
            self._dialect = dialect_of(reply.headers.get("Server", ""))
        return reply

    @property
    def dialect(self) -> Dialect:
        if self._dialect is None:
            self._query_form("ASK {}", [])  # any answer tells the engine
        return self._dialect or STANDARD

    def _query_form(self, text: str, default_graphs: list[str], accept: str = _JSON) -> Reply:
        """A query as an URL-encoded form POST (the one form every engine takes: Virtuoso 7.2 never
        answers a direct ``application/sparql-query`` POST)."""
        fields = [("query", text)] + [("default-graph-uri", g) for g in default_graphs]
        body = urllib.parse.urlencode(fields).encode("ascii")
        return self._post(self.url, body, "application/x-www-form-urlencoded", accept)

    def update(self, sparql_update: str) -> None:
        """Send a SPARQL Update to the update URL (imports and loads only; never from ``query``)."""
        self._post(
            self.update_url,
            sparql_update.encode("utf-8"),
            "application/sparql-update; charset=utf-8",
            None,
        )
        self._parts = None

    # -- reading ---------------------------------------------------------------------------------
    def _run(self, sparql: str, bindings: dict[str, Node], max_rows: int | None = None) -> QueryOutcome:
        form = query_form(sparql)  # Backend.query has refused anything unsafe
        text = bind_inline(sparql, bindings)
        if self.dialect.isolate_paths:
            text = isolate_paths(text, bindings)
        return self._ask_server(form, text, self._dataset(), max_rows)

    def _ask_server(
        self, form: str, text: str, default_graphs: list[str], max_rows: int | None = None
    ) -> QueryOutcome:
        if form in ("SELECT", "ASK"):
            reply = self._query_form(text, default_graphs)
            cut = reply.headers.get("X-SPARQL-MaxRows")
            if cut:
                raise BackendError(
                    f"The SPARQL endpoint {self.shown} cut its answer at {printable(cut, 20)} rows "
                    "(Virtuoso: raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)."
                )
            out = _results_json(reply.body, self.shown, form, max_rows)
            if self.dialect.durations_as_numbers and out.rows:
                out.rows = [tuple(_duration_as_written(t) for t in row) for row in out.rows]
            return out
        reply = self._query_form(text, default_graphs, self.dialect.graph_accept)
        return QueryOutcome(form, graph=_parse_graph(reply.body, reply.content_type, self.shown))

    def _meta(self, sparql: str) -> QueryOutcome:
        """A query of corpgraph's own records (GRAPH <urn:corpgraph:meta>), on the server's dataset."""
        return self._ask_server("SELECT", sparql, [])

    def _dataset(self) -> list[str]:
        """The default graph to name in each query: none (the server's), or the part graphs (Virtuoso)."""
        if not self.dialect.name_the_parts:
            return []
        if self._parts is None:
            parts = sorted(self.part_hashes())
            if not parts:  # graphs put there by other means than corpgraph's load
                rows = self._meta(
                    f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                    f'FILTER(STRSTARTS(STR(?g), "{PART_PREFIX}")) }}'
                ).rows
                parts = sorted(str(g) for (g,) in rows if g is not None)
            self._parts = parts or [EMPTY_GRAPH]  # none at all: an empty default graph, not the system's
        return self._parts

    def to_graph(self) -> Graph:
        g = self.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {_NOT_META} }}")
        expected = self._recorded_count()
        if expected is not None and len(g) < expected:
            raise BackendError(
                f"The SPARQL endpoint {self.shown} sent {len(g)} of the {expected} triples it holds: it caps "
                "its answers (Virtuoso: raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)."
            )
        return g

    def __len__(self) -> int:
        """The triple count recorded with the version by the last load or import, else counted (slow)."""
        recorded = self._recorded_count()
        return recorded if recorded is not None else self._count()

    def _recorded_count(self) -> int | None:
        rows = self._meta(
            f"SELECT ?n WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META_TRIPLES}> ?n }} }}"
        ).rows
        if rows and isinstance(rows[0][0], Literal):
            try:
                return int(rows[0][0].toPython())
            except (TypeError, ValueError):
                return None
        return None

    def _count(self) -> int:
        out = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o {_NOT_META} }} }}"
        )
        return int(out.rows[0][0].toPython()) if out.rows and isinstance(out.rows[0][0], Literal) else 0

    def version(self) -> str:
        if self._stamp is None:
            rows = self._meta(
                f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META_VERSION}> ?v }} }}"
            ).rows
            self._stamp = str(rows[0][0]) if rows and rows[0][0] is not None else f"endpoint {self.shown}"
        return self._stamp

    def part_hashes(self) -> dict[str, str]:
        """{part IRI: SHA-256 of the file it was loaded from} as recorded on the endpoint."""
        rows = self._meta(f"SELECT ?g ?h WHERE {{ GRAPH <{META_GRAPH}> {{ ?g <{META_SHA}> ?h }} }}").rows
        return {str(g): str(h) for g, h in rows if g is not None and h is not None}

    # -- writing ---------------------------------------------------------------------------------
    def replace_part(
        self, part: str, graph: PartTriples, *, file_sha256: str | None = None, previous: bytes | None = None
    ) -> None:
        """Replace one part (named graph) with ``graph``: DROP SILENT GRAPH, then INSERT DATA in chunks.

        Not atomic across chunks: a failure part way leaves the part incomplete (rerun the import).
        """
        iri = part_iri(part)
        lines = (rdftext.ntriple(s, p, o) for s, p, o in graph)
        digest = graph_digest(graph)
        self._push(iri, lines)
        self._record(iri, digest)

    def _push(
        self,
        iri: str,
        lines: Iterable[str],
        progress: Progress | None = None,
        label: str = "",
    ) -> int:
        store_url = self._graph_store_url(iri)
        first = True
        total = 0
        for chunk in _chunks(lines, CHUNK_TRIPLES):
            body = "\n".join(chunk)
            if store_url:  # PUT replaces the graph, POST adds to it
                data = (body + "\n").encode("utf-8")
                self._post(
                    store_url,
                    data,
                    "application/n-triples",
                    None,
                    "PUT" if first else "POST",
                )
                self._parts = None
            else:
                head = f"DROP SILENT GRAPH <{iri}> ;\n" if first else ""
                self.update(f"{head}INSERT DATA {{ GRAPH <{iri}> {{\n{body}\n}} }}")
            first = False
            total += len(chunk)
            if label:
                _say(progress, f"  {label}: {total} triples sent")
        if first:
            self.update(f"DROP SILENT GRAPH <{iri}>")
        return total

    def _graph_store_url(self, iri: str) -> str | None:
        """The Graph Store URL of one graph when the dialect writes there, else None."""
        paths = self.dialect.graph_store
        parts = urllib.parse.urlsplit(self.url)
        path = paths.get(parts.path.rstrip("/")) if paths else None
        if path is None:
            return None
        query = urllib.parse.urlencode({"graph-uri": iri})
        return urllib.parse.urlunsplit(parts._replace(path=path, query=query))

    def _record(self, iri: str | None, digest: str | None, version: str | None = None) -> None:
        """Update the metadata: a part's hash (removed when digest is None) and the version stamp."""
        ops = []
        if iri is not None:
            ops.append(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{iri}> <{META_SHA}> ?h }} }}")
            if digest is not None:
                ops.append(f'INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{iri}> <{META_SHA}> "{digest}" }} }}')
        if version is None:
            version = "sha256:" + hashlib.sha256(f"{self.version()} {iri} {digest}".encode()).hexdigest()[:12]
        ops.append(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META_VERSION}> ?v }} }}")
        ops.append(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META_TRIPLES}> ?n }} }}")
        self.update(" ;\n".join(ops))  # the count goes first: a failure below leaves it to be counted
        count = self._count() if version != "loading" else None
        done = f'INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META_VERSION}> "{version}" '
        if count is not None:
            done += f". <{META_GRAPH}> <{META_TRIPLES}> {count} "
        self.update(done + "} }")
        self._stamp = version

    def load_folder(
        self,
        graph_dir: str | os.PathLike[str] | None = None,
        *,
        progress: Progress | None = None,
        force: bool = False,
    ) -> list[str]:
        """Push the data files of a graph folder, one part each, skipping those already there unchanged.

        Parts loaded from files that are no longer in the folder are dropped.  Returns the parts sent.
        """
        folder = graph_store.resolve_graph_dir(graph_dir)
        files = {part_name(p.relative_to(folder).as_posix()): p for p in graph_store.data_files(folder)}
        file_of = {name: p.relative_to(folder).as_posix() for name, p in files.items()}
        known = self.part_hashes()
        sent: list[str] = []
        for n, (rel, path) in enumerate(files.items(), 1):
            iri = part_iri(rel)
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            if known.get(iri) == digest and not force:
                continue
            _say(
                progress,
                f"[{n}/{len(files)}] sending {file_of[rel]} to {self.shown_update}",
            )
            self._push(iri, _ntriples(raw, path), progress, file_of[rel])
            self._record(iri, digest, version="loading")
            sent.append(rel)
        for iri in sorted(set(known) - {part_iri(rel) for rel in files}):
            if iri.startswith(PART_PREFIX):
                _say(progress, f"dropping {iri} (file gone)")
                self.update(f"DROP SILENT GRAPH <{iri}>")
                self._record(iri, None, version="loading")
        version = graph_store.graph_version(folder)
        if sent or self.version() != version:
            self._record(None, None, version=version)
        _say(
            progress,
            f"Endpoint {self.shown}: {len(sent)} of {len(files)} files sent, version {version}",
        )
        return sent

    def part_graph(self, part: str) -> Graph | None:
        """The triples of one part as the endpoint holds them, or None when the part is empty or absent."""
        g = self._ask_server(
            "CONSTRUCT",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{part_iri(part)}> {{ ?s ?p ?o }} }}",
            [],
        ).graph
        return g if g is not None and len(g) else None

    def parts(self) -> list[str]:
        return sorted(
            part_name(urllib.parse.unquote(i[len(PART_PREFIX) :])) if i.startswith(PART_PREFIX) else i
            for i in self.part_hashes()
        )


# -- helpers -------------------------------------------------------------------------------------

_DURATION = str(XSD.duration)


def _duration_as_written(term: Any) -> Any:
    """Virtuoso's number for an ``xsd:duration`` in a SELECT answer, as a duration again: a whole
    number is months (``P4Y`` comes back as ``48``), a decimal one seconds (``P30D`` as
    ``2.592e+06``); a duration mixing both it gives as written.  Anything else is left alone."""
    if not (isinstance(term, Literal) and str(term.datatype) == _DURATION):
        return term
    text = str(term).strip()
    if text.lstrip("-").startswith("P"):
        return term
    try:
        number = Decimal(text)
    except ArithmeticError:
        return term
    sign, number = ("-" if number < 0 else ""), abs(number)
    if number == number.to_integral_value() and not any(c in text for c in ".eE"):
        years, months = divmod(int(number), 12)
        body = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return Literal(f"{sign}P{body}", datatype=XSD.duration)
    days, rest = divmod(number, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = (
        (f"{int(hours)}H" if hours else "")
        + (f"{int(minutes)}M" if minutes else "")
        + (f"{seconds.normalize():f}S" if seconds else "")
    )
    body = (f"{int(days)}D" if days else "") + (f"T{clock}" if clock else "")
    return Literal(f"{sign}P{body or 'T0S'}", datatype=XSD.duration)


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ntriples(raw: bytes, path: Path) -> Iterator[str]:
    """The triples of a Turtle file as N-Triples lines (parsed by Oxigraph: fast, precise errors)."""
    try:
        quads = list(ox.parse(raw, ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    except SyntaxError:
        graph_store.parse_turtle_file(path)  # raises GraphLoadError with file:line:column
        raise GraphLoadError(str(path), "cannot be parsed") from None
    for q in quads:
        yield f"{q.subject} {q.predicate} {q.object} ."


def _results_json(body: bytes, url: str, form: str = "SELECT", max_rows: int | None = None) -> QueryOutcome:
    """SPARQL JSON results, read by Oxigraph's parser into the store's terms (rows past ``max_rows``
    counted, not converted); anything else is a clear error, never a traceback."""
    problem: str | None = None
    result: Any = None
    try:
        result = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if form == "ASK" and isinstance(result, ox.QuerySolutions):
            # Virtuoso answers ASK with one row holding 1 (true), or no row (false)
            values = [t.value for sol in result for t in sol if t is not None]
            out = QueryOutcome("ASK", boolean=any(x not in ("0", "false") for x in values))
        else:
            out = outcome_from_ox(
                result, form, max_rows=max_rows
            )  # the parser is lazy: errors come while reading rows
    except SyntaxError as exc:
        problem = str(exc) or "unreadable"
    finally:
        result = None  # Oxigraph's solutions must be dropped on the thread that read them
    if problem is not None:
        raise BackendError(_not_results(body, url, problem))
    return out


def _not_results(body: bytes, url: str, problem: str) -> str:
    """What is wrong with a reply that is not SPARQL JSON results (read again only on this error path)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return (
            f"The SPARQL endpoint {url} did not answer with SPARQL JSON results: "
            f"{printable(body[:200].decode('utf-8', 'replace'), 200)!r}"
        )
    if not isinstance(data, dict):
        return (
            f"The SPARQL endpoint {url} answered with a JSON {type(data).__name__}, not SPARQL JSON results."
        )
    return (
        f"The SPARQL endpoint {url} answered with JSON that is not SPARQL results: {printable(problem, 200)}"
    )


def _parse_graph(body: bytes, content_type: str, url: str) -> Graph:
    ctype = content_type.split(";")[0].strip().lower()
    formats = {
        "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "text/plain": ox.RdfFormat.N_TRIPLES,
        "text/turtle": ox.RdfFormat.TURTLE,
        "application/x-turtle": ox.RdfFormat.TURTLE,
        "application/rdf+xml": ox.RdfFormat.RDF_XML,
        "application/n-quads": ox.RdfFormat.N_QUADS,
    }
    fmt = formats.get(ctype, ox.RdfFormat.TURTLE)
    g = graph_store.new_graph()
    cache: dict[Any, Node] = {}
    try:
        for q in ox.parse(body, fmt):
            g.add(
                (
                    from_ox(q.subject, cache),
                    from_ox(q.predicate, cache),
                    from_ox(q.object, cache),
                )
            )
    except SyntaxError as exc:
        raise BackendError(
            f"The SPARQL endpoint {url} answered with a graph that cannot be parsed "
            f"({printable(content_type or 'no content type', 80)}): {printable(str(exc))}"
        ) from None
    return g

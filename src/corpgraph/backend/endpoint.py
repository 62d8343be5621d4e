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
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .. import rdftext
from .. import store as graph_store
from ..errors import BackendError, GraphLoadError, QueryError
from . import Backend, PartTriples, QueryOutcome, cap_rows
from .oxigraph_store import (
    META_GRAPH,
    META_TRIPLES,
    META_VERSION,
    PART_PREFIX,
    Progress,
    _say,
    from_ox,
    graph_digest,
    part_iri,
    part_name,
)
from .sparqltext import bind_inline, query_form

ENV_UPDATE = "CORPGRAPH_UPDATE_ENDPOINT"
ENV_TIMEOUT = "CORPGRAPH_ENDPOINT_TIMEOUT"
META_SHA = "urn:corpgraph:meta#sha256"
META_PREFIX = "urn:corpgraph:meta#"
CHUNK_TRIPLES = 20_000

_XSD_STRING = str(XSD.string)
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
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BackendError(f"--endpoint must be an http(s) URL of a SPARQL query service, not {url!r}")
    if parts.path in ("", "/"):
        return urllib.parse.urlunsplit(parts._replace(path="/query"))
    return url


class EndpointBackend(Backend):
    """SPARQL over HTTP: see the module docstring."""

    name = "endpoint"
    writable = True

    def __init__(self, url: str, update_url: str | None = None, timeout: float | None = None):
        self.url = normalise_query_url(url)
        self.update_url = update_url or default_update_url(self.url)
        self.timeout = timeout if timeout is not None else float(os.environ.get(ENV_TIMEOUT, "60"))
        super().__init__("", self.url)
        self._stamp: str | None = None

    # -- HTTP ------------------------------------------------------------------------------------
    def _post(self, url: str, body: str, content_type: str, accept: str | None) -> tuple[bytes, str]:
        headers = {"Content-Type": content_type + "; charset=utf-8", "User-Agent": "corpgraph"}
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=body.encode("utf-8"), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            detail = exc.read(600).decode("utf-8", "replace").strip()
            raise BackendError(
                f"The SPARQL endpoint {url} answered HTTP {exc.code} {exc.reason}"
                + (f": {' '.join(detail.split())[:400]}" if detail else "")
            ) from None
        except TimeoutError:
            raise BackendError(
                f"The SPARQL endpoint {url} did not answer within {self.timeout:g} s "
                f"(set {ENV_TIMEOUT} to wait longer)."
            ) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise BackendError(
                    f"The SPARQL endpoint {url} did not answer within {self.timeout:g} s "
                    f"(set {ENV_TIMEOUT} to wait longer)."
                ) from None
            raise BackendError(f"Cannot reach the SPARQL endpoint {url}: {reason}") from None
        except (ConnectionError, OSError) as exc:
            raise BackendError(f"Cannot reach the SPARQL endpoint {url}: {exc}") from None

    def update(self, sparql_update: str) -> None:
        """Send a SPARQL Update to the update URL (imports and loads only; never from ``query``)."""
        self._post(self.update_url, sparql_update, "application/sparql-update", None)

    # -- reading ---------------------------------------------------------------------------------
    def _run(self, sparql: str, bindings: dict[str, Node], max_rows: int | None = None) -> QueryOutcome:
        form = query_form(sparql)  # Backend.query has refused anything unsafe
        text = bind_inline(sparql, bindings)
        if form in ("SELECT", "ASK"):
            body, ctype = self._post(
                self.url, text, "application/sparql-query", "application/sparql-results+json"
            )
            out = _results_json(body, self.url)
            if max_rows is not None and out.kind == "SELECT":
                out.rows, out.total = cap_rows(out.rows, max_rows)
            return out
        body, ctype = self._post(
            self.url, text, "application/sparql-query", "application/n-triples, text/turtle;q=0.9"
        )
        g = _parse_graph(body, ctype, self.url)
        return QueryOutcome(form, graph=g)

    def to_graph(self) -> Graph:
        return self.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {_NOT_META} }}")

    def __len__(self) -> int:
        """The triple count recorded with the version by the last load or import, else counted (slow)."""
        rows = self.select(
            f"SELECT ?n WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META_TRIPLES}> ?n }} }}"
        ).rows
        if rows and isinstance(rows[0][0], Literal):
            try:
                return int(rows[0][0].toPython())
            except (TypeError, ValueError):
                pass
        return self._count()

    def _count(self) -> int:
        out = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o {_NOT_META} }} }}"
        )
        return int(out.rows[0][0].toPython()) if out.rows and isinstance(out.rows[0][0], Literal) else 0

    def version(self) -> str:
        if self._stamp is None:
            rows = self.select(
                f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META_VERSION}> ?v }} }}"
            ).rows
            self._stamp = str(rows[0][0]) if rows and rows[0][0] is not None else f"endpoint {self.url}"
        return self._stamp

    def part_hashes(self) -> dict[str, str]:
        """{part IRI: SHA-256 of the file it was loaded from} as recorded on the endpoint."""
        rows = self.select(f"SELECT ?g ?h WHERE {{ GRAPH <{META_GRAPH}> {{ ?g <{META_SHA}> ?h }} }}").rows
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

    def _push(self, iri: str, lines: Iterable[str], progress: Progress | None = None, label: str = "") -> int:
        first = True
        total = 0
        for chunk in _chunks(lines, CHUNK_TRIPLES):
            body = "\n".join(chunk)
            head = f"DROP SILENT GRAPH <{iri}> ;\n" if first else ""
            self.update(f"{head}INSERT DATA {{ GRAPH <{iri}> {{\n{body}\n}} }}")
            first = False
            total += len(chunk)
            if label:
                _say(progress, f"  {label}: {total} triples sent")
        if first:
            self.update(f"DROP SILENT GRAPH <{iri}>")
        return total

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
            _say(progress, f"[{n}/{len(files)}] sending {file_of[rel]} to {self.update_url}")
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
        _say(progress, f"Endpoint {self.url}: {len(sent)} of {len(files)} files sent, version {version}")
        return sent

    def part_graph(self, part: str) -> Graph | None:
        """The triples of one part as the endpoint holds them, or None when the part is empty or absent."""
        g = self.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{part_iri(part)}> {{ ?s ?p ?o }} }}")
        return g if len(g) else None

    def parts(self) -> list[str]:
        return sorted(
            part_name(urllib.parse.unquote(i[len(PART_PREFIX) :])) if i.startswith(PART_PREFIX) else i
            for i in self.part_hashes()
        )


# -- helpers -------------------------------------------------------------------------------------


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


def _json_term(b: dict[str, Any] | None) -> Node | None:
    if b is None:
        return None
    kind, value = b.get("type"), b.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind in ("literal", "typed-literal"):
        lang = b.get("xml:lang")
        if lang:
            return Literal(value, lang=lang)
        dt = b.get("datatype")
        return Literal(value) if not dt or dt == _XSD_STRING else Literal(value, datatype=URIRef(dt))
    if kind == "bnode":
        return BNode(value)
    raise QueryError(f"unsupported term in the endpoint's answer: {b!r}")


def _results_json(body: bytes, url: str) -> QueryOutcome:
    try:
        data = json.loads(body)
    except ValueError:
        raise BackendError(
            f"The SPARQL endpoint {url} did not answer with SPARQL JSON results: {body[:200]!r}"
        ) from None
    if "boolean" in data:
        return QueryOutcome("ASK", boolean=bool(data["boolean"]))
    names = list(data.get("head", {}).get("vars", []))
    rows = [tuple(_json_term(b.get(v)) for v in names) for b in data.get("results", {}).get("bindings", [])]
    return QueryOutcome("SELECT", names, rows)


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
            g.add((from_ox(q.subject, cache), from_ox(q.predicate, cache), from_ox(q.object, cache)))
    except SyntaxError as exc:
        raise BackendError(
            f"The SPARQL endpoint {url} answered with a graph that cannot be parsed "
            f"({content_type or 'no content type'}): {exc}"
        ) from None
    return g

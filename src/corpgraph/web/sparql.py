"""``/sparql``: a SPARQL 1.1 protocol endpoint over the graph (query operation only).

GET with ``?query=``, POST as a form (``query=``) or with an ``application/sparql-query`` body.
Answers are negotiated from the Accept header: SELECT and ASK as SPARQL results JSON (the default),
CSV or TSV; CONSTRUCT and DESCRIBE as Turtle (the default), N-Triples or JSON-LD; ``?format=``
(``json``, ``csv``, ``tsv``, ``turtle``, ``nt``, ``json-ld``) overrides Accept and downloads.  Every query
passes the library's one check (no update, SERVICE, FROM or LOAD), runs under the server's timeout,
and keeps at most ``max_rows`` rows (``X-Corpgraph-Rows: showing N of M``).  ``update=`` is refused.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import QueryError, QueryRefused
from ..output.answers import format_answer
from ..query import run_query
from .service import GraphService

ROW_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}
MAX_QUERY_BYTES = 1_000_000


def accepted(header: str) -> list[str]:
    """Media types of an Accept header, most wanted first (q=0 left out)."""
    items = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0] and q > 0:
            items.append((-q, i, fields[0].lower()))
    return [t for _, _, t in sorted(items)]


def negotiate(accept: str, kind: str) -> tuple[str, str] | None:
    """(media type, format of ``format_answer``) for a query of ``kind``, or None (406)."""
    offered = GRAPH_TYPES if kind in ("CONSTRUCT", "DESCRIBE") else ROW_TYPES
    wanted = accepted(accept) or ["*/*"]
    for t in wanted:
        if t in offered:
            return t, offered[t]
        if t in ("*/*", "application/*", "text/*"):
            first = next(m for m in offered if t == "*/*" or m.startswith(t[:-1]))
            return first, offered[first]
        if t == "text/html":  # a browser following a link: the default, shown as text
            first = next(iter(offered))
            return first, offered[first]
    return None


async def query_text(request: Request) -> str | None:
    """The query of a protocol request (None when it has none); refuses updates."""
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if len(body) > MAX_QUERY_BYTES:
            raise QueryError(f"the query is larger than {MAX_QUERY_BYTES:,} bytes")
        if ctype == "application/sparql-update":
            raise QueryRefused("corpgraph serve is read-only: SPARQL Update is refused.")
        if ctype == "application/sparql-query":
            return body.decode("utf-8", "replace")
        if ctype == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qs

            form = parse_qs(body.decode("utf-8", "replace"))
            if "update" in form:
                raise QueryRefused("corpgraph serve is read-only: SPARQL Update is refused.")
            _refuse_datasets(form)
            return next(iter(form.get("query") or []), None)
        raise QueryError(
            "POST a query as application/sparql-query or as a form (application/x-www-form-urlencoded)"
        )
    params = request.query_params
    if "update" in params:
        raise QueryRefused("corpgraph serve is read-only: SPARQL Update is refused.")
    _refuse_datasets({k: [v] for k, v in params.items()})
    return params.get("query")


def _refuse_datasets(params: dict) -> None:
    for name in ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri"):
        if name in params:
            raise QueryRefused(
                f"{name} is refused: every query reads the whole graph (as FROM is refused in the query)"
            )


async def endpoint(request: Request) -> Response:
    service: GraphService = request.app.state.service
    text = await query_text(request)
    if not text:
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/query", 303)  # a person opening /sparql: the editor
        raise QueryError("no query: give ?query=SPARQL (GET) or POST one")
    answer = await service.run(run_query, service.queries, text, max_rows=service.settings.max_rows)
    chosen = negotiate(request.headers.get("accept", ""), answer.kind)
    forced = request.query_params.get("format")  # a download link cannot set Accept: ?format=csv
    if forced:
        offered = GRAPH_TYPES if answer.kind in ("CONSTRUCT", "DESCRIBE") else ROW_TYPES
        by_name = {fmt: media for media, fmt in reversed(list(offered.items()))}
        chosen = (by_name[forced], forced) if forced in by_name else None
    if chosen is None:
        offered = GRAPH_TYPES if answer.kind in ("CONSTRUCT", "DESCRIBE") else ROW_TYPES
        from starlette.exceptions import HTTPException

        raise HTTPException(406, f"a {answer.kind} answer is offered as {', '.join(offered)}")
    media, fmt = chosen
    if fmt == "nt":
        assert answer.outcome.graph is not None
        body = answer.outcome.graph.serialize(format="nt")
    else:
        body = format_answer(answer, fmt)
    headers = {"Vary": "Accept"}
    if forced:
        suffix = {"json": "srj", "json-ld": "jsonld", "turtle": "ttl"}.get(fmt, fmt)
        headers["Content-Disposition"] = f'attachment; filename="corpgraph-query.{suffix}"'
    out = answer.outcome
    if out.truncated:
        headers["X-Corpgraph-Rows"] = f"showing {len(out.rows)} of {out.total}"
    charset = "; charset=utf-8"
    return Response(body, media_type=media + charset, headers=headers)

"""The local web app of ``corpgraph serve``: a Starlette ASGI app over the library.

Starlette (with uvicorn to serve it) because it is small, asynchronous and typed, and its test
client needs no server; every route only parses its parameters, calls the library (in a worker
thread, under the service's deadline and concurrency bound, see ``service.GraphService``) and
renders the answer: the app holds no SPARQL, networkx or drawing code of its own.

Pages: ``/`` (search), ``/search``, ``/entity/<slug>``, ``/paths``, ``/queries``,
``/queries/<name>``, ``/query`` (SPARQL editor), ``/map`` (the network view of any selection),
``/export`` (any export format of any selection).  JSON: ``/api/search``, ``/api/entity/<slug>``,
``/api/neighbourhood/<slug>``, ``/api/paths``, ``/api/queries``.  ``/sparql``: the SPARQL 1.1
protocol (``sparql.py``).  Security: ``security.py``; errors: ``problems.py``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..backend import Backend
from ..errors import CorpgraphError
from ..output import plain
from . import problems, sparql
from .pages import (
    BadParameter,
    as_of_param,
    certainty_param,
    int_param,
    list_param,
    many_param,
    query_params_of,
    render_html,
    render_page,
    selection_of,
)
from .security import CSP, SecurityMiddleware
from .service import GraphService, ServeSettings

STATIC = Path(__file__).parent / "static"


def service_of(request: Request) -> GraphService:
    return request.app.state.service


def json_response(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(plain(data), status)


# -- search ----------------------------------------------------------------------------------------


def _hits(service: GraphService, text: str, limit: int) -> list[dict]:
    return [
        {
            "iri": h.iri,
            "label": h.label,
            "type": h.type,
            "matched": h.matched if h.matched != h.label else None,
            "score": h.score,
            "href": problems.entity_href(h.iri),
        }
        for h in service.index().search(text, limit=limit)
    ]


async def api_search(request: Request) -> Response:
    service = service_of(request)
    text = request.query_params.get("q", "")[:200]
    limit = int_param(request, "limit", 10, 1, 100)
    return json_response({"query": text, "hits": await service.run(_hits, service, text, limit)})


async def home(request: Request) -> Response:
    service = service_of(request)
    index = await service.run(service.index)
    return render_page(
        request,
        "home.html",
        {
            "entities": len(index.entities),
            "location": service.backend.location,
            "graph": service.backend.version(),
            "stories": [
                (name, story.title or name) for name, story in sorted(service.settings.stories.items())
            ],
        },
    )


async def search_page(request: Request) -> Response:
    service = service_of(request)
    text = request.query_params.get("q", "").strip()[:200]
    hits = await service.run(_hits, service, text, 50) if text else []
    if hits and hits[0]["score"] == 1.0 and (len(hits) == 1 or hits[1]["score"] < 1.0):
        return RedirectResponse(hits[0]["href"], 303)  # the one exact match: its page
    return render_page(
        request, "search.html", {"q": text, "hits": hits}, status=200 if hits or not text else 404
    )


# -- entities --------------------------------------------------------------------------------------


def entity_view(service: GraphService, slug: str, as_of: Any = None) -> dict[str, Any]:
    """Everything the entity page shows: the card, relationships by kind, money, family."""
    from ..describe import entity_card
    from ..family import family_of
    from ..money import money_of
    from ..output.money import to_dict as money_dict
    from ..relations import relationship_groups

    index = service.index()
    iri = index.resolve(slug)
    g = service.net()
    card = entity_card(service.backend, iri, relationships=False)
    in_network = iri in g
    fam = family_of(g, iri, as_of=as_of) if in_network else None
    report = money_of(service.backend, iri, g=g, index=index) if in_network else None
    limit = service.settings.hub_limit
    return {
        "iri": iri,
        "card": card.as_dict(),
        "groups": relationship_groups(g, iri, ties_per_kind=limit) if in_network else [],
        "degree": g.degree(iri) if in_network else 0,
        "neighbours": len(set(g.successors(iri)) | set(g.predecessors(iri))) if in_network else 0,
        "money": money_dict(report, flows=False) if report else None,
        "family": [
            {"iri": m.entity, "label": m.label, "why": m.why(), "certainty": m.certainty}
            for m in (fam.members if fam and len(fam) > 1 else [])
        ],
        "hub_limit": limit,
    }


def remembered_entity_view(service: GraphService, slug: str, as_of: Any) -> dict[str, Any]:
    iri = service.index().resolve(slug)  # kept by entity, whichever name the URL gives it
    return service.remembered(("entity", iri, as_of), lambda: entity_view(service, iri, as_of))


# The pages built before anyone asks: at most this many entities, each with at least this many records
# (a page of a few hundred records takes milliseconds; ICE's 9,000 take most of a second).
HUBS_WARMED = 5
HUB_RECORDS = 1000


def warm_hubs(service: GraphService, count: int = HUBS_WARMED, min_records: int = HUB_RECORDS) -> list[str]:
    """Build the entity views and networks of the busiest entities, so their first request reads
    them like any page asked before (done in the background while the app starts)."""
    g = service.net()
    busiest = sorted(g, key=lambda n: (-g.degree(n), str(n)))[:count]
    hubs = [n for n in busiest if g.degree(n) >= min_records]
    for iri in hubs:
        remembered_entity_view(service, iri, None)
        neighbourhood_document(service, iri, service.settings.hub_limit)
    return hubs


def page_key(request: Request) -> tuple:
    """A page's URL: the key it is remembered under (the same URL is the same page while the app runs)."""
    return ("page", request.url.path, request.url.query)


async def entity_page(request: Request) -> Response:
    service = service_of(request)
    slug, as_of = request.path_params["slug"], as_of_param(request)

    def page() -> str:
        view = remembered_entity_view(service, slug, as_of)
        doc = neighbourhood_document(service, view["iri"], service.settings.hub_limit)
        return render_html(request, "entity.html", {**view, "map_json": script_data(doc)})

    return HTMLResponse(await service.run(service.remembered, page_key(request), page))


async def api_entity(request: Request) -> Response:
    service = service_of(request)
    slug, as_of = request.path_params["slug"], as_of_param(request)
    return json_response(await service.run(remembered_entity_view, service, slug, as_of))


def neighbourhood_document(service: GraphService, name: str, limit: int) -> dict[str, Any]:
    """The map document of an entity and its busiest neighbours: the entity page's network, and the
    fragment that expands a network view on click (``note`` says when a hub was cut)."""
    from ..render import map_document
    from ..subgraph import neighbours_subgraph

    iri = service.index().resolve(name)

    def build() -> dict[str, Any]:
        sub = neighbours_subgraph(service.net(), iri, limit=limit)
        doc = map_document(sub)
        doc["note"] = "; ".join(sub.notes) or None
        return doc

    return service.remembered(("around", iri, limit), build)


async def api_neighbourhood(request: Request) -> Response:
    service = service_of(request)
    limit = int_param(request, "limit", service.settings.hub_limit, 1, 500)
    name = request.path_params.get("slug") or request.query_params.get("iri") or ""
    if not name.strip():
        raise BadParameter("name an entity: /api/neighbourhood/<slug> or ?iri=IRI")
    return json_response(await service.run(neighbourhood_document, service, name, limit))


def script_data(doc: dict[str, Any]) -> Any:
    """A map document ready for a ``<script type="application/json">`` element (escaped by the
    library's script escaper: nothing in it can close the element)."""
    from markupsafe import Markup

    from ..render import script_json

    return Markup(script_json(doc))


# -- paths -----------------------------------------------------------------------------------------


def paths_view(service: GraphService, request_args: dict[str, Any]) -> dict[str, Any]:
    from ..output.paths import to_dict
    from ..paths import paths_between

    def search() -> dict[str, Any]:
        g, result = paths_between(service.backend, g=service.net(), index=service.index(), **request_args)
        return to_dict(g, result, records=True)

    key = ("paths", *sorted((k, str(v)) for k, v in request_args.items() if k != "time_budget"))
    return service.remembered(key, search)


def path_args(request: Request) -> dict[str, Any] | None:
    q = request.query_params
    a, b = (q.get("from") or "").strip(), (q.get("to") or "").strip()
    if not (a and b):
        return None
    return dict(
        source=a,
        target=b,
        via=many_param(request, "via"),
        avoid=many_param(request, "avoid"),
        kinds=list_param(request, "kinds") or None,
        max_hops=int_param(request, "max_hops", 4, 1, 6),
        max_paths=int_param(request, "max_paths", 20, 1, 200),
        min_certainty=certainty_param(request),
        as_of=as_of_param(request),
        soft=q.get("soft") in ("1", "on", "true"),
        time_budget=min(2.0, service_of(request).settings.timeout or 2.0),
    )


async def paths_page(request: Request) -> Response:
    service = service_of(request)
    args = path_args(request)

    def page() -> tuple[str, int]:
        result, problem, map_json = None, None, None
        if args:
            try:
                result = paths_view(service, args)
            except CorpgraphError as exc:  # no path, unknown name: said on the page beside the form
                if problems.status_of(exc) >= 500:  # a timeout, a backend away: not an answer to keep
                    raise
                problem = problems.problem_of(exc)
        if result and args:
            map_json = script_data(path_document(service, args))
        context = {"result": result, "problem": problem, "q": request.query_params, "map_json": map_json}
        return render_html(request, "paths.html", context), problem["status"] if problem else 200

    html, status = await service.run(service.remembered, page_key(request), page)
    return HTMLResponse(html, status)


def path_document(service: GraphService, args: dict[str, Any]) -> dict[str, Any]:
    """The map document of a path search: its paths' entities and records, ranked paths listed."""
    from ..render import map_document

    key = ("path-map", *sorted((k, str(v)) for k, v in args.items() if k != "time_budget"))
    view = {"paths": args, "around": None, "limit": 0, "selection": {}}
    return service.remembered(key, lambda: map_document(view_subgraph(service, view)))


async def api_paths(request: Request) -> Response:
    service = service_of(request)
    args = path_args(request)
    if not args:
        raise BadParameter("give from and to (entity names, slugs or IRIs)")
    return json_response(await service.run(paths_view, service, args))


# -- queries ---------------------------------------------------------------------------------------


def _library() -> dict[str, Any]:
    from ..query import list_queries

    return {q.name: q for q in list_queries()}


def _named(name: str) -> Any:
    library = _library()
    if name not in library:
        from ..errors import UnknownQuery

        raise UnknownQuery(f"No query named {name!r}; /queries lists them.")
    return library[name]


def run_table(service: GraphService, query: Any, params: dict[str, str]) -> dict[str, Any]:
    """A query's answer as a page shows it: at most ``max_rows`` rows, with the total."""
    from ..output import cell
    from ..query import run_query

    answer = run_query(
        service.queries, query, params, index=service.index(), max_rows=service.settings.max_rows
    )
    out = answer.outcome
    if out.kind == "ASK":
        return {"kind": "ASK", "boolean": out.boolean}
    if out.graph is not None:
        from ..output.answers import format_answer

        return {"kind": out.kind, "turtle": format_answer(answer, "turtle"), "triples": len(out.graph)}
    rows = [
        [{"text": cell(t) if t is not None else "", "iri": str(t) if _is_iri(t) else None} for t in row]
        for row in out.rows
    ]
    entity_iris = {c["iri"] for row in rows for c in row if c["iri"]} & set(service.index().entities)
    for row in rows:
        for c in row:
            if c["iri"] in entity_iris:
                c["href"] = problems.entity_href(c["iri"])
    return {
        "kind": "SELECT",
        "variables": out.variables,
        "rows": rows,
        "shown": len(rows),
        "total": out.total if out.total is not None else len(rows),
        "has_entities": bool(entity_iris),
    }


def _is_iri(term: Any) -> bool:
    from rdflib import URIRef

    return isinstance(term, URIRef)


async def queries_page(request: Request) -> Response:
    return render_page(request, "queries.html", {"library": list(_library().values())})


async def api_queries(request: Request) -> Response:
    return json_response(
        [
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "params": [
                    {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                    for p in q.params
                ],
                "href": "/queries/" + quote(q.name),
            }
            for q in _library().values()
        ]
    )


async def query_page(request: Request) -> Response:
    service = service_of(request)
    query = _named(request.path_params["name"])
    params = query_params_of(request)
    ran = "run" in request.query_params or bool(params)
    answer = await service.run(run_table, service, query, params) if ran else None
    return render_page(
        request, "query.html", {"query": query, "params": params, "answer": answer, "q": request.query_params}
    )


async def editor_page(request: Request) -> Response:
    """The SPARQL editor; ``?sparql=`` runs the text and shows its answer (a permalink)."""
    from ..query import parse_header

    service = service_of(request)
    text = request.query_params.get("sparql", "")
    answer = await service.run(run_table, service, parse_header(text, "sparql"), {}) if text.strip() else None
    from ..vocab import PREFIXES

    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    # YASGUI (CodeMirror) writes <style> elements: inline styles are allowed on this page, scripts
    # stay as strict as everywhere
    style = {"Content-Security-Policy": CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")}
    return render_page(
        request,
        "editor.html",
        {
            "sparql": text,
            "answer": answer,
            "prefixes": prefixes,
            "yasgui": (STATIC / "vendor" / "yasgui.min.js").is_file(),
        },
        headers=style,
    )


# -- maps and exports ------------------------------------------------------------------------------


def view_of(request: Request) -> dict[str, Any]:
    """What a network view or an export shows, from its URL: the paths of the path finder (``from``,
    ``to`` with its options), the busiest neighbours of one entity (``around``), or any selection of
    ``corpgraph map`` (``selection_of``)."""
    around = (request.query_params.get("around") or "").strip()
    return {
        "paths": path_args(request),
        "around": around or None,
        "limit": int_param(request, "limit", service_of(request).settings.hub_limit, 1, 500),
        "selection": selection_of(request),
        "story": (request.query_params.get("story") or "").strip() or None,
        "timeline": request.query_params.get("timeline") in ("1", "true"),
    }


def view_subgraph(service: GraphService, view: dict[str, Any]) -> Any:
    from ..paths import paths_between
    from ..subgraph import Selection, neighbours_subgraph, path_subgraph, select_subgraph

    if view["paths"]:
        args = view["paths"]
        g, result = paths_between(service.backend, g=service.net(), index=service.index(), **args)
        chosen = Selection(
            path=(args["source"], args["target"]),
            max_hops=args["max_hops"],
            kinds=tuple(args["kinds"] or ()),
            min_certainty=args["min_certainty"],
            as_of=args["as_of"],
        )
        return path_subgraph(g, result, chosen)
    if view["around"]:
        iri = service.index().resolve(view["around"])
        return neighbours_subgraph(service.net(), iri, limit=view["limit"])
    return select_subgraph(service.backend, net=service.net(), index=service.index(), **view["selection"])


def map_html(service: GraphService, view: dict[str, Any], embed: bool) -> str:
    from ..render import render_map

    stories = service.settings.stories
    if view["story"] is not None and view["story"] not in stories:
        offered = ", ".join(sorted(stories)) or "none (corpgraph serve --story FILE offers one)"
        raise HTTPException(404, f"no story named {view['story']!r}; stories: {offered}")
    sub = view_subgraph(service, view)
    panels: dict[str, Any] = {}
    if view["story"] is not None:  # the same panels as corpgraph map --story / --timeline
        from ..story import story_document

        panels["story"] = story_document(stories[view["story"]], sub, service.backend)
    if view["timeline"]:
        from ..timeline import timeline, timeline_document

        panels["timeline"] = timeline_document(timeline(sub, service.backend))
    return render_map(sub, embed=embed, assets="linked", static_prefix="/static/", **panels)


async def map_page(request: Request) -> Response:
    service = service_of(request)
    embed = request.query_params.get("embed") in ("1", "true")
    return HTMLResponse(await service.run(map_html, service, view_of(request), embed))


async def static_file(request: Request) -> Response:
    """The front-end's files (``render.static_asset``: web/static/ and vis-network from pyvis)."""
    from ..render import static_asset

    try:
        body, media = static_asset(request.path_params["name"])
    except KeyError:
        raise HTTPException(404, "no such file") from None
    return Response(body, media_type=media, headers={"Cache-Control": "max-age=3600"})


def export_bytes(service: GraphService, view: dict[str, Any], fmt: str) -> tuple[bytes, Any]:
    from ..export import EXPORTERS, zip_bytes

    sub = view_subgraph(service, view)
    data = EXPORTERS[fmt](sub, service.backend)
    return (zip_bytes(data) if isinstance(data, dict) else data), sub


MEDIA_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "graphml": "application/xml",
    "gexf": "application/xml",
    "csv": "application/zip",
    "svg": "image/svg+xml",
    "png": "image/png",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


async def export_download(request: Request) -> Response:
    from ..export import EXPORTERS

    service = service_of(request)
    fmt = request.query_params.get("format", "")
    if fmt not in EXPORTERS:
        raise BadParameter(f"format: {fmt!r} is not one of {', '.join(EXPORTERS)}")
    body, sub = await service.run(export_bytes, service, view_of(request), fmt)
    name = f"corpgraph-{sub.version.replace(':', '-')[:19]}{EXPORTERS[fmt].suffix}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        # an exported map or figure is a document to save, never a page that runs here
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return Response(body, media_type=MEDIA_TYPES.get(fmt, "application/octet-stream"), headers=headers)


# -- the app ---------------------------------------------------------------------------------------


def routes() -> list[Any]:
    return [
        Route("/", home),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/search", search_page),
        Route("/entity/{slug:path}", entity_page),
        Route("/paths", paths_page),
        Route("/queries", queries_page),
        Route("/queries/{name}", query_page),
        Route("/query", editor_page),
        Route("/map", map_page),
        Route("/export", export_download),
        Route("/sparql", sparql.endpoint, methods=["GET", "HEAD", "POST"]),
        Route("/api/search", api_search),
        Route("/api/entity/{slug:path}", api_entity),
        Route("/api/neighbourhood", api_neighbourhood),
        Route("/api/neighbourhood/{slug:path}", api_neighbourhood),
        Route("/api/paths", api_paths),
        Route("/api/queries", api_queries),
        Route("/static/{name:path}", static_file),
    ]


def create_app(
    backend: Backend,
    settings: ServeSettings | None = None,
    *,
    warm: bool = True,
    open_args: dict[str, Any] | None = None,
) -> Starlette:
    """The app over ``backend``.  ``warm`` builds the entity index and network in the background
    at start, so the first page does not wait for them; ``open_args`` (how ``backend`` was opened)
    lets users' queries run in child processes that a timeout really stops."""
    settings = settings or ServeSettings()
    service = GraphService(backend, settings, open_args)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if warm:
            threading.Thread(
                target=_quietly, args=(_warm, service), name="corpgraph-warm", daemon=True
            ).start()
        try:
            yield
        finally:
            service.close()

    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(
                SecurityMiddleware, allowed_hosts=settings.host_names(), cors_origins=settings.cors_origins
            )
        ],
        exception_handlers={
            CorpgraphError: problems.handle,
            HTTPException: problems.handle,
            Exception: problems.handle,
        },
        lifespan=lifespan,
    )
    app.state.service = service
    return app


def _warm(service: GraphService) -> None:
    from .pages import precompile

    precompile()
    service.warm()
    warm_hubs(service)


def _quietly(work: Any, *args: Any) -> None:
    try:
        work(*args)
    except Exception:  # the request that needs it again reports the error
        problems.log.exception("building the entity index and network failed")

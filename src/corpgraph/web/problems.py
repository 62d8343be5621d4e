"""Errors as the web shows them: an HTML page for people, a problem document (RFC 9457,
``application/problem+json``) for programs; never a traceback.

Library errors keep their messages (the same words as the command line); an unknown entity's page
lists the library's close matches, an ambiguous name its candidates.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ..errors import (
    AmbiguousEntity,
    CannotRun,
    CorpgraphError,
    NothingFound,
    QueryRefused,
    QueryTimeout,
    UnknownEntity,
    UnknownQuery,
)
from ..vocab import local_name

log = logging.getLogger("corpgraph.web")

TITLES = {
    400: "Bad request",
    403: "Refused",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Ambiguous name",
    413: "Too large",
    421: "Host not allowed",
    500: "Internal error",
    503: "Unavailable",
}


def status_of(exc: CorpgraphError) -> int:
    if isinstance(exc, QueryTimeout):
        return 503
    if isinstance(exc, QueryRefused):
        return 403
    if isinstance(exc, UnknownEntity | UnknownQuery | NothingFound):
        return 404
    if isinstance(exc, AmbiguousEntity):
        return 409
    if isinstance(exc, CannotRun):
        return 503
    return 400


def problem_of(exc: Exception) -> dict[str, Any]:
    """The problem document of an exception (its ``status``, ``title``, ``detail`` and extensions)."""
    if isinstance(exc, CorpgraphError):
        status = status_of(exc)
        doc: dict[str, Any] = {"title": TITLES.get(status, "Error"), "status": status, "detail": str(exc)}
        if isinstance(exc, QueryTimeout):
            doc["title"] = "Timed out"
        if isinstance(exc, UnknownEntity):
            doc["suggestions"] = [
                {"iri": iri, "label": label, "href": entity_href(iri)} for iri, label in exc.suggestions
            ]
        if isinstance(exc, AmbiguousEntity):
            doc["candidates"] = [
                {"iri": iri, "label": label, "type": kind, "href": entity_href(iri)}
                for iri, label, kind in exc.candidates
            ]
        return doc
    if isinstance(exc, HTTPException):
        return {
            "title": TITLES.get(exc.status_code, "Error"),
            "status": exc.status_code,
            "detail": exc.detail,
        }
    log.exception("internal error", exc_info=exc)
    return {
        "title": "Internal error",
        "status": 500,
        "detail": "corpgraph could not answer this request; the server's log says why.",
    }


def entity_href(iri: str) -> str:
    """The app's page of an entity: ``/entity/<slug>`` (the IRI's last segment)."""
    from urllib.parse import quote

    return "/entity/" + quote(local_name(iri), safe="")


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/sparql", "/export")):
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


async def handle(request: Request, exc: Exception) -> Response:
    doc = problem_of(exc)
    status = doc["status"]
    headers = {"Retry-After": "5"} if status == 503 else None
    if wants_json(request):
        return JSONResponse(
            {"type": "about:blank", **doc}, status, media_type="application/problem+json", headers=headers
        )
    from .pages import render_page

    try:
        return render_page(request, "error.html", {"problem": doc}, status=status, headers=headers)
    except Exception:  # the page itself failed: the plainest page, still escaped
        log.exception("error page failed")
        from ..output.escape import html

        title, detail = html(doc["title"]), html(doc["detail"])
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{detail}</p>"
        return HTMLResponse(body, status, headers=headers)

"""Rendering the app's HTML: one autoescaped Jinja environment (every string from the data is
escaped; links are made only from http(s) URLs), and the request parameters every view shares."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

from .. import __version__
from ..certainty import CERTAINTY_ORDER
from ..errors import CorpgraphError
from ..output.numbers import money, number, plural
from .problems import entity_href
from .security import safe_url

TEMPLATES = Path(__file__).parent / "templates"


class BadParameter(CorpgraphError):
    """A request parameter that cannot be used (a bad date, number or name): 400."""


@functools.cache
def environment():  # -> jinja2.Environment
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=lambda amount, currency=None: money(amount, currency),
        number=number,
        safe_url=safe_url,
        entity_href=entity_href,
    )
    env.globals.update(plural=plural, version=__version__, certainties=CERTAINTY_ORDER, urlencode=urlencode)
    return env


def precompile() -> None:
    """Compile every template once (a few hundred milliseconds), before the first page needs it."""
    env = environment()
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)


def render_page(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return HTMLResponse(render_html(request, name, context), status, headers=headers)


def render_html(request: Request, name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render(request=request, path=request.url.path, **context)


# -- parameters ------------------------------------------------------------------------------------


def as_of_param(request: Request, name: str = "as_of") -> dt.date | None:
    from ..dates import parse_as_of

    text = (request.query_params.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse_as_of(text)
    except ValueError as exc:
        raise BadParameter(f"{name}: {exc}") from None


def int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    text = (request.query_params.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadParameter(f"{name}: {text!r} is not a whole number") from None
    if not lo <= value <= hi:
        raise BadParameter(f"{name}: {value} is not between {lo} and {hi}")
    return value


def certainty_param(request: Request) -> str | None:
    value = (request.query_params.get("min_certainty") or "").strip() or None
    if value and value not in CERTAINTY_ORDER:
        raise BadParameter(f"min_certainty: {value!r} is not one of {', '.join(CERTAINTY_ORDER)}")
    return value


def list_param(request: Request, name: str) -> list[str]:
    """A repeatable or comma-separated parameter (``kinds=Contract,Hosting&kinds=Ownership``)."""
    return [x.strip() for v in request.query_params.getlist(name) for x in v.split(",") if x.strip()]


def many_param(request: Request, name: str) -> list[str]:
    """A repeatable parameter whose values may hold commas (entity names)."""
    return [v.strip() for v in request.query_params.getlist(name) if v.strip()]


def query_params_of(request: Request) -> dict[str, str]:
    """The parameters of a named query: ``p.NAME=VALUE``."""
    return {k[2:]: v for k, v in request.query_params.multi_items() if k.startswith("p.") and v.strip()}


def selection_of(request: Request) -> dict[str, Any]:
    """The selection of ``corpgraph map`` and ``export`` from a URL: ``focus`` (repeatable),
    ``depth``, ``from``/``to`` (a path selection) with ``max_hops``, ``query`` (a library query's
    name) with ``p.NAME``, ``sparql`` (a query's text), ``kinds``, ``min_certainty``, ``as_of``."""
    from ..query import list_queries, parse_header

    q = request.query_params
    query: Any = None
    name = (q.get("query") or "").strip()
    if name:
        library = {nq.name: nq for nq in list_queries()}
        if name not in library:  # never a path: only the library's queries are offered
            raise BadParameter(f"query: no query named {name!r} in the library")
        query = library[name]
    elif (q.get("sparql") or "").strip():
        query = parse_header(q["sparql"], "sparql")
    a, b = (q.get("from") or "").strip(), (q.get("to") or "").strip()
    if bool(a) != bool(b):
        raise BadParameter("a path selection needs both from and to")
    return dict(
        focus=tuple(many_param(request, "focus")),
        depth=int_param(request, "depth", 1, 0, 4),
        path=(a, b) if a else None,
        max_hops=int_param(request, "max_hops", 4, 1, 6),
        query=query,
        query_params=query_params_of(request),
        kinds=tuple(list_param(request, "kinds")),
        min_certainty=certainty_param(request),
        as_of=as_of_param(request),
    )


def with_params(path: str, params: Any, **changes: Any) -> str:
    """``path`` with the query ``params`` (a Starlette QueryParams or pairs), some changed."""
    items = [(k, v) for k, v in (params.multi_items() if hasattr(params, "multi_items") else params)]
    items = [(k, v) for k, v in items if k not in changes]
    items += [(k, v) for k, v in changes.items() if v is not None]
    return path + ("?" + urlencode(items) if items else "")

"""Showing corpgraph's views inline in a Jupyter notebook.

A ``Subgraph``, a ``PathResult`` (with the network it was found in) and a ``MapView`` display as
the interactive map, through ``_repr_html_``: a self-contained page (``render.render_map``) in an
``<iframe srcdoc>``, its text escaped for the attribute, and sandboxed (scripts run, but the map
cannot reach the notebook's page, cookies or kernel; its own CSP keeps it off the network).
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from typing import Any

DEFAULT_HEIGHT = 600


def iframe(page: str, height: int = DEFAULT_HEIGHT, title: str = "corpgraph map") -> str:
    """``page`` (a whole HTML document) as an inline, sandboxed iframe for a notebook cell."""
    return (
        f'<iframe srcdoc="{html_lib.escape(page, quote=True)}" sandbox="allow-scripts" '
        f'title="{html_lib.escape(title, quote=True)}" '
        f'style="width: 100%; height: {int(height)}px; border: 1px solid #ddd;"></iframe>'
    )


@dataclass
class MapView:
    """A rendered map that shows itself in a notebook (``map_view``); ``html`` is the page."""

    html: str
    height: int = DEFAULT_HEIGHT

    def _repr_html_(self) -> str:
        return iframe(self.html, self.height)

    def save(self, path: Any) -> None:
        from .fileio import write_atomically

        write_atomically(path, self.html)


def map_view(sub: Any, *, height: int = DEFAULT_HEIGHT, **options: Any) -> MapView:
    """The map of a ``Subgraph`` (options as ``render.render_map``), for a notebook."""
    from .render import render_map

    options.setdefault("embed", True)
    return MapView(render_map(sub, **options), height)


def subgraph_html(sub: Any) -> str:
    """``Subgraph._repr_html_``."""
    return map_view(sub)._repr_html_()


def path_result_html(result: Any) -> str:
    """``PathResult._repr_html_``: the map of its paths, ends and records highlighted; without the
    network it was found in (a result built by hand), its paths as text."""
    from .subgraph import Selection, path_subgraph

    g = result.network
    if g is None:
        return "<pre>" + html_lib.escape("\n".join(" ".join(p.nodes) for p in result.paths)) + "</pre>"
    label = lambda n: str(g.nodes[n].get("label") or n) if n in g else n  # noqa: E731
    sub = path_subgraph(
        g, result, Selection(path=(label(result.source), label(result.target)), max_hops=result.max_hops)
    )
    return subgraph_html(sub)

"""corpgraph: a sourced knowledge graph of corporate-agency relationships in immigration enforcement.

The public API, imported lazily so that ``corpgraph --help`` stays fast::

    from corpgraph import open_backend, project, find_paths, money_of, run_query, EntityIndex
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "open_backend": "corpgraph.backend",
    "load_graph": "corpgraph.store",
    "graph_version": "corpgraph.store",
    "project": "corpgraph.netgraph",
    "EntityIndex": "corpgraph.resolve",
    "validate_folder": "corpgraph.validate",
    "graph_stats": "corpgraph.describe",
    "entity_card": "corpgraph.describe",
    "run_query": "corpgraph.query",
    "find_paths": "corpgraph.paths",
    "money_of": "corpgraph.money",
    "render_map": "corpgraph.render",
    "map_view": "corpgraph.notebook",
    "select_subgraph": "corpgraph.subgraph",
    "paths_between": "corpgraph.paths",
    "EXPORTERS": "corpgraph.export",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'corpgraph' has no attribute {name!r}")

"""The interactive map as an export: the same self-contained page as ``corpgraph map``, laid out to
fill an iframe."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..render import render_map
from ..subgraph import Subgraph


def to_html(sub: Subgraph, backend: Backend, **options: Any) -> bytes:
    options.setdefault("embed", True)
    return render_map(sub, **options).encode("utf-8")

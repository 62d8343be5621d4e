"""corpgraph: a sourced knowledge graph of corporate-agency relationships in immigration enforcement."""

from __future__ import annotations

__version__ = "0.1.0"

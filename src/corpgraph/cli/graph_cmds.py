"""Commands on the graph itself: validate, stats, search, show."""

from __future__ import annotations

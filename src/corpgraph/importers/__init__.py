"""One module per outside source corpgraph can import (``corpgraph import KIND FILE``).

Each module has ``run(ctx)``: read the file through :mod:`.common`, resolve names through
``ctx.resolver`` (:mod:`corpgraph.entity_resolution`) and add sourced records to ``ctx.graph``
with the helpers of :class:`.context.ImportContext`.  :mod:`corpgraph.importing` runs them and
writes the result safely.
"""

from __future__ import annotations

KINDS = ("usaspending", "csv", "facilities", "tornapart")

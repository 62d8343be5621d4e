"""Build the real-data graph folder: the bundled graph plus the seven files of ``shared/data/real``.

Usage::

    python bench/realdata.py OUT_DIR      # copies the bundled graph to OUT_DIR and imports the files

Kept by the benches (``bench/bench_default.py``) between runs: a folder already built is reused.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from corpgraph.importing import import_file
from corpgraph.store import bundled_graph_dir

SHARED = Path(os.environ.get("CORPGRAPH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
REAL = SHARED / "data" / "real"

# (importer, file under data/real), in the order a user would import them
FILES = [
    ("usaspending", "wrags81-cbp-ice-dashboard/CBP_ICE_FY2025_Contract_Obligations.csv"),
    ("usaspending", "alyssc-mn_ice_contracts/Contracts_PrimeAwardSummaries_2025-03-21_H19M57S23_1.csv"),
    ("usaspending", "alyssc-mn_ice_contracts/Contracts_Subawards_2025-03-28_H03M23S17_1.csv"),
    ("tornapart", "xpmethod-torn-apart/freezer.csv"),
    ("tornapart", "xpmethod-torn-apart/graph.json"),
    ("facilities", "xpmethod-torn-apart/iceFacs.csv"),
    ("facilities", "CarwilB-ice-detention/contractors-patch-fy26.csv"),
]


def build(out: Path, *, quiet: bool = False) -> Path:
    """The real-data folder at ``out`` (built once: a folder with its ``.built`` mark is reused)."""
    mark = out / ".built"
    if mark.is_file():
        return out
    if not REAL.is_dir():
        raise SystemExit(f"real data folder {REAL} is absent (set CORPGRAPH_SHARED to the shared/ folder)")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(bundled_graph_dir(), out)
    for kind, rel in FILES:
        t = time.perf_counter()
        result = import_file(kind, REAL / rel, graph_dir=out)
        if not quiet:
            print(
                f"  imported {rel}: {result.triples:,} triples, {result.stats.get('rows read', 0):,} rows "
                f"in {time.perf_counter() - t:.1f} s",
                file=sys.stderr,
            )
    mark.write_text("built\n")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(build(Path(sys.argv[1])))

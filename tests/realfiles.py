"""The cut of the seven real files that tests/test_real_money.py, tests/test_real_edges.py and
tests/test_real_orders.py import (issue 9 §7), and the session fixtures that import it once per
test run.

Speed: importing all seven files whole takes about 12 s (twice that for two orders), too slow for
the suite; the award files are cut first (1,649 of their 14,932 rows: every row of the companies
checked, GEO Group, CoreCivic, Palantir, AT&T, Fifth Third, Dawson, the names split between files
or legal forms (Booz Allen, Deloitte, Ernst & Young, Guidehouse, L3, Government Acquisitions), and
every row of the awards that appear in more than one file, the ones that were counted twice); the
facility lists and graph.json are imported whole.  The cut files and the two imported graph folders
are made once per run, by the first test process that needs them, under a lock, and read by the
others (see :func:`made_once`); the expected figures are computed over the same cut rows,
independently of the importer's code.
"""

from __future__ import annotations

import csv
import fcntl
import os
import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from corpgraph import netgraph
from corpgraph.importing import _folder_backend as folder_backend
from corpgraph.importing import import_file
from corpgraph.store import bundled_graph_dir

TX = Path("wrags81-cbp-ice-dashboard") / "CBP_ICE_FY2025_Contract_Obligations.csv"
AWARDS = Path("alyssc-mn_ice_contracts") / "Contracts_PrimeAwardSummaries_2025-03-21_H19M57S23_1.csv"
SUBAWARDS = Path("alyssc-mn_ice_contracts") / "Contracts_Subawards_2025-03-28_H03M23S17_1.csv"
FREEZER = Path("xpmethod-torn-apart") / "freezer.csv"
ICEFACS = Path("xpmethod-torn-apart") / "iceFacs.csv"
GRAPH_JSON = Path("xpmethod-torn-apart") / "graph.json"
PATCH = Path("CarwilB-ice-detention") / "contractors-patch-fy26.csv"
ORDER = [
    ("usaspending", TX),
    ("usaspending", AWARDS),
    ("usaspending", SUBAWARDS),
    ("tornapart", FREEZER),
    ("facilities", ICEFACS),
    ("tornapart", GRAPH_JSON),
    ("facilities", PATCH),
]
CUT = (TX, AWARDS, SUBAWARDS, FREEZER)
WHOLE = (ICEFACS, GRAPH_JSON, PATCH)
COMPANIES = re.compile(
    r"GEO GROUP|CORECIVIC|PALANTIR|AT&T|ATT MOBILITY|FIFTH THIRD|DAWSON SOLUTIONS|^B\.I\.|"
    # names two files split between identifiers, or spell in two legal forms (tests/test_real_orders.py)
    r"BOOZ ALLEN|DELOITTE|ERNST & YOUNG|GOVERNMENT ACQUISITIONS|GUIDEHOUSE|\bL3(HARRIS| TECHNOLOGIES)",
    re.I,
)


def short_key(generated: str) -> tuple[str, str]:
    """(agency code, PIID) of a generated award ID."""
    parts = generated.split("_")
    return parts[3], parts[2]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def write_cut(real_data: Path, out: Path) -> None:
    """The cut files (see the module docstring) and the whole ones, under ``out`` with their real names."""
    tx, aw, sub, fr = (read_csv(real_data / p) for p in CUT)
    keys = {
        "tx": {short_key(r["Generated Award ID"]) for r in tx[1]},
        "aw": {short_key(r["contract_award_unique_key"]) for r in aw[1]},
        "sub": {short_key(r["prime_award_unique_key"]) for r in sub[1]},
        "fr": {("7012", r["award_id"]) for r in fr[1]},
    }
    shared = {k for a in keys for b in keys if a < b for k in keys[a] & keys[b]}
    cut = {
        TX: [
            r
            for r in tx[1]
            if short_key(r["Generated Award ID"]) in shared or COMPANIES.search(r["Recipient Name"])
        ],
        AWARDS: [
            r
            for r in aw[1]
            if short_key(r["contract_award_unique_key"]) in shared or COMPANIES.search(r["recipient_name"])
        ],
        SUBAWARDS: [
            r
            for r in sub[1]
            if short_key(r["prime_award_unique_key"]) in shared
            or COMPANIES.search(r["prime_awardee_name"] + "|" + r["subawardee_name"])
        ],
        FREEZER: [
            r
            for r in fr[1]
            if ("7012", r["award_id"]) in shared or COMPANIES.search(r["recipient_name"] + r["parent_name"])
        ],
    }
    for path, (header, _) in zip(CUT, (tx, aw, sub, fr), strict=True):
        _write(out / path.name, header, cut[path])
    for path in WHOLE:
        shutil.copy(real_data / path, out / path.name)


def made_once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder ``name``, made by ``make(folder)`` once per test run: the first test process (of
    pytest-xdist's workers) that asks makes it under a lock, the others wait, then read it.  It must
    only be read."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by its workers
    folder, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


def _imported(factory: pytest.TempPathFactory, folder: Path, name: str, order) -> tuple:
    def make(dest: Path) -> None:
        graph = dest / "graph"
        shutil.copytree(bundled_graph_dir(), graph)
        for kind, path in order:
            import_file(kind, folder / path.name, graph_dir=graph)

    graph = made_once(factory, f"real-{name}", make) / "graph"
    # read into an in-memory Oxigraph store, as imports do: 0.5 s where rdflib took 9 s
    backend = folder_backend(graph, None)
    return graph, backend, netgraph.build_network(backend)


@pytest.fixture(scope="session")
def subset(real_data, tmp_path_factory) -> dict[Path, tuple[list[str], list[dict[str, str]]]]:
    """The cut files' rows by their path in the real data; ``Path("folder")`` gives their folder."""
    out = made_once(tmp_path_factory, "real-subset", lambda dest: write_cut(real_data, dest))
    files: dict[Path, tuple] = {path: read_csv(out / path.name) for path in CUT}
    files[Path("folder")] = (str(out), [])
    return files


@pytest.fixture(scope="session")
def forward(subset, tmp_path_factory) -> tuple:
    """The cut files imported in the listed order: (graph folder, backend, network).  Read only."""
    return _imported(tmp_path_factory, Path(subset[Path("folder")][0]), "forward", ORDER)


@pytest.fixture(scope="session")
def imported(subset, forward, tmp_path_factory) -> list[tuple]:
    """The cut files imported in the listed order and in the reverse order.  Read only."""
    return [forward, _imported(tmp_path_factory, Path(subset[Path("folder")][0]), "reverse", ORDER[::-1])]


def expected_fy(subset, agency: str, names: set[str] | None = None) -> Decimal:
    """FY2025 obligations by csv sums: exact duplicate rows dropped, per agency code (and recipients)."""
    seen, total = set(), Decimal(0)
    for r in subset[TX][1]:
        sig = tuple(sorted(r.items()))
        if sig in seen:
            continue
        seen.add(sig)
        if short_key(r["Generated Award ID"])[0] == agency and (
            names is None or r["Recipient Name"] in names
        ):
            total += Decimal(r["Federal Action Obligation"])
    return total

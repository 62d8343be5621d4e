"""What reading the model from the ontology costs the named queries, and why within-hops keeps its lists.

On synthetic graphs (``bench/synthetic.py``) in the local Oxigraph store, measured in one run:

* ``within-hops`` as shipped (the roles listed in its first-hop property path and in two
  ``FILTER IN``), against the same query with the roles joined with the ontology's
  ``cg:RoleProperty`` terms, and against a text that reads every role from the ontology (a
  ``SELECT DISTINCT`` subquery for the first hop instead of the path, which takes no variable
  predicate).  All give the same answers; the store does not push the bound ``?start`` into the
  subquery and walks every record pair of the graph.  The ratios are the gain the lists buy;
* ``paid-by`` as shipped (the money-carrying kinds and their direction read from ``cg:moneyFlow``)
  against the previous text (four UNION branches naming the kinds and roles).

Each query runs in a fresh child process, best of three while short.  Rows are checked equal between
the variants; ratios are the variant's time over the shipped query's.

Usage::

    python bench/bench_ontology_queries.py                      # 100k triples
    python bench/bench_ontology_queries.py --sizes 100000,1000000 --timeout 120
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402
from rdflib import Literal, URIRef  # noqa: E402

from corpgraph.backend.oxigraph_store import OxigraphBackend  # noqa: E402
from corpgraph.ontology import read_ontology  # noqa: E402
from corpgraph.query import load_query  # noqa: E402
from corpgraph.vocab import ENT  # noqa: E402

# The roles read from the ontology instead of the two FILTER IN lists.
ROLE_JOINS = "  ?r ?p ?n1 . ?p a cg:RoleProperty .\n  ?r ?q ?entity . ?q a cg:RoleProperty .\n"


def within_hops_variants(roles: list[str]) -> dict[str, str]:
    shipped = load_query("within-hops").sparql
    filters = re.search(
        r"  \?r \?p \?n1 \.\n  FILTER\(\?p IN \(.*?\)\)\n  \?r \?q \?entity \.\n  FILTER\(\?q IN \(.*?\)\)\n",
        shipped,
        re.S,
    )
    path = re.search(r"  \?start \(\^\(.*?\)\)\? \?n1 \.\n", shipped, re.S)
    assert filters and path, "within-hops changed: update this benchmark"
    joined = shipped[: filters.start()] + ROLE_JOINS + shipped[filters.end() :]
    # The first hop read from the ontology needs a DISTINCT subquery (a path takes no variable
    # predicate); a BIND in a UNION branch would not see the bound ?start, so level 1 is its own branch.
    level1 = (
        "    ?r ?p ?start . ?p a cg:RoleProperty . ?r ?q ?entity . ?q a cg:RoleProperty . BIND(1 AS ?level)\n"
    )
    level2 = (
        "    { SELECT DISTINCT ?start ?n1 WHERE { ?r0 ?p0 ?start . ?p0 a cg:RoleProperty .\n"
        "      ?r0 ?q0 ?n1 . ?q0 a cg:RoleProperty . FILTER(?n1 != ?start) } }\n"
        "    ?r ?p ?n1 . ?p a cg:RoleProperty . ?r ?q ?entity . ?q a cg:RoleProperty . BIND(2 AS ?level)\n"
    )
    end = shipped.index("  FILTER(?entity != ?start)")
    ontology_only = (
        shipped[: path.start()]
        + "  {\n"
        + level1
        + "  } UNION {\n"
        + level2
        + "  }\n  FILTER(?level <= ?hops)\n"
        + shipped[end:].replace("  BIND(IF(?n1 = ?start, 1, 2) AS ?level)\n", "")
    )
    return {
        "shipped (roles listed)": shipped,
        "roles joined with the ontology": joined,
        "ontology only (subquery)": ontology_only,
    }


PAID_BY_PREVIOUS = """
  { ?rec cg:buyer ?payer ; a cg:Contract ; cg:supplier ?recipient ; cg:amount ?amount . }
  UNION { ?rec cg:payer ?payer ; a cg:Payment ; cg:payee ?recipient ; cg:amount ?amount . }
  UNION { ?rec cg:lender ?payer ; a cg:CreditFacility ; cg:borrower ?recipient ; cg:amount ?amount . }
  UNION { ?rec cg:law ?payer ; a cg:Appropriation ; cg:beneficiary ?recipient ; cg:amount ?amount . }
"""


def paid_by_variants() -> dict[str, str]:
    shipped = load_query("paid-by").sparql
    m = re.search(r"\n  \{ \?recordKind cg:moneyFlow.*?cg:amount \?amount \.\n", shipped, re.S)
    assert m, "paid-by changed: update this benchmark"
    return {
        "shipped": shipped,
        "previous (kinds listed)": shipped[: m.start()] + PAID_BY_PREVIOUS + shipped[m.end() :],
    }


def _child(store_path: str, sparql: str, bindings: dict, out) -> None:
    backend = OxigraphBackend.open(Path(store_path))
    best, rows = None, None
    for _ in range(3):  # best of three while a run is short (warm caches), else one run
        t = time.perf_counter()
        rows = backend.select(sparql, bindings).rows
        t = time.perf_counter() - t
        best = t if best is None else min(best, t)
        if t > 2.0:
            break
    out.send((best, sorted(map(repr, rows or []))))


def timed_query(
    store_path: Path, sparql: str, bindings: dict, timeout: float
) -> tuple[float | None, list | None]:
    """Best seconds and rows of one query in a fresh child process (the store cannot stop a query);
    None after ``timeout``."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(str(store_path), sparql, bindings, send))
    proc.start()
    if recv.poll(timeout):
        t, rows = recv.recv()
        proc.join()
        return t, rows
    proc.kill()
    proc.join()
    return None, None


def run_size(n: int, work: Path, timeout: float) -> list[tuple]:
    folder = synthetic.write(work / f"graph-{n}", n)
    store_path = work / f"store-{n}"
    backend = OxigraphBackend.open(store_path, folder)
    roles = sorted(read_ontology(backend).roles)
    triples = len(backend)
    backend.close()
    print(f"\n== {triples:,} triples (synthetic), Oxigraph store ==", flush=True)
    out = []
    cases = [
        (
            f"within-hops {who} hops={hops}",
            within_hops_variants(roles),
            {"start": URIRef(ENT[who]), "hops": Literal(hops)},
        )
        for who in ("company-1", "ice")
        for hops in (1, 2)
    ] + [("paid-by DHS", paid_by_variants(), {"agency": URIRef(ENT.dhs)})]
    for case, variants, bindings in cases:
        base_t, base_rows = None, None
        for name, sparql in variants.items():
            t, rows = timed_query(store_path, sparql, bindings, timeout)
            if name.startswith("shipped"):
                base_t, base_rows = t, rows
            ratio = f"{t / base_t:.1f}x" if t and base_t else ""
            if rows is None:
                note = f"stopped after {timeout:g} s"
            elif name.startswith("shipped"):
                note = f"{len(rows)} rows"
            else:
                note = (
                    "same rows"
                    if rows == base_rows
                    else f"DIFFERENT rows: {len(rows)} vs {len(base_rows or [])}"
                )
            shown = "" if t is None else f"{t:.3f}"
            print(f"  {case:<28} {name:<26} {shown:>9} s {ratio:>8}  {note}", flush=True)
            out.append((triples, case, name, t, ratio, note))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated triple counts (default 100000)")
    ap.add_argument("--timeout", type=float, default=120.0, help="stop a query after this many seconds")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the graphs and stores")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="corpgraph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for n in [int(x) for x in args.sizes.split(",") if x]:
            rows += run_size(n, work, args.timeout)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n| triples | query | text | store (s) | / shipped | note |")
    print("|---|---|---|---|---|---|")
    for triples, case, name, t, ratio, note in rows:
        print(f"| {triples:,} | {case} | {name} | {'' if t is None else f'{t:.3f}'} | {ratio} | {note} |")


if __name__ == "__main__":
    main()

"""Issue 9 §7: the seven real files imported in two orders must give the same answers.

Imports the files of ``shared/data/real`` into two fresh copies of the bundled graph, once in the
order of ``bench/bench_real.py`` and once reversed, then prints

- the name decisions (``imports/*.decisions.csv``: source name, identifier -> entity, rule, candidate)
  that differ between the two folders, and
- the money per entity, amount kind and side (paid / received) that differs, summed over the
  network projection's records with an amount.  An entity is named by the source names resolved to
  it (not by its IRI), so the same group of names under two minted IRIs compares equal.

Usage::

    python bench/compare_orders.py              # CORPGRAPH_SHARED or ../shared must hold data/real
    python bench/compare_orders.py --show 40    # list up to 40 differences of each sort (default 25)
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from bench_real import ORDER, real_data_dir

from corpgraph import netgraph
from corpgraph.importing import _folder_backend as folder_backend
from corpgraph.importing import import_file
from corpgraph.store import bundled_graph_dir

Decisions = dict[tuple[str, str, str], tuple[str, str, str]]


def build(folder: Path, real: Path, order) -> float:
    shutil.copytree(bundled_graph_dir(), folder)
    t0 = time.perf_counter()
    for kind, rel in order:
        import_file(kind, real / rel, graph_dir=folder)
    return time.perf_counter() - t0


def decisions(folder: Path) -> Decisions:
    """(file, source name, identifier) -> (entity, rule, candidate), over every decisions file."""
    out: Decisions = {}
    for path in sorted((folder / "imports").glob("*.decisions.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                key = (path.name, row["source_name"], row["identifier"])
                out[key] = (row["entity"], row["rule"], row["candidate"])
    return out


def clusters(found: Decisions) -> dict[str, str]:
    """Entity IRI -> a name for it that does not depend on its IRI: the source names (with their
    identifiers) resolved to it, so that two folders whose entities hold the same names compare
    equal even where the IRIs minted for them differ."""
    names: dict[str, set[str]] = defaultdict(set)
    for (_, name, ident), (iri, _, _) in found.items():
        names[iri].add(f"{name} [{ident}]" if ident else name)
    return {iri: " | ".join(sorted(n))[:160] for iri, n in names.items()}


def money(folder: Path) -> dict[tuple[str, str, str], tuple[Decimal, int]]:
    """(entity, amount kind, 'paid'|'received') -> (sum, records) over the projection's amounts."""
    backend = folder_backend(folder, None)
    g = netgraph.build_network(backend)
    acc: dict[tuple[str, str, str], list] = defaultdict(lambda: [Decimal(0), 0])
    for u, v, d in g.edges(data=True):
        amount = d.get("amount")
        if amount is None:
            continue
        kind = str(d.get("amount_kind") or "-")
        flow = d.get("money_flow") or "none"
        payer, payee = (v, u) if flow == "backward" else (u, v)
        for node, side in ((payer, "paid"), (payee, "received")):
            t = acc[(node, kind, side)]
            t[0] += Decimal(str(amount))
            t[1] += 1
    return {k: (v[0], v[1]) for k, v in acc.items()}


def short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--show", type=int, default=25, help="differences listed of each sort")
    ap.add_argument("--keep", type=Path, help="build the two folders here and keep them")
    args = ap.parse_args()
    real = real_data_dir()
    if not real.is_dir():
        print(f"real data folder {real} is absent (set CORPGRAPH_SHARED)", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="corpgraph-orders-"))
    try:
        folders = {}
        for name, order in (("forward", ORDER), ("reverse", ORDER[::-1])):
            folders[name] = work / name
            print(f"import, {name} order: {build(folders[name], real, order):.1f} s")
        d1, d2 = decisions(folders["forward"]), decisions(folders["reverse"])
        keys = sorted(set(d1) | set(d2))
        diff = [k for k in keys if d1.get(k) != d2.get(k)]
        c1, c2 = clusters(d1), clusters(d2)
        moved = [k for k in diff if d1.get(k, ("",))[0] != d2.get(k, ("",))[0]]
        regrouped = [k for k in moved if c1.get(d1.get(k, ("",))[0]) != c2.get(d2.get(k, ("",))[0])]
        print(
            f"\nname decisions: {len(keys):,}; differing between the orders: {len(diff):,}, "
            f"of which {len(moved):,} send the name to another entity IRI, and {len(regrouped):,} to an "
            "entity holding other names (the rest differ in rule or candidate only)"
        )
        diff = moved + [k for k in diff if k not in set(moved)]
        for k in diff[: args.show]:
            a, b = d1.get(k, ("-", "-", "")), d2.get(k, ("-", "-", ""))
            print(f"  {k[1]!r} [{k[2] or 'no id'}] in {k[0]}")
            print(f"      forward: {short(a[0])} ({a[1]}{' vs ' + short(a[2]) if a[2] else ''})")
            print(f"      reverse: {short(b[0])} ({b[1]}{' vs ' + short(b[2]) if b[2] else ''})")
        m1 = {(c1.get(e, e), k, side): v for (e, k, side), v in money(folders["forward"]).items()}
        m2 = {(c2.get(e, e), k, side): v for (e, k, side), v in money(folders["reverse"]).items()}
        mkeys = sorted(set(m1) | set(m2))
        mdiff = [k for k in mkeys if m1.get(k) != m2.get(k)]
        ents = {k[0] for k in mdiff}
        at_stake = sum(
            (abs(m1.get(k, (Decimal(0), 0))[0] - m2.get(k, (Decimal(0), 0))[0]) for k in mdiff),
            Decimal(0),
        )
        print(
            f"\nmoney totals (entity, kind, side): {len(mkeys):,}; differing: {len(mdiff):,} "
            f"over {len(ents):,} entities; sum of absolute differences {at_stake:,.2f}"
        )
        ranked = sorted(
            mdiff,
            key=lambda k: -abs(m1.get(k, (Decimal(0), 0))[0] - m2.get(k, (Decimal(0), 0))[0]),
        )
        for k in ranked[: args.show]:
            a, b = m1.get(k, (Decimal(0), 0)), m2.get(k, (Decimal(0), 0))
            print(
                f"  {short(k[0]) if k[0].startswith('http') else k[0][:110]} {k[1]} {k[2]}: "
                f"forward {a[0]:,.2f} ({a[1]}) / reverse {b[0]:,.2f} ({b[1]})"
            )
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

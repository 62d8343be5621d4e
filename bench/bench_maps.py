"""Issue 4 §4 figures: map and export times and file sizes, and the time each map takes to settle in
headless Chromium, at 100, 2,000 and 20,000 nodes.

Graphs:

* ``synthetic`` -- bench/synthetic.py (the shared generator: dense, about 6 edges per node), sized so
  the projection has about the number of nodes asked for;
* ``sparse`` -- this script's own generator: about 1.5 edges per node (companies, agencies, systems;
  contracts, hosting, credit lines, partnerships), closer to what a reporter maps.

Both are loaded into an Oxigraph store (the fast backend; the RDF exports read through it).

Baselines measured in the same run: pyvis's own ``add_node``/``add_edge`` and its template (quadratic,
so only up to ``--baseline-max`` nodes), and the settling time of that default pyvis page (physics
with pyvis defaults, stopped after ``--settle-cap`` seconds).

Usage::

    python bench/bench_maps.py                         # 100, 2000, 20000 nodes, both graphs
    python bench/bench_maps.py --sizes 100,2000 --graphs sparse --no-figures
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpgraph import netgraph, render, subgraph  # noqa: E402
from corpgraph.errors import ExportError  # noqa: E402
from corpgraph.export import EXPORTERS  # noqa: E402
from corpgraph.store import bundled_graph_dir  # noqa: E402

CHROMIUM = os.environ.get("CORPGRAPH_CHROMIUM") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HEADER = """@prefix cg: <https://w3id.org/corpgraph/ns#> .
@prefix ent: <https://w3id.org/corpgraph/entity/> .
@prefix rec: <https://w3id.org/corpgraph/record/> .
@prefix src: <https://w3id.org/corpgraph/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def sparse_turtle(n_nodes: int, seed: int = 11) -> str:
    """About ``n_nodes`` entities and 1.5 records per entity, every record sourced and quoted."""
    rng = random.Random(seed)
    out = [HEADER]
    n_src = max(5, n_nodes // 200)
    for i in range(n_src):
        out.append(
            f'src:b{i} a cg:Source ; schema:url "https://example.org/bench/{i}"^^xsd:anyURI ; '
            f'dcterms:title "Bench document {i}" ; dcterms:publisher "Bench press" .\n'
        )
    n_agency = max(3, n_nodes // 50)
    n_system = max(2, n_nodes // 20)
    n_company = n_nodes - n_agency - n_system
    for i in range(n_agency):
        out.append(f'ent:a{i} a cg:GovernmentBody ; rdfs:label "Agency {i}" .\n')
    for i in range(n_system):
        out.append(f'ent:s{i} a cg:System ; rdfs:label "System {i}" .\n')
    for i in range(n_company):
        out.append(f'ent:c{i} a cg:Company ; rdfs:label "Company {i}" .\n')
    certs = ("confirmed", "reported", "reported", "likely", "alleged")
    for r in range(int(n_nodes * 1.5)):
        x = rng.random()
        tail = (
            f" ; cg:certainty cg:{rng.choice(certs)} ; cg:source src:b{rng.randrange(n_src)} ; "
            f'cg:quote "Bench quote {r}." .\n'
        )
        date = f'"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}"^^xsd:gYearMonth'
        if x < 0.7:
            body = (
                f"rec:r{r} a cg:Contract ; cg:buyer ent:a{rng.randrange(n_agency)} ; "
                f'cg:supplier ent:c{rng.randrange(n_company)} ; cg:amount "{rng.randint(1, 90000) * 1000}"^^'
                f'xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:obligated ; cg:date {date}'
            )
        elif x < 0.8:
            body = (
                f"rec:r{r} a cg:Hosting ; cg:host ent:c{rng.randrange(n_company)} ; "
                f"cg:system ent:s{rng.randrange(n_system)}"
            )
        elif x < 0.9:
            body = (
                f"rec:r{r} a cg:CreditFacility ; cg:lender ent:c{rng.randrange(n_company)} ; "
                f'cg:borrower ent:c{rng.randrange(n_company)} ; cg:amount "{rng.randint(1, 900) * 1000000}"^^'
                f'xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:creditLine ; cg:date {date}'
            )
        else:
            body = (
                f"rec:r{r} a cg:Partnership ; cg:partner ent:c{rng.randrange(n_company)}, "
                f"ent:c{rng.randrange(n_company)}"
            )
        out.append(body + tail)
    return "".join(out)


def make_folder(kind: str, n_nodes: int, root: Path) -> Path:
    folder = root / f"{kind}-{n_nodes}"
    if kind == "synthetic":
        import synthetic

        return synthetic.write(folder, max(2000, (n_nodes - 40) * 60))
    folder.mkdir(parents=True)
    for name in ("ontology.ttl", "shapes.ttl"):
        shutil.copy(bundled_graph_dir() / name, folder / name)
    (folder / "bench.ttl").write_text(sparse_turtle(n_nodes), encoding="utf-8")
    return folder


def open_backend(folder: Path, root: Path):
    try:
        from corpgraph.backend.oxigraph_store import OxigraphBackend

        return OxigraphBackend.open(root / (folder.name + ".store"), graph_dir=folder)
    except ImportError:
        from corpgraph.backend.memory import MemoryBackend

        return MemoryBackend.from_folder(folder)


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def mib(n: int) -> str:
    return f"{n / 1048576:.2f} MiB" if n >= 104858 else f"{n / 1024:.1f} KiB"


class Browser:
    def __init__(self):
        from playwright.sync_api import sync_playwright

        self._p = sync_playwright().start()
        self.b = self._p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

    def settle_ours(self, path: Path, cap: float) -> tuple[float | None, float | None, int]:
        """(wall seconds from navigation to settled, the page's performance.now() at settle, nodes drawn)."""
        page = self.b.new_page(viewport={"width": 1400, "height": 900})
        try:
            t = time.perf_counter()
            page.goto(path.resolve().as_uri(), timeout=int(cap * 1000))
            while not page.evaluate("window.cgSettled === true"):
                if time.perf_counter() - t > cap:
                    return None, None, 0
                time.sleep(0.02)
            wall = time.perf_counter() - t
            at, drawn = page.evaluate("[window.cgSettledAt, cgNetwork.body.nodeIndices.length]")
            return wall, at / 1000.0, drawn
        finally:
            page.close()

    def settle_pyvis(self, path: Path, cap: float) -> float | None:
        """Seconds until the default pyvis page stops moving (positions unchanged for 0.5 s), or None."""
        from playwright.sync_api import Error as PlaywrightError

        page = self.b.new_page(viewport={"width": 1400, "height": 900})
        try:
            t = time.perf_counter()
            page.goto(path.resolve().as_uri(), timeout=int(cap * 1000), wait_until="commit")
            last, still_since = None, None
            while time.perf_counter() - t < cap:
                try:
                    pos = page.evaluate(
                        "typeof network === 'undefined' ? null : JSON.stringify(network.getPositions())"
                    )
                except PlaywrightError:  # the page is still busy loading
                    pos = None
                now = time.perf_counter()
                if pos is not None and pos == last:
                    still_since = still_since or now
                    if now - still_since >= 0.5:
                        return still_since - t
                else:
                    still_since = None
                last = pos
                time.sleep(0.1)
            return None
        except PlaywrightError:
            return None
        finally:
            page.close()

    def close(self):
        self.b.close()
        self._p.stop()


def pyvis_baseline(sub: subgraph.Subgraph, out: Path) -> float:
    """pyvis used the ordinary way: add_node/add_edge, its own in-line template."""
    from pyvis.network import Network

    t = time.perf_counter()
    net = Network(directed=True, cdn_resources="in_line")
    for n, d in sub.net.nodes(data=True):
        net.add_node(n, label=d.get("label", n), title=d.get("type_label", ""))
    for u, v, d in sub.net.edges(data=True):
        net.add_edge(u, v, title=d.get("kind_label", ""))
    cwd = os.getcwd()
    os.chdir(out.parent)
    try:
        net.write_html(out.name)
    finally:
        os.chdir(cwd)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,2000,20000")
    ap.add_argument("--graphs", default="sparse,synthetic")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-figures", action="store_true", help="skip svg and png (Graphviz)")
    ap.add_argument("--figure-max", type=int, default=2500, help="largest graph to draw as svg/png")
    ap.add_argument("--baseline-max", type=int, default=2000, help="largest graph for the pyvis baselines")
    ap.add_argument("--settle-cap", type=float, default=30.0)
    ap.add_argument(
        "--rdf-max", type=int, default=500_000, help="skip the RDF exports of bigger graphs (triples)"
    )
    ap.add_argument("--keep", metavar="DIR", help="keep the maps and exports in DIR")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-maps-"))
    root.mkdir(parents=True, exist_ok=True)
    browser = None
    if not args.no_browser and Path(CHROMIUM).is_file():
        browser = Browser()
    rows: list[tuple[str, ...]] = []
    warm = subgraph.Subgraph(netgraph.nx.MultiDiGraph(), subgraph.Selection(), "warm-up")
    render.render_map(warm)  # imports (pyvis, jinja2) and reading vis-network are not part of the figures
    pyvis_baseline(warm, root / "warm.html")

    def row(
        graph: str, nodes: int, edges: int, what: str, seconds: float | None, size: str = "", note: str = ""
    ):
        secs = "-" if seconds is None else f"{seconds:.2f}"
        rows.append((graph, str(nodes), str(edges), what, secs, size, note))
        print(f"  {what:<22} {secs:>8} s  {size:>10}  {note}", file=sys.stderr, flush=True)

    try:
        for kind in args.graphs.split(","):
            for n in sizes:
                print(f"{kind} {n}: building", file=sys.stderr, flush=True)
                folder = make_folder(kind, n, root)
                backend, t_load = timed(open_backend, folder, root)
                net, t_proj = timed(netgraph.project, backend)
                sub, t_sel = timed(subgraph.select_subgraph, backend, net=net)
                nn, ne = sub.net.number_of_nodes(), sub.net.number_of_edges()
                row(kind, nn, ne, "load (store)", t_load, note=f"{len(backend)} triples")
                row(kind, nn, ne, "project + select", t_proj + t_sel)
                out = root / f"{kind}-{n}"
                html, t_map = timed(render.render_map, sub)
                path = out / "map.html"
                path.write_text(html, encoding="utf-8")
                row(
                    kind,
                    nn,
                    ne,
                    "map written",
                    t_map,
                    mib(path.stat().st_size),
                    "precomputed layout" if nn > render.LARGE_MAP else "physics, then off",
                )
                if browser:
                    wall, at, drawn = browser.settle_ours(path, args.settle_cap)
                    row(
                        kind,
                        nn,
                        ne,
                        "map settled (browser)",
                        wall,
                        "",
                        f"page clock {at:.2f} s, {drawn} nodes drawn" if at is not None else "did not settle",
                    )
                if nn <= args.baseline_max:
                    base_path = out / "pyvis-default.html"
                    t_base = pyvis_baseline(sub, base_path)
                    row(
                        kind,
                        nn,
                        ne,
                        "baseline pyvis build",
                        t_base,
                        mib(base_path.stat().st_size),
                        f"pyvis time / ours = {t_base / t_map:.2f}" if t_map else "",
                    )
                    if browser:
                        s = browser.settle_pyvis(base_path, args.settle_cap)
                        row(
                            kind,
                            nn,
                            ne,
                            "baseline pyvis settle",
                            s,
                            "",
                            f"still moving after {args.settle_cap:.0f} s" if s is None else "",
                        )
                for fmt, exporter in EXPORTERS.items():
                    if fmt in ("svg", "png") and (args.no_figures or nn > args.figure_max):
                        row(
                            kind,
                            nn,
                            ne,
                            f"export {fmt}",
                            None,
                            "",
                            "skipped: above the figure limit" if not args.no_figures else "skipped",
                        )
                        continue
                    if fmt in ("ttl", "jsonld", "nt") and len(backend) > args.rdf_max:
                        row(
                            kind, nn, ne, f"export {fmt}", None, "", f"skipped: over {args.rdf_max:,} triples"
                        )
                        continue
                    try:
                        result, t = timed(exporter, sub, backend)
                    except ExportError as exc:  # a format with a limit of its own (print timelines)
                        row(kind, nn, ne, f"export {fmt}", None, "", f"refused: {str(exc).split(':')[0]}")
                        continue
                    size = sum(len(v) for v in result.values()) if isinstance(result, dict) else len(result)
                    row(kind, nn, ne, f"export {fmt}", t, mib(size))
                backend.close()
    finally:
        if browser:
            browser.close()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("| graph | nodes | edges | step | seconds | size | note |")
    print("|---|---:|---:|---|---:|---:|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()

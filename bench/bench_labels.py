"""Issue 12 §1 figures: how maps read at a glance, measured in headless Chromium.

For each map: the time it takes to settle, the time label placement takes, how many entity names
are shown at the default zoom, and how many pairs of labels (names and line labels) overlap, against
a baseline measured on the same page in the same run: every label drawn where vis-network puts it
(what maps did before placement).

Maps: the bundled graph; the path map AWS -> ICE; and, on the real-data graph (bench/realdata.py,
built once into --real), the neighbourhood of GEO Group and CoreCivic to depth 2 (about 200
entities) and the whole graph.

Usage::

    python bench/bench_labels.py                      # bundled maps only
    python bench/bench_labels.py --real /tmp/corpgraph-real
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpgraph import netgraph, render, subgraph  # noqa: E402
from corpgraph.backend.memory import MemoryBackend  # noqa: E402
from corpgraph.store import bundled_graph_dir  # noqa: E402

CHROMIUM = os.environ.get("CORPGRAPH_CHROMIUM") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

BOXES = """() => {
    const c = document.getElementById('cg-network'), W = c.clientWidth, H = c.clientHeight, out = [];
    function push(b, v) {
        const a = cgNetwork.canvasToDOM({x: b.left, y: b.top + v});
        const z = cgNetwork.canvasToDOM({x: b.left + b.width, y: b.top + v + b.height});
        if (z.x > 0 && a.x < W && z.y > 0 && a.y < H) out.push([a.x, a.y, z.x, z.y]);
    }
    for (const id of cgNodes.getIds()) {
        const n = cgNetwork.body.nodes[id];
        if (!String(n.options.label || '').trim()) continue;
        push(n.labelModule.size, (n.options.font && n.options.font.vadjust) || 0);
    }
    for (const id of cgEdges.getIds()) {
        const e = cgNetwork.body.edges[id];
        if (!String(e.options.label || '').trim() || !e.labelModule.size.width) continue;
        push(e.labelModule.size, 0);
    }
    let pairs = 0;
    for (let i = 0; i < out.length; i++) for (let j = i + 1; j < out.length; j++) {
        const a = out[i], b = out[j];
        if (Math.min(a[2], b[2]) - Math.max(a[0], b[0]) > 1 && Math.min(a[3], b[3]) - Math.max(a[1], b[1]) > 1) pairs++;
    }
    const named = cgNodes.get().filter(n => String(n.label || '').trim()).length;
    return [pairs, named, cgNodes.length];
}"""

# the baseline: every label drawn, at the same size, where vis-network puts it
ALL_LABELS = """() => {
    cgNodes.update(cgMap.document.nodes.map(n => ({id: n.id, label: n.label, font: {vadjust: 0}})));
    cgEdges.update(cgMap.document.edges.map(e => ({id: e.id, label: e.label || ' '})));
}"""


def selections(real: Path | None):
    from corpgraph.importing import _folder_backend as folder_backend  # Oxigraph in memory, as imports read

    bundled = MemoryBackend.from_folder(bundled_graph_dir())
    net = netgraph.project(bundled)
    yield "bundled graph", subgraph.select_subgraph(bundled, net=net)
    yield "path AWS -> ICE", subgraph.select_subgraph(bundled, path=("AWS", "ICE"), net=net)
    if real is not None:
        from realdata import build

        backend = folder_backend(build(real), None)
        big = netgraph.project(backend)
        yield (
            "real: GEO Group, CoreCivic, depth 2",
            subgraph.select_subgraph(backend, focus=["GEO Group", "CoreCivic"], depth=2, net=big),
        )
        yield "real: whole graph", subgraph.select_subgraph(backend, net=big)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, help="real-data graph folder (built there once if absent)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    print(
        f"{'map':38} {'entities':>8} {'settle s':>8} {'labels ms':>9} {'named':>11} {'overlaps':>8} {'baseline':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, sub in selections(args.real):
            page_file = Path(tmp) / "map.html"
            render.write_map(sub, page_file)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_file.as_uri())
            deadline = time.monotonic() + 120
            while not page.evaluate("window.cgSettled === true"):
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name}: the map never settled")
                time.sleep(0.05)
            page.wait_for_timeout(800)
            settle, labels_ms = page.evaluate("[window.cgSettledAt, window.cgLabelsMs]")
            pairs, named, total = page.evaluate(BOXES)
            page.evaluate(ALL_LABELS)
            page.wait_for_timeout(300)
            baseline = page.evaluate(BOXES)[0]
            print(
                f"{name:38} {total:>8} {settle / 1000:>8.2f} {labels_ms or 0:>9.1f} "
                f"{f'{named}/{total}':>11} {pairs:>8} {baseline:>8}"
            )
            page.close()
        browser.close()


if __name__ == "__main__":
    main()

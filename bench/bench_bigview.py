"""Issue 11's large-view figure: a 20,000-entity / 100,000-line map drawn in headless Chromium by the
WebGL renderer (sigma + graphology) against vis-network, the baseline, measured in the same run on
the same map document; plus the time to write the map file and its size.

The graph: ``--nodes`` invented entities (companies, agencies, systems) and about ``--edges``
records between random pairs of them (contracts with amounts and dates, hostings, partnerships,
each sourced, certainties mixed), loaded into an Oxigraph store; the whole graph is the view, so
every record is one line.  ``corpgraph map`` writes that view as one file (positions computed in
Python, over render.LARGE_MAP).

Figures, per renderer (Debian's chromium, software WebGL, the flags of tests/test_map_browser.py):

* first frame: seconds from navigation until the map has drawn once (the page's own clock at that
  moment, and the wall clock of this script);
* frame: the mean time to draw one frame while the view zooms (a camera change, the draw, and one
  pixel read back so the software GPU has finished), over ``--frames`` frames (vis-network: at most
  3, since each takes seconds); and the mean interval between frames the page shows when one
  change is made per animation frame (compositing included).

Usage::

    python bench/bench_bigview.py                       # 20,000 entities, 100,000 lines
    python bench/bench_bigview.py --nodes 2000 --edges 10000 --frames 20
    python bench/bench_bigview.py --skip-vis            # the WebGL renderer alone
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

from corpgraph import render, subgraph  # noqa: E402
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
TARGET_FIRST_FRAME = 3.0  # seconds (issue 11)
HEADER = """@prefix cg: <https://w3id.org/corpgraph/ns#> .
@prefix ent: <https://w3id.org/corpgraph/entity/> .
@prefix rec: <https://w3id.org/corpgraph/record/> .
@prefix src: <https://w3id.org/corpgraph/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def big_turtle(n_nodes: int, n_edges: int, seed: int = 5) -> str:
    """``n_nodes`` entities and ``n_edges`` records between random pairs (so nearly as many ties)."""
    rng = random.Random(seed)
    out = [HEADER]
    n_src = max(5, n_nodes // 500)
    for i in range(n_src):
        out.append(
            f'src:b{i} a cg:Source ; schema:url "https://example.org/bench/{i}"^^xsd:anyURI ; '
            f'dcterms:title "Bench document {i}" ; dcterms:publisher "Bench press" .\n'
        )
    n_agency, n_system = max(3, n_nodes // 40), max(2, n_nodes // 20)
    n_company = n_nodes - n_agency - n_system
    out.extend(f'ent:a{i} a cg:GovernmentBody ; rdfs:label "Agency {i}" .\n' for i in range(n_agency))
    out.extend(f'ent:s{i} a cg:System ; rdfs:label "System {i}" .\n' for i in range(n_system))
    out.extend(f'ent:c{i} a cg:Company ; rdfs:label "Company {i}" .\n' for i in range(n_company))
    certs = ("confirmed", "reported", "reported", "likely", "alleged")
    for r in range(n_edges):
        x = rng.random()
        tail = f" ; cg:certainty cg:{rng.choice(certs)} ; cg:source src:b{rng.randrange(n_src)} .\n"
        if x < 0.6:
            date = f'"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}"^^xsd:gYearMonth'
            body = (
                f"rec:r{r} a cg:Contract ; cg:buyer ent:a{rng.randrange(n_agency)} ; "
                f'cg:supplier ent:c{rng.randrange(n_company)} ; cg:amount "{rng.randint(1, 90000) * 1000}"^^'
                f'xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:obligated ; cg:date {date}'
            )
        elif x < 0.75:
            body = (
                f"rec:r{r} a cg:Hosting ; cg:host ent:c{rng.randrange(n_company)} ; "
                f"cg:system ent:s{rng.randrange(n_system)}"
            )
        else:
            body = (
                f"rec:r{r} a cg:Partnership ; cg:partner ent:c{rng.randrange(n_company)}, "
                f"ent:c{rng.randrange(n_company)}"
            )
        out.append(body + tail)
    return "".join(out)


def build_view(n_nodes: int, n_edges: int, root: Path):
    from corpgraph.backend.oxigraph_store import OxigraphBackend

    folder = root / "graph"
    folder.mkdir()
    for name in ("ontology.ttl", "shapes.ttl"):
        shutil.copy(bundled_graph_dir() / name, folder / name)
    (folder / "bench.ttl").write_text(big_turtle(n_nodes, n_edges), encoding="utf-8")
    backend = OxigraphBackend.open(root / "store", graph_dir=folder)
    return subgraph.select_subgraph(backend)


def mib(n: int) -> str:
    return f"{n / 1048576:.1f} MiB"


FRAMES_JS = """async ([n, renderer]) => {
  // one frame: the view zooms a little, the renderer draws, and one pixel is read back from every
  // layer it draws on, which waits until the (software) GPU has really finished drawing
  const pixel = new Uint8Array(4);
  const step = (i) => {
    const k = 1 + 0.04 * ((i % 10) < 5 ? 1 : -1);
    if (renderer === "sigma") {
      const cam = cgSigma.getCamera();
      cam.setState({ratio: cam.ratio / k});
      cgSigma.render();
      Object.values(cgSigma.webGLContexts).forEach(gl => {
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      });
    } else {
      cgNetwork.moveTo({scale: cgNetwork.getScale() * k, animation: false});
      cgNetwork.redraw();
      cgNetwork.canvas.frame.canvas.getContext("2d").getImageData(0, 0, 1, 1);
    }
  };
  const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
  await frame();
  let t0 = performance.now();
  for (let i = 0; i < n; i++) step(i);
  const drawn = (performance.now() - t0) / n;
  // the same, one change per animation frame: what a reader sees (includes compositing the page)
  t0 = performance.now();
  for (let i = 0; i < n; i++) { step(i); await frame(); }
  return [drawn, (performance.now() - t0) / n];
}"""


def measure(browser, path: Path, renderer: str, frames: int, cap: float) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(int(cap * 1000) + 60000)
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    try:
        t = time.perf_counter()
        page.goto(path.resolve().as_uri(), timeout=int(cap * 1000))
        while not page.evaluate("window.cgSettled === true"):
            if time.perf_counter() - t > cap:
                return {"first_wall": None}
            time.sleep(0.02)
        wall = time.perf_counter() - t
        at = page.evaluate("window.cgSettledAt") / 1000.0
        drawn = page.evaluate(
            "cgMap.renderer.name === 'sigma' ? cgGraph.order : cgNetwork.body.nodeIndices.length"
        )
        frame_ms, shown_ms = page.evaluate(FRAMES_JS, [frames, renderer])
        return {
            "first_wall": wall,
            "first_page": at,
            "frame_ms": frame_ms,
            "shown_ms": shown_ms,
            "drawn": drawn,
            "offsite": [u for u in requests if u != path.resolve().as_uri()],
        }
    finally:
        page.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20000)
    parser.add_argument("--edges", type=int, default=100000)
    parser.add_argument(
        "--frames", type=int, default=30, help="frames timed for WebGL (vis-network: 3 at most)"
    )
    parser.add_argument("--cap", type=float, default=120.0, help="seconds to wait for a first frame")
    parser.add_argument("--skip-vis", action="store_true", help="do not measure the vis-network baseline")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-bigview-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        sub = build_view(args.nodes, args.edges, root)
        ties = sub.ties.number_of_edges()
        print(
            f"view: {len(sub.ties):,} entities, {ties:,} lines ({time.perf_counter() - t:.1f} s to build and select)"
        )

        out = root / "big.html"
        t = time.perf_counter()
        render.write_map(sub, out)
        write_s = time.perf_counter() - t
        print(
            f"corpgraph map file: written in {write_s:.1f} s, {mib(out.stat().st_size)} (WebGL renderer inlined)"
        )

        t = time.perf_counter()
        doc = render.map_document(sub)
        doc_s = time.perf_counter() - t
        pages = {"sigma": out}
        if not args.skip_vis:  # the same document, drawn by vis-network with the same positions
            doc["renderer"] = "vis"
            pages["vis"] = root / "big-vis.html"
            pages["vis"].write_text(render.render_document(doc), encoding="utf-8")
            print(
                f"  (map document alone: {doc_s:.1f} s; vis-network page: {mib(pages['vis'].stat().st_size)})"
            )

        results = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                for name, path in pages.items():
                    frames = args.frames if name == "sigma" else min(3, args.frames)
                    results[name] = measure(browser, path, name, frames, args.cap)
            finally:
                browser.close()

    print(
        f"\n{'renderer':<22}{'first frame (page)':>20}{'first frame (wall)':>20}{'frame drawn':>14}"
        f"{'frame shown':>14}{'entities':>10}"
    )
    for name, res in results.items():
        label = "sigma (WebGL)" if name == "sigma" else "vis-network (canvas)"
        if res["first_wall"] is None:
            print(f"{label:<22}{'> ' + str(args.cap) + ' s':>20}")
            continue
        print(
            f"{label:<22}{res['first_page']:>18.2f} s{res['first_wall']:>18.2f} s"
            f"{res['frame_ms']:>11.1f} ms{res['shown_ms']:>11.1f} ms{res['drawn']:>10,}"
        )
        if res["offsite"]:
            print(f"  requests other than the file itself: {res['offsite'][:3]}")
    sig = results.get("sigma", {})
    if sig.get("first_wall") is not None:
        verdict = "meets" if sig["first_wall"] <= TARGET_FIRST_FRAME else "misses"
        print(
            f"\nWebGL first frame {sig['first_wall']:.2f} s: {verdict} the {TARGET_FIRST_FRAME:.0f} s target"
        )
    vis = results.get("vis", {})
    if sig.get("first_wall") and vis.get("first_wall"):
        print(
            f"vis-network / WebGL: first frame {vis['first_wall'] / sig['first_wall']:.1f}x, "
            f"per frame {vis['frame_ms'] / max(sig['frame_ms'], 1e-6):.0f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

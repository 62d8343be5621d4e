"""``corpgraph validate`` on the real-data graph: the SPARQL checks on the cache store against pySHACL.

For the real-data graph (the seven files of ``shared/data/real`` imported, built once by
``bench/realdata.py``), each figure is a fresh process as a user runs it
(``python -m corpgraph validate --graph DIR``, the cache in a folder of the bench's own), measured in
one run:

* pySHACL, the reference: ``CORPGRAPH_CACHE=off`` (rdflib parses the folder, pySHACL runs the shapes);
* the first ``validate`` on a new cache (the store indexed by a ``stats`` before, nothing of
  ``validate`` kept yet: every file is checked);
* the first ``validate`` after a change to a small file, and after a change to the largest file
  (a comment line added: the same triples; the store refreshes that file, whose results are brought
  up to date, the others' are read back), then after a change to one record of the largest file
  (its ``cg:quote`` rewritten: the store writes that triple, that record is checked again);
* ``validate`` again on an unchanged folder (the report is read back);
* the floor: a fresh Python that imports pyoxigraph and reopens the same store read-only.

Each figure is the median of ``--runs`` runs (pySHACL: ``--baseline-runs``), wall and CPU seconds
(user + system, from ``wait4``), with the load average; the reports of both engines are compared.
``--before SRC`` measures the same figures, in the same run and on a cache of their own, with the
code of another checkout (its ``src`` folder, put first on ``PYTHONPATH``; ``git archive REV src graph
| tar -x -C DIR`` makes one), alternating with this code run by run, and prints the ratios.

Usage::

    python bench/bench_validate.py                     # 3 runs, pySHACL once
    python bench/bench_validate.py --runs 5 --baseline-runs 2
    python bench/bench_validate.py --runs 2 --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realdata  # noqa: E402

from corpgraph import store as graph_store  # noqa: E402
from corpgraph.backend.cache import store_path_for  # noqa: E402

FLOOR = "import sys, pyoxigraph\ns = pyoxigraph.Store.read_only(sys.argv[1])\nlen(s)\n"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.stdout.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: the graph is not valid
        raise SystemExit(f"{' '.join(argv)} failed ({code})")
    return wall, usage.ru_utime + usage.ru_stime, out.decode()


def validate(folder: Path, env: dict[str, str]) -> tuple[float, float, str]:
    return timed([sys.executable, "-m", "corpgraph", "validate", "-f", "json", "--graph", str(folder)], env)


def touch(path: Path, n: int) -> None:
    """A new version of the file, with the same triples (a comment line at the end)."""
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n# changed by the bench ({n})\n")


def rewrite_one(path: Path, n: int) -> None:
    """A new version of the file with one triple changed: the first record's quote (else a triple added)."""
    text = path.read_text(encoding="utf-8")
    if 'cg:quote "' in text:
        text = text.replace('cg:quote "', f'cg:quote "(changed by the bench, {n}) ', 1)
    else:
        text += f'\n<urn:corpgraph:bench:{n}> <http://www.w3.org/2000/01/rdf-schema#comment> "changed" .\n'
    path.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (median; default 3)")
    ap.add_argument("--baseline-runs", type=int, default=1, help="pySHACL runs (slow; default 1; 0: none)")
    ap.add_argument(
        "--work", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "corpgraph-bench-validate")
    )
    ap.add_argument("--before", help="the src folder of another checkout, measured in the same run")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    folder = realdata.build(work / "real-graph")
    files = graph_store.data_files(folder)
    largest = max(files, key=lambda f: f.stat().st_size)
    small = min(files, key=lambda f: f.stat().st_size)
    originals = {f: f.read_bytes() for f in (largest, small)}
    cache_root = work / "cache"
    env = {**os.environ, "CORPGRAPH_CACHE": str(cache_root)}
    codes = [("", cache_root, env)]
    if args.before:
        before_cache = work / "cache-before"
        path = os.pathsep.join(x for x in (str(Path(args.before).resolve()), env.get("PYTHONPATH")) if x)
        codes.append(
            ("before: ", before_cache, {**env, "CORPGRAPH_CACHE": str(before_cache), "PYTHONPATH": path})
        )
    rows: dict[str, tuple[list[float], list[float], list[float]]] = {}

    def add(label: str, wall: float, cpu: float) -> None:
        w, c, load = rows.setdefault(label, ([], [], []))
        w.append(wall)
        c.append(cpu)
        load.append(os.getloadavg()[0])
        print(
            f"  {label}: {wall:.2f} s, {cpu:.2f} s CPU (load {os.getloadavg()[0]:.1f})",
            file=sys.stderr,
            flush=True,
        )

    reports: dict[str, str] = {}
    largest_mb = largest.stat().st_size / 1e6
    try:
        for n in range(args.runs):
            for code, root, code_env in codes:
                shutil.rmtree(root, ignore_errors=True)
                timed(
                    [sys.executable, "-m", "corpgraph", "stats", "--graph", str(folder)], code_env
                )  # index the store
                wall, cpu, out = validate(folder, code_env)
                add(f"{code}first validate on a new cache (every file checked)", wall, cpu)
                reports[f"{code}sparql"] = out
                wall, cpu, _ = validate(folder, code_env)
                add(f"{code}validate again, unchanged folder (report read back)", wall, cpu)
                for what, f, change in (
                    ("a small file", small, touch),
                    (f"the largest file ({largest_mb:.1f} MB)", largest, touch),
                    ("one record of the largest file", largest, rewrite_one),
                ):
                    change(f, n)
                    wall, cpu, out = validate(folder, code_env)
                    add(f"{code}first validate after a change to {what}", wall, cpu)
                    if out != reports[f"{code}sparql"]:
                        reports["changed"] = out
                for f, data in originals.items():
                    f.write_bytes(data)
                if not code:
                    store_path = store_path_for(folder, cache_root)
                    add(
                        "floor: Python + pyoxigraph, the store reopened",
                        *timed([sys.executable, "-c", FLOOR, str(store_path)], env)[:2],
                    )
        for _ in range(args.baseline_runs):
            wall, cpu, out = validate(folder, {**env, "CORPGRAPH_CACHE": "off"})
            add("pySHACL over rdflib (CORPGRAPH_CACHE=off), the reference", wall, cpu)
            reports["pyshacl"] = out
    finally:
        for f, data in originals.items():
            f.write_bytes(data)

    def report_of(text: str) -> dict:
        data = json.loads(text)
        data.pop("graph", None)
        return data

    reference = "pyshacl" if "pyshacl" in reports else "before: sparql" if args.before else None
    same = reference is not None and report_of(reports["sparql"]) == report_of(reports[reference])
    same = same and "changed" not in reports
    if args.before:
        same = same and report_of(reports["before: sparql"]) == report_of(reports["sparql"])
    pyshacl = rows.get("pySHACL over rdflib (CORPGRAPH_CACHE=off), the reference")
    base, base_cpu = (statistics.median(pyshacl[0]), statistics.median(pyshacl[1])) if pyshacl else (0, 0)
    problems = len(json.loads(reports["sparql"])["problems"])
    print(
        f"\nvalidate on the real-data graph: {len(files)} files, "
        f"{sum(f.stat().st_size for f in files) / 1e6:.1f} MB of Turtle; medians of {args.runs} runs "
        f"(pySHACL: {args.baseline_runs}); {problems} problems; same report as "
        f"{'pySHACL' if pyshacl else 'the code before'}"
        f"{' (and as the code before)' if args.before and pyshacl else ''}: {'yes' if same else 'NO'}"
    )
    print("| validate | wall s | CPU s | load | pySHACL / this (wall) | pySHACL / this (CPU) | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, (w, c, load) in rows.items():
        wall, cpu = statistics.median(w), statistics.median(c)
        target = "" if label.startswith(("floor", "pySHACL")) else ("yes" if wall <= 5 else "NO") + " (5 s)"
        print(
            f"| {label} | {wall:.2f} | {cpu:.2f} | {statistics.median(load):.1f} | "
            f"{f'{base / wall:.0f}x' if base else 'n/a'} | {f'{base_cpu / cpu:.0f}x' if base else 'n/a'} | {target} |"
        )
    if args.before:
        print(f"\nagainst the code in {args.before}, in the same run:")
        print("| validate | before: wall s | now: wall s | before: CPU s | now: CPU s | before / now (CPU) |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, (w, c, _) in rows.items():
            if label.startswith("before: "):
                now_w, now_c, _ = rows[label[len("before: ") :]]
                b_w, b_c = statistics.median(w), statistics.median(c)
                n_w, n_c = statistics.median(now_w), statistics.median(now_c)
                print(
                    f"| {label[len('before: ') :]} | {b_w:.2f} | {n_w:.2f} | {b_c:.2f} | {n_c:.2f} | {b_c / n_c:.1f}x |"
                )
    print("CPU: user + system seconds of the process; load: the 1-minute load average after each run")


if __name__ == "__main__":
    main()

"""Issue 10 figures: every command on the default path (a graph folder, no flags) against its floor.

For a graph folder (the real-data graph, built by ``bench/realdata.py``, or a synthetic one from
``bench/synthetic.py``), measured in one run, each command in a fresh process as a user runs it
(``python -m corpgraph CMD --graph DIR``, the cache in a folder of the bench's own):

* the first command on a new cache (the folder indexed into the cache store), median of ``--runs``
  runs, each on a new cache, corpgraph's modules compiled first as an install compiles them;
* every command on a warm cache (stats, search, show, money, paths, every named query, map,
  export, validate): the median of ``--runs`` runs, and the peak memory (RSS) of the slowest;
* the floor of each: a fresh Python that imports pyoxigraph, reopens the same store read-only and
  runs one SPARQL query (the named query's own text, bound as corpgraph binds it; a COUNT for the
  other commands), median of the same runs;
* every command again as the first command after a change (a comment appended to the smallest data
  file, a new one before each run, so each run meets a graph version no command has seen: the store
  reloads that file and everything derived per version is computed again), median of
  ``--change-runs`` runs; and ``stats`` after a change to the largest file;
* the rdflib baseline (``CORPGRAPH_CACHE=off``) for ``stats``, once (``--rdflib``; slow on big graphs);
* with ``--baseline SRC``, each command also run by another corpgraph (e.g. an older checkout), in turn.

Besides wall time, each figure has the CPU time of the process (user + system, from ``wait4``) and
the load average: on a shared machine wall time mostly measures the other processes.

Ratios are corpgraph's median divided by the floor's (and the rdflib baseline's by the default path's).

Commands run as a user types them: no flags (a named query prints its table's first page), except
what ``map`` and ``export`` require (an output file, a format).  The processes write Python bytecode
as an installed corpgraph does (``PYTHONDONTWRITEBYTECODE`` is dropped from their environment, else
every run would compile corpgraph's modules again, about 0.2 s of CPU).

Usage::

    python bench/bench_default.py --real                  # the seven real files (built once into --work)
    python bench/bench_default.py --synthetic 1000000     # 1M synthetic triples
    python bench/bench_default.py --real --rdflib --runs 5
    python bench/bench_default.py --real --only stats,show --change-runs 1
    python bench/bench_default.py --real --baseline ../old/src   # against another checkout, in turn
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realdata  # noqa: E402
import synthetic  # noqa: E402

import corpgraph as corpgraph_package  # noqa: E402
from corpgraph import store as graph_store  # noqa: E402
from corpgraph.backend.cache import CachedFolder, store_path_for  # noqa: E402
from corpgraph.backend.sparqltext import bind_inline  # noqa: E402
from corpgraph.query import bind_params, list_queries  # noqa: E402

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# CPU seconds (user + system) of every process ``run`` waited for, in order: on a shared machine the
# wall time says more about the other processes than about corpgraph
CPU: list[float] = []
FLOOR = (
    "import sys, pyoxigraph\n"
    "s = pyoxigraph.Store.read_only(sys.argv[1])\n"
    "for _ in s.query(open(sys.argv[2], encoding='utf-8').read()): pass\n"
)

# (label, arguments, target seconds on a warm cache); entity names per graph kind
REAL_ENTITIES = {"show": "GEO Group", "money": "ICE", "from": "CoreCivic", "to": "ICE", "search": "GEO"}
SYNTHETIC_ENTITIES = {
    "show": "Company 1",
    "money": "ICE",
    "from": "Company 1",
    "to": "ICE",
    "search": "Company 12",
}


def commands(entities: dict[str, str], out: Path) -> list[tuple[str, list[str], float]]:
    cmds = [
        ("stats", ["stats"], 1.0),
        ("search", ["search", entities["search"]], 1.0),
        ("show", ["show", entities["show"]], 1.0),
        ("money", ["money", entities["money"]], 1.0),
        ("paths", ["paths", entities["from"], entities["to"]], 1.0),
    ]
    cmds += [(f"query {q.name}", ["query", q.name], 1.0) for q in list_queries()]
    cmds += [
        ("map", ["map", "--focus", entities["show"], "-o", str(out / "map.html")], 1.0),
        ("export", ["export", "-f", "csv", "--kinds", "Contract", "-o", str(out / "contracts.zip")], 1.0),
        ("validate", ["validate"], 5.0),
    ]
    return cmds


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of one fresh process (its CPU seconds go to ``CPU``)."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    CPU.append(usage.ru_utime + usage.ru_stime)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1, 3):  # 1: validate found problems; 3: no path
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err[-800:]}")
    return wall, usage.ru_maxrss / 1024, proc.returncode


def corpgraph(args: list[str], folder: Path, env: dict[str, str]) -> tuple[float, float, int]:
    return run([sys.executable, "-m", "corpgraph", *args, "--graph", str(folder)], env)


def floor_sparql(folder: Path, work: Path) -> dict[str, Path]:
    """The SPARQL text each named query runs on the store (parameters bound as corpgraph binds them)."""
    texts: dict[str, Path] = {}
    with CachedFolder.open(
        store_path_for(folder, Path(os.environ["CORPGRAPH_CACHE"])), graph_dir=folder
    ) as b:
        for q in list_queries():
            path = work / f"floor-{q.name}.rq"
            path.write_text(bind_inline(q.sparql, bind_params(b, q, {})), encoding="utf-8")
            texts[f"query {q.name}"] = path
    count = work / "floor-count.rq"
    count.write_text(COUNT, encoding="utf-8")
    texts[""] = count
    return texts


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def bench_folder(folder: Path, entities: dict[str, str], args: argparse.Namespace, title: str) -> None:
    work = Path(args.work)
    cache_root = work / "cache"
    shutil.rmtree(cache_root, ignore_errors=True)
    env = {**os.environ, "CORPGRAPH_CACHE": str(cache_root)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode kept, as an installed corpgraph has it
    os.environ["CORPGRAPH_CACHE"] = str(cache_root)
    files = graph_store.data_files(folder)
    size = sum(f.stat().st_size for f in files)
    rows: list[Row] = []

    base_env = None
    base_wall: dict[str, list[float]] = {}
    base_cpu: dict[str, list[float]] = {}
    if args.baseline:  # another corpgraph (a checkout's src/), with its own cache
        shutil.rmtree(work / "cache-baseline", ignore_errors=True)
        base_env = {**env, "PYTHONPATH": args.baseline, "CORPGRAPH_CACHE": str(work / "cache-baseline")}
        corpgraph(["stats"], folder, base_env)
    # as pip does on install: corpgraph's modules compiled before the first command, so that it does
    # not also pay for compiling the modules a code change left without bytecode
    compileall.compile_dir(Path(corpgraph_package.__file__).parent, quiet=1)
    firsts, first_cpu, rss = [], [], 0
    for _ in range(args.runs):  # each on a new cache
        shutil.rmtree(cache_root, ignore_errors=True)
        wall, peak, _ = corpgraph(["stats"], folder, env)
        firsts.append(wall)
        first_cpu.append(CPU[-1])
        rss = max(rss, int(peak))
    rows.append(Row("first command (index into the cache)", firsts, first_cpu, target=3.0, peak=rss))
    store_path = store_path_for(folder, cache_root)
    floors = floor_sparql(folder, work)
    out = work / "out"
    out.mkdir(exist_ok=True)
    small = min(files, key=lambda f: f.stat().st_size)
    largest = max(files, key=lambda f: f.stat().st_size)
    original = small.read_bytes()
    changes = 0
    try:
        for label, cmd, target in commands(entities, out):
            if label in args.skip or (args.only and label not in args.only):
                continue
            row = Row(label, target=target, change_target=3.0 if target <= 1.0 else target)
            sparql = floors.get(label, floors[""])
            corpgraph(cmd, folder, env)  # the first on this version: what follows is the warm cache
            for _ in range(args.runs):  # corpgraph and its floor in turn, so both see the same load
                wall, rss, _ = corpgraph(cmd, folder, env)
                row.wall.append(wall)
                row.cpu.append(CPU[-1])
                row.peak = max(row.peak, rss)
                row.floor.append(run([sys.executable, "-c", FLOOR, str(store_path), str(sparql)], env)[0])
                row.floor_cpu.append(CPU[-1])
                if base_env is not None:  # the same command with the other corpgraph, in the same turn
                    base_wall.setdefault(label, []).append(corpgraph(cmd, folder, base_env)[0])
                    base_cpu.setdefault(label, []).append(CPU[-1])
            for _ in range(args.change_runs):  # a graph version no command has seen yet
                changes += 1
                small.write_bytes(original + f"\n# changed by the bench ({changes})\n".encode())
                wall, rss, _ = corpgraph(cmd, folder, env)
                row.change.append(wall)
                row.change_cpu.append(CPU[-1])
                row.peak = max(row.peak, rss)
            row.load = os.getloadavg()[0]
            rows.append(row)
            print(f"  {row.summary()}", file=sys.stderr, flush=True)
    finally:
        small.write_bytes(original)
    corpgraph(["stats"], folder, env)  # back in step

    raw = largest.read_bytes()
    try:
        largest.write_bytes(raw + b"\n# changed by the bench\n")
        wall, rss, _ = corpgraph(["stats"], folder, env)
        rows.append(
            Row(
                f"stats, first after a change to the largest file ({len(raw) / 1e6:.1f} MB)",
                change=[wall],
                change_cpu=[CPU[-1]],
                change_target=3.0,
                peak=rss,
            )
        )
    finally:
        largest.write_bytes(raw)
    corpgraph(["stats"], folder, env)  # back in step

    if args.rdflib:
        base, rss, _ = corpgraph(["stats"], folder, {**env, "CORPGRAPH_CACHE": "off"})
        warm = next(median(r.wall) for r in rows if r.label == "stats")
        rows.append(
            Row(
                f"stats on rdflib (CORPGRAPH_CACHE=off): {base / warm:.0f}x the default path",
                [base],
                [CPU[-1]],
            )
        )

    print(
        f"\n{title}: {len(files)} files, {size / 1e6:.1f} MB of Turtle; medians of {args.runs} runs "
        f"(warm) and {args.change_runs} (first after a change), wall and CPU seconds"
    )
    print(
        "| command | warm | floor | ratio | CPU | floor CPU | CPU ratio | first after a change | its CPU "
        "| load | target warm / changed | peak RSS MB | ok |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print(row.table_line())
    if base_cpu:
        print(f"\nAgainst the baseline corpgraph of {args.baseline} (same runs, same machine, in turn):")
        print("| command | baseline | corpgraph | baseline CPU | corpgraph CPU | CPU ratio |")
        print("|---|---:|---:|---:|---:|---:|")
        for row in rows:
            if row.label in base_cpu:
                own = median(row.cpu)
                b = median(base_cpu[row.label])
                print(
                    f"| {row.label} | {median(base_wall[row.label]):.2f} | {median(row.wall):.2f} | {b:.2f} | "
                    f"{own:.2f} | {b / own:.1f}x |"
                )
    print(
        "floor: a fresh Python importing pyoxigraph, reopening the same store read-only, running the same SPARQL"
        " (a named query's own text; a COUNT of the triples for the other commands); first after a change: a"
        " comment appended to the smallest data file before each run (a new graph version); CPU: user + system"
        " seconds of the process; load: the 1-minute load average after the row"
    )


@dataclass
class Row:
    """One command's figures: warm runs, their floors, and first runs after a change."""

    label: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)
    change: list[float] = field(default_factory=list)
    change_cpu: list[float] = field(default_factory=list)
    target: float = 0.0
    change_target: float = 0.0
    peak: float = 0.0
    load: float = field(default_factory=lambda: os.getloadavg()[0])

    def summary(self) -> str:
        bits = [f"{self.label}: {_m(self.wall)} s, {_m(self.cpu)} s CPU"]
        if self.floor:
            bits.append(f"(floor {_m(self.floor)} s, {_m(self.floor_cpu)} s CPU)")
        if self.change:
            bits.append(f"first after a change {_m(self.change)} s, {_m(self.change_cpu)} s CPU")
        return " ".join(bits) + f"; load {self.load:.1f}"

    def table_line(self) -> str:
        def ratio(a: list[float], b: list[float]) -> str:
            return f"{median(a) / median(b):.1f}x" if a and b and median(b) else "-"

        ok = []
        if self.target and self.wall:
            ok.append("yes" if median(self.wall) <= self.target else "NO")
        if self.change_target and self.change:
            ok.append("yes" if median(self.change) <= self.change_target else "NO")
        targets = f"{self.target or '-'} / {self.change_target or '-'}"
        return (
            f"| {self.label} | {_m(self.wall)} | {_m(self.floor)} | {ratio(self.wall, self.floor)} | "
            f"{_m(self.cpu)} | {_m(self.floor_cpu)} | {ratio(self.cpu, self.floor_cpu)} | {_m(self.change)} | "
            f"{_m(self.change_cpu)} | {self.load:.1f} | {targets} | {self.peak:.0f} | {' / '.join(ok)} |"
        )


def _m(xs: list[float]) -> str:
    return fmt(median(xs)) if xs else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", action="store_true", help="the real-data graph (shared/data/real)")
    ap.add_argument(
        "--synthetic", type=int, default=0, metavar="N", help="a synthetic graph of about N triples"
    )
    ap.add_argument("--runs", type=int, default=3, help="warm runs per command (median; default 3)")
    ap.add_argument(
        "--change-runs",
        type=int,
        default=None,
        help="runs per command as the first after a change (median; default: --runs; 0 leaves them out)",
    )
    ap.add_argument("--rdflib", action="store_true", help="also time stats on the rdflib path (slow)")
    ap.add_argument(
        "--baseline",
        metavar="SRC",
        help="also run each command with the corpgraph package under SRC (another checkout's src/), in turn",
    )
    ap.add_argument("--only", default="", help="comma-separated commands to run (default: all)")
    ap.add_argument("--skip", default="", help="comma-separated commands to leave out (e.g. validate)")
    ap.add_argument("--work", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "corpgraph-bench-default"))
    args = ap.parse_args()
    if args.change_runs is None:
        args.change_runs = args.runs
    args.skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    args.only = {x.strip() for x in args.only.split(",") if x.strip()}
    if not (args.real or args.synthetic):
        args.real = True
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.real:
        folder = realdata.build(work / "real-graph")
        bench_folder(folder, REAL_ENTITIES, args, "Real-data graph (the seven files of shared/data/real)")
    if args.synthetic:
        folder = work / f"synthetic-{args.synthetic}"
        if not (folder / ".built").is_file():
            synthetic.write(folder, args.synthetic)
            (folder / ".built").write_text("built\n")
        bench_folder(folder, SYNTHETIC_ENTITIES, args, f"Synthetic graph ({args.synthetic:,} triples)")


if __name__ == "__main__":
    main()

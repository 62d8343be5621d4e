"""How long `corpgraph diff` takes on the real-data graph when one record changed.

Usage::

    python bench/bench_diff.py [WORK_DIR]     # default: a folder under the system's temporary folder

Builds the real-data folder once (``bench/realdata.py``: the bundled graph and the seven files of
``shared/data/real``, about 231k triples), copies it, changes the amount of one imported contract
record in the copy, and times, each in a fresh process, warm (the cache already indexed, as an editor
would run it a second time): ``corpgraph diff OLD NEW``, ``corpgraph diff git:HEAD`` in a repository
whose work tree holds the change, ``corpgraph diff OLD NEW --no-money``, and as the
baseline ``corpgraph money ENTITY --graph NEW`` (one network load and one money report; diff makes two
of each, plus the comparison).  Prints the median of three runs and the ratio to the baseline.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realdata import build  # noqa: E402

CHANGED_FILE = "imports/usaspending-cbp-ice-fy2025-contract-obligations.ttl"
ENTITY = "U.S. Customs and Border Protection"


def _time(args: list[str], expect: tuple[int, ...]) -> float:
    start = time.perf_counter()
    done = subprocess.run(["corpgraph", *args], capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode not in expect:
        raise SystemExit(
            f"corpgraph {' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-500:]}"
        )
    return took


def main() -> None:
    work = Path(sys.argv[1] if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "corpgraph-bench-diff")
    old = build(work / "real")
    new = work / "real-changed"
    if not new.is_dir():
        shutil.copytree(old, new)
        path = new / CHANGED_FILE
        text = path.read_text(encoding="utf-8")
        m = re.search(r'cg:amount "(-?\d+\.\d+)"\^\^xsd:decimal', text)
        assert m, "no amount to change"
        path.write_text(text[: m.start(1)] + "1.00" + text[m.end(1) :], encoding="utf-8")
    repo = work / "repo"
    if not (repo / ".git").is_dir():  # the old folder committed, the changed file in the work tree
        shutil.rmtree(repo, ignore_errors=True)
        shutil.copytree(old, repo / "graph")
        who = ["-c", "user.name=bench", "-c", "user.email=bench@example.org"]
        for args in (["init", "-q"], ["add", "graph"], [*who, "commit", "-qm", "old"]):
            subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
        shutil.copy(new / CHANGED_FILE, repo / "graph" / CHANGED_FILE)
    runs = {
        "diff OLD NEW": (["diff", str(old), str(new)], (1,)),
        "diff git:HEAD (work tree)": (["diff", "git:HEAD", "--graph", str(repo / "graph")], (1,)),
        "diff OLD NEW --no-money": (["diff", str(old), str(new), "--no-money"], (1,)),
        "money ENTITY (baseline)": (["money", ENTITY, "--graph", str(new)], (0,)),
    }
    for args, expect in runs.values():  # warm the caches of both folders
        _time(args, expect)
    figures = {name: statistics.median(_time(a, e) for _ in range(3)) for name, (a, e) in runs.items()}
    base = figures["money ENTITY (baseline)"]
    print(f"real-data graph, one record changed in {CHANGED_FILE}; load average {os.getloadavg()[0]:.1f}")
    for name, took in figures.items():
        print(f"  {name:30} {took:6.2f} s  ({took / base:.2f}x the baseline)")


if __name__ == "__main__":
    main()

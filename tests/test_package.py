"""The wheel carries the bundled graph and query library: `pip install .` then `corpgraph stats` works
from any folder, not only from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling", reason="hatchling (a test extra) builds the wheel")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return next(out.glob("corpgraph-*.whl"))


def test_wheel_contains_graph_and_queries(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in sorted((REPO / "graph").rglob("*.ttl")):
        assert f"corpgraph/_bundled/graph/{path.relative_to(REPO / 'graph')}" in names
    for path in sorted((REPO / "queries").glob("*.rq")):
        assert f"corpgraph/_bundled/queries/{path.name}" in names
    # the front-end of maps and the app
    for name in (
        "corpgraph/templates/map.html",
        "corpgraph/web/static/map.js",
        "corpgraph/web/static/map.css",
    ):
        assert name in names


def test_wheel_contains_the_front_end_and_vendored_javascript(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    vendor = REPO / "src" / "corpgraph" / "web" / "static" / "vendor"
    doc = json.loads((vendor / "VENDOR.json").read_text(encoding="utf-8"))
    shipped = {"VENDOR.json"} | {e[k] for e in doc["files"] for k in ("file", "licence_file", "third_party")}
    for name in sorted(shipped):
        assert f"corpgraph/web/static/vendor/{name}" in names, name


def test_installed_wheel_runs_from_any_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORPGRAPH_")}
    # The installed copy comes first on the path; dependencies come from this environment.
    env["PYTHONPATH"] = os.pathsep.join([str(target), *sys.path[1:]])
    out = subprocess.run(
        [sys.executable, "-m", "corpgraph", "stats", "--format", "json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    stats = json.loads(out.stdout)
    assert stats["location"].startswith(str(target)) and stats["location"].endswith("_bundled/graph")
    assert stats["records"] > 0


def test_public_api_names_resolve():
    import corpgraph

    for name in corpgraph.__all__:
        assert getattr(corpgraph, name) is not None, name

"""With SOURCE_DATE_EPOCH set, every export format is byte-identical between two processes whose
hash seeds differ (set and dict orders, networkx node order, Graphviz input, zip stamps); and the SVG
and the PNG of one selection are drawn from one layout."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from corpgraph.export import EXPORTERS

FORMATS = tuple(EXPORTERS)
SELECTION = ["--focus", "ICE", "--depth", "2"]  # several sources, multi-partner records, quotes
# One process exports every format (one parse of the graph per process, not one per format).
SCRIPT = """
import sys
from corpgraph.cli import cli
out, selection, formats = sys.argv[1], sys.argv[2:6], sys.argv[6:]
for fmt in formats:
    suffix = "zip" if fmt == "csv" else fmt
    cli.main(["export", "-f", fmt, *selection, "-o", f"{out}/export.{suffix}"], standalone_mode=False)
"""


def _export_all(folder: Path, hash_seed: str) -> dict[str, bytes]:
    folder.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "SOURCE_DATE_EPOCH": "1767225600"}
    env.pop("CORPGRAPH_STORE", None)
    env.pop("CORPGRAPH_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(folder), *SELECTION, *FORMATS],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return {p.suffix.lstrip("."): p.read_bytes() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    base = tmp_path_factory.mktemp("reproducible")
    return _export_all(base / "seed1", "1"), _export_all(base / "seed2", "2")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_is_byte_identical_across_hash_seeds(two_runs, fmt):
    suffix = "zip" if fmt == "csv" else fmt
    first, second = (run[suffix] for run in two_runs)
    assert len(first) > 200, f"{fmt}: suspiciously small export"
    assert first == second, f"{fmt} differs between PYTHONHASHSEED=1 and PYTHONHASHSEED=2"


def test_zip_members_carry_the_export_time(two_runs):
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(two_runs[0]["zip"])) as z:
        stamps = {info.date_time for info in z.infolist()}
    assert stamps == {(2026, 1, 1, 0, 0, 0)}


def test_png_is_the_svg_picture_at_200_dpi(two_runs):
    """Both are drawn from one layout: the PNG's pixels are the SVG's points at 200 dpi."""
    svg, png = two_runs[0]["svg"], two_runs[0]["png"]
    size = re.search(rb'<svg width="(\d+)pt" height="(\d+)pt"', svg)
    assert size is not None
    pixels = struct.unpack(">II", png[16:24])
    expected = [int(n) * 200 / 72 for n in size.groups()]
    # the SVG states whole points: up to 0.5 pt (1.4 px) of rounding
    assert all(abs(p - e) <= 2 for p, e in zip(pixels, expected, strict=True)), (pixels, expected)

"""Every package the code imports is declared in pyproject.toml: src/ in [project] dependencies,
tests/ and bench/ in those or the test extra.  A package that is only installed because another one
depends on it (igraph once, pyparsing) fails here rather than on a user's fresh machine."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEPTRY = shutil.which("deptry")
needs_deptry = pytest.mark.skipif(DEPTRY is None, reason="deptry (a test extra) is not installed")
# tests/ import their own helper modules by name (pytest puts tests/ on sys.path)
TEST_MODULES = ["corpgraph", "tests", "conftest", "minigraph", "oxigraph_server"]


def _deptry(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    assert DEPTRY is not None
    return subprocess.run([DEPTRY, "--no-ansi", *args], cwd=cwd, capture_output=True, text=True)


@needs_deptry
def test_src_imports_only_declared_dependencies():
    """Settings in [tool.deptry]: also fails on a dependency declared but never imported."""
    result = _deptry("src")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_deptry
def test_tests_and_bench_import_only_declared_packages():
    """tests/ and bench/ may use the test extra (DEP004) and need not use every dependency (DEP002)."""
    first_party = [arg for name in TEST_MODULES for arg in ("--known-first-party", name)]
    result = _deptry("tests", "bench", "--ignore", "DEP002,DEP004", *first_party)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_deptry
def test_check_fails_on_a_package_only_installed_through_another(tmp_path):
    """The check itself can fail: pyparsing is installed (rdflib needs it) but not declared here."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "probe"\nversion = "0"\ndependencies = ["rdflib"]\n', encoding="utf-8"
    )
    (tmp_path / "probe.py").write_text("import rdflib\nimport pyparsing\n", encoding="utf-8")
    result = _deptry(".", cwd=tmp_path)
    assert result.returncode == 1
    assert "probe.py:2:8: DEP003 'pyparsing' imported but it is a transitive dependency" in result.stderr

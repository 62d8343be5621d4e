"""Exit codes and signals (issue 8 §2): Ctrl-C exits 130 quietly, a closed pipe ends quietly, "cannot
run" is 4 (not click's usage error 2), "nothing found" is 3 in every format.  The signal cases run in
a real process, since CliRunner has no pipe to close and no terminal to interrupt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from corpgraph.cli import cli
from corpgraph.errors import EXIT_BROKEN_PIPE, EXIT_CANNOT_RUN, EXIT_INTERRUPTED, EXIT_NOTHING_FOUND

INTERRUPT = """
import sys
import corpgraph.query as q
def stop(*args, **kwargs):
    raise KeyboardInterrupt
q.list_queries = stop
from corpgraph.cli import main
sys.argv = ["corpgraph", "queries"]
main()
"""


def test_ctrl_c_exits_130_without_a_traceback():
    done = subprocess.run([sys.executable, "-c", INTERRUPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_INTERRUPTED
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr
    assert done.stdout == ""


def test_closed_pipe_ends_quietly():
    proc = subprocess.Popen(
        [sys.executable, "-m", "corpgraph", "queries"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader goes away before the first write, like `| head -0`
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(60) == EXIT_BROKEN_PIPE
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr and "Exception ignored" not in stderr


def test_cannot_run_is_not_a_usage_error(runner, tmp_path):
    r = runner.invoke(cli, ["stats", "--graph", str(tmp_path / "nope")], catch_exceptions=False)
    assert r.exit_code == EXIT_CANNOT_RUN and "does not exist" in r.stderr
    usage = runner.invoke(cli, ["stats", "--no-such-option"])
    assert usage.exit_code == 2 and "No such option '--no-such-option'" in usage.stderr


def test_load_takes_one_target_at_most_as_a_usage_error(runner, tmp_path):
    r = runner.invoke(cli, ["load", "--store", str(tmp_path / "s"), "--endpoint", "http://127.0.0.1:9/q"])
    assert r.exit_code == 2 and "one of --store PATH or --endpoint URL" in r.stderr and "not both" in r.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "md"])
def test_no_path_exits_3_in_every_format(runner, tmp_graph, fmt):
    with (tmp_graph / "island.ttl").open("w", encoding="utf-8") as fh:
        fh.write(
            "@prefix cg: <https://w3id.org/corpgraph/ns#> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            '<https://w3id.org/corpgraph/entity/island-co> a cg:Company ; rdfs:label "Island Co" .\n'
        )
    r = runner.invoke(cli, ["paths", "AWS", "Island Co", "--graph", str(tmp_graph), "-f", fmt])
    assert r.exit_code == EXIT_NOTHING_FOUND and "No path joins" in r.stderr


def test_help_lists_the_exit_codes(runner):
    text = runner.invoke(cli, ["--help"], catch_exceptions=False).stdout
    for code in ("0 success", "2 usage error", "3 nothing found", "4 cannot run", "130 interrupted"):
        assert code in " ".join(text.split()), code


def test_output_cut_short_by_head_ends_quietly(tmp_path):
    """`corpgraph export -f nt | head -1` prints one line and nothing on stderr.  The exit code is the
    README's 141 when the reader left before the output was all written, 0 when the pipe's buffer
    took it all first (how much a pipe holds depends on the system); never click's 1 or a traceback."""
    errors = tmp_path / "stderr.txt"
    pipeline = (
        f"'{sys.executable}' -m corpgraph export -f nt 2>'{errors}' | head -1; echo \"${{PIPESTATUS[0]}}\""
    )
    done = subprocess.run(["bash", "-c", pipeline], capture_output=True, text=True, timeout=120)
    first, status = done.stdout.splitlines()
    assert first.startswith("# corpgraph export")
    assert int(status) in (0, EXIT_BROKEN_PIPE)
    assert errors.read_text() == ""


def test_the_process_ends_at_once_with_its_output_whole_and_its_code(tmp_path):
    """``corpgraph`` ends with os._exit, skipping the interpreter's teardown: everything the command
    wrote must still arrive (stdout to a file, a long answer), with the command's own exit code, and
    exit handlers must still run."""
    out = tmp_path / "out.json"
    with out.open("w") as fh:
        done = subprocess.run(
            [sys.executable, "-m", "corpgraph", "query", "sources", "--all", "--format", "json"],
            stdout=fh,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    import json

    rows = json.loads(out.read_text(encoding="utf-8"))["results"]["bindings"]  # SPARQL JSON results
    assert rows and all("source" in r for r in rows)
    missing = subprocess.run(
        [sys.executable, "-m", "corpgraph", "paths", "GEO Group", "Amazon", "--max-hops", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == EXIT_NOTHING_FOUND, missing.stderr
    handler = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
        "from corpgraph.cli import main\n"
        "sys.argv = ['corpgraph', 'queries']\n"
        "main()\n"
    )
    ran = subprocess.run([sys.executable, "-c", handler], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and "handler ran" in ran.stderr and "within-hops" in ran.stdout

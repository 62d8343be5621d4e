"""Queries in child processes: a query past its timeout is really stopped (its process ends), the
pool goes on answering, answers and errors are those of the backend itself."""

from __future__ import annotations

import os
import time

import pytest

from corpgraph.backend import open_backend
from corpgraph.backend.workers import QueryWorkers
from corpgraph.errors import QueryError, QueryTimeout, UnknownEntity

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# hours on any engine: only ending its process stops it
FOREVER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"


@pytest.fixture(scope="module")
def pool():
    with QueryWorkers({"graph_dir": None}, size=2, timeout=2.0) as workers:
        yield workers


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_answers_are_the_backends(pool, bundled):
    assert pool.query(COUNT).rows == bundled.query(COUNT).rows
    capped = pool.query("SELECT ?s WHERE { ?s ?p ?o }", max_rows=3)
    assert len(capped.rows) == 3 and capped.total == len(bundled)


def test_a_query_past_its_timeout_is_stopped_and_the_pool_goes_on(pool, bundled):
    before = set(pool.pids())
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="did not finish within 2 s and was stopped"):
        pool.query(FOREVER)
    assert time.monotonic() - started < 30
    stopped = before - set(pool.pids())
    assert len(stopped) == 1  # the child that ran it was replaced ...
    assert not any(_alive(pid) for pid in stopped)  # ... and is gone, not computing on
    assert pool.query(COUNT).rows == bundled.query(COUNT).rows
    assert len(pool.pids()) == 2


def test_errors_keep_their_message_and_refusals_never_reach_a_child(pool):
    with pytest.raises(QueryError, match="SERVICE is refused"):
        pool.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(QueryError):
        pool.query("SELECT WHERE {")
    assert len(pool.pids()) == 2


def test_a_graph_that_cannot_open_is_reported(tmp_path):
    missing = tmp_path / "no-such-graph"
    with pytest.raises(Exception) as direct:
        open_backend(graph_dir=missing)
    with QueryWorkers({"graph_dir": missing}, size=1, timeout=60) as workers:
        with pytest.raises(type(direct.value)) as through_pool:
            workers.query(COUNT)
    assert str(through_pool.value) == str(direct.value)


def test_unpicklable_errors_travel_as_plain_errors():
    from corpgraph.backend.workers import _portable

    plain = _portable(UnknownEntity("Palantr", [("https://w3id.org/corpgraph/entity/palantir", "Palantir")]))
    assert "Did you mean: Palantir" in str(plain) and plain.exit_code == UnknownEntity.exit_code

"""Every error corpgraph raises on purpose.  The CLI turns these into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence

# Exit codes of the command line (README "Exit codes"; ``corpgraph --help``).
EXIT_OK = 0  # success
EXIT_ERROR = 1  # an error in the data or the request: invalid graph, unknown entity, refused query
EXIT_USAGE = 2  # click's usage error: unknown option, bad value
EXIT_NOTHING_FOUND = 3  # the question was fine but has no answer: no path, no entity matching a search
EXIT_CANNOT_RUN = 4  # graph folder, store or endpoint unavailable, or the output cannot be written
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE), as other Unix tools exit


class CorpgraphError(Exception):
    """Base class: a failure the user can act on.  ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_ERROR


class CannotRun(CorpgraphError):
    """What the command needs is not there: a graph folder, a store, an endpoint, a writable output."""

    exit_code = EXIT_CANNOT_RUN


class GraphLoadError(CorpgraphError):
    """A graph file could not be read or parsed.  Carries the position when the parser gives one."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column, self.reason = path, line, column, message
        where = path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class GraphNotFound(CannotRun):
    """The graph folder does not exist or holds no Turtle files."""


class QueryError(CorpgraphError):
    """A SPARQL query did not parse or could not run."""


class QueryTimeout(QueryError):
    """A query ran longer than its backend's query timeout."""


class QueryRefused(QueryError):
    """A query asked for something corpgraph never does: update, SERVICE, LOAD, remote FROM."""


class UnknownQuery(QueryError):
    """No query of that name in the query library."""


class UnknownEntity(CorpgraphError):
    """A name matched no entity.  ``suggestions`` holds close matches as (iri, label)."""

    def __init__(self, name: str, suggestions: Sequence[tuple[str, str]] = ()):
        self.name, self.suggestions = name, list(suggestions)
        msg = f"No entity matches {name!r}."
        if self.suggestions:
            msg += " Did you mean: " + "; ".join(f"{label} ({iri})" for iri, label in self.suggestions) + "?"
        else:
            msg += " Try `corpgraph search` to find names."
        super().__init__(msg)


class AmbiguousEntity(CorpgraphError):
    """A name matched several entities.  ``candidates`` holds (iri, label, type)."""

    def __init__(self, name: str, candidates: Sequence[tuple[str, str, str]]):
        self.name, self.candidates = name, list(candidates)
        lines = [f"{name!r} matches {len(self.candidates)} entities; name one by its IRI or slug:"]
        lines += [f"  {iri}  {label} ({kind})" for iri, label, kind in self.candidates]
        super().__init__("\n".join(lines))


class NothingFound(CorpgraphError):
    """A well-formed question with no answer (no path, no search match): exit 3 in every format."""

    exit_code = EXIT_NOTHING_FOUND


class NoPathFound(NothingFound):
    """No path joins two entities within the limits given."""


class ImportFailed(CorpgraphError):
    """An import could not be completed; the graph on disk was left as it was."""


class BackendError(CannotRun):
    """The store or SPARQL endpoint could not be opened or answered with an error."""


class ExportError(CorpgraphError):
    """An export or map could not be written."""


class OutputError(CannotRun, ExportError):
    """An output file could not be written (missing or unwritable folder, a folder given as file...)."""

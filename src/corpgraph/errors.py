"""Every error corpgraph raises on purpose.  The CLI turns these into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence


class CorpgraphError(Exception):
    """Base class: a failure the user can act on.  ``exit_code`` is what the CLI exits with."""

    exit_code = 1


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


class GraphNotFound(CorpgraphError):
    """The graph folder does not exist or holds no Turtle files."""

    exit_code = 2


class QueryError(CorpgraphError):
    """A SPARQL query did not parse or could not run."""


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


class NoPathFound(CorpgraphError):
    """No path joins two entities within the limits given."""

    exit_code = 3


class ImportFailed(CorpgraphError):
    """An import could not be completed; the graph on disk was left as it was."""


class BackendError(CorpgraphError):
    """The store or SPARQL endpoint could not be opened or answered with an error."""

    exit_code = 2


class ExportError(CorpgraphError):
    """An export or map could not be written."""

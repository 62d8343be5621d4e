"""The ``corpgraph`` command line: a thin layer of click commands over the library.

Commands live in the modules of this package by subject; this module holds the group, the options
every command shares, and the one place where library errors become messages and exit codes.

Exit codes (defined in ``corpgraph.errors``): 0 success; 1 an error in the data or the request (invalid
graph, unknown entity, refused query, bad import row under --strict); 2 usage error (click); 3 nothing
found (no path between the entities, no entity matching a search), in every output format; 4 cannot run
(graph folder, store or endpoint unavailable, output file not writable); 130 interrupted (Ctrl-C);
141 stdout closed by its reader (``| head``), quietly.
"""

from __future__ import annotations

import atexit
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import click

from .. import __version__
from ..errors import (
    EXIT_BROKEN_PIPE,
    EXIT_CANNOT_RUN,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NOTHING_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    CorpgraphError,
)

EXIT_NO_PATH = EXIT_NOTHING_FOUND
__all__ = ["EXIT_CANNOT_RUN", "EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "EXIT_NO_PATH", "cli", "main"]


def _silence_stdout() -> None:
    """After the reader of stdout went away: point stdout at /dev/null so the interpreter's last flush
    cannot raise again ("Exception ignored ... BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (a test runner's buffer): nothing will flush it later


class CorpgraphGroup(click.Group):
    """The one place where failures become messages and exit codes: CorpgraphError gives
    'Error: ...' on stderr and its code, Ctrl-C exits 130 and a closed pipe 141, both quietly."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CorpgraphError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("", err=True)  # end the line the ^C was echoed on
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(EXIT_BROKEN_PIPE)
        except OSError as exc:  # a file the command needed could not be read or written
            where = f" {exc.filename}" if exc.filename else ""
            click.echo(f"Error: cannot use{where}: {exc.strerror or exc}", err=True)
            ctx.exit(EXIT_CANNOT_RUN)


@dataclass
class GraphChoice:
    """Which graph a command works on; the backend is opened on first use and shared."""

    graph_dir: str | None = None
    store: str | None = None
    endpoint: str | None = None
    _backend: Any = field(default=None, repr=False)

    def open(self):  # -> Backend
        if self._backend is None:
            from ..backend import open_backend

            self._backend = open_backend(self.graph_dir, self.store, self.endpoint)
        return self._backend

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None


graph_dir_option = click.option(
    "--graph",
    "graph_dir",
    metavar="DIR",
    envvar="CORPGRAPH_GRAPH",
    show_envvar=True,
    type=click.Path(file_okay=False),
    help="Graph folder of Turtle files (default: the bundled graph).",
)


def graph_options(fn: Callable) -> Callable:
    """Adds --graph, --store and --endpoint; the command receives ``source: GraphChoice``."""

    @graph_dir_option
    @click.option(
        "--store",
        metavar="PATH",
        envvar="CORPGRAPH_STORE",
        show_envvar=True,
        help="Persistent Oxigraph store folder; loaded from the graph folder when new or stale.",
    )
    @click.option(
        "--endpoint",
        metavar="URL",
        envvar="CORPGRAPH_ENDPOINT",
        show_envvar=True,
        help="SPARQL 1.1 endpoint to work against instead of local files.",
    )
    @functools.wraps(fn)
    def wrapper(
        *args: Any, graph_dir: str | None, store: str | None, endpoint: str | None, **kwargs: Any
    ) -> Any:
        source = GraphChoice(graph_dir, store, endpoint)
        try:
            return fn(*args, source=source, **kwargs)
        finally:
            source.close()

    return wrapper


def format_option(choices: tuple[str, ...], default: str) -> Callable:
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def emit(text: str) -> None:
    """Write data to stdout (never progress or warnings: those go to stderr)."""
    click.echo(text, nl=not text.endswith("\n"))


@click.group(
    cls=CorpgraphGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="corpgraph")
def cli() -> None:
    """A sourced knowledge graph of the companies behind immigration enforcement.

    Every relationship in the graph is a record with its sources, a quoted excerpt and a certainty
    (confirmed, reported, likely, alleged, denied). Start with `corpgraph stats`, find names with
    `corpgraph search`, read an entity's card with `corpgraph show`, and trace connections with
    `corpgraph paths`.

    \b
    By default commands read the bundled graph. Choose another with --graph DIR
    (or CORPGRAPH_GRAPH), a persistent local store with --store PATH, or a SPARQL
    endpoint with --endpoint URL.

    \b
    Exit codes: 0 success, 1 error in the data or request, 2 usage error,
    3 nothing found (no path, no match), 4 cannot run (graph folder, store or
    endpoint unavailable, output not writable), 130 interrupted (Ctrl-C).
    `corpgraph diff` follows diff(1): 0 same, 1 different, 2 trouble, 4 cannot run.
    """


def main() -> NoReturn:
    code: int | str | None
    try:
        cli(prog_name="corpgraph")
    except KeyboardInterrupt:  # pressed before a command started (while importing, parsing options)
        code = EXIT_INTERRUPTED
    except SystemExit as exc:  # how click ends every command
        code = exc.code
    else:
        code = EXIT_OK
    _end_process(code)


def _end_process(code: int | str | None) -> NoReturn:
    """End the process as soon as the command is done: output flushed, exit handlers run, then
    ``os._exit`` instead of the interpreter's teardown, which frees every object one by one (after a
    command on a million triples, 0.4-0.6 s of freeing a network the kernel reclaims at once).  Every
    store, lock and output file is closed by the command itself before this (``graph_options``,
    ``fileio.write_atomically``); locks are flock(2) locks, which end with the process anyway."""
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)  # as Python does for SystemExit("message")
        code = EXIT_OK if code is None else EXIT_ERROR
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader of stdout went away after the last write
            if stream is sys.stdout and code == EXIT_OK:
                code = EXIT_BROKEN_PIPE
    atexit._run_exitfuncs()  # e.g. weakref finalizers of temporary folders
    os._exit(code)


# The command modules register their commands on ``cli`` when imported.
from . import (  # noqa: E402,F401
    diff_cmds,
    graph_cmds,
    import_cmds,
    map_cmds,
    query_cmds,
    review_cmds,
    serve_cmds,
    store_cmds,
)

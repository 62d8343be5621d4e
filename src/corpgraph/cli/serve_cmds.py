"""Command: serve (the local, read-only web app over the graph)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import CannotRun
from . import cli, graph_options


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback makes the app reachable from other machines "
    "(a warning says so).",
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one)."
)
@click.option("--open", "open_browser", is_flag=True, help="Open the app in a web browser once it listens.")
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.5, 3600),
    help="Seconds one request may work (a query, a path search) before it is stopped with an error.",
)
@click.option(
    "--max-rows",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="Rows a page or a /sparql answer shows at most ('showing N of M').",
)
@click.option(
    "--max-concurrent",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Requests doing heavy work (queries, paths, maps, exports) at once; others wait their turn.",
)
@click.option(
    "--hub-limit",
    default=40,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Neighbours shown around an entity before the list is cut to the busiest (hubs such as ICE).",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests addressed to this host name (repeatable); any other Host header is refused.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    callback=lambda ctx, param, values: _origins(values),
    help="Let pages of this origin (https://yasgui.example.org) read /sparql from the browser: CORS, "
    "on /sparql only (repeatable; * for any site, with a warning). Off by default.",
)
@click.option(
    "--story",
    "story_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Offer this story (a story file of '## ' steps, as for map --story) on the home page and at "
    "/map?story=NAME, NAME being the file's name without .md (repeatable).",
)
@graph_options
def serve(
    host: str,
    port: int,
    open_browser: bool,
    timeout: float,
    max_rows: int,
    max_concurrent: int,
    hub_limit: int,
    allowed_hosts: tuple[str, ...],
    cors_origins: tuple[str, ...],
    story_files: tuple[str, ...],
    source,
) -> None:
    """Explore the graph in a web browser: a local, read-only web app.

    Search names, aliases and identifiers with type-ahead; open an entity's page (its card,
    relationships by kind with quotes and sources, money per kind and year, corporate family,
    and its network); find paths between two entities; run the named queries as forms and any
    SPARQL in an editor; download every view in any export format. Every page's URL holds its
    state, so a link reopens the same view. /sparql is a standard SPARQL 1.1 protocol endpoint
    for other tools.

    Nothing can be changed through the app: there is no write route. It listens on 127.0.0.1
    unless told --host; it answers only requests addressed to that host or to loopback (against
    DNS rebinding); pages load nothing from another host and run no inline script (CSP).

    \b
    Exit codes: 0 stopped with Ctrl-C, 4 cannot run (the port is in use, the graph,
    store or endpoint is unavailable), 2 usage error.

    \b
    Example:
      corpgraph serve
      corpgraph serve --port 8080 --open
      corpgraph serve --store mystore --timeout 60
      corpgraph serve --story templates/story-aws-ice.md
      corpgraph serve --cors-origin https://yasgui.example.org
    """
    from ..story import read_story, story_document
    from ..web.service import LOOPBACK_HOSTS, ServeSettings

    stories = {Path(f).stem: read_story(f) for f in story_files}
    backend = source.open()
    if stories:  # resolved before anything listens: a bad story is exit 1 with its file, line and field
        from ..subgraph import select_subgraph

        whole = select_subgraph(backend)
        for story in stories.values():
            story_document(story, whole, backend)
    try:
        sock = _listen(host, port)
    except OSError as exc:
        raise CannotRun(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            + (" (another program uses that port; choose one with --port)" if exc.errno == 98 else "")
        ) from None
    port = sock.getsockname()[1]
    settings = ServeSettings(
        host=host,
        port=port,
        timeout=timeout,
        max_rows=max_rows,
        max_concurrent=max_concurrent,
        hub_limit=hub_limit,
        allowed_hosts=allowed_hosts,
        cors_origins=cors_origins,
        stories=stories,
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    if host not in LOOPBACK_HOSTS:
        click.echo(
            f"Warning: listening on {host}: other machines can reach this app and read the whole graph. "
            "Use the default --host 127.0.0.1 to keep it on this machine.",
            err=True,
        )
    if "*" in cors_origins:
        click.echo(
            "Warning: --cors-origin '*': a page of any web site open in this browser can read the whole "
            "graph through /sparql, unpublished research included. Name the sites instead "
            "(--cors-origin https://yasgui.example.org).",
            err=True,
        )
    click.echo(f"corpgraph serve: {backend.location} at {url} (Ctrl-C stops it)", err=True)
    click.echo(url)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    open_args = {"graph_dir": source.graph_dir, "store": source.store, "endpoint": source.endpoint}
    _run(backend, settings, sock, open_args)


def _origins(values: tuple[str, ...]) -> tuple[str, ...]:
    """The --cors-origin values as browsers send them (lower case, no trailing slash)."""
    from ..web.security import cors_origin

    try:
        return tuple(dict.fromkeys(cors_origin(v) for v in values))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cors-origin") from None


def _listen(host: str, port: int):  # -> socket.socket
    """A listening socket, bound before the server starts so a busy port is a clear error."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _run(backend, settings, sock, open_args) -> None:
    import uvicorn

    from ..web.app import create_app

    config = uvicorn.Config(
        create_app(backend, settings, open_args=open_args),
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()

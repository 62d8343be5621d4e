"""Command: ``corpgraph import KIND FILE`` -- pour outside records into the graph folder in use."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from ..importers import KINDS
from . import cli, emit, format_option, graph_options

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # the type click.progressbar returns

SHOW_EXAMPLES = 10


class _Bar:
    """A progress bar on stderr, started only once an import has run for more than a moment."""

    def __init__(self, label: str, delay: float = 0.5):
        self.label, self.delay, self.t0, self.done = label, delay, time.monotonic(), 0
        self.bar: ProgressBar[int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.t0 < self.delay or done >= total:
                return
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=False)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--dry-run", is_flag=True, help="Report what would be created, merged and left ambiguous; write nothing."
)
@click.option("--strict", is_flag=True, help="Fail (exit 1, nothing written) if any row is bad.")
@format_option(("text", "json"), "text")
@graph_options
def import_(kind: str, file: str, dry_run: bool, strict: bool, fmt: str, source) -> None:
    """Import FILE of KIND into the graph folder in use (--graph DIR), as imports/KIND-FILE.ttl.

    \b
    KIND is one of:
      usaspending  USAspending contracts: dashboard transactions, bulk prime-award
                   summaries or subawards (told apart by the header)
      csv          hand-curated facts, one row per relationship (templates/README.md)
      facilities   detention facility lists with operators (iceFacs.csv, or
                   Facility Name,Location,Management tables)
      tornapart    Torn Apart / Separados freezer.csv or graph.json (parent companies)

    Names are resolved to entities (joining the graph's own where they are the same);
    every decision is written to imports/KIND-FILE.decisions.csv. The import is atomic
    and idempotent: importing the same file again changes nothing. Bad rows are reported
    on stderr as file:line: reason and skipped (--strict: any bad row fails the import).
    With --store the part is also loaded into the store; with --endpoint it is sent to
    the endpoint (and written to a graph folder only if --graph is given).

    \b
    Example:
      cp -r graph my-graph
      corpgraph import usaspending CBP_ICE_FY2025_Contract_Obligations.csv --graph my-graph --dry-run
      corpgraph import usaspending CBP_ICE_FY2025_Contract_Obligations.csv --graph my-graph
      corpgraph import csv my-facts.csv --graph my-graph --strict
      corpgraph import facilities iceFacs.csv --graph my-graph --store my-store
    """
    from ..importing import import_file

    # in memory, the importer reads the graph folder itself (leaving out its own previous part)
    backend = source.open() if (source.store or source.endpoint) else None
    files = not source.endpoint or bool(source.graph_dir)
    bar = _Bar(f"Importing {click.format_filename(file)}")
    try:
        result = import_file(
            kind,
            file,
            graph_dir=source.graph_dir,
            backend=backend,
            files=files,
            dry_run=dry_run,
            strict=strict,
            progress=bar,
        )
    finally:
        bar.close()
    for err in result.errors:
        click.echo(f"Warning: {err} (row skipped)", err=True)
    if fmt == "json":
        from ..output import to_json

        emit(to_json(result.to_dict()))
        return
    emit(_text(result))


def _n(x: int) -> str:
    return f"{x:,}"


def _text(r) -> str:
    where = r.target or f"part {r.part}"
    shape = f" ({r.shape})" if r.shape else ""
    if r.dry_run:
        head = (
            f"Dry run: importing {r.kind}{shape} {click.format_filename(r.file)} would write {where}; "
            "nothing written."
        )
    elif not r.changed:
        head = (
            f"Imported {r.kind}{shape} {click.format_filename(r.file)}: {where} unchanged (already imported)."
        )
    else:
        head = f"Imported {r.kind}{shape} {click.format_filename(r.file)} into {where}."
    lines = [head]
    for k, v in r.stats.items():
        lines.append(f"  {k + ':':<44} {_n(v)}")
    if r.records:
        lines.append("  records: " + ", ".join(f"{k} {_n(v)}" for k, v in r.records.items()))
    lines.append(
        f"  entities: {_n(len(r.created))} created, {_n(len(r.merged))} names merged into an entity "
        f"of the graph or of this import, {_n(len(r.ambiguous))} ambiguous"
    )
    if r.rules:
        lines.append("  decisions by rule: " + ", ".join(f"{k} {_n(v)}" for k, v in r.rules.items()))
    lines.append(
        f"  {'waiting for review:':<44} {_n(len(r.pending))}"
        + (" (list them with: corpgraph review)" if r.pending else "")
    )
    lines.append(f"  triples: {_n(r.triples)}")
    if r.reresolved:  # earlier imports whose names this one's evidence sends elsewhere
        names = ", ".join(p.rsplit("/", 1)[-1] for p in r.reresolved)
        lines.append(f"  re-resolved with this import's evidence: {_n(len(r.reresolved))} ({names})")
    if r.errors:
        lines.append(f"  bad rows skipped: {_n(len(r.errors))} (listed on stderr)")
    if r.decisions_file:
        lines.append(f"  decisions file: {r.decisions_file}")
    lines.append(f"  time: {r.seconds:.1f} s ({_n(int(r.rows_per_second))} rows/s)")
    joined = [d for d in r.merged if d.source_name != d.label]
    if joined:
        lines.append("Merged names (source name -> entity, rule):")
        for d in joined[: SHOW_EXAMPLES if not r.dry_run else len(joined)]:
            lines.append(f"  {d.source_name} -> {d.label} <{d.iri}> ({d.rule})")
        if not r.dry_run and len(joined) > SHOW_EXAMPLES:
            lines.append(f"  ... and {_n(len(joined) - SHOW_EXAMPLES)} more (see the decisions file)")
    if r.ambiguous:
        lines.append("Left ambiguous (a separate entity was created; settle by hand):")
        for d in r.ambiguous:
            lines.append(f"  {d.source_name} -> {d.iri} ({d.detail})")
    if r.dry_run and r.created:
        lines.append(f"Would create {_n(len(r.created))} entities, e.g.:")
        for d in r.created[:SHOW_EXAMPLES]:
            lines.append(f"  {d.source_name} -> <{d.iri}>")
    return "\n".join(lines)

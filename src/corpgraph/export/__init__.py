"""Exports of a subgraph, one module per family of formats, chosen by name from ``EXPORTERS``.

Every exporter takes a ``Subgraph`` (see ``corpgraph.subgraph``) and the ``Backend`` it came from and
returns the bytes of one file (or, for ``csv``, several named files).  ``export_subgraph`` writes the
result: atomically to a file, into a folder or a zip, or to stdout.  Every format states where it
came from: the graph version, the selection and the sources.

Adding a format is one module with a function ``(sub, backend, **options) -> bytes`` and one line here.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..dates import generated_at
from ..errors import ExportError, OutputError
from ..fileio import write_atomically, write_output

if TYPE_CHECKING:  # kept out of the import so that the CLI can list the formats without loading rdflib
    from ..backend import Backend
    from ..subgraph import Subgraph


@dataclass(frozen=True)
class Exporter:
    """A format: its name, file suffix, what it is for and the function that produces it."""

    name: str
    suffix: str
    description: str
    target: str  # "module:function" inside corpgraph.export
    binary: bool = False  # cannot go to a terminal
    files: bool = False  # several files: a folder or a .zip
    titled: bool = False  # takes a title (--title)

    def function(self) -> Callable[..., Any]:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), func)

    def __call__(self, sub: Subgraph, backend: Backend, **options: Any) -> bytes | dict[str, bytes]:
        from ..gcpause import no_cycle_collection

        function = self.function()
        with no_cycle_collection():
            return function(sub, backend, **options)


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("ttl", ".ttl", "Turtle: records, sources, entities and ontology terms", "rdf:to_turtle"),
        Exporter("jsonld", ".jsonld", "JSON-LD: the same triples as Turtle", "rdf:to_jsonld"),
        Exporter("nt", ".nt", "N-Triples: the same triples as Turtle, one per line", "rdf:to_ntriples"),
        Exporter("graphml", ".graphml", "GraphML for Gephi, Cytoscape and networkx", "graphml:to_graphml"),
        Exporter("gexf", ".gexf", "GEXF for Gephi, with colours and sizes", "graphml:to_gexf"),
        Exporter(
            "csv",
            ".zip",
            "nodes.csv and edges.csv (with sources) in a folder or a .zip",
            "csvfiles:to_csv",
            files=True,
        ),
        Exporter(
            "svg",
            ".svg",
            "print-ready figure with legend and credit (Graphviz)",
            "figure:to_svg",
            titled=True,
        ),
        Exporter(
            "png",
            ".png",
            "print-ready figure with legend and credit (Graphviz)",
            "figure:to_png",
            binary=True,
            titled=True,
        ),
        Exporter(
            "md",
            ".md",
            "article-ready fact list: a sentence per record, a footnote per source, money table",
            "markdown:to_markdown",
            titled=True,
        ),
        Exporter(
            "txt",
            ".txt",
            "the same fact list as plain text, for email",
            "markdown:to_text",
            titled=True,
        ),
        Exporter(
            "timeline-csv",
            ".csv",
            "the selection's records in time order: start, end, precision, kind, from, to, amount, sources",
            "timeline:to_timeline_csv",
        ),
        Exporter(
            "timeline-svg",
            ".svg",
            "print-ready timeline: statements above deeds on one time axis, bars as long as a date's precision",
            "timeline:to_timeline_svg",
            titled=True,
        ),
        Exporter(
            "timeline-png",
            ".png",
            "the same timeline as a PNG",
            "timeline:to_timeline_png",
            binary=True,
            titled=True,
        ),
        Exporter(
            "html", ".html", "the interactive map, embeddable in an iframe", "html:to_html", titled=True
        ),
    )
}


def export_subgraph(
    sub: Subgraph, backend: Backend, fmt: str, path: str | Path | None, **options: Any
) -> str:
    """Produce ``fmt`` for ``sub`` and write it to ``path`` (``-`` or None: stdout).  Returns where it went.

    Everything is produced in memory before anything is written, so a failure leaves no partial file.
    """
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        raise ExportError(f"unknown export format {fmt!r}; formats: {', '.join(EXPORTERS)}") from None
    to_stdout = path is None or str(path) == "-"
    if to_stdout and (exporter.binary or exporter.files):
        raise ExportError(
            f"--format {fmt} writes {'a binary file' if exporter.binary else 'several files'}; "
            f"give a path with -o, e.g. -o subgraph{exporter.suffix}"
        )
    result = exporter(sub, backend, **options)
    if to_stdout:
        assert isinstance(result, bytes)
        return write_output("-", result)
    out = Path(path)  # type: ignore[arg-type]
    if isinstance(result, dict):
        if out.suffix.lower() == ".zip":
            write_atomically(out, zip_bytes(result), make_parents=False)
        else:
            if out.exists() and not out.is_dir():
                raise OutputError(f"{out} exists and is not a folder; give a folder or a .zip path")
            if not out.parent.is_dir():
                raise OutputError(f"cannot write {out}: the folder {out.parent} does not exist")
            for name, data in result.items():
                write_atomically(out / name, data)
        return str(out)
    if out.is_dir():
        raise OutputError(
            f"{out} is a folder; give a file name such as {out / ('subgraph' + exporter.suffix)}"
        )
    write_atomically(out, result, make_parents=False)
    return str(out)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` whose bytes depend only on them and the export time (``generated_at``, which
    SOURCE_DATE_EPOCH fixes): each member is stamped with that time and mode 0644."""
    stamp = generated_at()
    date_time = max((stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second), _ZIP_EPOCH)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compresslevel=1)  # 2.5x faster than the default, 20% bigger
    return buf.getvalue()


_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold

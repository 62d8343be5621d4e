"""A validation report (``corpgraph.validate.ValidationReport``) in every format: ``text`` (one line per
problem, then the verdict), ``json``, and one row per problem for table, jsonl, csv, tsv and md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import render_rows, to_json
from .escape import terminal
from .numbers import plural

if TYPE_CHECKING:
    from ..validate import ValidationReport

PROBLEM_HEADERS = ("file", "line", "column", "focus", "field", "check", "severity", "message")


def render_text(report: ValidationReport) -> str:
    lines = []
    for p in report.problems:
        where = p.where() or p.focus
        field = f" [{p.field}]" if p.field else ""
        subject = f" {p.focus}" if p.check != "syntax" else ""
        lines.append(f"{where}:{subject}{field} {p.message} ({p.check}, {p.severity})")
    summary = (
        f"{report.graph}: {plural(report.files, 'file')}, {plural(report.triples, 'triple')}, "
        f"{plural(report.entities, 'entity', 'entities')}, {plural(report.records, 'record')}"
    )
    if report.conforms:
        lines.append(f"valid: {summary}")
    else:
        n = sum(1 for p in report.problems if p.severity == "violation")
        lines.append(f"INVALID: {plural(n, 'problem')} in {summary}")
    return terminal("\n".join(lines) + "\n")


def format_report(report: ValidationReport, fmt: str = "text") -> str:
    if fmt == "json":
        return to_json(report.as_dict())
    if fmt == "text":
        return render_text(report)
    rows = [
        [p.file, p.line, p.column, p.focus, p.field, p.check, p.severity, p.message] for p in report.problems
    ]
    return render_rows(PROBLEM_HEADERS, rows, fmt)


__all__ = ["PROBLEM_HEADERS", "format_report"]

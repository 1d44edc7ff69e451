"""Validate with a summary: what a student reads first when checking a notebook.

nbgrader's Validate button and `nbgrader validate` list each failing test cell with its whole traceback.  This
module makes both start with one line per task ("Task 2 — the sigmoid's backward pass (2 points): FAILED", and the reason below it)
and shows, for each failing cell, the error's message instead of its traceback (the test cells' messages say what
was expected and what came).  The kit's nbgrader_config.py calls `install()`; nothing else changes.
"""
from __future__ import annotations

import html
import re

import nbformat

SUMMARY_SOURCE = "Summary: which tasks pass their visible checks"


def task_title(markdown: str) -> str | None:
    """The title of a task from its heading cell ('## Task 2 — ...'), or None for any other cell."""
    match = re.match(r"\s*#+\s*(Task\s+\d+.*)", markdown)
    return match.group(1).strip() if match else None


def tasks_of(path: str) -> list[tuple[str, str]]:
    """(title, test cell source) for each graded test cell, titled by the task heading above it."""
    nb = nbformat.read(path, as_version=4)
    title, tasks = None, []
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            title = task_title(cell.source) or title
        elif grading.get("grade") and not grading.get("solution"):
            tasks.append((title or grading.get("grade_id", "a test cell"), cell.source.strip()))
    return tasks


def summary_lines(path: str, failed: list[dict]) -> list[str]:
    """One line per task: passed, or FAILED and, indented below, the first line of its error."""
    errors = {cell["source"]: cell.get("raw_error", "") for cell in failed}
    lines = []
    for title, source in tasks_of(path):
        if source in errors:
            first = next((line for line in errors[source].splitlines() if line.strip()), "no message")
            lines += [f"{title}: FAILED", f"    {first}"]
        else:
            lines.append(f"{title}: passed")
    return lines


def error_message(cell) -> str:
    """The error's name and message (not its traceback), and anything written to stderr."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "error" and output.ename == "NotImplementedError" and not output.evalue:
            parts.append("not answered yet (the cell still raises NotImplementedError)")
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
        elif output.output_type == "stream" and output.name == "stderr":
            parts.append(output.text.rstrip())
    return "\n".join(parts)


def install() -> None:
    """Patch nbgrader's Validator (idempotent): short errors, and a per-task summary first."""
    from nbgrader.validator import Validator

    if getattr(Validator, "_backprop_summary", False):
        return
    original_extract = Validator._extract_error
    original_validate = Validator.validate
    original_print = Validator.validate_and_print

    def _extract_error(self, cell):
        return error_message(cell) or original_extract(self, cell)

    def validate(self, filename):
        results = original_validate(self, filename)
        if "type_changed" in results or "changed" in results:
            return results
        lines = summary_lines(filename, results.get("failed", []))
        if getattr(self, "_printing", False):  # `nbgrader validate`: the summary first, then nbgrader's report
            print("\n".join(lines) + "\n", file=self.stream)
        elif "failed" in results:  # the Validate button: the dialog shows the failed "cells" in order
            text = "\n".join(lines)
            summary = {"source": SUMMARY_SOURCE, "error": html.escape(text), "raw_error": text}
            results["failed"] = [summary] + results["failed"]
        return results

    def validate_and_print(self, filename):
        self._printing = True
        try:
            return original_print(self, filename)
        finally:
            self._printing = False

    Validator._extract_error = _extract_error
    Validator.validate = validate
    Validator.validate_and_print = validate_and_print
    Validator._backprop_summary = True

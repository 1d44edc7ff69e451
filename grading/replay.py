"""The fast replay: grade a notebook with its trusted checks in this process, in seconds, with no kernel.

For authors writing a task, and for the proof that grading is right.  The notebook's code cells run in order in a
fresh namespace here; at each graded test cell the task's check asks that namespace its questions over the same wire
as a kernel (:class:`grading.InProcessNotebook`).  The visible asserts in test cells are *not* run by default: the
verdict is the trusted check's alone.

    python -m grading.replay 04_backward_pass              # the solution, then every wrong answer in the catalogue

prints one line per submission: the tasks it passed, and for each wrong answer whether the checks caught it.
(nbgrader's real ``autograde`` does the same with a kernel; ``tests/test_grading.py`` runs both.)
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import io
import runpy
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from grading.notebook import InProcessNotebook
from grading.runner import Verdict, checks_for, is_graded_test, run_check

REPO = Path(__file__).resolve().parents[1]


@dataclass
class WrongAnswer:
    """A plausible mistake: in solution cell `cell`, replace `old` by `new` (or the whole source if old is None).

    `loses`: the one task (test cell grade id) that must lose its points -- every other task must keep them.
    """

    name: str
    cell: str
    new: str
    old: str | None = None
    loses: list[str] = field(default_factory=list)


def load_catalogue(path: Path | str) -> list[WrongAnswer]:
    return runpy.run_path(str(path), init_globals={"WrongAnswer": WrongAnswer})["WRONG_ANSWERS"]


def apply(wrong: WrongAnswer, answers: dict[str, str]) -> dict[str, str]:
    """The solution sources {cell id: source} with `wrong`'s mistake made."""
    answers = dict(answers)
    if wrong.cell not in answers:
        raise KeyError(f"wrong answer {wrong.name!r}: no solution cell {wrong.cell!r}")
    if wrong.old is None:
        answers[wrong.cell] = wrong.new
    else:
        count = answers[wrong.cell].count(wrong.old)
        if count != 1:
            raise ValueError(f"wrong answer {wrong.name!r}: {wrong.old!r} occurs {count} times in cell {wrong.cell!r}")
        answers[wrong.cell] = answers[wrong.cell].replace(wrong.old, wrong.new)
    return answers


def solution_sources(nb) -> dict[str, str]:
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def with_answers(nb, answers: dict[str, str] | None):
    """A copy of `nb` whose solution cells hold `answers` (None: unchanged)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if answers is not None and meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return nb


def replay(nb, checks, assignment: str, *, run_visible_tests=False) -> dict[str, Verdict]:
    """Run `nb`'s code cells here and grade each graded test cell with its check: {grade id: Verdict}."""
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    notebook = InProcessNotebook(namespace)
    verdicts = {}
    quiet = contextlib.ExitStack()  # the notebook's output and warnings are not the grader's
    for context in (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()),
                    warnings.catch_warnings(), np.errstate(all="ignore")):
        quiet.enter_context(context)
    with quiet:
        warnings.simplefilter("ignore")
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            graded = is_graded_test(cell)
            if not graded or run_visible_tests:
                try:
                    exec(compile(cell.source, "<cell>", "exec"), namespace)
                except BaseException:  # a cell that raises is recorded by its test's verdict, as in a kernel
                    pass
            if graded:
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                verdicts[grade_id] = run_check(checks.get(grade_id), notebook, assignment, grade_id)
    return verdicts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="e.g. 04_backward_pass")
    parser.add_argument("--root", type=Path, default=REPO, help="course folder (default: this repository)")
    args = parser.parse_args(argv)
    a, root = args.assignment, args.root
    source = nbformat.read(root / "solutions" / a / f"{a}.ipynb", as_version=4)
    checks = checks_for(root / "solutions", a)
    solution = solution_sources(source)
    catalogue_path = root / "tests" / "wrong_answers" / f"{a}.py"
    catalogue = load_catalogue(catalogue_path) if catalogue_path.exists() else []
    problems = 0

    def show(label, verdicts, expect_lost=None):
        nonlocal problems
        lost = sorted(k for k, v in verdicts.items() if not v.passed)
        if expect_lost is None:
            ok = not lost
        else:
            ok = lost == sorted(expect_lost)
        problems += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label}: lost {', '.join(lost) or 'nothing'}")
        for k in lost:
            print(f"       {k}: {verdicts[k].message[:300]}")

    show("solution", replay(with_answers(source, solution), checks, a))
    for wrong in catalogue:
        show(wrong.name, replay(with_answers(source, apply(wrong, solution)), checks, a), wrong.loses)
    print(f"{problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run nbgrader's real `autograde` on made-up submissions, in a throw-away copy of the course.

Used by tests/test_grading.py to prove, for every exercise, that the solution gets full marks, the untouched
exercise gets zero, and every wrong answer in tests/wrong_answers/<assignment>.py loses its task's points.

A submission is the student notebook (exercises/<a>/<a>.ipynb) with its solution cells filled in, as a student
would: with the instructor's solution, or with the solution after one plausible mistake.
"""
from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from grading.replay import WrongAnswer, apply, load_catalogue  # noqa: F401  (re-exported for the tests)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Every exercise: a folder solutions/<name>/ holding its source <name>.md
ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if (p / f"{p.name}.md").exists())


def load_wrong_answers(assignment: str) -> list[WrongAnswer]:
    return load_catalogue(REPO / "tests" / "wrong_answers" / f"{assignment}.py")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def grade_cells(nb) -> dict[str, int]:
    """grade_id -> points of every autograded test cell."""
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            out[meta["grade_id"]] = meta["points"]
    return out


def solution_sources(assignment: str) -> dict[str, str]:
    nb = read(REPO / "solutions" / assignment / f"{assignment}.ipynb")
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def student_notebook(assignment: str, answers: dict[str, str] | None) -> nbformat.NotebookNode:
    """The released notebook with solution cells replaced by `answers` (None: left untouched)."""
    nb = read(REPO / "exercises" / assignment / f"{assignment}.ipynb")
    if answers is None:
        return nb
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[grade_id]
    return nb


VISIBLE_REMOVED = "# (the visible checks are removed here: only the grader's trusted checks decide)\n"


def without_visible_tests(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """`nb` with every graded test cell emptied: what the trusted checks alone must grade."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cell.source = VISIBLE_REMOVED
    return nb


def autograde(assignment: str, submissions: dict[str, nbformat.NotebookNode], workdir: Path,
              *, cell_timeout: int = 30, question_timeout: int = 30, visible_tests: bool = True) -> dict[str, dict[str, tuple[float, float]]]:
    """Autograde every submission with ONE `nbgrader autograde` call; return student -> grade_id -> (score, max).

    visible_tests=False: the course's test cells are emptied first (in the source notebook nbgrader restores them
    from, and in every submission), so the trusted checks alone decide.
    A submission nbgrader could not grade at all is absent from the result.
    """
    root = workdir / "course"
    if root.exists():
        shutil.rmtree(root)
    (root / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions" / assignment, root / "solutions" / assignment)
    if not visible_tests:
        source = root / "solutions" / assignment / f"{assignment}.ipynb"
        nbformat.write(without_visible_tests(read(source)), source)
        submissions = {k: without_visible_tests(nb) for k, nb in submissions.items()}
    env = dict(os.environ, NBGRADER_COURSE_ROOT=str(root), PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices; the other core grades another chapter
    env.pop("NBGRADER_DB_URL", None)
    run = dict(cwd=root, env=env, capture_output=True, text=True)
    gen = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], **run)
    assert gen.returncode == 0, gen.stdout + gen.stderr
    for student, nb in submissions.items():
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    result = subprocess.run(
        [str(BIN / "nbgrader"), "autograde", assignment, "--force", f"--Execute.timeout={cell_timeout}",
         f"--TrustedExecute.question_timeout={question_timeout}"], **run)
    (workdir / "autograde.log").write_text(result.stdout + result.stderr)
    from nbgrader.api import Gradebook, MissingEntry

    scores: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in submissions:
            try:
                sub = gb.find_submission_notebook(assignment, assignment, student)
            except MissingEntry:
                continue
            scores[student] = {g.name: (g.score, g.max_score) for g in sub.grades}
    return scores

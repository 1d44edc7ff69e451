"""exercises/ (and the compiled solutions/*.ipynb) must be exactly what the sources make now.

Regenerates every assignment in a temporary copy with the same tool `make exercises` uses, and compares bytes.
"""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import grading_harness as H

ASSIGNMENTS = H.ASSIGNMENTS


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copy(H.REPO / "nbgrader_config.py", root)
    for name in ASSIGNMENTS:
        (root / "solutions" / name).mkdir(parents=True)
        shutil.copy(H.REPO / "solutions" / name / f"{name}.md", root / "solutions" / name)
    result = subprocess.run([sys.executable, str(H.REPO / "tools" / "make_exercises.py"), "--root", str(root)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_generated_notebooks_are_committed_and_current(regenerated, assignment):
    for folder in ("solutions", "exercises"):
        committed = H.REPO / folder / assignment / f"{assignment}.ipynb"
        fresh = regenerated / folder / assignment / f"{assignment}.ipynb"
        assert committed.exists(), f"{committed} is missing: run `make exercises` and commit"
        assert committed.read_bytes() == fresh.read_bytes(), (
            f"{folder}/{assignment}/{assignment}.ipynb is not what solutions/{assignment}/{assignment}.md makes: "
            "run `make exercises` and commit (never edit generated notebooks by hand)")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_hides_solutions_and_hidden_tests(assignment):
    nb = H.read(H.REPO / "exercises" / assignment / f"{assignment}.ipynb")
    text = "\n".join(c.source for c in nb.cells)
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "_grading", "judge("):
        assert secret not in text, f"the student notebook of {assignment} contains {secret!r}"
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert solutions and all("raise NotImplementedError()" in c.source for c in solutions)


def test_every_assignment_has_a_page_and_a_catalogue():
    toc = (H.REPO / "_toc.yml").read_text()
    for name in ASSIGNMENTS:
        assert (H.REPO / "book" / f"{name}.md").exists(), f"no chapter page book/{name}.md"
        assert f"exercises/{name}/{name}" in toc, f"_toc.yml does not list the exercise page of {name}"
        assert (H.REPO / "tests" / "wrong_answers" / f"{name}.py").exists(), f"no catalogue for {name}"

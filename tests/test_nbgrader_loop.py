"""The instructor guide's whole nbgrader loop, command by command, on a temporary copy of the course.

generate -> release -> (student) fetch, validate, submit -> collect -> autograde -> feedback -> release/fetch
feedback -> export CSV, and the LMS path: zip_collect -> autograde.  Uses chapter 1's exercise.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import zipfile

import nbformat
import pytest

import grading_harness as H

A = "01_neurons"


def nbgrader(*args, cwd, env):
    result = subprocess.run([str(H.BIN / "nbgrader"), *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.mark.slow
def test_instructor_guide_loop(tmp_path):
    course, exchange, student_home = tmp_path / "course", tmp_path / "exchange", tmp_path / "student"
    for d in (course / "solutions", exchange, student_home):
        d.mkdir(parents=True)
    shutil.copy(H.REPO / "nbgrader_config.py", course)
    shutil.copytree(H.REPO / "solutions" / A, course / "solutions" / A)
    env = dict(os.environ, NBGRADER_COURSE_ROOT=str(course), NBGRADER_EXCHANGE=str(exchange),
               PATH=f"{H.BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("NBGRADER_DB_URL", None)
    student_env = {k: v for k, v in env.items() if k != "NBGRADER_COURSE_ROOT"}
    exchange_flags = [f"--Exchange.root={exchange}", "--course", "backprop"]

    # 1. instructor: make and release the student notebook
    nbgrader("generate_assignment", A, "--force", cwd=course, env=env)
    released = nbformat.read(course / "exercises" / A / f"{A}.ipynb", as_version=4)
    assert nbformat.read(H.REPO / "exercises" / A / f"{A}.ipynb", as_version=4) == released
    nbgrader("release_assignment", A, cwd=course, env=env)

    # 2. student: list, fetch, work (here: paste in the solutions), validate, submit
    assert A in nbgrader("list", *exchange_flags, cwd=student_home, env=student_env)
    nbgrader("fetch_assignment", A, *exchange_flags, cwd=student_home, env=student_env)
    work = student_home / A / f"{A}.ipynb"
    nbformat.write(H.student_notebook(A, H.solution_sources(A)), work)
    assert "Success" in nbgrader("validate", str(work), cwd=student_home, env=student_env)
    nbgrader("submit", A, *exchange_flags, cwd=student_home, env=student_env)

    # 3. instructor: collect, autograde, feedback through the exchange
    nbgrader("collect", A, cwd=course, env=env)
    nbgrader("autograde", A, cwd=course, env=env)
    nbgrader("generate_feedback", A, cwd=course, env=env)
    nbgrader("release_feedback", A, cwd=course, env=env)
    nbgrader("fetch_feedback", A, *exchange_flags, cwd=student_home, env=student_env)

    # 4. a second student hands in an untouched notebook through an LMS download, zipped
    archive = course / "downloaded" / A / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "lms_download.zip", "w") as zf:
        zf.writestr(f"ada_{A}.ipynb", nbformat.writes(H.student_notebook(A, None)))
    nbgrader("zip_collect", A, cwd=course, env=env)
    submitted = sorted(p.name for p in (course / "submitted").iterdir())
    assert "ada" in submitted and len(submitted) == 2, submitted
    nbgrader("autograde", A, cwd=course, env=env)
    nbgrader("generate_feedback", A, cwd=course, env=env)
    nbgrader("export", "--to", "grades.csv", cwd=course, env=env)

    rows = {r["student_id"]: r for r in csv.DictReader(open(course / "grades.csv"))}
    (student_id,) = set(submitted) - {"ada"}
    assert float(rows[student_id]["score"]) == float(rows[student_id]["max_score"]) == 10.0
    assert float(rows["ada"]["score"]) == 0.0

    feedback_html = next((student_home / A / "feedback").rglob("*.html")).read_text()
    assert "HIDDEN TESTS" not in feedback_html and "_grading" not in feedback_html
    ada_feedback = (course / "feedback" / "ada" / A / f"{A}.html").read_text()
    assert "NotImplementedError" in ada_feedback

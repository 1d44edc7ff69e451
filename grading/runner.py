"""Find an exercise's checks and run one against a notebook: the verdict that decides a task's points.

An exercise's checks are the functions of ``solutions/<assignment>/checks.py`` (never released to students), one per
graded test cell, named by the cell's grade id::

    def test_dense_backward(nb, rng):
        '''Task 1, 3 points.'''
        ...

``nb`` is a :class:`grading.Notebook` to ask questions, ``rng`` a NumPy generator seeded for this task (the same
seed at every grading, a different one for every task).  A check passes by returning; it fails by raising
:class:`grading.CheckFailed` (the expect_* helpers do), and any other exception in it is a bug of the check.
"""
from __future__ import annotations

import importlib.util
import sys
import time
import traceback
import zlib
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from grading.expect import CheckFailed
from grading.notebook import KernelDied, NoAnswer, QuestionTimedOut, StudentRaised

CHECKS_FILE = "checks.py"


class Verdict(NamedTuple):
    passed: bool
    message: str              # for the student
    reason: str  # "passed", "wrong", "raised", "no readable answer", "timed out", "kernel died", "grader error", "no check"
    mistake: str | None = None  # the likely mistake's short name, when one was recognised


def is_graded_test(cell) -> bool:
    """An autograded test cell: its points are decided by the check named by its grade id."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def load_checks(path: Path | str) -> dict[str, Callable]:
    """The check functions of a checks.py file: {grade id: function}, for every function named ``test_*``."""
    path = Path(path)
    name = f"_grading_checks_{path.parent.name}_{zlib.crc32(str(path).encode()):08x}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return {key: value for key, value in vars(module).items() if key.startswith("test_") and callable(value)}


def checks_for(source_directory: Path | str, assignment: str) -> dict[str, Callable]:
    path = Path(source_directory) / assignment / CHECKS_FILE
    if not path.exists():
        raise FileNotFoundError(f"no trusted checks for {assignment}: {path} does not exist")
    return load_checks(path)


def seed_for(assignment: str, grade_id: str) -> int:
    """A fixed seed per task: grading is reproducible, and every task draws different inputs."""
    return zlib.crc32(f"{assignment}/{grade_id}".encode())


def run_check(check: Callable | None, nb, assignment: str, grade_id: str, *, log=None) -> Verdict:
    """Run one task's check against `nb`; never raises (a bug in the check fails the task and is logged)."""
    if check is None:
        return Verdict(False, f"the grader has no check for {grade_id!r}; tell your instructor", "no check")
    rng = np.random.default_rng(seed_for(assignment, grade_id))
    start = time.monotonic()
    try:
        check(nb, rng)
    except KernelDied as exc:
        return Verdict(False, str(exc), "kernel died")
    except QuestionTimedOut as exc:
        return Verdict(False, str(exc), "timed out")
    except StudentRaised as exc:
        return Verdict(False, str(exc), "raised")
    except NoAnswer as exc:
        return Verdict(False, str(exc), "no readable answer")
    except CheckFailed as exc:
        return Verdict(False, str(exc), "wrong", exc.mistake)
    except Exception as exc:  # a bug in the check itself
        if log is not None:
            log.error("grader error in %s/%s:\n%s", assignment, grade_id, traceback.format_exc())
        return Verdict(False, f"internal grader error ({type(exc).__name__}: {exc}); tell your instructor",
                       "grader error")
    if log is not None:
        log.debug("%s/%s passed in %.2f s", assignment, grade_id, time.monotonic() - start)
    return Verdict(True, "all of the grader's checks passed (the visible cases and hidden ones)", "passed")

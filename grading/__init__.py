"""Trusted grading for the course's exercises: the grade of a task is decided here, never in the student's kernel.

Who runs what where::

    instructor's process (nbgrader autograde)               student's kernel (sandboxed)
    ------------------------------------------               ----------------------------
    TrustedExecute runs the notebook's cells   --code-->     runs them
    at a graded test cell: checks.py's test_<task>(nb, rng)
        nb.ask("dense_backward", dout, cache)  --data-->     the agent calls dense_backward(dout, cache)
        decodes the answer as plain data       <--data--     and sends back what it returned
        compares it with nnlib and with central differences, here
    the verdict becomes the cell's only output -> nbgrader's points

Modules: :mod:`grading.wire` (plain data on the wire), :mod:`grading.agent` (the kernel's side),
:mod:`grading.notebook` (asking a kernel, or a namespace in this process), :mod:`grading.expect` and
:mod:`grading.diagnose` (what a check expects and what it says), :mod:`grading.runner` (finding and running checks),
:mod:`grading.autograde` (the nbgrader preprocessor), :mod:`grading.replay` (the fast in-process replay).
"""
from nnlib.gradcheck import numerical_gradient, numerical_gradient_wrt, rel_error

from grading.diagnose import likely_mistake
from grading.expect import CheckFailed, as_array, expect, expect_close, expect_gradient, expect_shape, fail
from grading.notebook import Call, Handle, InProcessNotebook, KernelNotebook, Notebook

__all__ = [
    "Call", "CheckFailed", "Handle", "InProcessNotebook", "KernelNotebook", "Notebook", "as_array", "expect",
    "expect_close", "expect_gradient", "expect_shape", "fail", "likely_mistake", "numerical_gradient",
    "numerical_gradient_wrt", "rel_error",
]

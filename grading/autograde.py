"""The nbgrader preprocessor that grades with trusted checks: :class:`TrustedExecute`.

nbgrader's own ``Execute`` runs every cell in the student's kernel and scores a test cell by whether it raised
there.  Everything in that kernel can lie.  ``TrustedExecute`` runs the cells the same way, but when it reaches a
graded test cell it runs that task's check (``solutions/<assignment>/checks.py``) *here*, in the grader's process,
against the live kernel at that point of the notebook, and replaces the cell's outputs with the verdict alone:

* passed -- one line on stdout: full points (nbgrader scores a test cell without an error as passed);
* failed -- one error output whose message says what is wrong: zero points.

It also survives a dying kernel (``os._exit``, a crash, the memory limit): the cell that killed it gets the error,
every later code cell is marked as not run (so its test scores zero), and the rest of the grades stand -- where
nbgrader alone would drop the whole submission, or count a test that never ran as passed.

Configured in ``nbgrader_config.py``::

    c.Autograde.autograde_preprocessors = [TrustedExecute, ...]   # in place of nbgrader's Execute
    c.TrustedExecute.checks_directory = ".../solutions"           # where <assignment>/checks.py live
"""
from __future__ import annotations

import time

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Int, List, Unicode, default

from grading.notebook import KernelNotebook
from grading.runner import Verdict, checks_for, is_graded_test, run_check
from grading.sandbox import Limits, Sandbox, SandboxedKernelManager, check_available

PASSED_TEXT = "✓ {grade_id}: {message}\n"
VERDICT_MIME = "application/vnd.backprop-grader.verdict+json"


def error_output(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def verdict_outputs(grade_id: str, verdict: Verdict) -> list:
    """The outputs a graded test cell gets: they alone decide its score in nbgrader."""
    if verdict.passed:
        return [NotebookNode(output_type="stream", name="stdout",
                             text=PASSED_TEXT.format(grade_id=grade_id, message=verdict.message))]
    ename = {"timed out": "TimeoutError", "kernel died": "KernelDied", "grader error": "GraderError"}.get(
        verdict.reason, "CheckFailed")
    record = NotebookNode(output_type="display_data", metadata={},  # for the class report; not shown to students
                          data={VERDICT_MIME: {"reason": verdict.reason, "mistake": verdict.mistake}})
    return [error_output(ename, verdict.message), record]


class TrustedExecute(Execute):
    """nbgrader's Execute, with each graded test cell scored by its trusted check (see the module docstring)."""

    checks_directory = Unicode(
        "", help="Folder holding <assignment>/checks.py (default: the course's source directory)").tag(config=True)
    task_timeout = Float(60.0, help="Seconds all the questions of one task's check may take").tag(config=True)
    question_timeout = Float(30.0, help="Seconds one question to the kernel may take").tag(config=True)
    unsafe_no_sandbox = Bool(
        False, help="Run student kernels WITHOUT the bubblewrap sandbox: they can then read and write everything "
                    "you can (the gradebook, solutions/, your files) and use the network. Only for notebooks you "
                    "trust, on a machine where bwrap cannot run.").tag(config=True)
    sandbox_hide = List(Unicode(), help="More folders the sandboxed kernel must not see (the course root, the "
                                        "exchange and the gradebook's folder are always hidden)").tag(config=True)
    sandbox_memory = Unicode("4G", help="Address-space limit of a sandboxed kernel").tag(config=True)
    sandbox_cpu_seconds = Int(300, help="CPU-time limit of a sandboxed kernel, in seconds").tag(config=True)
    sandbox_processes = Int(64, help="Limit on processes and threads in one sandbox").tag(config=True)
    sandbox_file_size = Unicode("64M", help="Largest file a sandboxed kernel may write").tag(config=True)

    @default("shutdown_kernel")
    def _stop_the_kernel_at_once(self):
        # Once the last cell has run the grades are decided: kill the kernel (0.1 s) rather than ask it to shut
        # down and wait for it (0.5 s when the machine is busy).
        return "immediate"

    def preprocess(self, nb, resources=None, km=None):
        self._kernel_died = False
        self._notebook = None
        self._assignment = (resources or {}).get("nbgrader", {}).get("assignment", "")
        self._checks = checks_for(self._source_directory(), self._assignment)
        self.verdicts = {}
        return super().preprocess(nb, resources, km)

    def create_kernel_manager(self):
        """Every student kernel in a sandbox (grading/sandbox.py), unless the instructor opted out explicitly."""
        if self.unsafe_no_sandbox:
            self.log.warning("Grading WITHOUT a sandbox (--TrustedExecute.unsafe_no_sandbox=True): the student's "
                             "code runs with all your rights.")
            return super().create_kernel_manager()
        check_available()  # raises SandboxUnavailable, saying why and how to install bubblewrap
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name", "python3")
        limits = Limits(memory=self.sandbox_memory, cpu_seconds=self.sandbox_cpu_seconds,
                        processes=self.sandbox_processes, file_size=self.sandbox_file_size)
        sandbox = Sandbox.for_course(*self._private_folders(), limits=limits)
        self.km = SandboxedKernelManager(kernel_name=self.kernel_name, config=self.config, sandbox=sandbox)
        return self.km

    def _private_folders(self):
        """What a student's kernel must not see: the course root, the checks, the gradebook, the exchange."""
        import os

        course = self.config.get("CourseDirectory", {})
        folders = [course.get("root", os.getcwd()), self._source_directory(), *self.sandbox_hide]
        exchange = self.config.get("Exchange", {}).get("root")
        if exchange:
            folders.append(exchange)
        db_url = self.resources.get("nbgrader", {}).get("db_url", "") if self.resources else ""
        if db_url.startswith("sqlite:///"):
            folders.append(os.path.dirname(db_url[len("sqlite:///"):].split("?")[0]))
        return [str(f) for f in folders if f]

    def _source_directory(self):
        if self.checks_directory:
            return self.checks_directory
        import os

        course = self.config.get("CourseDirectory", {})
        root = course.get("root", os.getcwd())
        return os.path.join(root, course.get("source_directory", "source"))

    def preprocess_cell(self, cell, resources, index):
        if self._kernel_died:
            if cell.cell_type == "code":
                cell.outputs = [error_output("KernelDied", "not run: the kernel died in an earlier cell")]
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_died = True
            self.log.error("The kernel died in cell %s; later cells are marked as not run.", index)
            cell.outputs = list(cell.get("outputs", [])) + [
                error_output("KernelDied", "the kernel died while running this cell")]
            return cell, resources
        if is_graded_test(cell):
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            verdict = self._check(grade_id)
            self.verdicts[grade_id] = verdict
            cell.outputs = verdict_outputs(grade_id, verdict)
            if verdict.reason == "kernel died":
                self._kernel_died = True
        return cell, resources

    def _check(self, grade_id):
        if self._notebook is None:
            self._notebook = KernelNotebook(self.kc, self.km, timeout=self.question_timeout)
        self._notebook.deadline = time.monotonic() + self.task_timeout
        verdict = run_check(self._checks.get(grade_id), self._notebook, self._assignment, grade_id, log=self.log)
        self.log.info("%s: %s%s", grade_id, verdict.reason, f" ({verdict.mistake})" if verdict.mistake else "")
        return verdict

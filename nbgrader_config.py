"""nbgrader configuration for the course.

solutions/<assignment>/   instructor source notebooks (solutions + hidden tests)
exercises/<assignment>/   student versions, made by `make exercises` (nbgrader generate_assignment)
submitted/ autograded/ feedback/ gradebook.db   instructor state, never committed

Environment overrides (used by the test-suite and by instructors with several courses):
  NBGRADER_COURSE_ROOT   course directory (default: this folder)
  NBGRADER_DB_URL        gradebook (default: sqlite file gradebook.db in the course root)
  NBGRADER_EXCHANGE      exchange folder for release/fetch/submit/collect
"""
import os

c = get_config()  # noqa: F821  (provided by nbgrader)

ROOT = os.environ.get("NBGRADER_COURSE_ROOT", os.path.dirname(os.path.abspath(__file__)))

c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.db_url = os.environ.get("NBGRADER_DB_URL", "sqlite:///" + os.path.join(ROOT, "gradebook.db"))
# Supporting files copied with each notebook; nothing else in solutions/ may leak out.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*", "*.md"]  # *.md: the exercise sources

# What a student sees where a solution was.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Every cell gets at most this long when autograding; a hung cell is interrupted and grading goes on.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.execute_retries = 0

# Students may submit to a fresh gradebook: create them on the fly.
c.Autograde.create_student = True


# A notebook that kills its own kernel (os._exit, a segfault, running out of memory) must still be graded:
# nbgrader's own Execute gives up on the whole submission ("Removing failed assignment"), and a test cell that
# never ran has no error output, which nbgrader would count as *passed*.  This Execute records the death in the
# cell that caused it and marks every later code cell as not run, so those tests score zero and the rest stand.
from nbclient.exceptions import DeadKernelError  # noqa: E402
from nbformat.notebooknode import NotebookNode  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402


def _error_output(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class ExecuteSurvivingKernelDeath(Execute):
    """nbgrader's Execute, except that a dead kernel fails the remaining cells instead of the submission."""

    def preprocess(self, nb, resources=None, km=None):
        self._kernel_died = False
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if getattr(self, "_kernel_died", False):
            if cell.cell_type == "code":
                cell.outputs = [_error_output("KernelDied", "not run: the kernel died in an earlier cell")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_died = True
            self.log.error("The kernel died in cell %s; later cells are marked as not run.", index)
            cell.outputs = list(cell.get("outputs", [])) + [
                _error_output("KernelDied", "the kernel died while running this cell")]
            return cell, resources


c.Autograde.autograde_preprocessors = [
    ExecuteSurvivingKernelDeath, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]

# Feedback never shows hidden test source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]

c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", os.path.join(ROOT, "nbgrader_exchange"))

# Grading a folder of submissions downloaded from an LMS (`nbgrader zip_collect <assignment>`): put the files or
# zip archives in downloaded/<assignment>/archive/, each notebook named <student-id>_<notebook>.ipynb, e.g.
# ada_01_neurons.ipynb (student ids without underscores). Adapt the expression to your LMS's file names.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[^_/]+)_(?P<file_id>\d\d_\w+)\.ipynb$"  # matched against the full path

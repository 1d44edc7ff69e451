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
# ?timeout=30: several graders (make grade) share the one SQLite gradebook; a writer waits up to 30 s for another.
c.CourseDirectory.db_url = os.environ.get("NBGRADER_DB_URL",
                                          "sqlite:///" + os.path.join(ROOT, "gradebook.db") + "?timeout=30")
# Supporting files copied with each notebook; nothing else in solutions/ may leak out.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*", "*.md", "checks.py"]
# (*.md: the exercise sources; checks.py: the trusted checks, for the grader only)

# What a student sees where a solution was.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Every cell gets at most this long when autograding; a hung cell is interrupted and grading goes on.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.execute_retries = 0
c.TrustedExecute.task_timeout = 60     # all the questions one task's check asks
c.TrustedExecute.question_timeout = 30

# Students may submit to a fresh gradebook: create them on the fly.
c.Autograde.create_student = True


# Trusted grading: the grade of a task is decided in this process, never in the student's kernel.  TrustedExecute
# (the `grading` package beside nnlib) runs the notebook like nbgrader's Execute; at each graded test cell it runs
# that task's check from solutions/<assignment>/checks.py here, asking the kernel questions and checking its answers,
# and the verdict becomes the cell's only output.  It also survives a kernel that dies: the later cells score zero,
# the earlier ones keep their points.
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402

from grading.autograde import TrustedExecute  # noqa: E402

c.TrustedExecute.checks_directory = os.path.join(ROOT, "solutions")
c.Autograde.autograde_preprocessors = [
    TrustedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
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

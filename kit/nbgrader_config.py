"""nbgrader settings for the student kit (read by the Validate button and by `nbgrader validate`).

Validate runs your notebook from top to bottom in a fresh kernel, as grading will, and reports which tasks pass
their visible checks. Grading runs more checks than those, on other inputs, in the instructor's own process.
"""
import os
import sys

c = get_config()  # noqa: F821  (provided by nbgrader)

# Validate starts its report with one line per task and shows each failure's message, not its traceback.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate_summary import install  # noqa: E402

install()

c.Execute.timeout = 60  # seconds a cell may run when validating

# Your course uses nbgrader's exchange (fetch and submit from JupyterLab)? Your instructor gives you these two
# values; set them, then run `python3 start.py` again: the Assignments tab appears.
# c.CourseDirectory.course_id = "backprop"
# c.Exchange.root = "/srv/nbgrader/exchange"

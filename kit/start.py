"""Set up the course and open JupyterLab on the exercises: `python3 start.py` (the kit's one command).

The first run creates a Python environment in .venv beside this file and installs the pinned packages and nnlib
into it (a few minutes); later runs reuse it, and reinstall only when requirements.txt changes. Then it opens
JupyterLab with what a student needs from nbgrader (Validate, and the Assignments tab when your course has an
exchange) and none of the instructor's pages; chapter pages written as Markdown (.md) open as notebooks.

  python3 start.py                 set up if needed, then open JupyterLab
  python3 start.py --setup-only    set up, do not open JupyterLab
  python3 start.py --no-browser    any other option is passed on to `jupyter lab`
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

KIT = Path(__file__).resolve().parent
ENV = KIT / ".venv"
BIN = ENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = ENV / "kit-installed"

# nbgrader's JupyterLab pages: students get Validate; the Assignments tab only with an exchange.
INSTRUCTOR_PAGES = ["formgrader", "create-assignment", "course-list", "menu"]
INSTRUCTOR_SERVER = ["formgrader", "course_list"]


def wanted() -> str:
    """What the environment must hold: a hash of the pinned requirements and nnlib's packaging."""
    digest = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        digest.update((KIT / name).read_bytes())
    return digest.hexdigest()


def set_up() -> None:
    if STAMP.exists() and STAMP.read_text() == wanted():
        return
    if sys.version_info < (3, 11):
        sys.exit(f"The course needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    print(f"Creating the course's Python environment in {ENV} (a few minutes, once) ...", flush=True)
    if not PYTHON.exists():
        venv.create(ENV, with_pip=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    subprocess.run(pip + ["-r", str(KIT / "requirements.txt")], check=True)
    subprocess.run(pip + ["--no-deps", "-e", str(KIT)], check=True)  # nnlib, from nnlib/ here
    STAMP.write_text(wanted())
    print("The environment is ready.", flush=True)


def exchange_configured() -> bool:
    """True when nbgrader_config.py sets an exchange (a line `c.Exchange.root = ...` not commented out)."""
    text = (KIT / "nbgrader_config.py").read_text()
    return re.search(r"^\s*c\.Exchange\.root\s*=", text, flags=re.M) is not None


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def configure_jupyter() -> None:
    """JupyterLab's settings for students, inside .venv (nothing in your home folder changes)."""
    hidden = INSTRUCTOR_PAGES + ([] if exchange_configured() else ["assignment-list"])
    write_json(ENV / "etc" / "jupyter" / "labconfig" / "page_config.json",
               {"disabledExtensions": {f"@jupyter/nbgrader:{name}": True for name in hidden}})
    server_off = INSTRUCTOR_SERVER + ([] if exchange_configured() else ["assignment_list"])
    write_json(ENV / "etc" / "jupyter" / "jupyter_server_config.d" / "zz-backprop-kit.json",
               {"ServerApp": {"jpserver_extensions": {
                   f"nbgrader.server_extensions.{name}": False for name in server_off}}})
    write_json(ENV / "share" / "jupyter" / "lab" / "settings" / "overrides.json",
               {"@jupyterlab/docmanager-extension:plugin": {
                   "defaultViewers": {"markdown": "Jupytext Notebook"}},
                "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}})


def main(argv: list[str]) -> int:
    set_up()
    configure_jupyter()
    if "--setup-only" in argv:
        print("Set up. Open JupyterLab with: python3 start.py")
        return 0
    command = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={KIT}",
               "--LabApp.default_url=/lab/tree/exercises", *argv]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    os.chdir(KIT)  # Validate reads nbgrader_config.py from JupyterLab's working folder
    if os.name == "nt":
        return subprocess.run(command).returncode
    os.execv(command[0], command)  # JupyterLab takes this process's place (Ctrl-C stops it)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

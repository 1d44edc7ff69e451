"""Make the exercise notebooks: solutions/*/NAME.md  ->  solutions/*/NAME.ipynb  ->  exercises/*/NAME.ipynb.

The readable source of every exercise is a MyST-markdown notebook, ``solutions/<assignment>/<assignment>.md``
(diffs stay readable).  This script

1. compiles it into the nbgrader *source* notebook ``solutions/<assignment>/<assignment>.ipynb``, turning short
   cell options into nbgrader metadata and giving every cell a fixed id (so the output is reproducible), and
2. runs nbgrader's ``generate_assignment`` on it, which writes the student version into ``exercises/``.

Cell options in the source (on a ``{code-cell}``):

``:nbgrader: solution`` + ``:id: NAME``
    the student's answer region (between ``### BEGIN SOLUTION`` / ``### END SOLUTION``).
``:nbgrader: tests`` + ``:id: NAME`` + ``:points: N``
    an autograded test cell worth N points (visible asserts, then ``### BEGIN HIDDEN TESTS`` ...).
no ``:nbgrader:``
    a read-only cell (markdown statements and set-up code), restored by nbgrader when grading.

Usage: ``python tools/make_exercises.py [ASSIGNMENT ...] [--root DIR] [--no-generate]``
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import jupytext
import nbformat

REPO = Path(__file__).resolve().parents[1]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _nbgrader(grade_id: str, *, solution=False, grade=False, locked=True, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def compile_source(md_path: Path) -> nbformat.NotebookNode:
    """Read a MyST exercise source and return the nbgrader source notebook (nbformat 4.5, fixed ids)."""
    nb = jupytext.read(md_path)
    seen: set[str] = set()
    counters = {"markdown": 0, "code": 0}
    cells = []
    for cell in nb.cells:
        meta = dict(cell.metadata)
        role = meta.pop("nbgrader", None)
        explicit_id = meta.pop("id", None)
        points = meta.pop("points", None)
        counters[cell.cell_type] += 1
        if cell.cell_type == "markdown":
            cell_id = explicit_id or f"md-{counters['markdown']:02d}"
            new = nbformat.v4.new_markdown_cell(cell.source)
            new.metadata["nbgrader"] = _nbgrader(cell_id)
        elif cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(cell.source)
            if role == "solution":
                if not explicit_id:
                    raise ValueError(f"{md_path}: a solution cell needs ':id:'\n{cell.source[:200]}")
                cell_id = explicit_id
                new.metadata["nbgrader"] = _nbgrader(cell_id, solution=True, locked=False)
            elif role == "tests":
                if not explicit_id or points is None:
                    raise ValueError(f"{md_path}: a tests cell needs ':id:' and ':points:'\n{cell.source[:200]}")
                cell_id = explicit_id
                new.metadata["nbgrader"] = _nbgrader(cell_id, grade=True, points=int(points))
            elif role is None:
                cell_id = explicit_id or f"code-{counters['code']:02d}"
                new.metadata["nbgrader"] = _nbgrader(cell_id)
            else:
                raise ValueError(f"{md_path}: unknown ':nbgrader: {role}' (use solution or tests)")
            if "BEGIN SOLUTION" in cell.source and role != "solution":
                raise ValueError(f"{md_path}: cell {cell_id} has a solution region but is not a solution cell")
        else:
            raise ValueError(f"{md_path}: unsupported cell type {cell.cell_type}")
        if cell_id in seen:
            raise ValueError(f"{md_path}: duplicate cell id {cell_id!r}")
        seen.add(cell_id)
        new.id = cell_id
        new.metadata.update(meta)
        cells.append(new)
    out = nbformat.v4.new_notebook(cells=cells)
    out.nbformat_minor = 5
    out.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    return out


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    nbformat.validate(nb)
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "solutions").iterdir() if (p / f"{p.name}.md").exists())


def generate(root: Path, names: list[str]) -> None:
    """Run nbgrader generate_assignment for each name, in this one process (no 4 s start-up each)."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    os.environ["NBGRADER_COURSE_ROOT"] = str(root)
    # nbgrader runs `alembic` (beside this interpreter) as a subprocess when it creates a gradebook.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    api = NbGraderAPI(config=config)
    for name in names:
        result = api.generate_assignment(name, force=True)
        if not result["success"]:
            sys.stderr.write(result.get("log", "") + result.get("error", ""))
            raise SystemExit(f"nbgrader generate_assignment {name} failed")
        print(f"exercises/{name}/{name}.ipynb")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="assignments (default: all in solutions/)")
    parser.add_argument("--root", type=Path, default=REPO, help="course directory (default: this repository)")
    parser.add_argument("--no-generate", action="store_true", help="only compile .md -> solutions .ipynb")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    names = args.names or assignments(root)
    for name in names:
        src = root / "solutions" / name / f"{name}.md"
        write_notebook(compile_source(src), src.with_suffix(".ipynb"))
    if not args.no_generate:
        generate(root, names)


if __name__ == "__main__":
    main()

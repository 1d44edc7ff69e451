"""Plumbing shared by the book's pages: glue, tables, plot style, reading times. Not nnlib, not teaching code.

A page imports what it needs in a removed cell (``from _helpers import glue_number``): the book's build runs each
page in book/. To run one page alone: ``jupytext --to ipynb --execute --run-path book -o /tmp/NN.ipynb
book/NN_name.md``.
"""
import numpy as np

try:
    from myst_nb import glue  # the book's build: a glued value is written into the page's text
except ImportError:  # a chapter downloaded as a notebook: its text already holds every glued value

    def glue(name, value, display=True):
        """Without MyST-NB: show the value if asked to (as MyST-NB's glue does), keep nothing."""
        if display:
            from IPython.display import display as show

            show(value)


def glue_number(name, value):
    """Glue a number for the prose as a plain Python int or float (MyST-NB formats those, not NumPy scalars)."""
    value = int(value) if isinstance(value, (int, np.integer)) else float(value)
    glue(name, value, display=False)


def html_table(header, rows):
    """A small centred HTML table of computed values. header: list of str; rows: list of lists (any values)."""
    from IPython.display import HTML

    def row_html(cells, tag):
        return "<tr>" + "".join(f"<{tag} style='text-align:center'>{c}</{tag}>" for c in cells) + "</tr>"

    body = "".join(row_html(row, "td") for row in rows)
    return HTML(f"<table><thead>{row_html(header, 'th')}</thead><tbody>{body}</tbody></table>")


def array_text(a, digits=4):
    """An array (or a number) as compact text for a table cell, with `digits` decimals."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return f"{a:.{digits}f}"
    return np.array2string(a, precision=digits, floatmode="fixed", suppress_small=True, separator=", ")


def book_plot_style(font_size=None):
    """The book's matplotlib style: a light grid, no top or right spine; font_size: None (the default) or points."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
                         "axes.spines.right": False})
    if font_size is not None:
        plt.rcParams["font.size"] = font_size


def one_blas_thread():
    """Let NumPy's BLAS use one thread: the pages multiply small matrices, where a second thread only adds
    contention (and timings on a page compare like with like)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


# --- reading time -------------------------------------------------------------------------------------------------

WORDS_PER_MINUTE = 200      # prose, read with care
SECONDS_PER_CODE_CELL = 20  # a visible code cell: read it, glance at its output


def _deeper_title(text):
    return text.strip().lower().startswith("going deeper")


def reading_time(page):
    """Minutes to read a page (a MyST .md file in book/): {"core": ..., "deeper": ..., "core_words": ...,
    "deeper_words": ...}. Deeper material is a section whose heading starts with "Going deeper" (to the next
    heading of the same or a higher level) or a dropdown whose title does. Prose counts at WORDS_PER_MINUTE;
    each code cell the reader sees (not tagged remove-cell/remove-input) adds SECONDS_PER_CODE_CELL."""
    import re
    from pathlib import Path

    lines = Path(page).read_text(encoding="utf-8").splitlines()
    if lines and lines[0].strip() == "---":  # front matter
        lines = lines[lines.index("---", 1) + 1:]
    words = {"core": 0, "deeper": 0}
    cells = {"core": 0, "deeper": 0}
    deeper_level = None   # heading level of the current "Going deeper" section
    fences = []           # open directive fences: (fence, is a "Going deeper" dropdown)
    in_cell, cell_lines = False, []
    for line in lines:
        part = "deeper" if deeper_level is not None or any(deep for _, deep in fences) else "core"
        if in_cell:
            if line.strip() == "```":
                in_cell = False
                if not re.search(r"remove-(cell|input)", "\n".join(cell_lines[:4])):
                    cells[part] += 1
            else:
                cell_lines.append(line)
            continue
        if line.startswith("```{code-cell}"):
            in_cell, cell_lines = True, []
            continue
        heading = re.match(r"(#+)\s+(.*)", line)
        if heading:
            level = len(heading.group(1))
            if deeper_level is not None and level <= deeper_level:
                deeper_level = None
            if deeper_level is None and _deeper_title(heading.group(2)):
                deeper_level = level
        opening = re.match(r"\s*(:{3,}|`{3,})\{(\w[\w-]*)\}\s*(.*)", line)
        if opening:
            fences.append((opening.group(1), opening.group(2) == "dropdown" and _deeper_title(opening.group(3))))
            part = "deeper" if fences[-1][1] or part == "deeper" else "core"
        elif fences and line.strip() == fences[-1][0]:
            fences.pop()
            continue
        words[part] += len(re.findall(r"[\w$\\{}]+", line))
    minutes = {part: (words[part] / WORDS_PER_MINUTE + cells[part] * SECONDS_PER_CODE_CELL / 60)
               for part in words}
    return {"core": max(1, round(minutes["core"])), "deeper": round(minutes["deeper"]),
            "core_words": words["core"], "deeper_words": words["deeper"]}


def glue_reading_time(page, prefix):
    """Glue `{prefix}_read_core` and `{prefix}_read_deeper` (minutes) for the page's reading-time line."""
    minutes = reading_time(page)
    glue_number(f"{prefix}_read_core", minutes["core"])
    glue_number(f"{prefix}_read_deeper", minutes["deeper"])
    return minutes

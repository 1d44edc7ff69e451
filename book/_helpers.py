"""Plumbing shared by the book's pages: glue, tables, plot style. Not part of nnlib, not teaching code.

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


# --- chapters 1-4 -------------------------------------------------------------------------------------------------

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

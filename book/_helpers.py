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
    """Glue `{prefix}_read_core` and `{prefix}_read_deeper` (minutes) for the page's reading-time line.
    Without the page's source (a chapter downloaded as a notebook, whose text holds the minutes already): nothing."""
    from pathlib import Path

    if not Path(page).exists():
        return None
    minutes = reading_time(page)
    glue_number(f"{prefix}_read_core", minutes["core"])
    glue_number(f"{prefix}_read_deeper", minutes["deeper"])
    return minutes


# --- explorables: figures a reader can play with ------------------------------------------------------------------

def figure_data_uri(fig, dpi=110):
    """A matplotlib figure as a WebP data URI (about a third of a PNG's size), then closed."""
    import base64
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="webp", dpi=dpi, bbox_inches="tight", pil_kwargs={"quality": 85})
    plt.close(fig)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()


def explorable(name, controls, draw, *, caption="", start=None):
    """An interactive figure for a static page: every frame drawn now, in Python; the browser only switches.

    name: a unique id on the page. controls: list of (label, values, kind), kind "slider" (a range input; arrow
    keys move it), "select" (a drop-down) or "steps" (a range with previous/next buttons); values are what `draw`
    receives, shown as text with str(). draw(*values) -> a matplotlib figure, called once for every combination.
    caption: what to try and what to notice. start: the values shown first (default: the first of each).
    Returns an HTML display object; no request leaves the page (frames are data: URIs). The controls sit above
    the picture (a tall frame must not push them off the screen); the browser names the script
    explorable-<name>.js in its messages.
    """
    import html
    import itertools
    import json

    from IPython.display import HTML

    names = [[str(v) for v in values] for _, values, _ in controls]
    frames = {}
    for combo in itertools.product(*[range(len(values)) for _, values, _ in controls]):
        figure = draw(*[controls[i][1][k] for i, k in enumerate(combo)])
        frames["-".join(map(str, combo))] = figure_data_uri(figure)
    start = start or [values[0] for _, values, _ in controls]
    first = [list(values).index(v) for (_, values, _), v in zip(controls, start)]
    parts = []
    for i, (label, values, kind) in enumerate(controls):
        text = html.escape(names[i][first[i]])
        field = f'data-control="{i}" aria-label="{html.escape(label)}"'
        if kind == "select":
            options = "".join(f'<option value="{k}"{" selected" if k == first[i] else ""}>{html.escape(v)}</option>'
                              for k, v in enumerate(names[i]))
            widget = f"<select {field}>{options}</select>"
        else:
            widget = f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{first[i]}" {field}>'
            if kind == "steps":
                widget = (f'<button type="button" data-step="-1" data-for="{i}">&larr; previous</button>{widget}'
                          f'<button type="button" data-step="1" data-for="{i}">next &rarr;</button>')
        parts.append(f'<label class="explorable-control" style="display:inline-block;margin-right:1.5em">'
                     f'{html.escape(label)}: {widget} <output data-value="{i}">{text}</output></label>')
    key = "-".join(map(str, first))
    data = json.dumps({"frames": frames, "names": names}).replace("</", "<\\/")
    page = f"""<figure class="explorable" id="explorable-{name}">
<div class="explorable-controls">{''.join(parts)}</div>
<img src="{frames[key]}" alt="{html.escape(caption or name)}" style="max-width:100%;height:auto">
{f'<figcaption>{html.escape(caption)}</figcaption>' if caption else ''}
<script type="application/json" class="explorable-data">{data}</script>
<script>{_EXPLORABLE_SCRIPT.replace("ROOT_ID", f"explorable-{name}")}
//# sourceURL=explorable-{name}.js
</script>
</figure>"""
    return HTML(page)


_EXPLORABLE_SCRIPT = """(function () {
  var root = document.getElementById("ROOT_ID");
  var data = JSON.parse(root.querySelector(".explorable-data").textContent);
  var fields = root.querySelectorAll("[data-control]");
  function show() {
    var key = Array.prototype.map.call(fields, function (f) { return f.value; }).join("-");
    root.querySelector("img").src = data.frames[key];
    fields.forEach(function (f, i) {
      root.querySelector('[data-value="' + i + '"]').textContent = data.names[i][Number(f.value)];
    });
  }
  fields.forEach(function (f) { f.addEventListener("input", show); f.addEventListener("change", show); });
  root.querySelectorAll("[data-step]").forEach(function (b) {
    b.addEventListener("click", function () {
      var f = fields[Number(b.dataset.for)];
      f.value = Math.min(Number(f.max), Math.max(0, Number(f.value) + Number(b.dataset.step)));
      show();
    });
  });
})();"""

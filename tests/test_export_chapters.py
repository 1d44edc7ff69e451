"""The downloadable chapter notebooks (tools/export_chapters.py): plain Markdown, runnable code.

Fast: a small synthetic executed chapter and its glue records, no book build. The last tests scan
the real pages for MyST markup the exporter would not know.
"""
from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import export_chapters as ec  # noqa: E402

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n pretend image").decode()
KIT_NOTE = "**To run this notebook**, get the student kit."

GLUE = {
    "ch04_loss": 0.38712345,
    "ch04_share": 0.98765,
    "ch04_params": 101770,
    "ch04_steps": 12,
    "ch04_word": "'exactly'",
}


def record(name, data, display=False):
    """A glue output as MyST-NB's glue() writes it into a cell."""
    prefix = "" if display else ec.GLUE_PREFIX
    return nbformat.v4.new_output("display_data", data={prefix + k: v for k, v in data.items()},
                                  metadata={"scrapbook": {"name": name, "mime_prefix": prefix}})


def glue_json() -> dict:
    """The page's .glue.json: name -> display_data with the plain mime types."""
    records = {name: {"output_type": "display_data", "data": {"text/plain": str(value)},
                      "metadata": {"scrapbook": {"name": name, "mime_prefix": ec.GLUE_PREFIX}}}
               for name, value in GLUE.items()}
    records["ch04_pairs"] = {"output_type": "display_data", "metadata": {},
                             "data": {"text/markdown": "3 read as 5 and 8 read as 1",
                                      "text/plain": "<IPython.core.display.Markdown object>"}}
    records["ch04_curve"] = {"output_type": "display_data", "metadata": {},
                             "data": {"image/png": PNG, "text/plain": "<Figure size 640x480>"}}
    return records


MARKDOWN_TOP = """\
(ch04-top)=
# The backward pass

{download}`Download this chapter as a notebook <_notebooks/04_backward_pass.ipynb>`

The loss is {glue:text}`ch04_loss:.3f`, a share of {glue:text}`ch04_share:.1%`, with
{glue:text}`ch04_params:,` parameters after {glue:text}`ch04_steps` steps; they agree
{glue:text}`ch04_word`. Mistakes: {glue:md}`ch04_pairs`. Raw: {glue:text}`ch04_loss`.
In code, `` {glue:text}`ch04_loss` `` stays as written.

```python
print("{glue:text}`ch04_loss` inside a code fence stays too")
```

$$
\\frac{\\partial L}{\\partial w_{ij}} = x_i \\, \\delta_j
$$ (eq-grad)
"""

MARKDOWN_LINKS = """\
See {doc}`03_loss_functions`, {doc}`the losses <03_loss_functions#softmax>` and
{doc}`../exercises/04_backward_pass/04_backward_pass`
({download}`the student notebook <../exercises/04_backward_pass/04_backward_pass.ipynb>`;
{download}`this chapter as a notebook <_notebooks/04_backward_pass.ipynb>`), or the next chapter's
{download}`notebook <_notebooks/05_gradient_descent.ipynb>` and the {doc}`intro`.
"""

MARKDOWN_BLOCKS = """\
```{note}
`nnlib` stores $W$ as `(in, out)`: {glue:text}`ch04_steps` of them.
```

:::{note}
A colon-fenced note.

Two paragraphs.
:::

1. What is the loss?

   ```{dropdown} Answer
   It is {glue:text}`ch04_loss:.2f`.

   $$
   L = (a - t)^2
   $$
   ```
2. And open?
   ```{dropdown} Open answer
   :open:
   Yes.
   ```

```{glue:figure} ch04_curve
The loss curve, {glue:text}`ch04_steps` steps.
```

The curve inline: {glue}`ch04_curve`.
"""


def cell(kind, source, tags=(), outputs=()):
    metadata = {"tags": list(tags)} if tags else {}
    if kind == "markdown":
        return nbformat.v4.new_markdown_cell(source, metadata=metadata)
    return nbformat.v4.new_code_cell(source, metadata=metadata, outputs=list(outputs),
                                     execution_count=1)


def executed_notebook() -> nbformat.NotebookNode:
    stream = nbformat.v4.new_output("stream", name="stdout", text="loss 0.387\n")
    figure = nbformat.v4.new_output("display_data",
                                    data={"image/png": PNG, "text/plain": "<Figure>"})
    glued = [record(name, {"text/plain": str(value)}) for name, value in GLUE.items()]
    cells = [
        cell("markdown", MARKDOWN_TOP),
        cell("code", "import numpy as np\nfrom myst_nb import glue\n\n"
                     "from _helpers import glue_number", tags=["remove-cell"]),
        cell("code", "loss = 0.387\nprint('loss', loss)", outputs=[stream]),
        cell("code", "glue('ch04_loss', loss, display=False)", tags=["remove-cell"], outputs=glued),
        cell("code", "glue('ch04_shown', 3)",
             outputs=[record("ch04_shown", {"text/plain": "3"}, display=True)]),
        cell("code", "plot()", tags=["hide-input"], outputs=[figure]),
        cell("code", "table()", tags=["remove-input"]),
        cell("code", "slow()", tags=["hide-output"], outputs=[stream]),
        cell("markdown", MARKDOWN_LINKS),
        cell("markdown", MARKDOWN_BLOCKS),
        cell("markdown", "(only-a-label)=\n% a MyST comment"),
    ]
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "jupytext": {"text_representation": {"format_name": "myst"}}, "source_map": [1, 2],
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"}})


TITLES = {"03_loss_functions": "Loss functions", "intro": "Introduction",
          "../exercises/04_backward_pass/04_backward_pass": "Exercise 4 — The backward pass"}


@pytest.fixture
def exported(tmp_path) -> nbformat.NotebookNode:
    executed, glue = tmp_path / "04_backward_pass.ipynb", tmp_path / "04_backward_pass.glue.json"
    nbformat.write(executed_notebook(), executed)
    glue.write_text(json.dumps(glue_json()))
    out = tmp_path / "out" / "04_backward_pass.ipynb"
    ec.export_chapter(executed, glue, out, KIT_NOTE, titles=TITLES)
    return nbformat.read(out, as_version=4)


def markdown_of(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def test_first_cell_is_the_kit_note_and_metadata_is_plain(exported):
    nbformat.validate(exported)
    assert exported.cells[0].cell_type == "markdown" and exported.cells[0].source == KIT_NOTE
    assert exported.metadata == {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                "language": "python"},
                                 "language_info": {"name": "python"}}
    ids = [c.id for c in exported.cells]
    assert len(set(ids)) == len(ids)


def test_glued_values_are_written_in_as_the_website_formats_them(exported):
    top = markdown_of(exported)[1]
    assert "The loss is 0.387, a share of 98.8%, with\n101,770 parameters after 12 steps" in top
    assert "they agree\nexactly." in top
    assert "Mistakes: 3 read as 5 and 8 read as 1." in top
    assert "Raw: 0.38712345." in top


def test_code_math_and_targets(exported):
    top = markdown_of(exported)[1]
    assert top.startswith("# The backward pass\n\nThe loss is")   # label and link to itself gone
    assert "`` {glue:text}`ch04_loss` `` stays as written" in top
    assert 'print("{glue:text}`ch04_loss` inside a code fence stays too")' in top
    assert "\\frac{\\partial L}{\\partial w_{ij}} = x_i \\, \\delta_j\n$$\n" in top + "\n"
    assert "(eq-grad)" not in top
    assert "only-a-label" not in "".join(markdown_of(exported))   # a cell left empty is dropped


def test_doc_and_download_links(exported):
    links = markdown_of(exported)[2]
    assert links == (
        "See [Loss functions](03_loss_functions.ipynb), "
        "[the losses](03_loss_functions.ipynb#softmax) and\n"
        "Exercise 4 — The backward pass\n"
        "(the student notebook `04_backward_pass.ipynb`), or the next chapter's\n"
        "[notebook](05_gradient_descent.ipynb) and the Introduction.")


def test_notes_dropdowns_and_figures(exported):
    blocks = markdown_of(exported)[3]
    assert "> **Note.** `nnlib` stores $W$ as `(in, out)`: 12 of them." in blocks
    assert "> **Note.** A colon-fenced note.\n>\n> Two paragraphs." in blocks
    assert ("1. What is the loss?\n\n   <details><summary>Answer</summary>\n\n   It is 0.39.\n\n"
            "   $$\n   L = (a - t)^2\n   $$\n\n   </details>") in blocks
    assert "   <details open><summary>Open answer</summary>\n\n   Yes.\n\n   </details>" in blocks
    assert "![ch04_curve](attachment:ch04_curve.png)\n\n*The loss curve, 12 steps.*" in blocks
    assert "The curve inline: ![ch04_curve](attachment:ch04_curve.png)." in blocks
    figure_cell = next(c for c in exported.cells if "ch04_curve" in c.source)
    assert figure_cell.attachments == {"ch04_curve.png": {"image/png": PNG}}


def test_no_myst_markup_is_left(exported):
    for text in markdown_of(exported):
        prose = text.replace("`` {glue:text}`ch04_loss` ``", "").replace(
            "\"{glue:text}`ch04_loss` inside", "")
        assert "{glue" not in prose and "{doc}" not in prose and "{download}" not in prose
        assert "```{" not in prose and ":::" not in prose and ")=" not in prose


def test_code_cells_run_without_myst_nb_keep_outputs_and_hide_what_the_site_hides(exported):
    code = [c for c in exported.cells if c.cell_type == "code"]
    assert len(code) == 7
    imports, printed, glue_cell, shown, plot, table, slow = code
    assert "myst_nb" not in imports.source and ec.HELPERS_IMPORT in imports.source
    assert imports.metadata.jupyter == {"source_hidden": True, "outputs_hidden": True}
    assert imports.metadata.tags == ["remove-cell"]
    assert printed.metadata == {} and printed.outputs[0].text == "loss 0.387\n"
    assert glue_cell.outputs == []                             # glue records only: dropped
    assert shown.outputs[0].data == {"text/plain": "3"}            # glue(..., display=True): kept
    assert "scrapbook" not in shown.outputs[0].metadata
    assert plot.metadata.jupyter == {"source_hidden": True}
    assert plot.outputs[0].data["image/png"] == PNG
    assert table.metadata.jupyter == {"source_hidden": True}
    assert slow.metadata.jupyter == {"outputs_hidden": True} and len(slow.outputs) == 1


def test_exporting_again_gives_the_same_file(tmp_path, exported):
    first = (tmp_path / "out" / "04_backward_pass.ipynb").read_text()
    ec.export_chapter(tmp_path / "04_backward_pass.ipynb", tmp_path / "04_backward_pass.glue.json",
                      tmp_path / "again" / "04_backward_pass.ipynb", KIT_NOTE, titles=TITLES)
    assert (tmp_path / "again" / "04_backward_pass.ipynb").read_text() == first


@pytest.mark.parametrize("markdown, error", [
    ("```{figure} plot.png\nA figure.\n```", "directive:figure"),
    ("See {numref}`fig-loss`.", "role:numref"),
    ("A {{ substitution }}.", "substitution"),
])
def test_unknown_markup_is_refused_by_name(tmp_path, markdown, error):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown)])
    with pytest.raises(ValueError, match=error):
        ec.export_chapter(nb, None, tmp_path / "04_backward_pass.ipynb", KIT_NOTE)


def test_a_missing_glued_value_is_an_error(tmp_path):
    cells = [nbformat.v4.new_markdown_cell("{glue:text}`ch04_gone:.2f`")]
    nb = nbformat.v4.new_notebook(cells=cells)
    with pytest.raises(KeyError, match="ch04_gone"):
        ec.export_chapter(nb, None, tmp_path / "04_backward_pass.ipynb", KIT_NOTE)


def test_another_myst_nb_import_is_refused(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import myst_nb")])
    with pytest.raises(ValueError, match="myst_nb"):
        ec.export_chapter(nb, None, tmp_path / "04_backward_pass.ipynb", KIT_NOTE)


# --- the real pages ----------------------------------------------------------------------------

PAGES = sorted((REPO / "book").glob("*.md"))


def test_every_myst_construct_in_the_book_is_one_the_exporter_knows():
    where: dict[str, list[str]] = {}
    for page in PAGES:
        for c in jupytext.read(page).cells:
            if c.cell_type == "markdown":
                for construct in ec.unknown_markup(ec.myst_markup(c.source)):
                    where.setdefault(construct, []).append(page.name)
    assert not where, ("MyST markup tools/export_chapters.py does not turn into plain Markdown "
                       f"(teach it, and add a case to this file): {where}")


def test_the_scan_sees_the_constructs_the_chapters_use():
    found = set()
    for page in PAGES:
        for c in jupytext.read(page).cells:
            if c.cell_type == "markdown":
                found |= ec.myst_markup(c.source)
    used = {"role:glue:text", "role:doc", "role:download", "directive:dropdown", "directive:note"}
    assert used <= found, used - found


def test_chapters_import_myst_nb_only_in_the_form_the_exporter_rewrites():
    for page in sorted((REPO / "book").glob("[0-9][0-9]_*.md")):
        for c in jupytext.read(page).cells:
            if c.cell_type == "code" and "myst_nb" in c.source:
                rewritten = c.source.count(ec.MYST_NB_IMPORT)
                assert c.source.count("myst_nb") == rewritten, (page.name, c.source)


def test_helpers_work_without_myst_nb():
    code = ("import sys; sys.modules['myst_nb'] = None; sys.path.insert(0, 'book')\n"
            "import _helpers\n"
            "_helpers.glue_number('x', 1.5); _helpers.glue('y', 'shown', display=True)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "shown" in result.stdout


def test_the_other_known_constructs(tmp_path):
    markdown = ("```{tip}\nA tip.\n```\n\n```{admonition} Why?\n- a list\n```\n\n"
                "```{seealso}\nChapter 3.\n```\n\n```{math}\nx^2\n```\n\n"
                "See {ref}`the graph <fig-graph>` and {math}`a_{ij}`.")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown)])
    out = tmp_path / "04_backward_pass.ipynb"
    ec.export_chapter(nb, None, out, KIT_NOTE)
    assert markdown_of(nbformat.read(out, as_version=4))[1] == (
        "> **Tip.** A tip.\n\n> **Why?**\n>\n> - a list\n\n> **See also.** Chapter 3.\n\n"
        "$$\nx^2\n$$\n\nSee the graph and $a_{ij}$.")


def test_executed_copy_without_outputs_is_refused(tmp_path):
    """MyST-NB writes a page it took from its cache to jupyter_execute/ without outputs."""
    page = tmp_path / "book" / "04_backward_pass.md"
    copy_path = tmp_path / "_build" / "jupyter_execute" / "book" / "04_backward_pass.ipynb"
    copy_path.parent.mkdir(parents=True)
    page.parent.mkdir()
    page.write_text("# The backward pass\n")
    notebook = executed_notebook()
    nbformat.write(notebook, copy_path)
    assert ec.executed_chapter(page, tmp_path / "_build").cells[2].outputs
    for c in notebook.cells:
        if c.cell_type == "code":
            c.outputs = []
    nbformat.write(notebook, copy_path)
    with pytest.raises(FileNotFoundError, match="make book"):
        ec.executed_chapter(page, tmp_path / "_build")


def test_an_executed_notebook_without_any_output_is_refused(tmp_path):
    nb = executed_notebook()
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
    glue = tmp_path / "04_backward_pass.glue.json"
    glue.write_text(json.dumps(glue_json()))
    with pytest.raises(ValueError, match="no outputs"):
        ec.export_chapter(nb, glue, tmp_path / "04_backward_pass.ipynb", KIT_NOTE)

"""Write each chapter as a plain Jupyter notebook that runs wherever nnlib is installed.

The chapter pages are MyST-markdown notebooks; the website shows them executed, with computed
numbers glued into the prose. A student who downloads a chapter gets this notebook instead:

* its markdown with the MyST markup turned into plain Markdown: glued values written in as text
  (formatted as the website formats them), {doc} links to sibling chapter notebooks, {download}
  links as text, notes as blockquotes, dropdowns as <details> blocks (JupyterLab renders those),
  (label)= targets dropped;
* every code cell, so that it runs top to bottom, with the website's outputs (figures, printed
  results); cells the website hides or removes are collapsed (metadata.jupyter.source_hidden), still
  runnable; `from myst_nb import glue` becomes `from _helpers import glue`, which works without
  MyST-NB;
* a first markdown cell saying how to get nnlib and the student kit.

The executed pages come from a finished `make book`. MyST-NB's own copies in _build/jupyter_execute/
have outputs only for the pages that very build executed (a page taken from the execution cache is
written there without them), so the outputs are taken from the execution cache, matched against the
page's current code, as MyST-NB itself does.

Usage: python tools/export_chapters.py [--build _build] [--out DIR] [--kit-note TEXT]
(writes DIR/NN_name.ipynb for every chapter, and a copy of book/_helpers.py beside them)
"""
from __future__ import annotations

import argparse
import ast
import copy
import json
import posixpath
import re
import shutil
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
DEFAULT_KIT_NOTE = (
    "**To run this notebook** you need `nnlib` and `_helpers.py` beside it: both come in the "
    "course's student kit (on the website's front page), whose README sets everything up in one "
    "command.")

# The MyST markup the exporter turns into plain Markdown. Anything else in a page is an error.
GLUE_ROLES = {"glue", "glue:", "glue:any", "glue:text", "glue:md"}
KNOWN_ROLES = GLUE_ROLES | {"doc", "download", "ref", "math"}
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
               "error", "seealso", "admonition"}
GLUE_DIRECTIVES = {"glue", "glue:", "glue:any", "glue:figure", "glue:md", "glue:math"}
KNOWN_DIRECTIVES = ADMONITIONS | GLUE_DIRECTIVES | {"dropdown", "math"}
KNOWN_OTHER = {"label", "comment", "equation-label"}
# Cell tags MyST-NB acts on: which part of the cell the website hides (or removes).
SOURCE_HIDDEN_TAGS = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
OUTPUTS_HIDDEN_TAGS = {"remove-cell", "remove-output", "hide-output", "hide-cell"}

GLUE_PREFIX = "application/papermill.record/"  # the mime prefix of glue(..., display=False)
CHAPTER_NAME = re.compile(r"^\d\d_\w+$")
ROLE = r"\{(?P<role>[A-Za-z][\w:.+-]*)\}(?P<ticks>`+)(?P<content>.+?)(?<!`)(?P=ticks)(?!`)"
CODE_SPAN = r"(?P<code>(?P<cticks>`+).+?(?<!`)(?P=cticks)(?!`))"
ROLE_OR_CODE = re.compile(f"{ROLE}|{CODE_SPAN}", re.S)
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})\s*(?P<info>.*?)\s*$")
DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<argument>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
LABEL_LINE = re.compile(r"^\s*\([^()\s]+\)=\s*$")
COMMENT_LINE = re.compile(r"^\s*%")
EQUATION_LABEL = re.compile(r"^(?P<math>\s*\$\$)\s*\([^()\s]+\)\s*$")
SUBSTITUTION = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}")
TEXT_AND_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
STARTS_A_BLOCK = re.compile(r"^\s*([-*+]\s|\d+[.)]\s|#|`{3}|~{3}|\$\$|\||<|>)")
MYST_NB_IMPORT = "from myst_nb import glue"
HELPERS_IMPORT = "from _helpers import glue  # MyST-NB's glue, or a no-op without it"


# --- finding MyST markup (the tests scan the pages with this too) ------------------------------

def myst_markup(markdown: str) -> set[str]:
    """The MyST constructs in a markdown cell's text, outside code.

    Returns names such as 'role:doc', 'directive:note', 'label' ((name)= targets), 'comment'
    (% lines), 'equation-label' ($$ (name)) and 'substitution' ({{ name }}).
    """
    found = set()
    for kind, lines in _blocks(markdown.splitlines()):
        if kind == "code":
            continue
        if kind == "directive":
            found.add("directive:" + DIRECTIVE_INFO.match(FENCE.match(lines[0])["info"])["name"])
            found |= myst_markup("\n".join(_directive_body(lines)))
            continue
        text = "\n".join(lines)
        found |= {f"role:{m['role']}" for m in ROLE_OR_CODE.finditer(text) if m["role"]}
        found |= {"label" for line in lines if LABEL_LINE.match(line)}
        found |= {"comment" for line in lines if COMMENT_LINE.match(line)}
        found |= {"equation-label" for line in lines if EQUATION_LABEL.match(line)}
        if SUBSTITUTION.search(re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", "", text, flags=re.S)):
            found.add("substitution")
    return found


def unknown_markup(found: set[str]) -> set[str]:
    """The constructs of `found` (from myst_markup) the exporter cannot turn into Markdown."""
    known = ({f"role:{name}" for name in KNOWN_ROLES} | KNOWN_OTHER
             | {f"directive:{name}" for name in KNOWN_DIRECTIVES})
    return found - known


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Split markdown lines into ('text' | 'code' | 'directive', lines) blocks.

    A fenced block keeps its fence lines. It closes at the first later line made of the same
    character, at least as many times (CommonMark's rule, which MyST follows: a directive nested
    in another needs a shorter fence than its parent).
    """
    blocks, text, i = [], [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            text.append(lines[i])
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not _closes(lines[end], match["fence"]):
            end += 1
        if text:
            blocks.append(("text", text))
            text = []
        is_directive = DIRECTIVE_INFO.match(match["info"]) is not None
        if match["fence"][0] == ":" and not is_directive:  # a plain ::: div holds markdown
            blocks.append(("text", lines[i:end + 1]))
        else:
            blocks.append(("directive" if is_directive else "code", lines[i:end + 1]))
        i = end + 1
    if text:
        blocks.append(("text", text))
    return blocks


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _directive_content(lines: list[str]) -> list[str]:
    """A directive's lines between its fences, dedented to its opening fence."""
    opening = FENCE.match(lines[0])
    indent = opening["indent"]
    closed = len(lines) > 1 and _closes(lines[-1], opening["fence"])
    inside = lines[1:-1] if closed else lines[1:]
    return [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in inside]


def _directive_body(lines: list[str]) -> list[str]:
    """A directive's content without its options (:key: value lines, or a --- block)."""
    content = _directive_content(lines)
    if content and content[0].strip() == "---":
        end = next((k for k in range(1, len(content)) if content[k].strip() == "---"),
                   len(content) - 1)
        return content[end + 1:]
    start = 0
    while start < len(content) and OPTION.match(content[start]):
        start += 1
    return content[start:]


def _directive_options(lines: list[str]) -> dict[str, str]:
    options = {}
    for line in _directive_content(lines):
        match = OPTION.match(line)
        if match is None:
            break
        options[match["key"]] = match["value"]
    return options


# --- glued values ------------------------------------------------------------------------------

def format_glued_text(plain: str, spec: str) -> str:
    """A glued value's text/plain, as {glue:text}`name:spec` shows it on the website.

    The text is read back as a Python literal when it is one (so '0.25' is a number and
    "'exactly'" the string exactly); the last character of the spec says what to format it as:
    s a string, d (b c o x X) an int, f (e E F g G n %) a float.
    """
    try:
        value = ast.literal_eval(plain)
    except (SyntaxError, ValueError):
        value = plain
    if spec == "":
        return str(value)
    kind = spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, spec)


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else value


class _Glue:
    """The glued values of one page: name -> display_data output (as in the .glue.json)."""

    def __init__(self, records: dict):
        self.records = records

    def data(self, name: str) -> dict:
        if "::" in name:
            raise ValueError(f"glue from another page ({name!r}) is not supported")
        if name not in self.records:
            raise KeyError(f"no glued value named {name!r} (built before the page changed?)")
        return self.records[name]["data"]

    def text(self, content: str) -> str:
        name, spec = content.rsplit(":", 1) if ":" in content else (content, "s")
        data = self.data(name)
        if "text/plain" not in data:
            raise ValueError(f"glued value {name!r} has no text/plain")
        return format_glued_text(_joined(data["text/plain"]), spec)

    def markdown(self, content: str) -> str:
        name = content.rsplit(":", 1)[0] if ":" in content else content  # suffix: a flavour
        data = self.data(name)
        if "text/markdown" not in data:
            raise ValueError(f"glued value {name!r} has no text/markdown")
        return _joined(data["text/markdown"]).strip()

    def any(self, name: str, attachments: dict, block: bool) -> str:
        """The value as the website shows it: an image, else markdown, LaTeX or text.

        An image goes into `attachments` (a markdown cell's attachments) and is referred to.
        """
        data = self.data(name)
        for mime in ("image/png", "image/jpeg", "image/svg+xml"):
            if mime in data:
                filename = f"{name}.{mime.split('/')[1].split('+')[0]}"
                attachments[filename] = {mime: _joined(data[mime])}
                return f"![{name}](attachment:{filename})"
        if "text/markdown" in data:
            return _joined(data["text/markdown"]).strip()
        if "text/latex" in data:
            return self.math(name) if block else f"${self._latex(name)}$"
        return format_glued_text(_joined(data["text/plain"]), "")

    def math(self, name: str) -> str:
        return f"$$\n{self._latex(name)}\n$$"

    def _latex(self, name: str) -> str:
        data = self.data(name)
        if "text/latex" not in data:
            raise ValueError(f"glued value {name!r} has no text/latex")
        return _joined(data["text/latex"]).strip().strip("$").strip()


# --- markdown ----------------------------------------------------------------------------------

class _Markdown:
    """Turns one markdown cell of a chapter into plain Markdown (and the cell's attachments)."""

    def __init__(self, glue: _Glue, chapter: str, titles: dict[str, str]):
        self.glue, self.chapter, self.titles = glue, chapter, titles
        self.attachments: dict = {}
        self.this_notebook = re.compile(  # a link to this very notebook, and its separator
            r"(?:[;,][ \t]*\n?[ \t]*)?\{download\}`[^`]*<_notebooks/"
            + re.escape(chapter) + r"\.ipynb>`")

    def convert(self, markdown: str) -> str:
        unknown = unknown_markup(myst_markup(markdown))
        if unknown:
            raise ValueError(f"{self.chapter}: MyST markup the exporter does not know: "
                             f"{sorted(unknown)}")
        out = []
        for kind, lines in _blocks(markdown.splitlines()):
            if kind == "code":
                out.extend(lines)
            elif kind == "directive":
                out.extend(self.directive(lines))
            else:
                out.append(self.text(lines))
        return "\n".join(out).strip("\n")

    def text(self, lines: list[str]) -> str:
        kept = []
        for line in lines:
            if LABEL_LINE.match(line) or COMMENT_LINE.match(line):
                continue
            label = EQUATION_LABEL.match(line)
            kept.append(label["math"] if label else line)
        text = self.this_notebook.sub("", "\n".join(kept))
        text = ROLE_OR_CODE.sub(self.role, text)
        text = "\n".join(line if line.strip() else "" for line in text.split("\n"))
        return re.sub(r"\n{3,}", "\n\n", text)  # where a paragraph was only a removed link

    def role(self, match: re.Match) -> str:
        if match["code"]:
            return match["code"]
        name, content = match["role"], match["content"]
        if name == "glue:text":
            return self.glue.text(content)
        if name == "glue:md":
            return self.glue.markdown(content)
        if name in GLUE_ROLES:
            return self.glue.any(content, self.attachments, block=False)
        if name == "doc":
            return self.doc_link(content)
        if name == "download":
            return self.download_link(content)
        if name == "ref":
            text = TEXT_AND_TARGET.match(content)
            return text["text"] if text else content
        if name == "math":
            return f"${content}$"
        raise ValueError(f"{self.chapter}: unknown role {{{name}}}")

    def doc_link(self, content: str) -> str:
        """{doc}`target` or {doc}`text <target>`: a link to a chapter notebook, else the text."""
        match = TEXT_AND_TARGET.match(content)
        text, target = (match["text"], match["target"]) if match else ("", content)
        page, _, anchor = target.partition("#")
        page = posixpath.normpath(page.removesuffix(".md").removesuffix(".ipynb"))
        text = text or self.titles.get(page) or posixpath.basename(page)
        if CHAPTER_NAME.match(page):
            return f"[{text}]({page}.ipynb{'#' + anchor if anchor else ''})"
        return text

    def download_link(self, content: str) -> str:
        """{download}`text <path>`: a link to another chapter's notebook, else text and file."""
        match = TEXT_AND_TARGET.match(content)
        text, target = (match["text"], match["target"]) if match else ("", content)
        folder, name = posixpath.split(posixpath.normpath(target))
        if folder == "_notebooks" and name == f"{self.chapter}.ipynb":
            return ""
        if folder == "_notebooks" and CHAPTER_NAME.match(name.removesuffix(".ipynb")):
            return f"[{text or name}]({name})"
        return f"{text} `{name}`" if text else f"`{name}`"

    def directive(self, lines: list[str]) -> list[str]:
        opening = FENCE.match(lines[0])
        info = DIRECTIVE_INFO.match(opening["info"])
        name, argument = info["name"], info["argument"].strip()
        body = self.convert("\n".join(_directive_body(lines)))
        if name in ADMONITIONS:
            title = {"admonition": self.inline(argument) or "Note", "seealso": "See also"}.get(
                name, name.capitalize())
            out = _blockquote(title, body)
        elif name == "dropdown":
            is_open = " open" if "open" in _directive_options(lines) else ""
            summary = self.inline(argument) or "Details"
            out = [f"<details{is_open}><summary>{summary}</summary>", "", *body.split("\n"),
                   "", "</details>"]
        elif name == "math":
            out = ["$$", *body.split("\n"), "$$"]
        elif name == "glue:figure":  # the body is the caption
            out = [self.glue.any(argument, self.attachments, block=True)]
            out += ["", f"*{body}*"] if body.strip() else []
        elif name == "glue:md":
            out = self.glue.markdown(argument).split("\n")
        elif name == "glue:math":
            out = self.glue.math(argument).split("\n")
        elif name in GLUE_DIRECTIVES:
            out = self.glue.any(argument, self.attachments, block=True).split("\n")
        else:
            raise ValueError(f"{self.chapter}: unknown directive {{{name}}}")
        return [opening["indent"] + line if line else "" for line in out]

    def inline(self, text: str) -> str:
        return ROLE_OR_CODE.sub(self.role, text)


def _blockquote(title: str, body: str) -> list[str]:
    """A blockquote starting with **Title.**, then the body (on the same line if it is prose)."""
    title = title if title[-1:] in ".?!:" else title + "."
    lines = body.split("\n") if body.strip() else []
    if lines and not STARTS_A_BLOCK.match(lines[0]):
        lines[0] = f"**{title}** {lines[0]}"
    else:
        lines = [f"**{title}**", ""] + lines
    return [f"> {line}" if line else ">" for line in lines]


# --- code cells --------------------------------------------------------------------------------

EXPLORABLE = re.compile(r'<figure class="explorable".*?</figure>', re.S)
FIRST_IMAGE = re.compile(r'<img src="(data:image/[^"]+)"[^>]*>')


def still_of_explorable(output: dict) -> dict:
    """An explorable's output (every frame, and a script) as its first frame alone: JupyterLab does not run the
    scripts of a downloaded notebook, and the frames would make it megabytes heavier. Running the cell again
    makes the interactive version."""
    html = output.get("data", {}).get("text/html")
    html = "".join(html) if isinstance(html, list) else html
    if not html or not EXPLORABLE.search(html):
        return output
    image = FIRST_IMAGE.search(html)
    still = copy.deepcopy(output)
    still["data"] = {"text/html": (f'<img src="{image.group(1)}" style="max-width:100%">' if image else "")
                     + "<p><em>Interactive on the course website (or run this cell: its controls work in "
                       "a trusted notebook).</em></p>",
                     "text/plain": "<the first frame of an interactive figure>"}
    return still


def _code_cell(cell: dict, chapter: str) -> nbformat.NotebookNode:
    source = cell["source"].replace(MYST_NB_IMPORT, HELPERS_IMPORT)
    if "myst_nb" in source.replace(HELPERS_IMPORT, ""):
        raise ValueError(f"{chapter}: a code cell imports myst_nb in a way the exporter does not "
                         f"rewrite (only `{MYST_NB_IMPORT}` is):\n{cell['source']}")
    tags = list(cell["metadata"].get("tags", []))
    metadata = {"tags": tags} if tags else {}
    jupyter = {}
    if SOURCE_HIDDEN_TAGS & set(tags):
        jupyter["source_hidden"] = True
    if OUTPUTS_HIDDEN_TAGS & set(tags):
        jupyter["outputs_hidden"] = True
    if jupyter:
        metadata["jupyter"] = jupyter
    outputs = []
    for output in cell.get("outputs", []):
        glue_record = output.get("metadata", {}).get("scrapbook")
        if glue_record is not None:
            if glue_record.get("mime_prefix"):
                continue  # glue(..., display=False): the value is in the text now
            output = copy.deepcopy(output)  # glue(..., display=True): shown on the page too
            del output["metadata"]["scrapbook"]
        outputs.append(still_of_explorable(output))
    return nbformat.v4.new_code_cell(source, metadata=metadata, outputs=outputs,
                                     execution_count=cell.get("execution_count"))


# --- a chapter ---------------------------------------------------------------------------------

def export_chapter(executed: Path | nbformat.NotebookNode, glue: Path | None, out: Path,
                   kit_note: str, titles: dict[str, str] | None = None) -> None:
    """Write the clean, runnable notebook of one chapter.

    executed: the chapter as the book's build executed it (a path to the .ipynb, or the notebook),
        with its outputs (glue records included or not): executed_chapter() gives it;
    glue: the page's .glue.json (name -> display_data output), or None if it glues nothing;
    out: the .ipynb to write; its stem is the chapter's name (e.g. 04_backward_pass);
    kit_note: the first cell's text, one line on how to get nnlib and the kit;
    titles: page titles for {doc} links written without text, keyed by the target relative to
        book/ (e.g. '../exercises/04_backward_pass/04_backward_pass'); page_titles() makes them.
    """
    out = Path(out)
    if isinstance(executed, nbformat.NotebookNode):
        source = executed
    else:
        source = nbformat.read(executed, as_version=4)
    records = json.loads(Path(glue).read_text()) if glue and Path(glue).exists() else {}
    chapter = out.stem
    cells = [nbformat.v4.new_markdown_cell(kit_note)]
    for cell in source.cells:
        if cell["cell_type"] == "markdown":
            converter = _Markdown(_Glue(records), chapter, titles or {})
            text = converter.convert(cell["source"])
            if not text.strip():
                continue
            cells.append(nbformat.v4.new_markdown_cell(text))
            if converter.attachments:
                cells[-1]["attachments"] = converter.attachments
        elif cell["cell_type"] == "code":
            cells.append(_code_cell(cell, chapter))
        else:
            cells.append(copy.deepcopy(cell))
    code = [cell for cell in source.cells if cell["cell_type"] == "code"]
    if code and not any(cell.get("outputs") for cell in code):
        raise ValueError(
            f"{chapter}: the executed notebook has no outputs at all. MyST-NB writes a page it "
            "took from its execution cache to _build/jupyter_execute/ without outputs: pass "
            "executed_chapter(page, build) instead, which reads them from the cache.")
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"  # the same at every export (jupytext's ids are random)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(notebook)
    if not out.exists() or out.read_text() != text:
        out.write_text(text)


# --- every chapter of a build ------------------------------------------------------------------

def executed_chapter(page: Path, build: Path) -> nbformat.NotebookNode:
    """The chapter `page` (book/NN_name.md) with the outputs the book's build rendered.

    From MyST-NB's execution cache, matched on the page's code as it is now; failing that,
    MyST-NB's copy in _build/jupyter_execute/ if it has outputs (only if that build executed it).
    """
    import jupytext
    from jupyter_cache import get_cache

    cache_dir = build / ".jupyter_cache"
    if cache_dir.exists():
        try:
            cache = get_cache(str(cache_dir))
            return cache.merge_match_into_notebook(jupytext.read(page))[1]
        except KeyError:  # the page's code changed since it was executed
            pass
    copy_path = build / "jupyter_execute" / page.parent.name / f"{page.stem}.ipynb"
    if copy_path.exists():
        notebook = nbformat.read(copy_path, as_version=4)
        if any(cell.get("outputs") for cell in notebook.cells):
            return notebook
    raise FileNotFoundError(f"no executed copy of {page} with outputs in {build}: "
                            "run `make book` first")


def page_titles(repo: Path) -> dict[str, str]:
    """The first '# ' heading of every book page and exercise, keyed as {doc} targets from book/."""
    import jupytext

    sources = [(path, path.stem) for path in (repo / "book").glob("*.md")]
    sources += [(path, f"../exercises/{path.parent.name}/{path.stem}")
                for path in (repo / "exercises").glob("*/*.ipynb")]
    titles = {}
    for path, key in sources:
        cells = jupytext.read(path).cells
        text = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
        heading = re.search(r"^# (.+)$", text, re.M)
        if heading:
            titles[key] = heading[1].strip()
    return titles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=Path, default=REPO / "_build",
                        help="the book's build directory (default: _build)")
    parser.add_argument("--out", type=Path, default=REPO / "_build" / "chapter_notebooks",
                        help="where to write NN_name.ipynb (default: _build/chapter_notebooks)")
    parser.add_argument("--book", type=Path, default=REPO / "book", help="the chapter pages")
    parser.add_argument("--kit-note", default=DEFAULT_KIT_NOTE, help="the first cell's text")
    args = parser.parse_args(argv)
    titles = page_titles(args.book.parent)
    for page in sorted(args.book.glob("[0-9][0-9]_*.md")):
        glue = args.build / "jupyter_execute" / args.book.name / f"{page.stem}.glue.json"
        out = args.out / f"{page.stem}.ipynb"
        export_chapter(executed_chapter(page, args.build), glue, out, args.kit_note, titles)
        print(out)
    for module in ("_helpers.py", "_graph.py"):  # chapters import them
        shutil.copy2(args.book / module, args.out / module)
    return 0


if __name__ == "__main__":
    sys.exit(main())

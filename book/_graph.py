"""Computational graphs drawn with matplotlib, for the book's pages: plumbing, not teaching code.

Coordinates are inches from the lower-left corner of the figure, so a graph is laid out at the size it is shown
(the book's text column is 6.3 inches wide) and its text keeps its point size (at least 9 pt).

* A **node** is ``(name, (x, y), label)`` or ``(name, (x, y), label, face)``, face a fill colour.
* An **edge** is ``(src, dst, label)`` or ``(src, dst, label, options)``; options: ``at`` (where along the edge
  its label sits, 0 at src and 1 at dst; default 0.5), ``side`` ("center": on the edge, the default; "left",
  "right", "above" or "below": beside it), ``highlight`` (a colour: the edge is drawn thick in it), ``faded``
  (True: drawn light grey).
* A **label** is None, a string (mathtext allowed, "\\n" between lines) or a list of lines, each a string or
  ``(string, colour)``. An edge's label may also be a dict side -> label, e.g. {"above": ..., "below": ...}.

``draw_graph(nodes, edges, width, height, title)`` draws one picture. For a computation that unfolds step by
step, ``draw_step(layout, steps, k, width, height)`` draws the graph as it stands after step ``k``: the lines that
steps 0..k wrote into the nodes, the labels they left on the edges, and step ``k``'s own edges highlighted with
their full labels. Drawing every k gives the frames of a step-through (or of a slider).
"""
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

NODE_FONT = 10       # points
EDGE_FONT = 9.5
TITLE_FONT = 10.5
FACE = "#eef2f7"     # default node fill
FADED = "0.72"       # what a step does not touch, when it fades the rest
PAD = 0.06           # inches between a box's text and its border


def number(value, digits=3):
    """A number as label text, with a true minus sign: number(-0.25) == '−0.250'."""
    return f"{value:.{digits}f}".replace("-", "\u2212")


def _lines(label, colour="black"):
    """A label as a list of (text, colour) lines."""
    if label is None:
        return []
    if isinstance(label, str):
        return [(text, colour) for text in label.split("\n")]
    return [(line, colour) if isinstance(line, str) else tuple(line) for line in label]


class _Canvas:
    """A figure whose one axes covers it, in inches; text boxes are measured before they are placed."""

    def __init__(self, width, height):
        self.fig = plt.figure(figsize=(width, height))
        self.ax = self.fig.add_axes([0, 0, 1, 1])
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)
        self.ax.axis("off")
        self.renderer = self.fig.canvas.get_renderer()

    def box(self, x, y, lines, fontsize, face, border, lw=0.9, zorder=3):
        """Lines of text centred at (x, y) in a rounded box; returns the box (x0, y0, x1, y1)."""
        texts = [self.ax.text(x, y, text, color=colour, fontsize=fontsize, ha="center", va="baseline",
                              zorder=zorder + 1) for text, colour in lines]
        sizes = [t.get_window_extent(self.renderer) for t in texts]
        dpi = self.fig.dpi
        heights = [max(s.height / dpi, fontsize / 72 * 1.2) for s in sizes]
        width = max(s.width / dpi for s in sizes) + 2 * PAD
        height = sum(heights) + 2 * PAD
        top = y + height / 2 - PAD
        for t, h in zip(texts, heights):
            top -= h
            t.set_y(top + 0.28 * h)   # the baseline, a little above the bottom of the line's slot
        self.ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                         boxstyle="round,pad=0,rounding_size=0.06", facecolor=face,
                                         edgecolor=border, lw=lw, zorder=zorder))
        return x - width / 2, y - height / 2, x + width / 2, y + height / 2

    def width_of(self, lines, fontsize):
        """The width (inches) a box of these lines would take."""
        widest = 0.0
        for text, _ in lines:
            t = self.ax.text(0, 0, text, fontsize=fontsize)
            widest = max(widest, t.get_window_extent(self.renderer).width / self.fig.dpi)
            t.remove()
        return widest + 2 * PAD


def _boundary(box, towards):
    """The point where the ray from the box's centre towards `towards` leaves the box."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    scale = min((x1 - cx) / abs(dx) if dx else float("inf"), (y1 - cy) / abs(dy) if dy else float("inf"))
    return cx + dx * scale, cy + dy * scale


def _edge_label(canvas, start, end, lines, side, at, border):
    """A label at fraction `at` along the edge start -> end: on it, or beside it (left, right, above, below)."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    x, y = start[0] + at * dx, start[1] + at * dy
    if side != "center":  # move the label off the edge, at right angles to it, to the side asked for
        length = (dx * dx + dy * dy) ** 0.5
        nx, ny = -dy / length, dx / length
        flip = {"above": ny < 0 or (ny == 0 and nx > 0), "below": ny > 0 or (ny == 0 and nx < 0),
                "left": nx > 0 or (nx == 0 and ny < 0), "right": nx < 0 or (nx == 0 and ny > 0)}[side]
        nx, ny = (-nx, -ny) if flip else (nx, ny)
        half_w = canvas.width_of(lines, EDGE_FONT) / 2
        half_h = (len(lines) * EDGE_FONT / 72 * 1.2 + 2 * PAD) / 2
        shift = 0.04 + abs(nx) * half_w + abs(ny) * half_h
        x, y = x + nx * shift, y + ny * shift
    canvas.box(x, y, lines, EDGE_FONT, "white", border, lw=0.8, zorder=5)


def draw_graph(nodes, edges, width, height, title=None):
    """Draw nodes and edges (see the module docstring) on a new figure of width x height inches; returns it."""
    canvas = _Canvas(width, height)
    boxes = {}
    for node in nodes:
        name, (x, y), label = node[:3]
        face = node[3] if len(node) > 3 else FACE
        lines = _lines(label) or [("?", "0.5")]   # a value not computed yet
        border = "0.3"
        if face == FADED:  # a faded node: grey text on white
            lines, face, border = [(text, FADED) for text, _ in lines], "white", FADED
        boxes[name] = canvas.box(x, y, lines, NODE_FONT, face, border)
    for edge in edges:
        src, dst, label = edge[:3]
        options = edge[3] if len(edge) > 3 else {}
        a, b = boxes[src], boxes[dst]
        start = _boundary(a, ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2))
        end = _boundary(b, ((a[0] + a[2]) / 2, (a[1] + a[3]) / 2))
        colour = options.get("highlight") or (FADED if options.get("faded") else "0.35")
        canvas.ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color=colour,
                                            lw=2.0 if options.get("highlight") else 1.1, shrinkA=2,
                                            shrinkB=2, zorder=2))
        labels = label if isinstance(label, dict) else {options.get("side", "center"): label}
        for side, text in labels.items():
            if text is not None:
                _edge_label(canvas, start, end, _lines(text, FADED if options.get("faded") else "black"),
                            side, options.get("at", 0.5), colour if options.get("highlight") else "none")
    if title:
        canvas.ax.text(width / 2, height - 0.08, title, fontsize=TITLE_FONT, ha="center", va="top", zorder=6)
    return canvas.fig


@dataclass
class Step:
    """One step of a computation drawn on a graph.

    title: what the step does (the frame's title). colour: the colour of the text it adds.
    nodes: node name -> the line of text the node shows from this step on, or (line, slot): lines are listed by
        slot, which is the step's number unless given (a slot lets a parameter known from the start sit below a
        value computed later).
    edges: (src, dst) -> (label while this step is the current one, label kept afterwards, or None).
    fade: True draws everything this step does not touch in light grey (to pick out one path).
    """
    title: str
    colour: str = "black"
    nodes: dict = field(default_factory=dict)
    edges: dict = field(default_factory=dict)
    fade: bool = False


def draw_step(layout, steps, k, width, height, title=None, highlight=True, since=None):
    """The graph as it stands after steps[0..k]; returns the figure.

    layout: {"nodes": [(name, (x, y), base label[, face])], "edges": [(src, dst[, options])]}, the options as in
    draw_graph. Every node shows its base label, then the lines steps 0..k gave it; an edge shows the labels
    steps 0..k-1 kept on it, and, if step k acts on it, step k's current label instead, highlighted in step k's
    colour (unless highlight is False, which also shows kept labels only). since: draw steps since..k as one step
    (all their edges highlighted with their current labels). title: instead of step k's."""
    current = steps[k]
    since = k if since is None else since
    acting = {}   # the edges steps since..k act on -> (current label, colour)
    for step in steps[since:k + 1]:
        acting.update({pair: (labels[0], step.colour) for pair, labels in step.edges.items()})
    nodes = []
    for node in layout["nodes"]:
        name, pos, base = node[:3]
        face = node[3] if len(node) > 3 else FACE
        written = []
        for i, step in enumerate(steps[:k + 1]):
            if name in step.nodes:
                text, slot = step.nodes[name] if isinstance(step.nodes[name], tuple) else (step.nodes[name], i)
                written.append((slot, i, text, step.colour))
        lines = _lines(base) + [(text, colour) for _, _, text, colour in sorted(written)]
        touched = name in current.nodes or any(name in pair for pair in acting)
        nodes.append((name, pos, lines, FADED if current.fade and not touched else face))
    edges = []
    for edge in layout["edges"]:
        src, dst = edge[:2]
        options = dict(edge[2]) if len(edge) > 2 else {}
        lines = []
        for step in steps[:k + 1] if not highlight else steps[:since]:
            lines += _lines(step.edges.get((src, dst), (None, None))[1], step.colour)
        if highlight and (src, dst) in acting:
            label, colour = acting[(src, dst)]
            lines = _lines(label, colour)
            options["highlight"] = colour
        elif current.fade:
            options["faded"], lines = True, []
        edges.append((src, dst, lines or None, options))
    return draw_graph(nodes, edges, width, height, title or current.title)

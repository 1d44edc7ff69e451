"""Trusted checks for exercise 10, backpropagation on any graph: one function per graded test cell, named by its
grade id.

Run in the grader's process (never in the student's kernel).  A graph is plain data, a dict name -> (op, inputs),
so this module has its own small reference engine (order, forward values, local derivatives, backward sweep) and
its own graph generators: random graphs with random short names, shuffled; a chain about 200 nodes deep; a ladder
of diamonds; a leaf read by three nodes; a node that reads one node twice; a ReLU at exactly 0.  Each task's
questions go to the notebook in one batch (one round trip).  The order is graded by its definition (any valid order
passes), the values against the reference, the local derivatives against their formulas and central differences of
the operation, the backward sweep against the reference sweep and central differences of the whole graph's output
with respect to each node's value.  Each check re-checks the cell's visible cases too.  See grading/runner.py for
the contract of a check.
"""
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from grading import Call, Handle, expect, expect_close, expect_gradient, fail
from grading.notebook import StudentRaised

OPS = ("add", "mul", "tanh", "exp", "log", "relu")
BINARY = ("add", "mul")
LETTERS = "abcdefghijklmnopqrstuvwxyz"

# -- the reference engine ------------------------------------------------------------------------------------------


def _apply(op, a):
    """The value of `op` on the input values `a` (a list of floats), in float64."""
    if op == "add":
        return a[0] + a[1]
    if op == "mul":
        return a[0] * a[1]
    if op == "tanh":
        return math.tanh(a[0])
    if op == "exp":
        return math.exp(a[0])
    if op == "log":
        return math.log(a[0])
    if op == "relu":
        return max(a[0], 0.0)
    raise ValueError(f"unknown op {op!r}")


def _local(op, a, out):
    """The local derivatives of `op` at the input values `a`, whose value is `out`: one per input."""
    if op == "add":
        return [1.0, 1.0]
    if op == "mul":
        return [a[1], a[0]]
    if op == "tanh":
        return [1.0 - out * out]
    if op == "exp":
        return [out]
    if op == "log":
        return [1.0 / a[0]]
    if op == "relu":
        return [1.0 if a[0] > 0 else 0.0]
    raise ValueError(f"unknown op {op!r}")


def _ancestors(graph, output):
    """The set of nodes `output` depends on, itself included."""
    found, stack = {output}, [output]
    while stack:
        for parent in graph[stack.pop()][1]:
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


def _order(graph, output, rng=None):
    """A topological order of the nodes `output` depends on (Kahn's algorithm); with `rng`, a random valid one."""
    nodes = _ancestors(graph, output)
    waiting = {name: len(set(graph[name][1])) for name in nodes}
    users = {name: [] for name in nodes}
    for name in nodes:
        for parent in set(graph[name][1]):
            users[parent].append(name)
    ready = sorted(name for name in nodes if waiting[name] == 0)
    order = []
    while ready:
        name = ready.pop(int(rng.integers(len(ready))) if rng is not None else 0)
        order.append(name)
        for user in sorted(users[name]):
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    assert len(order) == len(nodes), "the checks' graphs have no cycles"
    return order


def _forward(graph, order, leaves, nudge=None, delta=0.0):
    """Every node's value; with `nudge`, that node's value is moved by `delta` (its inputs unchanged)."""
    values = {}
    for name in order:
        op, inputs = graph[name]
        value = leaves[name] if op == "input" else _apply(op, [values[p] for p in inputs])
        values[name] = value + delta if name == nudge else value
    return values


def _locals(graph, order, values):
    """local[name]: the node's local derivatives at `values` ([] for an input node)."""
    local = {}
    for name in order:
        op, inputs = graph[name]
        local[name] = [] if op == "input" else _local(op, [values[p] for p in inputs], values[name])
    return local


def _sweep(graph, order, local, output, mistake=None):
    """d output / d node for every node of `order`; `mistake` makes one of the sweep mistakes the feedback names."""
    grads = {name: 0.0 for name in order}
    grads[output] = 0.0 if mistake == "zero" else 1.0
    visit = order if mistake == "forward" else order[::-1]
    for name in visit:
        inputs = graph[name][1]
        pairs = list(zip(inputs, local[name]))
        if mistake == "once":
            pairs = list(dict(pairs).items())
        for parent, local_grad in pairs:
            step = local_grad if mistake == "no upstream" else grads[name] * local_grad
            if mistake == "assign":
                grads[parent] = step
            else:
                grads[parent] += step
    return grads


SWEEP_MISTAKES = {  # a noun phrase each: the feedback says "your answer equals what <this> gives"
    "assign": "a gradient assigned (=) where it should be added (+=), so that a node read by several nodes, or "
              "twice by one, keeps only its last contribution,",
    "forward": "visiting the nodes in the forward order (walk the order backwards, from the output to the leaves)",
    "no upstream": "forgetting the upstream gradient (add grads[w] * local[w][k], not local[w][k] alone)",
    "zero": "the output's own gradient left at 0 (d output / d output is 1)",
    "once": "counting once an input read twice by one node, as in a * a (each use adds its own contribution),",
}


# -- graphs --------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    graph: dict     # name -> (op, [input names]), in a shuffled order
    leaves: dict    # name -> float, every input node of the graph
    output: str
    label: str      # what the graph is, for messages


class _Builder:
    """Builds a graph node by node (nodes are numbered; names come at the end), computing values as it goes."""

    def __init__(self):
        self.nodes, self.values = [], []

    def leaf(self, value):
        self.nodes.append(("input", []))
        self.values.append(float(value))
        return len(self.nodes) - 1

    def add(self, op, *inputs):
        self.nodes.append((op, list(inputs)))
        self.values.append(_apply(op, [self.values[i] for i in inputs]))
        return len(self.nodes) - 1

    def case(self, rng, output, label, names=None, keys=None):
        """The graph with random short names, its entries shuffled; or with `names`, its entries in `keys`' order
        (a visible graph, as the notebook writes it)."""
        names = names or _random_names(rng, len(self.nodes))
        graph = {names[i]: (op, [names[j] for j in inputs]) for i, (op, inputs) in enumerate(self.nodes)}
        shuffled = {name: graph[name] for name in (keys if rng is None else rng.permutation(list(graph)))}
        leaves = {names[i]: self.values[i] for i, (op, _) in enumerate(self.nodes) if op == "input"}
        return Case({str(k): v for k, v in shuffled.items()}, leaves, names[output], label)


def _random_names(rng, n):
    """n different names of two or three letters (none of them an op's name), in random order."""
    names = set()
    while len(names) < n:
        name = "".join(rng.choice(list(LETTERS), size=int(rng.integers(2, 4))))
        if name not in OPS:
            names.add(name)
    return [str(name) for name in rng.permutation(sorted(names))]


def _acceptable(op, a, kink_free):
    """Keep values moderate and every operation smooth where the graph is graded by central differences."""
    if op == "log" and a[0] < 0.2:
        return False
    if op == "exp" and a[0] > 2.3:
        return False
    if op == "relu" and kink_free and abs(a[0]) < 0.05:
        return False
    return abs(_apply(op, a)) <= 10.0


def _random_graph(rng, n_leaves, n_ops, n_unused, label, kink_free=True):
    """n_ops random operations, each on a node nothing reads yet (mostly) and on any earlier node (so values are
    shared), then the nodes still unread summed into the output: it depends on every one of them.  Then n_unused
    more nodes the output does not depend on (some read the output), and a leaf nothing reads."""
    b = _Builder()
    unread = {b.leaf(rng.uniform(-2.0, 2.0)) for _ in range(n_leaves)}

    def pick():
        n = len(b.nodes)
        return int(rng.integers(max(0, n - 3), n)) if rng.random() < 0.5 else int(rng.integers(n))

    def grow(count, unread):
        made = 0
        while made < count:
            op = OPS[int(rng.integers(len(OPS)))]
            first = int(rng.choice(sorted(unread))) if unread and rng.random() < 0.7 else pick()
            inputs = [first, pick()] if op in BINARY else [first]
            if _acceptable(op, [b.values[i] for i in inputs], kink_free):
                unread.difference_update(inputs)
                unread.add(b.add(op, *inputs))
                made += 1

    grow(n_ops, unread)
    while len(unread) > 1:  # sum the unread nodes, squashing large sums with tanh
        u, v = (int(i) for i in rng.choice(sorted(unread), size=2, replace=False))
        unread -= {u, v}
        total = b.add("add", u, v)
        unread.add(b.add("tanh", total) if abs(b.values[total]) > 3.0 else total)
    output = unread.pop()
    grow(n_unused, set())
    b.leaf(rng.uniform(-2.0, 2.0))  # an input the output does not depend on
    return b.case(rng, output, label)


def _visible():
    """The graphs of the visible tests (with their names)."""
    b = _Builder()
    x, y = b.leaf(0.5), b.leaf(-1.5)
    p = b.add("mul", x, y)
    s = b.add("add", p, x)
    f = b.add("tanh", s)
    names = {x: "x", y: "y", p: "p", s: "s", f: "f"}
    example = [b.case(None, node, f"the visible `example` with output {names[node]!r}",
                      names=[names[i] for i in range(5)], keys=["f", "s", "p", "x", "y"]) for node in (f, s, p, x)]
    sq = _Builder()
    a = sq.leaf(3.0)
    q = sq.add("mul", a, a)
    square = [sq.case(None, node, f"the visible `square` (q = a * a) with output {'aq'[node]!r}", names=["a", "q"],
                      keys=["q", "a"]) for node in (q, a)]
    return example, square


def _every_op(m):
    """The visible `every_op`: out = tanh(a) + relu(log(exp(a)) * m)."""
    b = _Builder()
    a, mm = b.leaf(0.7), b.leaf(m)
    e = b.add("exp", a)
    t = b.add("tanh", a)
    lg = b.add("log", e)
    n = b.add("mul", lg, mm)
    r = b.add("relu", n)
    out = b.add("add", t, r)
    return b.case(None, out, f"the visible `every_op` with m = {m}", names=["a", "m", "e", "t", "l", "n", "r", "out"],
                  keys=["out", "r", "n", "l", "e", "t", "m", "a"])


def _chain(rng, length):
    """v <- tanh(v * w + c), repeated: a chain `length` nodes deep; the leaves w and c are read by a third of them."""
    b = _Builder()
    v, w, c = b.leaf(rng.uniform(-1, 1)), b.leaf(rng.uniform(0.8, 1.4)), b.leaf(rng.uniform(-0.5, 0.5))
    for k in range(length):
        v = b.add(("mul", "add", "tanh")[k % 3], *((v, w), (v, c), (v,))[k % 3])
    return b.case(rng, v, f"a chain {length} nodes deep (v <- tanh(v * w + c), repeated)")


def _ladder(rng, levels):
    """a <- tanh(a) + a * w, repeated: every rung a diamond, so the output is reached along 2**levels paths."""
    b = _Builder()
    a, w = b.leaf(rng.uniform(-1, 1)), b.leaf(rng.uniform(0.3, 0.6))
    for _ in range(levels):
        a = b.add("add", b.add("tanh", a), b.add("mul", a, w))
    return b.case(rng, a, f"a ladder of {levels} diamonds (a <- tanh(a) + a * w), reached along 2**{levels} paths")


def _leaf_used_thrice(rng):
    """x read by three nodes: out = tanh(x) + exp(x * y) * (x + z)."""
    b = _Builder()
    x, y, z = b.leaf(rng.uniform(0.3, 1)), b.leaf(rng.uniform(-1, 1)), b.leaf(rng.uniform(-1, 1))
    t = b.add("tanh", x)
    e = b.add("exp", b.add("mul", x, y))
    out = b.add("add", t, b.add("mul", e, b.add("add", x, z)))
    return b.case(rng, out, "a graph whose leaf is read by three nodes (tanh(x) + exp(x * y) * (x + z))")


def _read_twice(rng):
    """Nodes that read one node twice: out = (h * h) with h = e + e, e = exp(x); and x * x beside."""
    b = _Builder()
    x, y = b.leaf(rng.uniform(-0.8, 0.2)), b.leaf(rng.uniform(0.5, 1.5))
    e = b.add("exp", x)
    h = b.add("add", e, e)
    sq = b.add("mul", x, x)
    out = b.add("add", b.add("mul", h, h), b.add("mul", sq, y))
    return b.case(rng, out, "a graph with nodes that read one node twice ((e + e) * (e + e) + (x * x) * y)")


def _single_leaf(rng):
    """The output is an input node; other nodes read it."""
    b = _Builder()
    u, k = b.leaf(rng.uniform(0.5, 1.5)), b.leaf(rng.uniform(-1, 1))
    b.add("add", b.add("tanh", u), k)
    return b.case(rng, u, "a graph whose output is an input node (other nodes read it)")


def _relu_at_zero(rng):
    """relu(x + y) with y = -x exactly: the ReLU's input is exactly 0 (its local derivative there is 0)."""
    b = _Builder()
    value = float(rng.uniform(0.5, 1.5))
    x, y, z = b.leaf(value), b.leaf(-value), b.leaf(rng.uniform(-1, 1))
    r = b.add("relu", b.add("add", x, y))
    out = b.add("add", b.add("mul", r, z), b.add("tanh", x))
    return b.case(rng, out, "a graph with a ReLU whose input is exactly 0")


# -- messages ------------------------------------------------------------------------------------------------------


def _node(graph, name):
    op, inputs = graph[name]
    return f"{name!r} (an input)" if op == "input" else f"{name!r} = {op}({', '.join(inputs)})"


def _where(case):
    """The graph, printed when small; otherwise its label and size."""
    if len(case.graph) <= 8:
        shown = "; ".join(_node(case.graph, name).replace("'", "") for name in case.graph)
        return f"{case.label} {{{shown}}}"
    return f"{case.label}, {len(case.graph)} nodes"


def _kind(value):
    return "an object that is not plain data" if isinstance(value, Handle) else f"a {type(value).__name__}"


def _as_dict(nb, got, names, what):
    """The answer as a dict: a plain dict as it came; a dict subclass (a defaultdict, which stays in the notebook as
    an object) read entry by entry with its .get, in one round trip."""
    if isinstance(got, dict):
        return got
    expect(isinstance(got, Handle), f"{what}: expected a dict name -> float, got {_kind(got)}")
    try:
        values = list(nb.ask_many([Call(got.attr("get"), name) for name in names]))
    except StudentRaised:
        fail(f"{what}: expected a dict name -> float, got an object that is not a dict")
    return {name: value for name, value in zip(names, values) if value is not None}


def _answers(nb, name, questions, arguments):
    """Ask `name`(*arguments(q)) for every question q in one batch; yield (q, answer).  A call that raises fails
    with a message naming its graph."""
    answers = nb.ask_many([Call(name, *arguments(q)) for q in questions])
    for k, question in enumerate(questions):
        try:
            got = next(answers)
        except StudentRaised as exc:
            case = question[0] if isinstance(question, tuple) else question
            raise StudentRaised(f"{name}(...) for {_where(case)}", exc.exc_type, exc.exc_message) from None
        yield question, got


def _expect_number(value, what):
    expect(isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool),
           f"{what}: expected a number, got {_kind(value)}")


# -- Task 1: topological_order -------------------------------------------------------------------------------------


def _expect_valid_order(case, got):
    graph, output = case.graph, case.output
    what = f"topological_order(graph, {output!r}) for {_where(case)}"
    expect(isinstance(got, (list, tuple)), f"{what}: expected a list of node names, got {_kind(got)}")
    for name in got:
        expect(isinstance(name, str), f"{what}: expected node names (strings), got an entry {name!r}")
        expect(name in graph, f"{what}: {name!r} is not a node of the graph")
    counts = Counter(got)
    twice = [name for name in got if counts[name] > 1]
    if twice:
        fail(f"{what}: node {twice[0]!r} is listed {counts[twice[0]]} times; list each node exactly once, even when "
             "it is reached along several paths (remember the nodes already visited)", mistake="a node listed twice")
    needed = _ancestors(graph, output)
    extra = [name for name in got if name not in needed]
    if extra:
        fail(f"{what}: {extra[0]!r} is listed, but {output!r} does not depend on it: leave out the nodes the output "
             "does not depend on", mistake="nodes the output does not need")
    missing = sorted(needed - set(got))
    if output in missing:
        fail(f"{what}: the output {output!r} itself is missing: the list holds it too, as its last name",
             mistake="nodes missing")
    if missing:
        fail(f"{what}: node {missing[0]!r} is missing, and {output!r} depends on it ({len(missing)} node(s) "
             "missing)", mistake="nodes missing")
    position = {name: k for k, name in enumerate(got)}
    for name in got:
        for parent in graph[name][1]:
            expect(position[parent] < position[name],
                   f"{what}: node {_node(graph, name)} comes before its input {parent!r} (at positions "
                   f"{position[name]} and {position[parent]}): every node must come after all of its inputs",
                   mistake="a node before its inputs")


def test_topological_order(nb, rng):
    """Task 1 (2 points): topological_order(graph, output) -> a list of names, any valid order."""
    example, square = _visible()
    cases = example + square + [
        _single_leaf(rng),
        _read_twice(rng),
        _leaf_used_thrice(rng),
        _random_graph(rng, 3, 6, 3, "a hidden random graph"),
        _random_graph(rng, 4, 15, 5, "a hidden random graph"),
        _random_graph(rng, 6, 40, 8, "a hidden random graph"),
        _ladder(rng, 14),
        _chain(rng, 200),
    ]
    for case, got in _answers(nb, "topological_order", cases, lambda c: (c.graph, c.output)):
        _expect_valid_order(case, got)


# -- Task 2: forward_values ----------------------------------------------------------------------------------------


def _forward_mistakes(op, a):
    """{description: the value that mistake gives} for one node whose (right) input values are `a`."""
    with np.errstate(all="ignore"):
        if op == "add":
            return {"the first input added to itself (a + a)": 2 * a[0], "the second input twice (b + b)": 2 * a[1],
                    "a - b instead of a + b": a[0] - a[1], "a * b instead of a + b": a[0] * a[1]}
        if op == "mul":
            return {"the first input multiplied by itself (a * a)": a[0] * a[0],
                    "the second input twice (b * b)": a[1] * a[1], "a + b instead of a * b": a[0] + a[1]}
        if op == "tanh":
            return {"the sigmoid instead of tanh": 1.0 / (1.0 + math.exp(-a[0]))}
        if op == "exp":
            return {"exp(-a) instead of exp(a)": math.exp(-a[0])}
        if op == "log":
            return {"log10 instead of the natural logarithm": math.log10(a[0]),
                    "log(1 + a) (np.log1p) instead of log(a)": math.log1p(a[0])}
        if op == "relu":
            return {"min(a, 0) instead of max(a, 0)": min(a[0], 0.0), "abs(a) instead of max(a, 0)": abs(a[0])}
    return {}


def test_forward_values(nb, rng):
    """Task 2 (2 points): forward_values(graph, order, leaves) -> dict name -> float for every node of order."""
    example, square = _visible()
    questions = [(example[0], ["y", "x", "p", "s", "f"]), (_every_op(-2.0), ["a", "e", "t", "l", "m", "n", "r", "out"]),
                 (_every_op(3.0), ["a", "e", "t", "l", "m", "n", "r", "out"])]
    hidden = [square[0], _single_leaf(rng), _read_twice(rng), _leaf_used_thrice(rng), _relu_at_zero(rng),
              _random_graph(rng, 3, 8, 2, "a hidden random graph"),
              _random_graph(rng, 5, 25, 5, "a hidden random graph"),
              _random_graph(rng, 6, 40, 6, "a hidden random graph", kink_free=False),
              _ladder(rng, 10), _chain(rng, 200)]
    questions += [(case, _order(case.graph, case.output, rng)) for case in hidden]
    for (case, order), got in _answers(nb, "forward_values", questions, lambda q: (q[0].graph, q[1], q[0].leaves)):
        what = f"forward_values(graph, order, leaves) for {_where(case)}"
        got = _as_dict(nb, got, order, what)
        want = _forward(case.graph, order, case.leaves)
        for name in order:  # in the order: the first wrong node has right inputs, so its mistake can be named
            expect(name in got, f"{what}: no value for node {_node(case.graph, name)}; return the value of every "
                                "node of order, the input nodes too")
            _expect_number(got[name], f"{what}: the value of node {_node(case.graph, name)}")
            op, inputs = case.graph[name]
            mistakes = _forward_mistakes(op, [want[p] for p in inputs])
            expect_close(got[name], want[name], f"{what}: the value of node {_node(case.graph, name)}",
                         rtol=1e-9, atol=1e-12, mistakes=mistakes)


# -- Task 3: local_gradients ---------------------------------------------------------------------------------------


def _local_mistakes(op, a, out):
    """{description: the list that mistake gives} for local_gradients(op, a, out)."""
    with np.errstate(all="ignore"):
        if op == "add":
            return {"the input values instead of the derivatives 1, 1": list(a)}
        if op == "mul":
            return {"the two derivatives swapped ([a, b]; d(a*b)/da is b)": [a[0], a[1]],
                    "[1, 1], add's derivatives": [1.0, 1.0]}
        if op == "tanh":
            return {"1 - a**2, the derivative taken with the input a instead of the output tanh(a)": [1 - a[0] ** 2],
                    "1 - out, the square forgotten": [1 - out], "1 + out**2, a sign wrong": [1 + out * out]}
        if op == "exp":
            return {"a * exp(a), differentiating e**a like a power": [a[0] * out], "a instead of exp(a)": [a[0]],
                    "1": [1.0]}
        if op == "log":
            return {"a instead of 1/a": [a[0]], "1/out, the derivative taken with the output": [1.0 / out],
                    "log(a), the value instead of its derivative": [out]}
        if op == "relu":
            return {"the slope 1 at a == 0 (a >= 0)": [1.0 if a[0] >= 0 else 0.0],
                    "the slope read from the output, out >= 0 (always 1)": [1.0],
                    "relu(a), the value instead of its slope": [max(a[0], 0.0)]}
    return {}


def test_local_gradients(nb, rng):
    """Task 3 (3 points): local_gradients(op, input_values, out_value) -> list of floats, one per input."""
    cases = [("add", [2.0, 5.0]), ("mul", [3.0, -2.0]), ("mul", [4.0, 4.0]), ("tanh", [0.5]), ("tanh", [-2.0]),
             ("exp", [-1.0]), ("log", [0.25]), ("log", [3.0]), ("relu", [1.5]), ("relu", [-0.5]), ("relu", [0.0])]
    cases += [("add", [float(rng.normal()), float(rng.normal())]), ("mul", [float(rng.uniform(-3, -1)), 0.0]),
              ("tanh", [float(rng.uniform(2, 4))]), ("exp", [float(rng.uniform(1, 3))]),
              ("log", [float(rng.uniform(0.01, 0.1))]), ("log", [float(rng.uniform(5, 50))]),
              ("relu", [float(rng.uniform(1e-3, 1e-2))]), ("relu", [-float(rng.uniform(1e-3, 1e-2))])]
    for op in OPS:
        for _ in range(3):
            a = [float(rng.uniform(-2.5, 2.5)) for _ in range(2 if op in BINARY else 1)]
            if op == "log":
                a = [float(rng.uniform(0.1, 4.0))]
            cases.append((op, a))
    a = float(rng.uniform(-2, 2))
    cases += [("mul", [a, a]), ("add", [a, a])]   # one node read twice by this one
    outs = [_apply(op, a) for op, a in cases]
    answers = nb.ask_many([Call("local_gradients", op, list(a), out) for (op, a), out in zip(cases, outs)])
    for (op, a), out, got in zip(cases, outs, answers):
        what = f"local_gradients({op!r}, {[float(f'{v:.6g}') + 0.0 for v in a]}, {out + 0.0:.6g})"
        expect(isinstance(got, (list, tuple, np.ndarray)), f"{what}: expected a list, got {_kind(got)}")
        expect(np.ndim(got) == 1 and len(got) == len(a),
               f"{what}: expected a list of {len(a)} number(s), one per input, got {got!r}")
        want = _local(op, a, out)
        expect_close(got, want, what, rtol=1e-9, atol=1e-12, mistakes=_local_mistakes(op, a, out))
        if not (op == "relu" and abs(a[0]) < 1e-5):
            expect_gradient(got, lambda v: _apply(op, list(v)), np.array(a), f"{what}, against central differences "
                            f"of the operation", tol=1e-6)


# -- Task 4: backward_sweep ----------------------------------------------------------------------------------------


def _numeric_nodes(rng, case, order, limit=30):
    """The nodes whose derivative is also checked by central differences: every leaf, and up to `limit` others."""
    leaves = [name for name in order if case.graph[name][0] == "input"]
    inner = [name for name in order if case.graph[name][0] != "input"]
    if len(inner) > limit:
        inner = [str(name) for name in rng.choice(inner, size=limit, replace=False)]
    return leaves + inner


def test_backward_sweep(nb, rng):
    """Task 4 (3 points): backward_sweep(graph, order, local, output) -> dict name -> d output / d name."""
    example, square = _visible()
    questions = [(example[0], ["y", "x", "p", "s", "f"], True), (square[0], ["a", "q"], True)]
    smooth = [example[0], square[1], _single_leaf(rng), _read_twice(rng), _leaf_used_thrice(rng),
              _random_graph(rng, 3, 8, 2, "a hidden random graph"),
              _random_graph(rng, 4, 20, 4, "a hidden random graph"),
              _random_graph(rng, 6, 50, 6, "a hidden random graph"),
              _ladder(rng, 10), _chain(rng, 200)]
    questions += [(case, _order(case.graph, case.output, rng), True) for case in smooth]
    kinked = [_relu_at_zero(rng), _random_graph(rng, 5, 30, 3, "a hidden random graph", kink_free=False)]
    questions += [(case, _order(case.graph, case.output, rng), False) for case in kinked]
    prepared = []
    for case, order, smooth_case in questions:
        values = _forward(case.graph, order, case.leaves)
        prepared.append((case, order, smooth_case, _locals(case.graph, order, values)))
    asked = _answers(nb, "backward_sweep", prepared, lambda q: (q[0].graph, q[1], q[3], q[0].output))
    for (case, order, smooth_case, local), got in asked:
        graph, output = case.graph, case.output
        what = f"backward_sweep(graph, order, local, {output!r}) for {_where(case)}"
        got = _as_dict(nb, got, order, what)
        for name in order:
            expect(name in got, f"{what}: no gradient for node {_node(graph, name)}; return d output / d v for "
                                "every node v of order")
            _expect_number(got[name], f"{what}: d {output} / d {name}")
        want = _sweep(graph, order, local, output)
        # the mistakes that explain the whole answer name the likely one (a single node says little)
        variants = {SWEEP_MISTAKES[m]: _sweep(graph, order, local, output, m) for m in SWEEP_MISTAKES}
        explaining = {d: v for d, v in variants.items()
                      if any(not np.isclose(v[n], want[n]) for n in order)
                      and all(np.isclose(float(got[n]), v[n], rtol=1e-6, atol=1e-9) for n in order)}
        named = " or ".join(explaining)  # several mistakes may give the same answer (as in a * a)
        for name in order[::-1]:
            mistakes = {named: next(iter(explaining.values()))[name]} if explaining else None
            expect_close(got[name], want[name], f"{what}: d {output} / d {name}, node {_node(graph, name)}",
                         rtol=1e-7, atol=1e-10, mistakes=mistakes)
        if smooth_case:
            leaves = case.leaves
            for name in _numeric_nodes(rng, case, order):
                base = _forward(graph, order, leaves)[output]
                expect_gradient(got[name], lambda d: _forward(graph, order, leaves, name, float(d))[output] - base,
                                np.array(0.0), f"{what}: d {output} / d {name}, node {_node(graph, name)}, against "
                                "central differences of the output with that node's value nudged")

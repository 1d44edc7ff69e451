"""Trusted checks for exercise 2, the forward pass: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs, against nnlib's dense layer and
the formulas of the statement: ``dense_forward`` and ``dense_forward_checked`` return ``(out, cache)`` as
``nnlib.dense_forward`` does, ``cache = (x, W)``.  Each re-checks the cell's visible cases too.  There are no
gradients in this exercise.  See grading/runner.py for the contract.
"""
import numpy as np

import nnlib
from grading import Call, Handle, expect, expect_close, fail


def _kind(got):
    if isinstance(got, Handle):
        return "an object that is not plain data"
    if isinstance(got, (list, tuple)):
        return f"a {type(got).__name__} of {len(got)} item{'' if len(got) == 1 else 's'}"
    if isinstance(got, np.ndarray):
        return f"an array of shape {got.shape}"
    name = type(got).__name__
    return "None" if got is None else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _is_ragged(got):
    """A tuple or list that is not an array of numbers (e.g. (out, cache)): expect_close cannot read it."""
    if not isinstance(got, (list, tuple)):
        return False
    try:
        np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return True
    return False


def _expect_array_close(got, want, what, **kwargs):
    """expect_close, with a clear message when the answer is a tuple such as (out, cache) instead of one array."""
    if _is_ragged(got):
        fail(f"{what}: expected one array of shape {np.shape(want)}, got a {type(got).__name__} of {len(got)} "
             "items (return only the output array)")
    expect_close(got, want, what, **kwargs)


def _dense(x, W, b):
    return nnlib.dense_forward(x, W, b)[0]


def _same_array(got, want):
    """Is `got` an array of numbers with want's shape and values (to name a mistake, not to grade)?"""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-9, atol=1e-12))


def _expect_out_and_cache(got, x, W, b, what, mistakes):
    """`got` must be the pair (out, cache) of nnlib.dense_forward(x, W, b): out = x @ W + b, cache = (x, W)."""
    want_out, (want_x, want_W) = nnlib.dense_forward(x, W, b)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        alone = isinstance(got, np.ndarray) and _same_array(got, want_out)
        fail(f"{what} must return a pair (out, cache), got {_kind(got)}"
             + (": the output alone. Return the cache (x, W) with it" if alone else ""),
             "returning out without the cache" if alone else None)
    out, cache = got
    if isinstance(out, (tuple, list)) and _same_array(cache, want_out):
        fail(f"{what} returned (cache, out): return the pair in the order (out, cache)", "(cache, out) returned")
    expect_close(out, want_out, f"{what}: out", mistakes=mistakes)
    items = cache if isinstance(cache, (tuple, list)) else ()
    if len(items) != 2:
        if isinstance(cache, np.ndarray) and _same_array(cache, want_x):
            fail(f"{what}: the cache must be the pair (x, W), got the array x alone: W is missing",
                 "the cache without W")
        if len(items) == 3 and _same_array(items[0], want_x) and _same_array(items[1], want_W):
            fail(f"{what}: the cache must be the pair (x, W), got a {type(cache).__name__} of 3 items: keep exactly "
                 "x and W (dense_backward unpacks it as x, W = cache; db does not need b)", "b in the cache")
        fail(f"{what}: the cache must be the pair (x, W), got {_kind(cache)}")
    if _same_array(items[0], want_W) and _same_array(items[1], want_x):
        fail(f"{what}: the cache is (W, x), in the wrong order: it must be (x, W), the input first",
             "the cache in the wrong order")
    expect_close(items[0], want_x, f"{what}: the cache's first item, the input x",
                 mistakes={"keeping the output out instead of the input x": want_out})
    expect_close(items[1], want_W, f"{what}: the cache's second item, the weights W",
                 mistakes={"keeping the bias b instead of the weights W": b})


# -- Task 1 -----------------------------------------------------------------------------------------------------

def test_dense_forward(nb, rng):
    """Task 1 (2 points): dense_forward(x, W, b) -> (out, cache): out = x @ W + b (N, M), cache = (x, W)."""
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    W = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])
    b = np.array([0.5, -0.5, 0.0])
    cases = [(x, W, b), (x[:1], W, b)]            # the visible cases: a batch of two, and a batch of one
    for n, d, m in [(1, 3, 2), (3, 2, 3), (4, 4, 4), (7, 1, 5), (6, 5, 1), (2, 3, 3), (5, 3, 5), (1, 1, 1)]:
        cases.append((rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)))
    for (x, W, b), got in zip(cases, nb.ask_many([Call("dense_forward", x, W, b) for x, W, b in cases])):
        what = f"dense_forward(x, W, b) with x of shape {x.shape}, W {W.shape}, b {b.shape}"
        mistakes = {"leaving out the bias, x @ W": x @ W}
        if W.shape[0] == W.shape[1]:
            mistakes["the transposed weight, x @ W.T + b"] = x @ W.T + b
        if x.shape[0] == W.shape[1]:
            mistakes["adding the bias along the wrong axis, x @ W + b[:, None]"] = x @ W + b[:, None]
        _expect_out_and_cache(got, x, W, b, what, mistakes)


# -- Task 2 -----------------------------------------------------------------------------------------------------

ACTIVATIONS = {"tanh": np.tanh, "abs": np.abs}   # elementwise functions the notebook has too, as np.<name>


def _mlp(x, params, act, *, last=False, first=False, hidden=True):
    """The trusted forward pass; the keyword arguments make the usual mistakes (for the feedback)."""
    h = act(x) if first else x
    for i, (W, b) in enumerate(params):
        h = _dense(h, W, b)
        if (i < len(params) - 1 and hidden) or (i == len(params) - 1 and last):
            h = act(h)
    return h


def test_mlp_forward(nb, rng):
    """Task 2 (3 points): mlp_forward(x, params, activation), the activation between layers only."""
    # the visible network, with activations the grader can hand to the notebook (np.tanh, np.abs)
    x = np.array([[1.0, -1.0]])
    visible = [(np.eye(2), np.zeros(2)), (np.array([[1.0], [1.0]]), np.array([-2.0]))]
    cases = [(x, visible, "abs"), (x, visible, "tanh"), (x, visible[:1], "abs"), (x, visible[:1], "tanh")]
    for sizes, n, act in [([3, 5, 2], 4, "tanh"), ([2, 4], 1, "abs"), ([4, 6, 6, 3], 5, "abs"),
                          ([1, 3, 3, 3, 2], 3, "tanh"), ([5, 5, 5], 5, "tanh"), ([2, 8, 1], 1, "abs"),
                          ([3, 4], 6, "tanh"), ([2, 3, 4, 3, 2, 2], 2, "abs"), ([1, 1, 1], 1, "tanh")]:
        params = [(rng.normal(size=(d_in, d_out)), rng.normal(size=d_out))
                  for d_in, d_out in zip(sizes[:-1], sizes[1:])]
        cases.append((rng.normal(size=(n, sizes[0])), params, act))
    answers = nb.ask_many([Call("mlp_forward", x, params, nb.handle("np").attr(name)) for x, params, name in cases])
    for (x, params, name), got in zip(cases, answers):  # all in one round trip
        act = ACTIVATIONS[name]
        sizes = [x.shape[1]] + [W.shape[1] for W, _ in params]
        net = " -> ".join(str(s) for s in sizes)
        layers = f"{len(params)} layer{'s' if len(params) > 1 else ''}"
        what = f"mlp_forward on a {net} network ({layers}), batch of {x.shape[0]}, activation np.{name}"
        mistakes = {"applying the activation after the last layer too": _mlp(x, params, act, last=True),
                    "never applying the activation": _mlp(x, params, act, hidden=False),
                    "applying the activation to the input x too": _mlp(x, params, act, first=True),
                    "using ReLU instead of the given activation": _mlp(x, params, nnlib.relu)}
        if len(params) > 1:
            mistakes["leaving out the last layer (an off-by-one in the loop)"] = _mlp(x, params[:-1], act, last=True)
            if params[-1][0].shape[0] == x.shape[1]:
                mistakes["feeding the network's input x to every layer"] = _dense(x, *params[-1])
        _expect_array_close(got, _mlp(x, params, act), what, mistakes=mistakes)


# -- Task 3 -----------------------------------------------------------------------------------------------------

def _expect_shape_error(nb, x, W, b, mentions, problem):
    what = f"dense_forward_checked(x of shape {x.shape}, W {W.shape}, b {b.shape})"
    kind, message = nb.ask_raises("dense_forward_checked", x, W, b)
    expect(kind == "ValueError", f"{what} should raise ValueError ({problem}), it raised {kind}: {message}")
    for text in mentions:
        expect(text in message, f"{what} ({problem}): the message {message!r} should contain {text}")


def test_dense_forward_checked(nb, rng):
    """Task 3 (2 points): dense_forward_checked(x, W, b) -> (out, cache) as Task 1, or ValueError naming the
    shapes."""
    # valid shapes: the visible case, then random ones (a batch of one, one feature, one neuron, N == D == M)
    cases = [(np.ones((8, 5)), np.ones((5, 3)), np.zeros(3))]
    for n, d, m in [(1, 4, 3), (5, 2, 1), (3, 3, 3), (2, 1, 4), (6, 5, 6)]:
        cases.append((rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)))
    for (x, W, b), got in zip(cases, nb.ask_many([Call("dense_forward_checked", x, W, b) for x, W, b in cases])):
        _expect_out_and_cache(got, x, W, b,
                              f"dense_forward_checked with valid shapes x {x.shape}, W {W.shape}, b {b.shape}", {})

    r = rng.normal
    x_not_2d, w_rows, b_shape = "x is not 2-D", "W's rows do not match x's columns", "b's shape is not (M,)"
    # the visible cases
    _expect_shape_error(nb, np.ones((8, 5)), np.ones((4, 3)), np.zeros(3), ["(5, 3)", "(4, 3)"], w_rows)
    _expect_shape_error(nb, np.ones((8, 5)), np.ones((5, 3)), np.zeros((1, 3)), ["(3,)", "(1, 3)"], b_shape)
    # hidden ones
    _expect_shape_error(nb, r(size=4), r(size=(4, 3)), r(size=3), ["(4,)", "(N, 4)"], x_not_2d)
    _expect_shape_error(nb, r(size=(2, 3, 4)), r(size=(4, 2)), r(size=2), ["(2, 3, 4)", "(N, 4)"], x_not_2d)
    _expect_shape_error(nb, r(size=(5, 4)), r(size=(3, 2)), r(size=2), ["(4, 2)", "(3, 2)"], w_rows)
    _expect_shape_error(nb, r(size=(1, 5)), r(size=(4, 4)), r(size=4), ["(5, 4)", "(4, 4)"], w_rows)
    _expect_shape_error(nb, r(size=(3, 2)), r(size=(3, 2)), r(size=2), ["(2, 2)", "(3, 2)"], w_rows)
    _expect_shape_error(nb, r(size=(5, 3)), r(size=(3, 4)), r(size=(1, 4)), ["(4,)", "(1, 4)"], b_shape)
    _expect_shape_error(nb, r(size=(4, 3)), r(size=(3, 4)), r(size=(4, 1)), ["(4,)", "(4, 1)"], b_shape)
    _expect_shape_error(nb, r(size=(6, 2)), r(size=(2, 4)), r(size=3), ["(4,)", "(3,)"], b_shape)
    _expect_shape_error(nb, r(size=(3, 2)), r(size=(2, 2)), np.array(0.5), ["(2,)", "()"], b_shape)
    _expect_shape_error(nb, r(size=(1, 3)), r(size=(3, 1)), r(size=(1, 1)), ["(1,)", "(1, 1)"], b_shape)
    # several problems at once: the first in the stated order (x, then W, then b) is reported
    _expect_shape_error(nb, r(size=(5, 4)), r(size=(3, 2)), r(size=(1, 2)), ["(4, 2)", "(3, 2)"],
                        "W's rows do not match x's columns, and b is wrong too: report W, the first problem")
    _expect_shape_error(nb, r(size=3), r(size=(3, 2)), r(size=(2, 1)), ["(3,)", "(N, 3)"],
                        "x is not 2-D, and b is wrong too: report x, the first problem")


# -- Task 4 -----------------------------------------------------------------------------------------------------

def _trusted_network(n, sizes):
    layers = [nnlib.Dense(d_in, d_out, rng=0) for d_in, d_out in zip(sizes[:-1], sizes[1:])]
    count = sum(p.value.size for p in nnlib.Sequential(*layers).parameters())
    h, shapes = np.zeros((n, sizes[0])), []
    for layer in layers:
        h = layer(h)
        shapes.append(tuple(h.shape))
    return count, shapes


def _as_count(got):
    """The answer as an exact number, or None if it is not a single real number."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating, np.ndarray)):
        return None
    if isinstance(got, np.ndarray) and (got.shape != () or got.dtype.kind not in "iuf"):
        return None
    value = float(got)
    return value if np.isfinite(value) else None


def _as_shapes(got):
    if not isinstance(got, (list, tuple)):
        return None
    try:
        shapes = [tuple(int(v) for v in s) for s in got]
        exact = all(int(v) == v for s in got for v in s)
    except Exception:
        return None
    return shapes if exact else None


def test_network_shapes(nb, rng):
    """Task 4 (2 points): count_parameters(sizes) -> int; layer_output_shapes(batch_size, sizes) -> [tuples]."""
    cases = [([2, 3], 5), ([2, 4, 3, 1], 5),                              # the visible cases
             ([2, 1], 1), ([784, 128, 10], 32), ([3, 5, 5, 2], 7), ([1, 1, 1, 1], 1), ([10, 10], 10),
             ([4, 1, 6], 3)]
    for _ in range(2):
        cases.append(([int(v) for v in rng.integers(1, 30, size=int(rng.integers(2, 7)))], int(rng.integers(1, 50))))
    calls = []  # for each case count_parameters, then layer_output_shapes: one round trip, read in this order
    for sizes, n in cases:
        calls += [Call("count_parameters", list(sizes)), Call("layer_output_shapes", n, list(sizes))]
    answers = nb.ask_many(calls)
    for sizes, n in cases:
        want_count, want_shapes = _trusted_network(n, sizes)
        pairs = list(zip(sizes[:-1], sizes[1:]))

        got = next(answers)
        value = _as_count(got)
        what = f"count_parameters({sizes})"
        expect(value is not None, f"{what} must return a single int, got {_kind(got)}")
        if value != want_count:
            mistakes = {"leaving out the biases": sum(a * b for a, b in pairs),
                        "one bias per input instead of one per neuron": sum(a * (b + 1) for a, b in pairs),
                        "leaving out the last layer": sum((a + 1) * b for a, b in pairs[:-1]),
                        "leaving out the first layer": sum((a + 1) * b for a, b in pairs[1:])}
            found = next((k for k, v in mistakes.items() if value == v), None)
            fail(f"{what}: expected {want_count}, got {got!r}"
                 + (f". Likely mistake: your answer equals what {found} gives." if found else ""), found)

        got = next(answers)
        shapes = _as_shapes(got)
        what = f"layer_output_shapes({n}, {sizes})"
        expect(shapes is not None, f"{what} must return a list of shape tuples of ints, got {_kind(got)}"
                                   f"{' that is not one' if isinstance(got, (list, tuple)) else ''}")
        if shapes != want_shapes:
            mistakes = {"including the input's shape": [(n, sizes[0])] + want_shapes,
                        "writing (width, batch) instead of (batch, width)": [(d, n) for d in sizes[1:]],
                        "giving the weight matrices' shapes instead of the outputs'": pairs,
                        "leaving out the last layer": want_shapes[:-1]}
            found = next((k for k, v in mistakes.items() if shapes == [tuple(s) for s in v]), None)
            fail(f"{what}: expected {want_shapes}, got {shapes}"
                 + (f". Likely mistake: your answer equals what {found} gives." if found else ""), found)

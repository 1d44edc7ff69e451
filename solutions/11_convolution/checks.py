"""Trusted checks for exercise 11, backpropagation through a convolution: one function per graded
test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs of many shapes:
a batch of one, one channel and several, one kernel, non-square images and kernels, strides 2 and 3
that do not divide the image, paddings 1 and 2, 1x1 kernels and kernels as large as the padded
image; pooling windows that overlap, windows with gaps between them, and windows whose maximum is
tied.  Answers are compared with nnlib and every gradient with central differences (float64) of a
forward pass written here.  The backward checks build every cache with nnlib's forward pass, so no
task depends on another task's answer.  Each check re-checks its cell's visible cases too, and asks
all its questions in one batch (one round trip to the kernel).  See grading/runner.py for the
contract of a check.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import nnlib
from grading import Call, expect, expect_close, expect_gradient

# (x's shape (N, C, H, W), w's shape (F, C, KH, KW), stride, pad)
CONV_CASES = [
    ((1, 1, 5, 5), (1, 1, 3, 3), 1, 0),   # one image, one channel, one kernel
    ((2, 3, 6, 5), (4, 3, 3, 2), 1, 1),   # channels; a non-square image and kernel; pad 1
    ((2, 2, 7, 6), (3, 2, 3, 3), 2, 1),   # stride 2: the last padded column is in no window
    ((1, 2, 8, 7), (2, 2, 2, 3), 3, 0),   # stride 3: rows 2 and 5, columns 3 and 6 in no window
    ((1, 2, 7, 6), (2, 2, 2, 2), 3, 1),   # stride 3 and pad 1: rows 1 and 4 of x in no window
    ((2, 1, 4, 5), (2, 1, 3, 3), 1, 2),   # pad 2: some windows hold mostly zeros
    ((3, 2, 6, 6), (2, 2, 3, 3), 3, 2),   # three images, stride 3 and pad 2
    ((1, 2, 3, 4), (2, 2, 5, 6), 1, 1),   # the kernel as large as the padded image: out is 1x1
    ((2, 3, 4, 3), (2, 3, 1, 1), 1, 0),   # 1x1 kernels
    ((1, 2, 5, 4), (3, 2, 1, 1), 2, 1),   # 1x1 kernels on a padded image, stride 2
    ((2, 2, 5, 4), (3, 2, 2, 2), 1, 0),   # F == W_out: a bias on the wrong axis still broadcasts
]

# (x's shape (N, C, H, W), size, stride); stride None: the default, size
POOL_CASES = [
    ((1, 1, 4, 4), 2, None),   # one image, one channel, windows side by side
    ((2, 3, 6, 6), 2, None),
    ((1, 1, 5, 7), 3, 1),      # windows that overlap
    ((2, 2, 7, 5), 2, 3),      # gaps between the windows
    ((1, 2, 5, 5), 2, 2),      # the last row and column in no window
    ((2, 1, 6, 4), 3, 2),      # overlapping by one pixel, a non-square image
    ((1, 3, 3, 3), 3, None),   # one window: out is 1x1
    ((3, 2, 3, 5), 1, 2),      # size 1: every second pixel
    ((2, 2, 8, 8), 4, 2),      # large windows overlapping by half
]

VISIBLE_POOL_X = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 1.0],
                             [0.0, -2.0, 6.0, 7.0], [-1.0, 9.0, 3.0, 2.0]]]])


def _is_int(value, want):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value == want


def _same_array(got, want):
    return isinstance(got, np.ndarray) and got.shape == want.shape and np.array_equal(got, want)


def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def _windows(padded, kh, kw, stride):
    """A view (N, C, H_out, W_out, kh, kw) of the windows of `padded`; it follows later writes
    into `padded`."""
    return sliding_window_view(padded, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


# -- forward passes as functions of one argument, for central differences
# Central differences evaluate a forward pass thousands of times per check.  These are written here
# on their own (a second reference beside nnlib) and lean: the padding and the windows are set up
# once, and each call only writes its argument into place.

def _conv_of_x(x, w, b, stride, pad):
    """v -> the convolution's out for the input v (x's shape), w and b fixed."""
    N, C, H, W = x.shape
    padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    windows = _windows(padded, *w.shape[2:], stride)

    def out(v):
        padded[:, :, pad:pad + H, pad:pad + W] = v
        return np.einsum("ncijuv,fcuv->nfij", windows, w) + b[:, None, None]
    return out


def _conv_of_w(x, w, b, stride, pad):
    """v -> the convolution's out for the kernels v (w's shape), x and b fixed."""
    windows = _windows(_pad(x, pad), *w.shape[2:], stride)
    return lambda v: np.einsum("ncijuv,fcuv->nfij", windows, v) + b[:, None, None]


def _conv_of_b(x, w, b, stride, pad):
    """v -> the convolution's out for the biases v (b's shape), x and w fixed."""
    no_bias = np.einsum("ncijuv,fcuv->nfij", _windows(_pad(x, pad), *w.shape[2:], stride), w)
    return lambda v: no_bias + v[:, None, None]


def _pool_of_x(x, size, stride):
    """v -> max-pooling's out for the input v (x's shape)."""
    buffer = np.zeros(x.shape)
    windows = _windows(buffer, size, size, stride)

    def out(v):
        buffer[...] = v
        return windows.max(axis=(4, 5))
    return out


# -- Task 1: conv2d_forward

def _conv_where(x, w, stride, pad):
    return f"for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}"


def _conv_out(x, w, b, stride, pad):
    return nnlib.conv2d_forward(x, w, b, stride, pad)[0]


def _conv_visible():
    """Task 1's visible tests' inputs: [(x, w, b, stride, pad)]."""
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    w = np.array([[[[1.0, 2.0], [0.0, -1.0]]]])
    b = np.array([0.5])
    ones = (np.ones((1, 2, 3, 3)), np.ones((1, 2, 2, 2)), np.zeros(1), 1, 0)
    return [(x, w, b, 1, 0), (x, w, b, 2, 1), ones]


def _conv_random(rng):
    """One random case for every entry of CONV_CASES: [(x, w, b, stride, pad)]."""
    return [(rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0]),
             stride, pad) for x_shape, w_shape, stride, pad in CONV_CASES]


def _forward_mistakes(x, w, b, stride, pad):
    """{description: the out that mistake gives} for conv2d_forward."""
    want = _conv_out(x, w, b, stride, pad)
    H_out, W_out = want.shape[2:]
    mistakes = {
        "the kernel flipped (a true convolution): the forward pass is a cross-correlation, the "
        "kernel slides over the image unflipped": _conv_out(x, w[:, :, ::-1, ::-1], b, stride, pad),
        "the bias left out": _conv_out(x, w, 0.0 * b, stride, pad),
        "the stride ignored in the windows' positions (windows one pixel apart)":
            _conv_out(x, w, b, 1, pad)[:, :, :H_out, :W_out]}
    if x.shape[2] >= w.shape[2] and x.shape[3] >= w.shape[3]:
        mistakes["the padding left out"] = _conv_out(x, w, b, stride, 0)
    if W_out == w.shape[0]:
        mistakes["the bias lined up with the last axis (W_out), not the kernels' axis (F)"] = \
            _conv_out(x, w, 0.0 * b, stride, pad) + b
    return mistakes


def test_conv2d_forward(nb, rng):
    """Task 1 (2 points): conv2d_forward(x, w, b, stride=1, pad=0) -> (out, cache), with
    cache = (x, w, stride, pad)."""
    cases = _conv_visible() + _conv_random(rng)
    # the first case with stride and pad left at their defaults; the others by keyword
    calls = [Call("conv2d_forward", *cases[0][:3])]
    calls += [Call("conv2d_forward", x, w, b, stride=stride, pad=pad)
              for x, w, b, stride, pad in cases[1:]]
    for k, ((x, w, b, stride, pad), got) in enumerate(zip(cases, nb.ask_many(calls))):
        where = _conv_where(x, w, stride, pad)
        if k == 0:
            where += " (stride and pad left at their defaults)"
        expect(isinstance(got, (tuple, list)) and len(got) == 2,
               f"conv2d_forward must return a pair (out, cache) {where}")
        out, cache = got
        expect_close(out, _conv_out(x, w, b, stride, pad), f"out {where}", batch=x.shape[0],
                     mistakes=_forward_mistakes(x, w, b, stride, pad))
        expect(isinstance(cache, tuple) and len(cache) == 4,
               f"the cache {where} must be the tuple (x, w, stride, pad)")
        expect(_same_array(cache[0], x),
               f"the cache {where}: its first entry must be x as it came, not padded")
        expect(_same_array(cache[1], w), f"the cache {where}: its second entry must be w")
        expect(_is_int(cache[2], stride) and _is_int(cache[3], pad),
               f"the cache {where}: its last two entries must be the ints stride and pad")


# -- Tasks 2 and 3: conv2d_backward

def _conv_visible_backward():
    """Tasks 2 and 3's visible tests' inputs: [(x, w, b, stride, pad, dout)]."""
    x = np.array([[[[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 1.0, 1.0]]]])
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    visible = np.random.default_rng(0)
    rx, rw = visible.normal(size=(2, 2, 5, 4)), visible.normal(size=(3, 2, 3, 2))
    rb = visible.normal(size=3)
    rdout = visible.normal(size=(2, 3, 3, 3))
    return [(x, w, np.zeros(1), 1, 0, np.ones((1, 1, 2, 2))),
            (x, w, np.zeros(1), 1, 0, np.array([[[[1.0, -1.0], [2.0, 0.0]]]])),
            (rx, rw, rb, 2, 1, rdout)]


def _backward_answers(nb, rng):
    """Ask conv2d_backward on the visible cases and on every CONV_CASES entry (random x, w, b and
    dout), with the cache from nnlib's forward pass, in one batch.
    Yields (x, w, b, stride, pad, dout, cache, where, (dx, dw, db))."""
    cases = _conv_visible_backward() + [case + (None,) for case in _conv_random(rng)]
    questions = []
    for x, w, b, stride, pad, dout in cases:
        out, cache = nnlib.conv2d_forward(x, w, b, stride, pad)
        if dout is None:
            dout = rng.normal(size=out.shape)
        questions.append((x, w, b, stride, pad, dout, cache))
    answers = nb.ask_many([Call("conv2d_backward", q[-2], q[-1]) for q in questions])
    for question, got in zip(questions, answers):
        x, w, b, stride, pad, dout, cache = question
        where = _conv_where(x, w, stride, pad) + f", dout {dout.shape}"
        expect(isinstance(got, (tuple, list)) and len(got) == 3,
               f"conv2d_backward must return a tuple (dx, dw, db) of three arrays {where}")
        yield question + (where, tuple(got))


def test_conv2d_backward_weights(nb, rng):
    """Task 2 (2 points): dw and db of conv2d_backward(dout, cache) -> (dx, dw, db)."""
    for x, w, b, stride, pad, dout, cache, where, (_, dw, db) in _backward_answers(nb, rng):
        n = x.shape[0]
        F, C = w.shape[:2]
        _, want_dw, want_db = nnlib.conv2d_backward(dout, cache)
        db_mistakes = {
            "dout summed over the batch only, not over the positions (i, j)": dout.sum(axis=0),
            "dout summed over the positions only, not over the batch": dout.sum(axis=(2, 3)),
            "the mean of dout, not its sum": dout.mean(axis=(0, 2, 3))}
        expect_close(db, want_db, f"db {where}", batch=n, mistakes=db_mistakes)
        dw_mistakes = {
            "dw flipped (a convolution of x with dout, not a cross-correlation)":
                want_dw[:, :, ::-1, ::-1],
            "the gradient's rows (C*KH*KW, F) reshaped to w's shape without transposing them":
                want_dw.reshape(F, -1).T.reshape(w.shape)}
        if F == C:
            dw_mistakes["the kernels' and channels' axes swapped"] = want_dw.transpose(1, 0, 2, 3)
        expect_close(dw, want_dw, f"dw {where}", batch=n, mistakes=dw_mistakes)
        case = (x, w, b, stride, pad)
        expect_gradient(dw, _conv_of_w(*case), w, f"dw {where}", dout=dout, batch=n)
        expect_gradient(db, _conv_of_b(*case), b, f"db {where}", dout=dout, batch=n)


def test_conv2d_backward_input(nb, rng):
    """Task 3 (2 points): dx of conv2d_backward(dout, cache) -> (dx, dw, db)."""
    for x, w, b, stride, pad, dout, cache, where, (dx, _, _) in _backward_answers(nb, rng):
        n = x.shape[0]
        H, W = x.shape[2:]
        want_dx = nnlib.conv2d_backward(dout, cache)[0]
        dx_pad = nnlib.conv2d_backward(dout, (_pad(x, pad), w, stride, 0))[0]  # of the padded x
        flipped = nnlib.conv2d_backward(dout, (x, w[:, :, ::-1, ::-1], stride, pad))[0]
        mistakes = {
            "the kernel turned by 180 degrees once too often: dx as the full cross-correlation of "
            "dout with w itself, where w turned by 180 degrees belongs (or each output's gradient "
            "spread over its window with the flipped kernel)": flipped,
            "the padding not cropped off dx (dx has the padded image's shape)": dx_pad,
            "the padding cropped off the end only (dx_p[:, :, :H, :W] instead of "
            "dx_p[:, :, pad:pad + H, pad:pad + W])": dx_pad[:, :, :H, :W]}
        expect_close(dx, want_dx, f"dx {where}", batch=n, mistakes=mistakes)
        expect_gradient(dx, _conv_of_x(x, w, b, stride, pad), x, f"dx {where}", dout=dout,
                        batch=n)


# -- Task 4: maxpool2d_forward

def _pool_where(x, size, stride):
    return f"for x {x.shape}, size {size}, stride {stride}"


def _pool_random(rng):
    """One random x for every entry of POOL_CASES: [(x, size, stride)], stride possibly None."""
    return [(rng.normal(size=shape), size, stride) for shape, size, stride in POOL_CASES]


def _pool_call(k, x, size, stride):
    """Question k of Task 4: the arguments passed in several ways (defaults, keywords, ...)."""
    if stride is None:
        if k % 2:
            return Call("maxpool2d_forward", x, size, stride=None), ""
        return Call("maxpool2d_forward", x, size), " (stride left at its default)"
    if k % 2:
        return Call("maxpool2d_forward", x, size=size, stride=stride), ""
    return Call("maxpool2d_forward", x, size, stride), ""


def test_maxpool2d_forward(nb, rng):
    """Task 4 (1 point): maxpool2d_forward(x, size=2, stride=None) -> (out, cache), with
    cache = (x, size, stride) and the stride used (never None)."""
    visible = [(VISIBLE_POOL_X, 3, 1), (VISIBLE_POOL_X, 1, 3)]
    cases = [(VISIBLE_POOL_X, 2, None)] + visible + _pool_random(rng)
    calls = [(Call("maxpool2d_forward", VISIBLE_POOL_X),
              " (size and stride left at their defaults)")]
    calls += [_pool_call(k, *case) for k, case in enumerate(cases[1:])]
    answers = nb.ask_many([call for call, _ in calls])
    for (x, size, stride), (_, how), got in zip(cases, calls, answers):
        used = size if stride is None else stride
        where = _pool_where(x, size, stride) + how
        expect(isinstance(got, (tuple, list)) and len(got) == 2,
               f"maxpool2d_forward must return a pair (out, cache) {where}")
        out, cache = got
        want = nnlib.maxpool2d_forward(x, size, used)[0]
        windows = _windows(x, size, size, used)
        mistakes = {
            "the mean of each window (average pooling), not its maximum": windows.mean(axis=(4, 5)),
            "the minimum of each window, not its maximum": windows.min(axis=(4, 5))}
        if used != 1:
            H_out, W_out = want.shape[2:]
            mistakes["the stride ignored in the windows' positions (windows one pixel apart)"] = \
                nnlib.maxpool2d_forward(x, size, 1)[0][:, :, :H_out, :W_out]
        expect_close(out, want, f"out {where}", mistakes=mistakes)
        expect(isinstance(cache, tuple) and len(cache) == 3,
               f"the cache {where} must be the tuple (x, size, stride)")
        expect(_same_array(cache[0], x), f"the cache {where}: its first entry must be x")
        expect(_is_int(cache[1], size) and _is_int(cache[2], used),
               f"the cache {where}: its last two entries must be the ints size and the stride "
               f"used ({size}, {used}), never None")


# -- Task 5: maxpool2d_backward

POOL_MISTAKES = {
    "every pixel": "the gradient sent to every pixel of the window, not only to its maximum",
    "average": "each window's gradient shared equally by its pixels (average pooling's backward "
               "pass)",
    "every maximum": "on a tie, the gradient sent to every maximum of the window, not only to the "
                     "first",
    "last": "on a tie, the gradient sent to the last maximum of the window, not the first",
    "assigned": "the gradients of overlapping windows assigned (=) instead of added (+=): a pixel "
                "that is the maximum of several windows keeps only the last window's",
    "swapped": "the maximum's place in the window read as (column, row) instead of (row, column)",
    "ones": "dout left out (1 sent to every maximum)",
}


def _pool_variant(x, dout, size, stride, rule):
    """dx of max-pooling with the mistaken rule `rule` (a key of POOL_MISTAKES), by plain loops."""
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    n, c = np.indices((N, C))
    for i in range(H_out):
        for j in range(W_out):
            top, left = i * stride, j * stride
            window = x[:, :, top:top + size, left:left + size]
            g = dout[:, :, i, j]
            flat = window.reshape(N, C, size * size)
            first = flat.argmax(axis=2)
            last = size * size - 1 - flat[:, :, ::-1].argmax(axis=2)
            whole = (slice(None), slice(None), slice(top, top + size), slice(left, left + size))
            if rule == "every pixel":
                dx[whole] += g[:, :, None, None]
            elif rule == "average":
                dx[whole] += g[:, :, None, None] / size ** 2
            elif rule == "every maximum":
                dx[whole] += g[:, :, None, None] * (window == window.max(axis=(2, 3),
                                                                         keepdims=True))
            elif rule == "last":
                dx[n, c, top + last // size, left + last % size] += g
            elif rule == "assigned":
                dx[n, c, top + first // size, left + first % size] = g
            elif rule == "swapped":
                dx[n, c, top + first % size, left + first // size] += g
            elif rule == "ones":
                dx[n, c, top + first // size, left + first % size] += 1.0
    return dx


def _tie_cases(rng):
    """Random inputs whose windows hold their maximum more than once: [(x, size, stride)]."""
    after_relu = np.maximum(rng.normal(size=(2, 2, 6, 6)), 0.0)    # windows of zeros
    after_relu[0, 0, :2, :2] = 0.0
    small_ints = rng.integers(0, 3, size=(1, 2, 5, 5)).astype(float)   # ties everywhere
    return [(after_relu, 2, 2), (small_ints, 3, 1), (small_ints, 2, 3)]


def test_maxpool2d_backward(nb, rng):
    """Task 5 (3 points): maxpool2d_backward(dout, cache) -> dx, with cache = (x, size, stride)
    from nnlib's forward pass."""
    # the visible cases: (x, size, stride, dout, ties?)
    visible = np.random.default_rng(0)
    rx = visible.normal(size=(2, 3, 5, 6))
    cases = [(VISIBLE_POOL_X, 2, 2, np.array([[[[10.0, 20.0], [30.0, 40.0]]]]), False),
             (np.array([[[[0.0, 9.0, 1.0], [2.0, 3.0, 4.0]]]]), 2, 1,
              np.array([[[[1.0, 2.0]]]]), False),
             (np.array([[[[0.0, 0.0], [0.0, 0.0]], [[1.0, 3.0], [3.0, 2.0]]]]), 2, 2,
              np.array([[[[5.0]], [[7.0]]]]), True),
             (rx, 3, 2, visible.normal(size=(2, 3, 2, 2)), False)]
    for x, size, stride in _pool_random(rng):
        cases.append((x, size, size if stride is None else stride, None, False))
    for x, size, stride in _tie_cases(rng):
        cases.append((x, size, stride, None, True))
    questions = []
    for x, size, stride, dout, ties in cases:
        out, cache = nnlib.maxpool2d_forward(x, size, stride)
        if dout is None:
            dout = rng.normal(size=out.shape)
            if ties:
                dout += np.sign(dout)   # no gradient near 0: a wrong tie rule always shows
        questions.append((x, size, stride, dout, ties, cache))
    answers = nb.ask_many([Call("maxpool2d_backward", q[3], q[5]) for q in questions])
    for (x, size, stride, dout, ties, cache), dx in zip(questions, answers):
        where = _pool_where(x, size, stride) + f", dout {dout.shape}"
        if ties:
            where += (" where some windows hold their maximum more than once (the gradient goes "
                      "to the first, row by row)")
        mistakes = {POOL_MISTAKES[rule]: _pool_variant(x, dout, size, stride, rule)
                    for rule in POOL_MISTAKES}
        expect_close(dx, nnlib.maxpool2d_backward(dout, cache), f"dx {where}", batch=x.shape[0],
                     mistakes=mistakes)
        if not ties:
            expect_gradient(dx, _pool_of_x(x, size, stride), x, f"dx {where}", dout=dout,
                            batch=x.shape[0])

"""nnlib's convolution and max-pooling: forward passes against plain loops, backward passes
against central differences, the tie rule and overlapping windows, dtypes, every error message,
and the modules (Conv2d, MaxPool2d, Flatten) in a whole network. PyTorch's answers on the same
operations are checked in tests/test_torch_parity.py.

The strategies draw the arrays' values and shapes themselves (never a seed), so a failure shrinks
to a small counterexample: hypothesis prints the arrays, and the assertion names the gradient, the
shapes, the stride and the padding.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import nnlib as nn

SETTINGS = settings(max_examples=25, deadline=None)
values = st.floats(-10, 10)  # finite by construction


def arrays(shape, elements=values):
    return hnp.arrays(np.float64, shape, elements=elements)


def distinct_arrays(shape):
    """Values at least 0.1 apart (k / 10 for distinct integers k): no window has two maxima, and a
    step of 1e-6 never changes which entry is a window's maximum, so central differences are exact
    for max-pooling."""
    ints = hnp.arrays(np.int64, shape, elements=st.integers(-500, 500), unique=True)
    return ints.map(lambda a: a / 10)


# ------------------------------------------------------------------------------------------------
# plain-loop references: one output entry at a time, straight from the definitions


def conv2d_loops(x, w, b, stride, pad):
    """out[n, f, i, j] = b[f] + sum(window of padded x at (stride·i, stride·j) * w[f])."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    padded[:, :, pad:pad + H, pad:pad + W] = x
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    r, c = stride * i, stride * j
                    out[n, f, i, j] = b[f] + np.sum(padded[n, :, r:r + KH, c:c + KW] * w[f])
    return out


def maxpool2d_loops(x, size, stride):
    """out (the maxima) and dx_of(dout), the gradient for an upstream dout: each window's dout goes
    to the first maximum met when the window is read row by row (a later entry must be strictly
    larger to win)."""
    N, C, H, W = x.shape
    H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    argmax = {}
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    best = (stride * i, stride * j)
                    for r in range(stride * i, stride * i + size):
                        for s in range(stride * j, stride * j + size):
                            if x[n, c, r, s] > x[n, c, best[0], best[1]]:
                                best = (r, s)
                    out[n, c, i, j] = x[n, c, best[0], best[1]]
                    argmax[n, c, i, j] = best

    def dx_of(dout):
        dx = np.zeros_like(x)
        for (n, c, i, j), (r, s) in argmax.items():
            dx[n, c, r, s] += dout[n, c, i, j]
        return dx

    return out, dx_of


def assert_backward(f, x, analytic, dout, what):
    """analytic == the gradient of sum(f(x) * dout) by central differences
    (nnlib.numerical_gradient_wrt, float64).

    The central difference divides f's rounding error (about 1e-16 · sum|f(x) · dout|) by 2e-6, so
    the absolute tolerance scales with that sum; a wrong formula is off by about the gradient's
    own size.
    """
    numeric = nn.numerical_gradient_wrt(f, x, dout)
    scale = float(np.sum(np.abs(np.asarray(f(x)) * dout)))
    assert np.shape(analytic) == np.shape(x), \
        f"{what}: shape {np.shape(analytic)}, expected {np.shape(x)}"
    np.testing.assert_allclose(
        analytic, numeric, rtol=1e-6, atol=1e-8 * (1 + scale),
        err_msg=f"{what}: analytic (actual) vs central differences (desired)")


# ------------------------------------------------------------------------------------------------
# conv2d


@st.composite
def conv_inputs(draw, square=False):
    """x (N, C, H, W), w (F, C, KH, KW), b (F,), stride 1-3, pad 0-2, dout (N, F, H_out, W_out).
    The kernel is as large as the padded input in about a third of the draws; H != W and KH != KW
    in most (KH = KW if square)."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w_ = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    kernel = st.sampled_from(["full", "any", "any"])
    kh = h + 2 * pad if draw(kernel) == "full" else draw(st.integers(1, min(h + 2 * pad, 4)))
    kw = w_ + 2 * pad if draw(kernel) == "full" else draw(st.integers(1, min(w_ + 2 * pad, 4)))
    if square:
        kh = kw = min(kh, kw)
    h_out, w_out = (h + 2 * pad - kh) // stride + 1, (w_ + 2 * pad - kw) // stride + 1
    return (draw(arrays((n, c, h, w_))), draw(arrays((f, c, kh, kw))), draw(arrays(f)), stride,
            pad, draw(arrays((n, f, h_out, w_out))))


@SETTINGS
@given(conv_inputs())
def test_conv2d_forward_is_the_loop_definition(inputs):
    x, w, b, stride, pad, _ = inputs
    x_before, w_before = x.copy(), w.copy()
    out, cache = nn.conv2d_forward(x, w, b, stride, pad)
    where = f"x {x.shape}, w {w.shape}, stride {stride}, pad {pad}"
    np.testing.assert_allclose(
        out, conv2d_loops(x, w, b, stride, pad), rtol=1e-12, atol=1e-12,
        err_msg=f"conv2d_forward (actual) vs loops (desired) for {where}")
    np.testing.assert_array_equal(x, x_before, err_msg="conv2d_forward changed x")
    np.testing.assert_array_equal(w, w_before, err_msg="conv2d_forward changed w")
    assert cache[2:] == (stride, pad) and cache[0] is x, "cache must be (x, w, stride, pad)"


@SETTINGS
@given(conv_inputs())
def test_conv2d_backward_matches_central_differences(inputs):
    x, w, b, stride, pad, dout = inputs
    _, cache = nn.conv2d_forward(x, w, b, stride, pad)
    dx, dw, db = nn.conv2d_backward(dout, cache)
    where = f"for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}"
    assert_backward(lambda x_: nn.conv2d_forward(x_, w, b, stride, pad)[0], x, dx, dout,
                    f"dx {where}")
    assert_backward(lambda w_: nn.conv2d_forward(x, w_, b, stride, pad)[0], w, dw, dout,
                    f"dw {where}")
    assert_backward(lambda b_: nn.conv2d_forward(x, w, b_, stride, pad)[0], b, db, dout,
                    f"db {where}")


def test_im2col_rows_are_the_windows():
    """Row n·H_out·W_out + i·W_out + j of im2col holds window (i, j) of image n, channel by
    channel, row by row: so conv2d is a dense layer, out_rows = cols @ w.reshape(F, -1).T + b."""
    x = np.arange(2 * 2 * 4 * 5, dtype=float).reshape(2, 2, 4, 5)
    kh, kw, stride, pad = 2, 3, 2, 1
    cols = nn.im2col(x, kh, kw, stride, pad)
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out, W_out = (4 + 2 - kh) // stride + 1, (5 + 2 - kw) // stride + 1
    assert cols.shape == (2 * H_out * W_out, 2 * kh * kw)
    for n in range(2):
        for i in range(H_out):
            for j in range(W_out):
                window = padded[n, :, stride * i:stride * i + kh, stride * j:stride * j + kw]
                np.testing.assert_array_equal(
                    cols[n * H_out * W_out + i * W_out + j], window.reshape(-1),
                    err_msg=f"im2col row of image {n}, window ({i}, {j})")


def test_conv2d_a_hand_computed_example():
    """Cross-correlation (the kernel is not flipped), zero padding, stride 2, on numbers small
    enough to check by hand."""
    x = np.arange(9.0).reshape(1, 1, 3, 3)           # 0 1 2 / 3 4 5 / 6 7 8
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])      # top-left minus bottom-right
    out, _ = nn.conv2d_forward(x, w, np.array([0.5]))
    np.testing.assert_array_equal(out, [[[[0 - 4 + 0.5, 1 - 5 + 0.5],
                                           [3 - 7 + 0.5, 4 - 8 + 0.5]]]])
    # padded by 1, stride 2: the windows start at padded rows and columns 0 and 2
    out, _ = nn.conv2d_forward(x, w, np.zeros(1), stride=2, pad=1)
    np.testing.assert_array_equal(out, [[[[0 - 0, 0 - 2], [0 - 6, 4 - 8]]]])


# ------------------------------------------------------------------------------------------------
# max-pooling


@st.composite
def pool_shapes(draw):
    """(x's shape (N, C, H, W), size 1-3, stride 1-3): stride < size (overlapping windows),
    = size and > size."""
    size, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(size, 6)),
             draw(st.integers(size, 6)))
    return shape, size, stride


@st.composite
def pool_inputs(draw, elements):
    """x drawn by `elements` (a function of the shape), size, stride, dout (N, C, H_out, W_out)"""
    shape, size, stride = draw(pool_shapes())
    h_out, w_out = (shape[2] - size) // stride + 1, (shape[3] - size) // stride + 1
    return draw(elements(shape)), size, stride, draw(arrays(shape[:2] + (h_out, w_out)))


# few distinct values: most windows hold their maximum more than once
few_values = st.sampled_from([-1.0, 0.0, 2.0])


@SETTINGS
@given(pool_inputs(lambda shape: arrays(shape, few_values)))
def test_maxpool2d_is_the_loop_definition_ties_included(inputs):
    """The maxima, and each window's dout sent to its first maximum (row by row), windows that
    overlap adding up."""
    x, size, stride, dout = inputs
    x_before = x.copy()
    out, cache = nn.maxpool2d_forward(x, size, stride)
    want_out, dx_of = maxpool2d_loops(x, size, stride)
    where = f"for x {x.shape}, size {size}, stride {stride}"
    np.testing.assert_array_equal(out, want_out,
                                  err_msg=f"maxpool2d_forward (actual) vs loops {where}")
    np.testing.assert_allclose(nn.maxpool2d_backward(dout, cache), dx_of(dout), rtol=1e-12,
                               atol=1e-12, err_msg=f"maxpool2d_backward (actual) vs loops {where}")
    np.testing.assert_array_equal(x, x_before, err_msg="maxpool2d_forward changed x")
    assert cache[1:] == (size, stride), "cache must be (x, size, stride)"


@SETTINGS
@given(pool_inputs(distinct_arrays))
def test_maxpool2d_backward_matches_central_differences(inputs):
    x, size, stride, dout = inputs
    _, cache = nn.maxpool2d_forward(x, size, stride)
    dx = nn.maxpool2d_backward(dout, cache)
    assert_backward(lambda x_: nn.maxpool2d_forward(x_, size, stride)[0], x, dx, dout,
                    f"dx for x {x.shape}, size {size}, stride {stride}")


def test_maxpool2d_tie_goes_to_the_first_maximum_row_by_row():
    x = np.array([[[[1.0, 1.0, 0.0, 3.0],
                    [1.0, 1.0, 3.0, 3.0]]]])
    out, cache = nn.maxpool2d_forward(x, 2)
    np.testing.assert_array_equal(out, [[[[1.0, 3.0]]]])
    dx = nn.maxpool2d_backward(np.array([[[[10.0, 20.0]]]]), cache)
    # the first window's first 1, and the second window's 3 on row 0
    want = [[[[10.0, 0.0, 0.0, 20.0],
              [0.0, 0.0, 0.0, 0.0]]]]
    np.testing.assert_array_equal(dx, want,
                                  err_msg="each window's dout goes to its first maximum only")


def test_maxpool2d_overlapping_windows_add_up():
    """size 2, stride 1 on a 3x3 image whose maximum is in the middle: all four windows send
    their dout there."""
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    out, cache = nn.maxpool2d_forward(x, 2, stride=1)
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 5.0))
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    want = np.zeros((1, 1, 3, 3))
    want[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(nn.maxpool2d_backward(dout, cache), want)


def test_maxpool2d_stride_defaults_to_size_and_leftover_pixels_get_no_gradient():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    out, cache = nn.maxpool2d_forward(x, 2)  # windows at rows/cols 0-1 and 2-3; 4 is in none
    np.testing.assert_array_equal(out, [[[[6.0, 8.0], [16.0, 18.0]]]])
    dx = nn.maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert dx[0, 0, 4].sum() == dx[0, 0, :, 4].sum() == 0 and dx.sum() == 4


# ------------------------------------------------------------------------------------------------
# dtypes


def test_float32_stays_float32():
    """As for Dense: float32 inputs give float32 outputs and gradients, and parameters are used
    in x's dtype."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 5, 5)).astype(np.float32)
    w, b = rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)  # float64 parameters
    out, cache = nn.conv2d_forward(x, w.astype(np.float32), b.astype(np.float32), 2, 1)
    dout = np.ones_like(out)
    assert out.dtype == np.float32
    assert [g.dtype for g in nn.conv2d_backward(dout, cache)] == [np.float32] * 3
    out64, cache64 = nn.conv2d_forward(x, w, b, 2, 1)
    assert out64.dtype == np.float32, "conv2d_forward: float64 w and b must be used in x's dtype"
    assert [g.dtype for g in nn.conv2d_backward(dout, cache64)] == [np.float32] * 3
    np.testing.assert_allclose(out64, conv2d_loops(x, w, b, 2, 1), rtol=1e-4, atol=1e-4)
    pooled, pool_cache = nn.maxpool2d_forward(x, 2)
    dx = nn.maxpool2d_backward(np.ones_like(pooled), pool_cache)
    assert pooled.dtype == dx.dtype == np.float32
    for layer_dtype in (np.float32, np.float64):  # a float32 batch through either kind of network
        model = nn.Sequential(nn.Conv2d(3, 2, 3, rng=0, dtype=layer_dtype), nn.ReLU(),
                              nn.MaxPool2d(), nn.Flatten(),
                              nn.Dense(2, 3, rng=0, dtype=layer_dtype))
        scores = model.forward(x)
        dx = model.backward(np.ones_like(scores))
        grads = [p.grad.dtype for p in model.parameters()]
        assert scores.dtype == dx.dtype == np.float32, (layer_dtype, scores.dtype, dx.dtype)
        assert grads == [np.float32] * 4, (layer_dtype, grads)
    conv = nn.Conv2d(3, 2, 3, dtype=np.float32)
    assert conv.W.dtype == conv.b.dtype == np.float32


# ------------------------------------------------------------------------------------------------
# errors: each names the function, the argument, what was expected and what came

X, W, B = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones(4)


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.conv2d_forward(np.ones((3, 5, 5)), W, B), nn.ShapeError,
     r"^conv2d_forward: x must have shape \(N, 3, H, W\), got \(3, 5, 5\)$"),
    (lambda: nn.conv2d_forward(np.ones((2, 2, 5, 5)), W, B), nn.ShapeError,
     r"^conv2d_forward: x must have shape \(N, 3, H, W\), got \(2, 2, 5, 5\)$"),
    (lambda: nn.conv2d_forward(X, np.ones((4, 3, 3)), B), nn.ShapeError,
     r"^conv2d_forward: w must have shape \(F, C, KH, KW\), got \(4, 3, 3\)$"),
    (lambda: nn.conv2d_forward(X, W, np.ones(3)), nn.ShapeError,
     r"^conv2d_forward: b must have shape \(4,\), got \(3,\)$"),
    (lambda: nn.conv2d_forward(X, W, B, stride=0), ValueError,
     r"^conv2d_forward: stride must be a positive int, got 0$"),
    (lambda: nn.conv2d_forward(X, W, B, stride=1.5), ValueError,
     r"^conv2d_forward: stride must be a positive int, got 1\.5$"),
    (lambda: nn.conv2d_forward(X, W, B, pad=-1), ValueError,
     r"^conv2d_forward: pad must be an int >= 0, got -1$"),
    (lambda: nn.conv2d_forward(X, np.ones((4, 3, 6, 3)), B), ValueError,
     r"^conv2d_forward: w's KH must be at most x's H = 5, got 6$"),
    (lambda: nn.conv2d_forward(X, np.ones((4, 3, 3, 8)), B, pad=1), ValueError,
     r"^conv2d_forward: w's KW must be at most x's W \+ 2·pad = 5 \+ 2·1 = 7, got 8$"),
    (lambda: nn.conv2d_forward(X.astype(int), W, B), TypeError,
     r"^conv2d_forward: x must be a floating-point array, got dtype int64$"),
    (lambda: nn.conv2d_backward(np.ones((2, 4, 3, 2)), nn.conv2d_forward(X, W, B)[1]),
     nn.ShapeError,
     r"^conv2d_backward: dout must have shape \(2, 4, 3, 3\), got \(2, 4, 3, 2\)$"),
    (lambda: nn.maxpool2d_forward(np.ones((3, 5, 5))), nn.ShapeError,
     r"^maxpool2d_forward: x must have shape \(N, C, H, W\), got \(3, 5, 5\)$"),
    (lambda: nn.maxpool2d_forward(np.ones((1, 1, 6, 3)), 4), ValueError,
     r"^maxpool2d_forward: size must be at most x's W = 3, got 4$"),
    (lambda: nn.maxpool2d_forward(np.ones((1, 1, 2, 6)), 3), ValueError,
     r"^maxpool2d_forward: size must be at most x's H = 2, got 3$"),
    (lambda: nn.maxpool2d_forward(X, 0), ValueError,
     r"^maxpool2d_forward: size must be a positive int, got 0$"),
    (lambda: nn.maxpool2d_forward(X, 2, 0), ValueError,
     r"^maxpool2d_forward: stride must be a positive int, got 0$"),
    (lambda: nn.maxpool2d_backward(np.ones((2, 3, 2, 3)), nn.maxpool2d_forward(X)[1]),
     nn.ShapeError,
     r"^maxpool2d_backward: dout must have shape \(2, 3, 2, 2\), got \(2, 3, 2, 3\)$"),
    (lambda: nn.Conv2d(0, 4, 3), ValueError,
     r"^Conv2d: in_channels must be a positive int, got 0$"),
    (lambda: nn.Conv2d(3, 4, 3, init="kaiming"), ValueError,
     r"^Conv2d: init must be one of \[.*\] or a function, got 'kaiming'$"),
    (lambda: nn.Conv2d(3, 4, 3)(np.ones((2, 1, 5, 5))), nn.ShapeError,
     r"^conv2d_forward: x must have shape \(N, 3, H, W\), got \(2, 1, 5, 5\)$"),
    (lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError,  # refused when built, not at first use
     r"^Conv2d: padding must be an int >= 0, got -1$"),
    (lambda: nn.MaxPool2d(2, stride=0), ValueError,
     r"^MaxPool2d: stride must be a positive int, got 0$"),
], ids=["x ndim", "x channels", "w ndim", "b length", "stride 0", "stride float", "negative pad",
        "kernel rows", "kernel cols padded", "int x", "conv dout", "pool x ndim", "pool cols",
        "pool rows", "pool size 0", "pool stride 0", "pool dout", "Conv2d channels", "Conv2d init",
        "Conv2d x channels", "Conv2d padding", "MaxPool2d stride"])
def test_errors_name_the_function_the_argument_expected_and_got(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("module", [nn.Conv2d(1, 2, 3), nn.MaxPool2d(), nn.Flatten()], ids=repr)
def test_module_backward_before_forward(module):
    name = type(module).__name__
    with pytest.raises(RuntimeError, match=rf"^{name}\.backward: call forward before backward$"):
        module.backward(np.ones((1, 2, 2, 2)))


# ------------------------------------------------------------------------------------------------
# modules


def test_conv2d_parameters_layout_and_repr():
    layer = nn.Conv2d(3, 8, 5, stride=2, padding=1, rng=0)
    assert [(p.name, p.shape) for p in layer.parameters()] == [("W", (8, 3, 5, 5)),
                                                                ("b", (8,))]
    assert not layer.b.value.any() and layer.W.grad is None and layer.b.grad is None
    assert repr(layer) == "Conv2d(3, 8, 5, stride=2, padding=1)"
    assert repr(nn.MaxPool2d()) == "MaxPool2d(2, stride=2)"
    assert repr(nn.MaxPool2d(3, stride=1)) == "MaxPool2d(3, stride=1)"
    assert repr(nn.Flatten()) == "Flatten()"
    assert nn.MaxPool2d().parameters() == nn.Flatten().parameters() == []
    # init's (fan_in, fan_out) matrix is the im2col view of W: W.reshape(F, C·K·K).T
    layer = nn.Conv2d(2, 3, 2, init=lambda fan_in, fan_out: np.arange(fan_in * fan_out)
                      .reshape(fan_in, fan_out))
    np.testing.assert_array_equal(layer.W.value.reshape(3, -1).T, np.arange(24).reshape(8, 3))
    assert layer.W.dtype == np.float64


@pytest.mark.parametrize("init", ["he", "he_uniform"])
def test_conv2d_he_init_uses_fan_in_c_k_k(init):
    """C 16, F 64, K 5: He's std is sqrt(2 / fan_in), fan_in = C·K·K = 400 (PyTorch's), over
    25,600 weights. The sample std has a relative standard error of about 0.44 %; 4 % is 9
    standard errors (no seed fails it), while a fan_in of C, C·K, F·K·K or F would be off by
    50 % or more."""
    std = math.sqrt(2 / 400)
    layer = nn.Conv2d(16, 64, 5, init=init, rng=1)
    assert layer.W.shape == (64, 16, 5, 5)
    got = layer.W.value.std()
    assert got == pytest.approx(std, rel=0.04), f"{init}: std {got}, want {std}"
    assert abs(layer.W.value.mean()) < 6 * std / math.sqrt(layer.W.value.size)


@SETTINGS
@given(conv_inputs(square=True))
def test_conv2d_and_maxpool2d_modules_are_their_pairs(inputs):
    x, w, b, stride, pad, dout = inputs
    F, C, K, _ = w.shape
    layer = nn.Conv2d(C, F, K, stride=stride, padding=pad)
    layer.W.value, layer.b.value = w, b
    out, cache = nn.conv2d_forward(x, w, b, stride, pad)
    np.testing.assert_array_equal(layer(x), out)
    dx, dw, db = nn.conv2d_backward(dout, cache)
    np.testing.assert_array_equal(layer.backward(dout), dx)
    np.testing.assert_array_equal(layer.W.grad, dw)
    np.testing.assert_array_equal(layer.b.grad, db)
    layer.backward(dout)  # a second backward adds to the gradients
    np.testing.assert_allclose(layer.W.grad, 2 * dw)
    np.testing.assert_allclose(layer.b.grad, 2 * db)
    size = min(x.shape[2:])
    pool = nn.MaxPool2d(size, stride)
    out, cache = nn.maxpool2d_forward(x, size, stride)
    np.testing.assert_array_equal(pool(x), out)
    np.testing.assert_array_equal(pool.backward(out), nn.maxpool2d_backward(out, cache))


def test_flatten():
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    flat = nn.Flatten()
    out = flat(x)
    # channel by channel, row by row, as torch.flatten(x, 1)
    np.testing.assert_array_equal(out, x.reshape(2, 12))
    np.testing.assert_array_equal(flat.backward(out * 2), x * 2)
    assert flat.backward(np.ones((2, 12))).shape == (2, 3, 2, 2)


# (x's shape, conv stride, conv padding, pool size, pool stride)
NETWORKS = [((2, 2, 6, 6), 1, 1, 2, 2), ((1, 3, 7, 5), 2, 1, 2, 1), ((3, 1, 5, 6), 1, 0, 3, 2)]


@pytest.mark.parametrize("shape, stride, padding, size, pool_stride", NETWORKS)
def test_a_whole_cnn_passes_gradcheck(shape, stride, padding, size, pool_stride):
    """Conv2d -> ReLU -> MaxPool2d -> Flatten -> Dense -> softmax cross-entropy: d loss / d every
    parameter and d loss / d x against central differences (nnlib.gradcheck, float64). Normal
    random values; checked below: no pre-activation near ReLU's kink, and no pooling window whose
    two largest positive values are close (there a step of 1e-6 would move the maximum)."""
    rng = np.random.default_rng(sum(shape))
    n, c, h, w = shape
    conv = nn.Conv2d(c, 3, 3, stride=stride, padding=padding, rng=rng)
    conv.b.value = rng.normal(size=3)
    h_out, w_out = (h + 2 * padding - 3) // stride + 1, (w + 2 * padding - 3) // stride + 1
    features = 3 * ((h_out - size) // pool_stride + 1) * ((w_out - size) // pool_stride + 1)
    model = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(size, pool_stride), nn.Flatten(),
                          nn.Dense(features, 4, rng=rng))
    model[4].b.value = rng.normal(size=4)
    x, y = rng.normal(size=shape), rng.integers(0, 4, n)
    loss_fn = nn.SoftmaxCrossEntropyLoss()
    loss_fn(model.forward(x), y)
    dx = model.backward(loss_fn.backward())
    z = model[0](x)
    assert np.abs(z).min() > 1e-4, "a pre-activation near ReLU's kink: pick another seed"
    windows = np.lib.stride_tricks.sliding_window_view(np.maximum(z, 0), (size, size), axis=(2, 3))
    top = np.sort(windows[:, :, ::pool_stride, ::pool_stride].reshape(-1, size * size), axis=1)
    assert ((top[:, -1] == 0) | (top[:, -1] - top[:, -2] > 1e-4)).all(), "near-tie: another seed"
    result = nn.gradcheck(lambda x_: loss_fn(model.forward(x_), y), x, dx, name="x")
    assert result, str(result)
    for p in model.parameters():
        start = p.value.copy()

        def loss_at(value):
            p.value = value
            return loss_fn(model.forward(x), y)

        result = nn.gradcheck(loss_at, start, p.grad, name=p.name)
        p.value = start
        assert result, f"{p!r}: {result}"


def test_a_small_cnn_learns_with_fit():
    """Conv2d, MaxPool2d and Flatten in fit: 4-D batches are shuffled and split like any other."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 40)
    x = rng.normal(scale=0.3, size=(40, 1, 6, 6))
    x[y == 1, 0, :, 2:4] += 1.0  # class 1: a vertical bar
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dense(36, 2, rng=0))
    opt = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(model, nn.SoftmaxCrossEntropyLoss(), opt, x, y, epochs=15, batch_size=8, rng=0)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0], history.train_loss
    assert nn.accuracy(nn.predict(model, x), y) >= 0.95

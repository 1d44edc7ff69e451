"""Every backward of nnlib against central differences of its forward (nnlib.numerical_gradient_wrt), and every
Module against its forward/backward pair, on shapes and values drawn by hypothesis.

The strategies draw the arrays' values themselves (never a seed), so a failure shrinks to a small, readable
counterexample: hypothesis prints the arrays, and the assertion names the gradient and the worst entry.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import nnlib as nn

SETTINGS = settings(max_examples=30, deadline=None)
sides = st.integers(1, 4)
values = st.floats(-10, 10)  # finite by construction
away_from_0 = st.one_of(st.floats(-10, -1e-3), st.floats(1e-3, 10))  # ReLU-like functions have a kink at 0
probabilities = st.floats(0.02, 0.98)  # BCE's pred, with p ± eps still inside [0, 1]
shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)


def arrays(shape, elements=values):
    return hnp.arrays(np.float64, shape, elements=elements)


def assert_backward(f, x, analytic, dout, what):
    """analytic == the gradient of sum(f(x) * dout) by central differences.

    The central difference divides f's rounding error (about 1e-16 · sum|f(x) · dout|) by 2e-6, so the absolute
    tolerance scales with that sum; a wrong formula is off by about the gradient's own size.
    """
    numeric = nn.numerical_gradient_wrt(f, x, dout)
    scale = float(np.sum(np.abs(np.asarray(f(x)) * dout)))
    assert np.shape(analytic) == np.shape(x), f"{what}: shape {np.shape(analytic)}, expected {np.shape(x)}"
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8 * (1 + scale),
                               err_msg=f"{what}: analytic (actual) vs central differences (desired)")


@st.composite
def dense_inputs(draw):
    """x (N, D_in), W (D_in, D_out), b (D_out,), dout (N, D_out)."""
    n, d_in, d_out = draw(sides), draw(sides), draw(sides)
    return (draw(arrays((n, d_in))), draw(arrays((d_in, d_out))), draw(arrays(d_out)),
            draw(arrays((n, d_out))))


@SETTINGS
@given(dense_inputs())
def test_dense_backward_matches_central_differences(inputs):
    x, W, b, dout = inputs
    out, cache = nn.dense_forward(x, W, b)
    np.testing.assert_allclose(out, x @ W + b)
    dx, dW, db = nn.dense_backward(dout, cache)
    assert_backward(lambda x_: nn.dense_forward(x_, W, b)[0], x, dx, dout, "dx")
    assert_backward(lambda W_: nn.dense_forward(x, W_, b)[0], W, dW, dout, "dW")
    assert_backward(lambda b_: nn.dense_forward(x, W, b_)[0], b, db, dout, "db")


@SETTINGS
@given(dense_inputs())
def test_dense_module_is_its_pair(inputs):
    x, W, b, dout = inputs
    layer = nn.Dense(*W.shape)
    layer.W.value, layer.b.value = W, b
    out, cache = nn.dense_forward(x, W, b)
    np.testing.assert_array_equal(layer.forward(x), out)
    dx, dW, db = nn.dense_backward(dout, cache)
    np.testing.assert_array_equal(layer.backward(dout), dx)
    np.testing.assert_array_equal(layer.W.grad, dW)
    np.testing.assert_array_equal(layer.b.grad, db)


# name -> (forward, backward, Module, the values z is drawn from)
ACTIVATIONS = {
    "sigmoid": (nn.sigmoid_forward, nn.sigmoid_backward, nn.Sigmoid, values),
    "tanh": (nn.tanh_forward, nn.tanh_backward, nn.Tanh, values),
    "relu": (nn.relu_forward, nn.relu_backward, nn.ReLU, away_from_0),
    "leaky_relu": (nn.leaky_relu_forward, nn.leaky_relu_backward, nn.LeakyReLU, away_from_0),
    "leaky_relu_0.3": (lambda z: nn.leaky_relu_forward(z, 0.3), nn.leaky_relu_backward,
                       lambda: nn.LeakyReLU(0.3), away_from_0),
}


@st.composite
def activation_inputs(draw, elements):
    shape = draw(shapes)
    return draw(arrays(shape, elements)), draw(arrays(shape))


@pytest.mark.parametrize("name", ACTIVATIONS)
@SETTINGS
@given(data=st.data())
def test_activation_backward_matches_central_differences(name, data):
    forward, backward, _, elements = ACTIVATIONS[name]
    z, dout = data.draw(activation_inputs(elements), label="z, dout")
    out, cache = forward(z)
    assert out.shape == z.shape
    assert_backward(lambda z_: forward(z_)[0], z, backward(dout, cache), dout, f"{name}: dz")


@pytest.mark.parametrize("name", ACTIVATIONS)
@SETTINGS
@given(data=st.data())
def test_activation_module_is_its_pair(name, data):
    forward, backward, make, elements = ACTIVATIONS[name]
    z, dout = data.draw(activation_inputs(elements), label="z, dout")
    out, cache = forward(z)
    module = make()
    np.testing.assert_array_equal(module.forward(z), out)
    np.testing.assert_array_equal(module.backward(dout), backward(dout, cache))


def test_plain_activations_are_the_forward_outputs():
    z = np.linspace(-5, 5, 11)
    for plain, forward in [(nn.sigmoid, nn.sigmoid_forward), (nn.tanh, nn.tanh_forward),
                           (nn.relu, nn.relu_forward), (nn.leaky_relu, nn.leaky_relu_forward)]:
        np.testing.assert_array_equal(plain(z), forward(z)[0], err_msg=plain.__name__)
    np.testing.assert_array_equal(nn.leaky_relu(z, 0.2), np.where(z > 0, z, 0.2 * z))


def test_the_derivative_at_z_from_a_backward_of_ones():
    """The removed sigmoid_grad & co: the derivative at z is backward(ones, cache), e.g. σ(z)(1 - σ(z))."""
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    s = 1 / (1 + np.exp(-z))
    ones = np.ones_like(z)
    np.testing.assert_allclose(nn.sigmoid_backward(ones, nn.sigmoid_forward(z)[1]), s * (1 - s))
    np.testing.assert_allclose(nn.tanh_backward(ones, nn.tanh_forward(z)[1]), 1 - np.tanh(z) ** 2)
    np.testing.assert_array_equal(nn.relu_backward(ones, nn.relu_forward(z)[1]), [0, 0, 0, 1, 1])  # 0 at 0
    np.testing.assert_array_equal(nn.leaky_relu_backward(ones, nn.leaky_relu_forward(z, 0.1)[1]),
                                  [0.1, 0.1, 0.1, 1, 1])


@st.composite
def loss_inputs(draw, name):
    """(pred, target, dout) for each loss, pred away from the edges of its domain; dout a number."""
    n, c = draw(sides), draw(sides)
    dout = draw(st.floats(-10, 10))
    if name == "mse":
        shape = draw(shapes)
        return draw(arrays(shape)), draw(arrays(shape)), dout
    if name == "bce":
        return draw(arrays((n, c), probabilities)), draw(arrays((n, c), st.floats(0, 1))), dout
    if name == "bce_with_logits":
        shape = draw(st.sampled_from([(n,), (n, c)]))
        return draw(arrays(shape)), draw(arrays(shape, st.floats(0, 1))), dout
    labels = hnp.arrays(np.int64, n, elements=st.integers(0, c))
    return draw(arrays((n, c + 1))), draw(labels), dout


LOSSES = {
    "mse": (nn.mse_forward, nn.mse_backward, nn.MSELoss),
    "bce": (nn.bce_forward, nn.bce_backward, nn.BCELoss),
    "bce_with_logits": (nn.bce_with_logits_forward, nn.bce_with_logits_backward, nn.BCEWithLogitsLoss),
    "softmax_cross_entropy": (nn.softmax_cross_entropy_forward, nn.softmax_cross_entropy_backward,
                              nn.SoftmaxCrossEntropyLoss),
}


@pytest.mark.parametrize("name", LOSSES)
@SETTINGS
@given(data=st.data())
def test_loss_backward_matches_central_differences(name, data):
    forward, backward, _ = LOSSES[name]
    pred, target, dout = data.draw(loss_inputs(name), label="pred, target, dout")
    loss, cache = forward(pred, target)
    assert type(loss) is float
    assert_backward(lambda p: forward(p, target)[0], pred, backward(dout, cache), dout, f"{name}: dpred")


@pytest.mark.parametrize("name", LOSSES)
@SETTINGS
@given(data=st.data())
def test_loss_module_is_its_pair(name, data):
    forward, backward, make = LOSSES[name]
    pred, target, dout = data.draw(loss_inputs(name), label="pred, target, dout")
    loss, cache = forward(pred, target)
    loss_fn = make()
    assert isinstance(loss_fn, nn.Loss) and isinstance(loss_fn, nn.Module)
    assert loss_fn(pred, target) == loss
    np.testing.assert_array_equal(loss_fn.backward(dout), backward(dout, cache))
    np.testing.assert_array_equal(loss_fn.backward(), backward(1.0, cache))  # dout defaults to 1.0


@st.composite
def network_inputs(draw):
    """Sizes, x (N, D_in), labels y (N,) in [0, C), and every parameter's value (nonzero biases too)."""
    n, d_in, hidden, c = draw(sides), draw(sides), draw(sides), draw(st.integers(2, 4))
    small = st.floats(-2, 2)  # keeps the sigmoid and tanh layers away from flat saturation
    dims = [(d_in, hidden), (hidden, hidden), (hidden, c), (c, c)]
    params = [draw(arrays(shape, small)) for d in dims for shape in (d, d[1])]
    x = draw(arrays((n, d_in), small))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, c - 1)))
    return dims, params, x, y


@SETTINGS
@given(network_inputs())
def test_sequential_backward_through_a_whole_network(inputs):
    dims, params, x, y = inputs
    # smooth activations only: drawn values put ReLU's kink exactly under a parameter's perturbation
    # (e.g. all zeros), where central differences mean nothing; ReLU has its own test above
    model = nn.Sequential(nn.Dense(*dims[0]), nn.Tanh(), nn.Dense(*dims[1]), nn.Sigmoid(),
                          nn.Dense(*dims[2]), nn.Tanh(), nn.Dense(*dims[3]))
    assert len(model.parameters()) == len(params)
    for p, value in zip(model.parameters(), params):
        p.value = value
    loss_fn = nn.SoftmaxCrossEntropyLoss()
    loss_fn(model.forward(x), y)
    dx = model.backward(loss_fn.backward())
    assert_backward(lambda x_: loss_fn(model.forward(x_), y), x, dx, 1.0, "dx")
    for i, p in enumerate(model.parameters()):
        def f(value):
            p.value = value
            return loss_fn(model.forward(x), y)

        assert_backward(f, params[i], p.grad, 1.0, f"parameter {i} ({p.name})")
        p.value = params[i]


@SETTINGS
@given(data=st.data())
def test_neuron_forward_is_the_activation_of_an_affine_map(data):
    n, d = data.draw(sides), data.draw(sides)
    x, w, b = data.draw(arrays((n, d))), data.draw(arrays(d)), data.draw(values)
    activation = data.draw(st.sampled_from(["sigmoid", "tanh", "relu", "identity"]))
    fn = {"sigmoid": nn.sigmoid, "tanh": np.tanh, "relu": nn.relu, "identity": lambda z: z}[activation]
    np.testing.assert_allclose(nn.neuron_forward(x, w, b, activation), fn(x @ w + b))
    np.testing.assert_allclose(nn.neuron_forward(x[0], w, b, activation), fn(x[0] @ w + b))
    np.testing.assert_allclose(nn.neuron_forward(x, w, b, np.sin), np.sin(x @ w + b))  # any function


@SETTINGS
@given(w=arrays(shapes, away_from_0), lam=st.floats(0.01, 2))
def test_penalty_gradients(w, lam):
    assert_backward(lambda w_: nn.l2_penalty([w_], lam), w, nn.l2_grad(w, lam), 1.0, "l2_grad")
    assert_backward(lambda w_: nn.l1_penalty([w_], lam), w, nn.l1_grad(w, lam), 1.0, "l1_grad")
    p = nn.Parameter(w)
    np.testing.assert_array_equal(nn.l2_grad(p, lam), nn.l2_grad(w, lam))  # a Parameter works too
    assert nn.l1_penalty(p, lam) == nn.l1_penalty([w], lam)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pairs_and_modules_keep_the_dtype(dtype):
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(4, 3)).astype(dtype), rng.normal(size=(4, 2)).astype(dtype)
    layer = nn.Dense(3, 2, rng=0, dtype=dtype)
    out = layer.forward(x)
    dx = layer.backward(dout)
    assert out.dtype == dx.dtype == layer.W.grad.dtype == layer.b.grad.dtype == dtype
    z = x[:, :2]
    for forward, backward in [(nn.sigmoid_forward, nn.sigmoid_backward), (nn.tanh_forward, nn.tanh_backward),
                              (nn.relu_forward, nn.relu_backward),
                              (nn.leaky_relu_forward, nn.leaky_relu_backward)]:
        out, cache = forward(z)
        assert out.dtype == backward(dout, cache).dtype == dtype, forward.__name__

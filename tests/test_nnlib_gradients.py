"""Every backward pass of nnlib against central differences (nnlib.gradcheck), on random
shapes and values drawn by hypothesis. A failure prints hypothesis' falsifying inputs and
gradcheck's report: which element is wrong, the analytic and the numeric value."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import nnlib as nn

SETTINGS = settings(max_examples=25, deadline=None)
sizes = st.integers(1, 5)
seeds = st.integers(0, 2**32 - 1)


def away_from_kinks(lo=-4.0, hi=4.0):
    """floats in [lo, hi] at least 1e-3 away from 0, where ReLU-like functions have a kink."""
    return st.floats(lo, hi).filter(lambda v: abs(v) > 1e-3)


def arrays(elements=None):
    return hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                      elements=elements if elements is not None else away_from_kinks())


def check_param(module, param, x, dout):
    """Gradcheck d sum(module(x) * dout) / d param, where backward has already filled param.grad."""
    original = param.value

    def f(value):
        param.value = value
        return module.forward(x)

    try:
        nn.assert_gradcheck(f, original, param.grad, dout=dout, name=param.name)
    finally:
        param.value = original


ELEMENTWISE = [
    (nn.sigmoid, nn.sigmoid_grad), (nn.tanh, nn.tanh_grad), (nn.relu, nn.relu_grad),
    (nn.leaky_relu, nn.leaky_relu_grad),
    (lambda z: nn.leaky_relu(z, 0.2), lambda z: nn.leaky_relu_grad(z, 0.2)),
]


@pytest.mark.parametrize("fn, grad", ELEMENTWISE, ids=["sigmoid", "tanh", "relu", "leaky", "leaky0.2"])
@SETTINGS
@given(z=arrays())
def test_activation_grad_functions_match_numerical_derivative(fn, grad, z):
    # The function is elementwise, so its derivative is the gradient of sum(fn(z)).
    nn.assert_gradcheck(lambda z_: np.sum(fn(z_)), z, grad(z), name="z")


@pytest.mark.parametrize("make", [nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, lambda: nn.LeakyReLU(0.3)],
                         ids=["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "LeakyReLU0.3"])
@SETTINGS
@given(x=arrays(), seed=seeds)
def test_activation_module_backward(make, x, seed):
    module = make()
    dout = np.random.default_rng(seed).normal(size=x.shape)
    module.forward(x)
    nn.assert_gradcheck(module.forward, x, module.backward(dout), dout=dout)


@SETTINGS
@given(n=sizes, d_in=sizes, d_out=sizes, seed=seeds)
def test_dense_backward_input_weights_and_bias(n, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    layer = nn.Dense(d_in, d_out, rng=rng)
    layer.b.value = rng.normal(size=d_out)
    x, dout = rng.normal(size=(n, d_in)), rng.normal(size=(n, d_out))
    layer.forward(x)
    dx = layer.backward(dout)
    nn.assert_gradcheck(layer.forward, x, dx, dout=dout, name="x")
    check_param(layer, layer.W, x, dout)
    check_param(layer, layer.b, x, dout)


@SETTINGS
@given(n=sizes, d_in=sizes, d_out=sizes, seed=seeds)
def test_functional_dense_backward(n, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    x, W, b = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    dout = rng.normal(size=(n, d_out))
    out, cache = nn.dense_forward(x, W, b)
    np.testing.assert_allclose(out, x @ W + b)
    dx, dW, db = nn.dense_backward(dout, cache)
    nn.assert_gradcheck(lambda x_: nn.dense_forward(x_, W, b)[0], x, dx, dout=dout, name="x")
    nn.assert_gradcheck(lambda W_: nn.dense_forward(x, W_, b)[0], W, dW, dout=dout, name="W")
    nn.assert_gradcheck(lambda b_: nn.dense_forward(x, W, b_)[0], b, db, dout=dout, name="b")


def test_dense_backward_accumulates_like_torch():
    rng = np.random.default_rng(0)
    layer = nn.Dense(3, 2, rng=rng)
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer.forward(x)
    layer.backward(dout)
    once = layer.W.grad.copy()
    layer.backward(dout)
    np.testing.assert_allclose(layer.W.grad, 2 * once)
    layer.zero_grad()
    assert not layer.W.grad.any() and not layer.b.grad.any()


@SETTINGS
@given(n=sizes, d=sizes, seed=seeds, activation=st.sampled_from(["sigmoid", "tanh", "identity"]))
def test_neuron_forward_is_activation_of_affine(n, d, seed, activation):
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal())
    fn = {"sigmoid": nn.sigmoid, "tanh": np.tanh, "identity": lambda z: z}[activation]
    np.testing.assert_allclose(nn.neuron_forward(x, w, b, activation), fn(x @ w + b),
                               err_msg=f"x={x}, w={w}, b={b}")
    assert np.isclose(nn.neuron_forward(x[0], w, b, activation), fn(x[0] @ w + b))


def loss_cases(rng, n, c):
    """(loss, pred, target) triples with pred away from kinks and the valid domain's edges."""
    return [
        (nn.MSELoss(), rng.normal(size=(n, c)), rng.normal(size=(n, c))),
        (nn.BCELoss(), rng.uniform(0.05, 0.95, size=(n, c)), rng.uniform(0, 1, size=(n, c))),
        (nn.BCEWithLogitsLoss(), rng.normal(scale=3, size=(n,)), rng.integers(0, 2, n).astype(float)),
        (nn.SoftmaxCrossEntropyLoss(), rng.normal(scale=3, size=(n, c + 1)), rng.integers(0, c + 1, n)),
    ]


@SETTINGS
@given(n=sizes, c=sizes, seed=seeds)
def test_loss_backward(n, c, seed):
    for loss, pred, target in loss_cases(np.random.default_rng(seed), n, c):
        loss(pred, target)
        grad = loss.backward()
        assert grad.shape == pred.shape, f"{loss}: gradient shape {grad.shape}, pred shape {pred.shape}"
        nn.assert_gradcheck(lambda p: loss(p, target), pred, grad, name=f"{loss} pred")


@SETTINGS
@given(n=sizes, d_in=sizes, hidden=sizes, c=st.integers(2, 4), seed=seeds)
def test_sequential_backward_through_a_whole_network(n, d_in, hidden, c, seed):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Dense(d_in, hidden, rng=rng), nn.Tanh(), nn.Dense(hidden, hidden, rng=rng),
                          nn.Sigmoid(), nn.Dense(hidden, c, rng=rng), nn.LeakyReLU(0.1), nn.Dense(c, c, rng=rng))
    for p in model.parameters():
        p.value = rng.normal(size=p.shape)  # nonzero biases too
    x, y = rng.normal(size=(n, d_in)), rng.integers(0, c, n)
    loss = nn.SoftmaxCrossEntropyLoss()
    loss(model.forward(x), y)
    dx = model.backward(loss.backward())
    nn.assert_gradcheck(lambda x_: loss(model.forward(x_), y), x, dx, name="x")
    for i, p in enumerate(model.parameters()):
        original = p.value

        def f(value):
            p.value = value
            return loss(model.forward(x), y)

        nn.assert_gradcheck(f, original, p.grad, name=f"param{i}.{p.name}")
        p.value = original


def test_sequential_can_skip_the_input_gradient():
    rng = np.random.default_rng(1)
    model = nn.Sequential(nn.Dense(3, 4, rng=rng), nn.ReLU(), nn.Dense(4, 2, rng=rng))
    x, dout = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    model.forward(x)
    full = model.backward(dout)
    grads = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    assert model.backward(dout, need_input_grad=False) is None
    assert full.shape == x.shape
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_allclose(p.grad, g)


@SETTINGS
@given(w=arrays(), lam=st.floats(0.01, 2))
def test_penalty_gradients(w, lam):
    nn.assert_gradcheck(lambda w_: nn.l2_penalty([w_], lam), w, nn.l2_grad(w, lam), name="w")
    nn.assert_gradcheck(lambda w_: nn.l1_penalty([w_], lam), w, nn.l1_grad(w, lam), name="w")

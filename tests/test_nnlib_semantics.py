"""PyTorch's gradient semantics, and checks that cost O(1).

- ``Parameter.grad`` is None until a backward reaches it; backward adds (a new array each time); ``zero_grad`` sets
  it back to None; optimisers skip None; an array the user (or an earlier backward) put in ``.grad`` is never
  written into, by backward, clipping or a step.
- ``parameters()`` lists a shared parameter once, so it is stepped once.
- Input checks look at shapes and dtypes only: a NaN flows through unless ``nnlib.full_checks(True)``, and ``fit``
  stops with ``TrainingDiverged`` naming the epoch when the loss stops being finite.
"""
import numpy as np
import pytest

import nnlib as nn


def small_model(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Dense(3, 4, rng=rng), nn.Tanh(), nn.Dense(4, 2, rng=rng))


def forward_backward(model, x, y):
    loss_fn = nn.SoftmaxCrossEntropyLoss()
    loss_fn(model.forward(x), y)
    return model.backward(loss_fn.backward())


def data(n=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, 2, n)


def test_grad_is_none_until_a_backward_and_after_zero_grad():
    model, (x, y) = small_model(), data()
    assert [p.grad for p in model.parameters()] == [None] * 4
    model.forward(x)
    assert [p.grad for p in model.parameters()] == [None] * 4  # forward alone gives no gradient
    forward_backward(model, x, y)
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
    model.zero_grad()
    assert [p.grad for p in model.parameters()] == [None] * 4
    forward_backward(model, x, y)
    nn.SGD(model.parameters(), 0.1).zero_grad()
    assert [p.grad for p in model.parameters()] == [None] * 4


def test_backward_adds_to_grad():
    layer = nn.Dense(3, 2, rng=0)
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer.forward(x)
    layer.backward(dout)
    once_W, once_b = layer.W.grad.copy(), layer.b.grad.copy()
    layer.backward(dout)
    np.testing.assert_allclose(layer.W.grad, 2 * once_W)
    np.testing.assert_allclose(layer.b.grad, 2 * once_b)
    layer.zero_grad()
    layer.backward(dout)
    np.testing.assert_allclose(layer.W.grad, once_W)  # after zero_grad: the gradient, not added to old ones


def test_parameter_accumulate():
    p = nn.Parameter(np.zeros(3))
    first = np.array([1.0, 2.0, 3.0])
    p.accumulate(first)
    assert p.grad is first  # the first time: the array itself
    p.accumulate(np.ones(3))
    assert p.grad is not first  # then a new sum
    np.testing.assert_array_equal(p.grad, [2, 3, 4])
    np.testing.assert_array_equal(first, [1, 2, 3])


@pytest.mark.parametrize("make_optimizer", [
    lambda ps: nn.SGD(ps, 0.1, momentum=0.9, weight_decay=0.01),
    lambda ps: nn.SGD(ps, 0.1, momentum=0.9, nesterov=True),
    lambda ps: nn.Adam(ps, 0.01, weight_decay=0.01)], ids=["SGD momentum wd", "SGD nesterov", "Adam"])
def test_a_gradient_saved_before_a_step_never_changes(make_optimizer):
    """Keep p.grad (say, to plot it); steps, clipping, zero_grad and later backwards leave the saved arrays alone."""
    model, (x, y) = small_model(), data()
    opt = make_optimizer(model.parameters())
    forward_backward(model, x, y)
    saved = [p.grad for p in model.parameters()]
    copies = [g.copy() for g in saved]
    for _ in range(3):
        nn.clip_grad_norm(model, 1e-3)
        nn.clip_grad_value(model, 1e-4)
        opt.step()
        opt.zero_grad()
        forward_backward(model, x, y)
        forward_backward(model, x, y)  # accumulate too
    for i, (g, c) in enumerate(zip(saved, copies)):
        np.testing.assert_array_equal(g, c, err_msg=f"saved gradient {i} was written into")


@pytest.mark.parametrize("make_optimizer", [
    lambda ps: nn.SGD(ps, 0.1), lambda ps: nn.SGD(ps, 0.1, momentum=0.9),
    lambda ps: nn.SGD(ps, 0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda ps: nn.Adam(ps, 0.01), lambda ps: nn.Adam(ps, 0.01, weight_decay=0.1)],
    ids=["SGD", "momentum", "nesterov wd", "Adam", "Adam wd"])
def test_an_array_put_in_grad_is_never_written_into(make_optimizer):
    layer = nn.Dense(3, 2, rng=0)
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    mine = rng.normal(size=(3, 2))
    keep = mine.copy()

    layer.W.grad = mine  # backward adds: a new array, mine unchanged
    layer.forward(x)
    layer.backward(dout)
    assert layer.W.grad is not mine
    np.testing.assert_allclose(layer.W.grad, keep + x.T @ dout)

    for clip in (lambda: nn.clip_grad_norm([layer.W], 1e-3), lambda: nn.clip_grad_value([layer.W], 1e-3)):
        layer.W.grad = mine
        clip()
        assert layer.W.grad is not mine and np.abs(layer.W.grad).max() <= 1e-3

    layer.W.grad = mine
    opt = make_optimizer([layer.W])
    for _ in range(3):  # several steps: a momentum buffer may start as the gradient itself
        opt.step()
    np.testing.assert_array_equal(mine, keep, err_msg="an array the user put in .grad was written into")


def test_a_shared_parameter_is_listed_and_stepped_once():
    first, second = nn.Dense(3, 3, rng=0), nn.Dense(3, 3, rng=1)
    second.W = first.W                                   # weight tying: two layers, one Parameter
    model = nn.Sequential(first, nn.Tanh(), second, nn.Tanh(), nn.Dense(3, 1, rng=2))
    params = model.parameters()
    assert len(params) == 5 and len({id(p) for p in params}) == 5 and params[0] is first.W
    opt = nn.SGD(params, lr=0.1)
    for p in params:
        p.grad = np.ones_like(p.value)
    before = first.W.value.copy()
    opt.step()
    np.testing.assert_allclose(first.W.value, before - 0.1)  # stepped once, not twice


def test_a_shared_parameter_gets_the_sum_of_both_uses_gradients():
    rng = np.random.default_rng(0)
    first, second = nn.Dense(3, 3, rng=rng), nn.Dense(3, 3, rng=rng)
    second.W = first.W
    model = nn.Sequential(first, nn.Tanh(), second)
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    model.forward(x)
    model.backward(dout)
    W = first.W.value.copy()

    def f(value):
        first.W.value = value
        return model.forward(x)

    numeric = nn.numerical_gradient_wrt(f, W, dout)
    np.testing.assert_allclose(first.W.grad, numeric, rtol=1e-6, atol=1e-8)


def test_the_same_module_twice_in_a_sequential_is_refused_with_a_reason():
    relu = nn.ReLU()
    with pytest.raises(ValueError, match=r"layer 3 is the same object as an earlier one.*share Parameters"):
        nn.Sequential(nn.Dense(2, 2), relu, nn.Dense(2, 2), relu)


@pytest.fixture
def full_checks():
    nn.full_checks(True)
    yield
    nn.full_checks(False)


def test_without_full_checks_a_nan_flows_through():
    """The checks cost O(1): they look at shapes and dtypes, never at every value."""
    x = np.ones((4, 3))
    x[2, 1] = np.nan
    out = nn.Dense(3, 2, rng=0)(x)
    assert np.isnan(out[2]).all() and np.isfinite(np.delete(out, 2, axis=0)).all()
    assert np.isnan(nn.mse_forward(x, np.zeros((4, 3)))[0])
    assert np.isnan(nn.relu(x)[2, 1]) and np.isnan(nn.softmax(x)[2]).all()


def test_full_checks_find_a_nan_deep_in_a_network_and_can_be_turned_off(full_checks):
    model, (x, y) = small_model(), data()
    model[2].W.value[1, 0] = np.nan  # a NaN weight: the first array that holds NaN is the second Dense's
    with pytest.raises(nn.NonFiniteError, match=r"^dense_forward: W contains NaN at index \(1, 0\)$"):
        model.forward(x)
    nn.full_checks(False)
    assert np.isnan(model.forward(x)).any()


def test_fit_raises_training_diverged_naming_the_epoch():
    """A learning rate of inf from the third epoch on: the loss of the third epoch's second batch is NaN."""
    model, (x, y) = small_model(), data(n=40)
    opt = nn.SGD(model.parameters(), lr=0.1)
    with np.errstate(all="ignore"), pytest.raises(
            nn.TrainingDiverged, match=r"^fit: training diverged in epoch 3/5 \(the loss became (nan|inf)\); "
                                       r"try a smaller learning rate \(now inf\)$"):
        nn.fit(model, nn.SoftmaxCrossEntropyLoss(), opt, x, y, epochs=5, batch_size=10, rng=0,
               lr_schedule=lambda epoch: 0.1 if epoch < 2 else np.inf)


def test_fit_raises_training_diverged_on_nan_data():
    model, (x, y) = small_model(), data(n=20)
    x_bad = x.copy()
    x_bad[7, 2] = np.nan
    with pytest.raises(nn.TrainingDiverged, match=r"diverged in epoch 1/3 \(the loss became nan\)"):
        nn.fit(model, nn.SoftmaxCrossEntropyLoss(), nn.SGD(model.parameters(), 0.1), x_bad, y,
               epochs=3, batch_size=4, rng=0)
    model = small_model()  # clean training data, a NaN in the validation set
    with pytest.raises(nn.TrainingDiverged, match=r"diverged in epoch 1/3 \(the validation loss became nan\)"):
        nn.fit(model, nn.SoftmaxCrossEntropyLoss(), nn.SGD(model.parameters(), 0.1), x, y,
               epochs=3, batch_size=4, rng=0, validation=(x_bad, y))


def test_one_api_per_concept():
    """Every backward takes dout (and a cache); the second APIs of old are gone."""
    import inspect
    pairs = [name for name in dir(nn) if name.endswith("_backward")]
    assert len(pairs) == 11, pairs  # dense, 4 activations, 4 losses, conv2d, maxpool2d
    for name in pairs:
        assert list(inspect.signature(getattr(nn, name)).parameters) == ["dout", "cache"], name
        assert hasattr(nn, name.replace("_backward", "_forward")), name
    for cls in [nn.Module, nn.Sequential, nn.Dense, nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.Loss]:
        assert list(inspect.signature(cls.backward).parameters)[1:] == ["dout"], cls.__name__
    for gone in ["sigmoid_grad", "tanh_grad", "relu_grad", "leaky_relu_grad", "as_float_array", "check_finite",
                 "_checks"]:
        assert not hasattr(nn, gone), f"nnlib.{gone} should be gone"
    for gone in ["add_grad", "add_grad_matmul"]:
        assert not hasattr(nn.Parameter, gone), f"Parameter.{gone} should be gone"
    assert callable(nn.checks.check_finite)


def test_the_source_fits_the_pages_and_each_module_reads_in_one_sitting():
    """The chapters print nnlib's functions, and the site's boxes show 78 characters; no module over 200 lines."""
    from pathlib import Path

    for path in sorted(Path(nn.__file__).parent.glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        wide = [f"{path.name}:{i}: {len(line)}" for i, line in enumerate(lines, 1) if len(line) > 78]
        assert not wide, f"lines over 78 characters: {wide}"
        assert len(lines) <= 200, f"{path.name} has {len(lines)} lines, more than 200"

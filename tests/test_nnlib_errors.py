"""Every error message: it names the argument, what was expected and what came."""
import numpy as np
import pytest

import nnlib as nn


def test_dense_wrong_shape():
    with pytest.raises(nn.ShapeError, match=r"dense_forward: x must have shape \(N, 3\), got \(5, 4\)"):
        nn.Dense(3, 2)(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\), got \(3,\)"):  # ShapeError is a ValueError
        nn.Dense(3, 2)(np.ones(3))


def test_non_floating_dtype_is_a_type_error_naming_the_dtype():
    with pytest.raises(TypeError, match=r"dense_forward: x must be a floating-point array, got dtype int64"):
        nn.Dense(3, 2)(np.ones((5, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="dtype bool"):
        nn.relu(np.array([True, False]))


@pytest.fixture
def full_checks():
    nn.full_checks(True)
    yield
    nn.full_checks(False)


@pytest.mark.parametrize("bad, kind", [(np.nan, "NaN"), (np.inf, "Inf"), (-np.inf, "Inf")])
def test_full_checks_locate_nan_and_inf(full_checks, bad, kind):
    x = np.ones((4, 3))
    x[2, 1] = bad
    with pytest.raises(nn.NonFiniteError, match=rf"^dense_forward: x contains {kind} at index \(2, 1\)$"):
        nn.Dense(3, 2)(x)
    with pytest.raises(ValueError, match=rf"^mse_forward: pred contains {kind} at index \(2, 1\)$"):
        nn.MSELoss()(x, np.ones((4, 3)))  # NonFiniteError is a ValueError
    with pytest.raises(nn.NonFiniteError, match=rf"^dense_backward: dout contains {kind} at index \(2, 1\)$"):
        nn.dense_backward(x[:, :2], (np.ones((4, 5)), np.ones((5, 2))))
    with pytest.raises(nn.NonFiniteError, match=rf"^relu: z contains {kind} at index \(1,\)$"):
        nn.relu(np.array([0.0, bad]))


def test_labels_out_of_range_and_not_integer():
    loss = nn.SoftmaxCrossEntropyLoss()
    with pytest.raises(ValueError, match=r"^softmax_cross_entropy_forward: target contains label 3, outside "
                                         r"\[0, 3\) for 3 classes$"):
        loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"label -1, outside \[0, 3\)"):
        loss(np.zeros((2, 3)), np.array([-1, 0]))
    with pytest.raises(TypeError, match="integer class labels, got dtype float64"):
        loss(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(nn.ShapeError, match=r"target must have shape \(2,\), got \(3,\)"):
        loss(np.zeros((2, 3)), np.array([0, 1, 2]))


@pytest.mark.parametrize("module", [nn.Dense(2, 2), nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU()],
                         ids=repr)
def test_module_backward_before_forward(module):
    with pytest.raises(RuntimeError, match=rf"{type(module).__name__}\.backward: call forward before backward"):
        module.backward(np.ones((1, 2)))


@pytest.mark.parametrize("loss", [nn.MSELoss(), nn.BCELoss(), nn.BCEWithLogitsLoss(),
                                  nn.SoftmaxCrossEntropyLoss()], ids=repr)
def test_loss_backward_before_forward(loss):
    with pytest.raises(RuntimeError, match="call forward before backward"):
        loss.backward()


@pytest.mark.parametrize("module", [nn.Dense(3, 2), nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU()],
                         ids=repr)
def test_module_backward_checks_the_shape_of_dout(module):
    out = module.forward(np.ones((4, 3)))
    name = "dense_backward" if isinstance(module, nn.Dense) else f"{type(module).__name__}\\.backward"
    with pytest.raises(nn.ShapeError, match=rf"^{name}: dout must have shape "
                                            rf"\({out.shape[0]}, {out.shape[1]}\), got \(4, 7\)$"):
        module.backward(np.ones((4, 7)))


def test_dense_pair_checks_shapes():
    with pytest.raises(nn.ShapeError, match=r"^dense_forward: x must have shape \(N, 4\), got \(5, 3\)$"):
        nn.dense_forward(np.ones((5, 3)), np.ones((4, 2)), np.ones(2))
    with pytest.raises(nn.ShapeError, match=r"^dense_forward: b must have shape \(2,\), got \(3,\)$"):
        nn.dense_forward(np.ones((5, 3)), np.ones((3, 2)), np.ones(3))
    _, cache = nn.dense_forward(np.ones((5, 3)), np.ones((3, 2)), np.ones(2))
    with pytest.raises(nn.ShapeError, match=r"^dense_backward: dout must have shape \(5, 2\), got \(2, 5\)$"):
        nn.dense_backward(np.ones((2, 5)), cache)


def test_loss_target_shape_must_equal_pred_shape():
    with pytest.raises(nn.ShapeError, match=r"^bce_forward: target must have shape \(5, 1\), got \(5,\)$"):
        nn.BCELoss()(np.full((5, 1), 0.5), np.ones(5))
    with pytest.raises(nn.ShapeError, match=r"^mse_forward: target must have shape \(2, 3\), got \(3, 2\)$"):
        nn.mse_forward(np.ones((2, 3)), np.ones((3, 2)))


def test_bce_needs_probabilities():
    with pytest.raises(ValueError, match=r"^bce_forward: pred must hold probabilities in \[0, 1\], got 1\.5 at "
                                         r"index \(1,\) \(for raw scores use bce_with_logits\)$"):
        nn.BCELoss()(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"got -0\.1 at index \(0, 1\)"):
        nn.bce_forward(np.array([[0.5, -0.1]]), np.array([[0.0, 1.0]]))


def test_gradcheck_accepts_right_and_rejects_wrong_derivatives():
    x = np.arange(12.0).reshape(4, 3) / 10 - 0.5
    f = lambda x_: np.sum(x_ ** 3)
    good = nn.gradcheck(f, x, 3 * x ** 2)
    assert good and good.ok and good.max_rel_error < 1e-7
    wrong = 3 * x ** 2
    wrong[2, 1] *= -1
    bad = nn.gradcheck(f, x, wrong)
    assert not bad and bad.worst_index == (2, 1)
    assert bad.analytic == pytest.approx(-3 * x[2, 1] ** 2) and bad.numeric == pytest.approx(3 * x[2, 1] ** 2)
    assert str(bad) == "gradient WRONG at d x[2, 1] (rtol 1e-05):\n  analytic -0.12, numeric 0.12, rel error 1.0"
    assert str(good).startswith("gradient OK (rtol 1e-05); worst entry d x[")
    assert "d W[2, 1]" in str(nn.gradcheck(f, x, wrong, name="W"))


def test_numerical_gradient_is_float64_and_never_mutates_x():
    x = np.array([1.0, 2.0], dtype=np.float32)
    g = nn.numerical_gradient(lambda v: v[0] * v[1], x)
    assert g.dtype == np.float64 and x.dtype == np.float32
    np.testing.assert_allclose(g, [2, 1], rtol=1e-8)
    np.testing.assert_array_equal(x, [1, 2])
    dout = np.array([1.0, -2.0])
    np.testing.assert_allclose(nn.numerical_gradient_wrt(lambda v: v ** 2, x, dout), 2 * x * dout, rtol=1e-8)
    assert nn.rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert nn.rel_error(1.0, -1.0) == 1.0
    with pytest.raises(ValueError, match=r"f must return a number, got an array of shape \(2,\)"):
        nn.numerical_gradient(lambda v: v, x)


def test_other_argument_errors():
    with pytest.raises(RuntimeError, match=r"StandardScaler\.transform: call fit before transform"):
        nn.StandardScaler().transform(np.ones((2, 2)))
    with pytest.raises(nn.ShapeError, match=r"MinMaxScaler\.transform: X must have shape \(N, 2\), got \(3, 4\)"):
        nn.MinMaxScaler().fit(np.ones((3, 2))).transform(np.ones((3, 4)))
    with pytest.raises(nn.ShapeError, match="X and y must have the same length, got 3 and 2"):
        next(nn.minibatches(np.ones((3, 1)), np.ones(2), 2))
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        next(nn.minibatches(np.ones((3, 1)), np.ones(3), 0))
    with pytest.raises(TypeError, match="every argument must be a Module, got int"):
        nn.Sequential(nn.ReLU(), 3)
    with pytest.raises(ValueError, match="init must be one of .* got 'glorot'"):
        nn.Dense(2, 2, init="glorot")
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        nn.SGD([nn.Parameter(np.ones(2))], 0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.SGD([], 0.1)
    with pytest.raises(TypeError, match="params must be Parameters .* got ndarray"):
        nn.Adam([np.ones(2)])
    with pytest.raises(ValueError, match="lr must be >= 0, got -1"):
        nn.SGD([nn.Parameter(np.ones(2))], lr=-1)
    with pytest.raises(ValueError, match="activation must be one of"):
        nn.neuron_forward(np.ones(2), np.ones(2), 0.0, activation="softplus")
    with pytest.raises(nn.ShapeError, match=r"w must have shape \(3,\), got \(2,\)"):
        nn.neuron_forward(np.ones((4, 3)), np.ones(2), 0.0)

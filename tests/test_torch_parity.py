"""nnlib against PyTorch: outputs, gradients and optimiser trajectories (float64).

PyTorch is optional: without it this whole file is skipped.
"""
import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is optional; install it with: .venv/bin/pip install torch==2.13.0")
import nnlib as nn  # noqa: E402

torch.set_default_dtype(torch.float64)
RTOL, ATOL = 1e-10, 1e-12


def t(a, grad=False):
    return torch.tensor(np.asarray(a), requires_grad=grad)


def close(ours, theirs, what, rtol=RTOL):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=rtol, atol=ATOL, err_msg=what)


def test_dense_matches_torch_linear():
    rng = np.random.default_rng(0)
    layer = nn.Dense(5, 3, rng=rng)
    layer.b.value = rng.normal(size=3)
    x, dout = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    linear = torch.nn.Linear(5, 3)
    with torch.no_grad():  # torch stores W as (out, in): ours transposed
        linear.weight.copy_(t(layer.W.value.T))
        linear.bias.copy_(t(layer.b.value))
    xt = t(x, grad=True)
    out_t = linear(xt)
    out_t.backward(t(dout))
    close(layer.forward(x), out_t, "Dense output")
    close(layer.backward(dout), xt.grad, "Dense dx")
    close(layer.W.grad, linear.weight.grad.T, "Dense dW")
    close(layer.b.grad, linear.bias.grad, "Dense db")


@pytest.mark.parametrize("ours, theirs", [
    (nn.Sigmoid(), torch.sigmoid), (nn.Tanh(), torch.tanh), (nn.ReLU(), torch.relu),
    (nn.LeakyReLU(0.1), lambda z: torch.nn.functional.leaky_relu(z, 0.1))],
    ids=["sigmoid", "tanh", "relu", "leaky_relu"])
def test_activations_match_torch(ours, theirs):
    rng = np.random.default_rng(1)
    x, dout = rng.normal(scale=3, size=(6, 4)), rng.normal(size=(6, 4))
    x[0, :2] = [0.0, 30.0]  # the kink (derivative convention at 0) and saturation
    xt = t(x, grad=True)
    out_t = theirs(xt)
    out_t.backward(t(dout))
    close(ours.forward(x), out_t, f"{ours} output")
    close(ours.backward(dout), xt.grad, f"{ours} gradient")


@pytest.mark.parametrize("name", ["mse", "bce", "bce_logits", "cross_entropy"])
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_losses_match_torch(name, scale):
    rng = np.random.default_rng(2)
    F = torch.nn.functional
    z = rng.normal(size=(5, 3)) * scale
    if name == "mse":
        ours, pred, target, theirs = nn.MSELoss(), z, rng.normal(size=(5, 3)), F.mse_loss
    elif name == "bce":
        pred = rng.uniform(0, 1, size=(5, 3)) if scale == 1 else np.array([[0.0, 1.0, 0.5]] * 5)
        ours, target, theirs = nn.BCELoss(), rng.integers(0, 2, (5, 3)).astype(float), F.binary_cross_entropy
    elif name == "bce_logits":
        ours, pred, target, theirs = (nn.BCEWithLogitsLoss(), z, rng.integers(0, 2, (5, 3)).astype(float),
                                      F.binary_cross_entropy_with_logits)
    else:
        ours, pred, target, theirs = nn.SoftmaxCrossEntropyLoss(), z, rng.integers(0, 3, 5), F.cross_entropy
    pt = t(pred, grad=True)
    value_t = theirs(pt, t(target))
    value_t.backward()
    value = ours(pred, target)
    assert value == pytest.approx(value_t.item(), rel=RTOL, abs=ATOL), f"{name}: ours {value}, torch {value_t.item()}"
    # at p = 0 or 1 both clamp p(1 - p) at 1e-12, torch's in float32 (4e-9 apart)
    close(ours.backward(), pt.grad, f"{name} gradient", rtol=1e-8 if name == "bce" else RTOL)


OPTIMIZERS = {
    "sgd": (lambda ps: nn.SGD(ps, 0.1), lambda ps: torch.optim.SGD(ps, 0.1)),
    "momentum_wd": (lambda ps: nn.SGD(ps, 0.1, momentum=0.9, weight_decay=0.01),
                    lambda ps: torch.optim.SGD(ps, 0.1, momentum=0.9, weight_decay=0.01)),
    "nesterov": (lambda ps: nn.SGD(ps, 0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
                 lambda ps: torch.optim.SGD(ps, 0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    "adam": (lambda ps: nn.Adam(ps, 0.01), lambda ps: torch.optim.Adam(ps, 0.01)),
    "adam_wd": (lambda ps: nn.Adam(ps, 0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
                lambda ps: torch.optim.Adam(ps, 0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_trajectories_match_torch_over_20_steps(name):
    """Minimise the same quadratic-ish loss (gradient computed in NumPy, fed to both) for 20 steps."""
    make_ours, make_theirs = OPTIMIZERS[name]
    rng = np.random.default_rng(3)
    start, target = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    ours = nn.Parameter(start.copy())
    theirs = torch.nn.Parameter(t(start.copy()))
    opt_ours, opt_theirs = make_ours([ours]), make_theirs([theirs])
    for step in range(20):
        for p, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            value = p.value if p is ours else p.detach().numpy()
            grad = (value - target) + 0.3 * np.sin(3 * value)  # a non-linear gradient
            if p is ours:
                p.grad += grad
            else:
                p.grad = t(grad)
            opt.step()
        np.testing.assert_allclose(ours.value, theirs.detach().numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name}: step {step + 1}")


def test_clip_grad_norm_matches_torch():
    rng = np.random.default_rng(4)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    ours = [nn.Parameter(np.zeros_like(g)) for g in grads]
    theirs = [torch.nn.Parameter(t(np.zeros_like(g))) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad += g
        q.grad = t(g)
    assert nn.clip_grad_norm(ours, 1.0) == pytest.approx(torch.nn.utils.clip_grad_norm_(theirs, 1.0).item())
    for p, q in zip(ours, theirs):
        close(p.grad, q.grad, "clipped gradient")

"""nnlib against PyTorch, in every run: outputs, gradients, optimiser trajectories, clipping,
convolution, max-pooling and a small CNN (float64).

PyTorch's answers are stored in tests/golden/torch_parity.npz (inputs and outputs, written by
tools/make_torch_goldens.py), so these tests need no PyTorch and never import it. That the stored file is still
what PyTorch computes is checked where PyTorch is installed: `make bench` runs `make_torch_goldens.py --check`.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import nnlib as nn
from nnlib.conv import windows_of

GOLDEN = Path(__file__).resolve().parent / "golden" / "torch_parity.npz"
RTOL, ATOL = 1e-10, 1e-12


@pytest.fixture(scope="module")
def g():
    with np.load(GOLDEN) as data:
        return {key: data[key] for key in data.files}


def close(ours, theirs, what, rtol=RTOL):
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=ATOL, err_msg=f"{what}: nnlib vs torch")


def test_dense_pair_and_module(g):
    x, W, b, dout = g["dense/x"], g["dense/W"], g["dense/b"], g["dense/dout"]
    out, cache = nn.dense_forward(x, W, b)
    close(out, g["dense/out"], "dense_forward")
    for name, ours in zip(["dx", "dW", "db"], nn.dense_backward(dout, cache)):
        close(ours, g[f"dense/{name}"], f"dense_backward {name}")
    layer = nn.Dense(*W.shape)
    layer.W.value, layer.b.value = W.copy(), b.copy()
    close(layer.forward(x), g["dense/out"], "Dense.forward")
    close(layer.backward(dout), g["dense/dx"], "Dense.backward dx")
    close(layer.W.grad, g["dense/dW"], "Dense W.grad")
    close(layer.b.grad, g["dense/db"], "Dense b.grad")


ACTIVATIONS = {
    "sigmoid": (nn.sigmoid_forward, nn.sigmoid_backward, nn.Sigmoid),
    "tanh": (nn.tanh_forward, nn.tanh_backward, nn.Tanh),
    "relu": (nn.relu_forward, nn.relu_backward, nn.ReLU),
    "leaky_relu": (lambda z: nn.leaky_relu_forward(z, 0.1), nn.leaky_relu_backward, lambda: nn.LeakyReLU(0.1)),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations(g, name):
    """Row 0 of z holds the kink (0), saturation (±30) and 1e-9; the slope at exactly 0 is torch's."""
    forward, backward, module = ACTIVATIONS[name]
    z, dout = g["activations/z"], g["activations/dout"]
    assert g["activations/negative_slope"] == 0.1
    out, cache = forward(z)
    close(out, g[f"{name}/out"], f"{name}_forward")
    close(backward(dout, cache), g[f"{name}/dz"], f"{name}_backward")
    m = module()
    close(m.forward(z), g[f"{name}/out"], f"{m!r}.forward")
    close(m.backward(dout), g[f"{name}/dz"], f"{m!r}.backward")


def test_softmax_and_log_softmax(g):
    close(nn.softmax(g["softmax/z"]), g["softmax/out"], "softmax")
    close(nn.log_softmax(g["softmax/z"]), g["log_softmax/out"], "log_softmax")


LOSSES = {
    "mse": (nn.mse_forward, nn.mse_backward, nn.MSELoss),
    "bce": (nn.bce_forward, nn.bce_backward, nn.BCELoss),
    "bce_with_logits": (nn.bce_with_logits_forward, nn.bce_with_logits_backward, nn.BCEWithLogitsLoss),
    "softmax_cross_entropy": (nn.softmax_cross_entropy_forward, nn.softmax_cross_entropy_backward,
                              nn.SoftmaxCrossEntropyLoss),
}


@pytest.mark.parametrize("extreme", [False, True], ids=["ordinary", "extreme"])
@pytest.mark.parametrize("name", LOSSES)
def test_losses(g, name, extreme):
    """extreme: logits (and MSE predictions) of size 1e4; BCE probabilities of exactly 0 and 1."""
    forward, backward, module = LOSSES[name]
    key = name + ("_extreme" if extreme else "")
    pred, target, want, want_grad = g[f"{key}/pred"], g[f"{key}/target"], g[f"{key}/loss"], g[f"{key}/dpred"]
    # at p = 0 or 1 both clamp p(1 - p) at 1e-12, torch in float32: the gradients agree to about 4e-9
    rtol = 1e-8 if key == "bce_extreme" else RTOL
    loss, cache = forward(pred, target)
    assert type(loss) is float
    assert loss == pytest.approx(float(want), rel=RTOL, abs=ATOL), f"{key}: nnlib {loss}, torch {want}"
    close(backward(1.0, cache), want_grad, f"{key} backward", rtol)
    close(backward(-2.5, cache), -2.5 * want_grad, f"{key} backward, dout -2.5", rtol)
    loss_fn = module()
    assert loss_fn(pred, target) == pytest.approx(float(want), rel=RTOL, abs=ATOL)
    close(loss_fn.backward(), want_grad, f"{loss_fn!r}.backward", rtol)


def test_a_whole_network(g):
    """Dense(3, 5) -> ReLU -> Dense(5, 4) -> softmax cross-entropy: the loss and every gradient."""
    model = nn.Sequential(nn.Dense(3, 5), nn.ReLU(), nn.Dense(5, 4))
    for layer, i in ((model[0], 1), (model[2], 2)):
        layer.W.value, layer.b.value = g[f"mlp/W{i}"].copy(), g[f"mlp/b{i}"].copy()
    loss_fn = nn.SoftmaxCrossEntropyLoss()
    loss = loss_fn(model.forward(g["mlp/x"]), g["mlp/y"])
    assert loss == pytest.approx(float(g["mlp/loss"]), rel=RTOL)
    close(model.backward(loss_fn.backward()), g["mlp/dx"], "network dx")
    for layer, i in ((model[0], 1), (model[2], 2)):
        close(layer.W.grad, g[f"mlp/dW{i}"], f"network dW{i}")
        close(layer.b.grad, g[f"mlp/db{i}"], f"network db{i}")


OPTIMIZER_NAMES = ["sgd", "sgd_momentum_wd", "sgd_nesterov_wd", "adam", "adam_betas_eps_wd"]
STATE_KEYS = {"momentum_buffer": "momentum_buffer", "exp_avg": "m", "exp_avg_sq": "v", "step": "step"}


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_optimizer_trajectories(g, name):
    """The same start and the same gradients, fed to nnlib: the value after every step, and the final state."""
    kind, kwargs = json.loads(str(g["optim/configs"]))[name]
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    p = nn.Parameter(g["optim/start"].copy())
    opt = getattr(nn, kind)([p], **kwargs)
    for step, (grad, want) in enumerate(zip(g["optim/grads"], g[f"{name}/values"]), start=1):
        opt.zero_grad()
        p.grad = grad.copy()
        opt.step()
        close(p.value, want, f"{name}: value after step {step}", rtol=1e-9)
    torch_state = {key.split("/state_")[1]: value for key, value in g.items() if key.startswith(f"{name}/state_")}
    want_keys = {"exp_avg", "exp_avg_sq", "step"} if kind == "Adam" else (
        {"momentum_buffer"} if kwargs.get("momentum") else set())
    assert set(torch_state) == want_keys, f"{name}: torch's state {sorted(torch_state)}"
    for key, value in torch_state.items():
        close(opt.state[p][STATE_KEYS[key]], value, f"{name}: state {key}", rtol=1e-9)


def test_clip_grad_norm(g):
    for name in ("clip_norm_1", "clip_norm_100"):  # the first clips, the second leaves the gradients alone
        ps = [nn.Parameter(np.zeros_like(g[f"clip/grad{i}"])) for i in range(2)]
        for i, p in enumerate(ps):
            p.grad = g[f"clip/grad{i}"].copy()
        total = nn.clip_grad_norm(ps, float(g[f"{name}/max_norm"]))
        assert total == pytest.approx(float(g[f"{name}/total_norm"]), rel=RTOL), name
        for i, p in enumerate(ps):
            close(p.grad, g[f"{name}/grad{i}"], f"{name}: gradient {i}")
    assert not np.allclose(g["clip_norm_1/grad0"], g["clip/grad0"])  # the case really clips
    np.testing.assert_array_equal(g["clip_norm_100/grad0"], g["clip/grad0"])


def test_clip_grad_value(g):
    ps = [nn.Parameter(np.zeros_like(g[f"clip/grad{i}"])) for i in range(2)]
    for i, p in enumerate(ps):
        p.grad = g[f"clip/grad{i}"].copy()
    nn.clip_grad_value(ps, float(g["clip_value/clip_value"]))
    for i, p in enumerate(ps):
        close(p.grad, g[f"clip_value/grad{i}"], f"clip_grad_value: gradient {i}")


CONV_CASES = ["conv_s1_p0", "conv_s2_p1", "conv_s3_p2"]
POOL_CASES = ["pool_2", "pool_3_s2", "pool_2_s3", "pool_ties_2_s1"]


@pytest.mark.parametrize("name", CONV_CASES)
def test_conv2d_pair_and_module(g, name):
    """torch.nn.functional.conv2d: stride 1, 2, 3 and padding 0, 1, 2 (w (F, C, KH, KW) is torch's
    layout); Conv2d with the same W and b where the kernel is square."""
    x, w, b, dout = g[f"{name}/x"], g[f"{name}/w"], g[f"{name}/b"], g[f"{name}/dout"]
    stride, pad = int(g[f"{name}/stride"]), int(g[f"{name}/pad"])
    out, cache = nn.conv2d_forward(x, w, b, stride, pad)
    close(out, g[f"{name}/out"], f"{name}: conv2d_forward")
    for what, ours in zip(["dx", "dw", "db"], nn.conv2d_backward(dout, cache)):
        close(ours, g[f"{name}/{what}"], f"{name}: conv2d_backward {what}")
    F, C, KH, KW = w.shape
    if KH != KW:  # Conv2d's kernels are square
        return
    layer = nn.Conv2d(C, F, KH, stride=stride, padding=pad)
    layer.W.value, layer.b.value = w.copy(), b.copy()
    close(layer.forward(x), g[f"{name}/out"], f"{name}: {layer!r}.forward")
    close(layer.backward(dout), g[f"{name}/dx"], f"{name}: {layer!r}.backward")
    close(layer.W.grad, g[f"{name}/dw"], f"{name}: {layer!r} W.grad")
    close(layer.b.grad, g[f"{name}/db"], f"{name}: {layer!r} b.grad")


@pytest.mark.parametrize("name", POOL_CASES)
def test_maxpool2d_pair_and_module(g, name):
    """torch.nn.functional.max_pool2d: windows side by side, overlapping (stride < size), with
    gaps (stride > size), and on small integers, where windows hold several maxima: the gradient
    goes to the first in row-major order, as in torch."""
    x, dout = g[f"{name}/x"], g[f"{name}/dout"]
    size, stride = int(g[f"{name}/size"]), int(g[f"{name}/stride"])
    out, cache = nn.maxpool2d_forward(x, size, stride)
    close(out, g[f"{name}/out"], f"{name}: maxpool2d_forward")
    close(nn.maxpool2d_backward(dout, cache), g[f"{name}/dx"], f"{name}: maxpool2d_backward")
    layer = nn.MaxPool2d(size, stride)
    close(layer.forward(x), g[f"{name}/out"], f"{name}: {layer!r}.forward")
    close(layer.backward(dout), g[f"{name}/dx"], f"{name}: {layer!r}.backward")
    if "ties" in name:  # the case really has ties: some window's maximum is there more than once
        windows = windows_of(x, size, size, stride)
        maxima = (windows == windows.max(axis=(4, 5), keepdims=True)).sum(axis=(4, 5))
        assert (maxima > 1).sum() >= 5, f"{name}: only {(maxima > 1).sum()} windows with ties"


def test_a_small_cnn(g):
    """Conv2d(2, 3, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Dense(27, 4) ->
    cross-entropy: the loss and every gradient. Conv2d's W has torch's layout; the Dense W is
    (in, out), a Linear weight transposed."""
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dense(27, 4))
    conv, dense = model[0], model[4]
    conv.W.value, conv.b.value = g["cnn/W1"].copy(), g["cnn/b1"].copy()
    dense.W.value, dense.b.value = g["cnn/W2"].copy(), g["cnn/b2"].copy()
    loss_fn = nn.SoftmaxCrossEntropyLoss()
    loss = loss_fn(model.forward(g["cnn/x"]), g["cnn/y"])
    want = float(g["cnn/loss"])
    assert loss == pytest.approx(want, rel=RTOL), f"CNN loss: nnlib {loss}, torch {want}"
    close(model.backward(loss_fn.backward()), g["cnn/dx"], "CNN dx")
    for layer, i in ((conv, 1), (dense, 2)):
        close(layer.W.grad, g[f"cnn/dW{i}"], f"CNN dW{i}")
        close(layer.b.grad, g[f"cnn/db{i}"], f"CNN db{i}")


def test_the_file_covers_every_case(g):
    """Every case the tests above read is in the file, and the file is small."""
    for prefix in ["dense", "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax", "mlp", "optim",
                   "clip", "clip_norm_1", "clip_norm_100", "clip_value", *OPTIMIZER_NAMES,
                   *LOSSES, *(f"{name}_extreme" for name in LOSSES),
                   *CONV_CASES, *POOL_CASES, "cnn"]:
        assert any(key.startswith(prefix + "/") for key in g), f"no {prefix}/... in {GOLDEN.name}"
    assert sorted(json.loads(str(g["optim/configs"]))) == sorted(OPTIMIZER_NAMES)
    assert all(v.dtype != object for v in g.values())
    assert GOLDEN.stat().st_size < 64_000

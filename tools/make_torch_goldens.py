"""Write tests/golden/torch_parity.npz: inputs and PyTorch's outputs, in float64, that tests/test_torch_parity.py
checks nnlib against in every run (without PyTorch).

Needs PyTorch (.venv/bin/pip install torch==2.13.0). Run it again only when a case is added or changed:
    .venv/bin/python tools/make_torch_goldens.py

Keys are "case/what": the inputs (x, W, dout, ...) and torch's results (out, dx, loss, ...). Weights are stored in
nnlib's layout: a dense W (in, out), the transpose of torch.nn.Linear.weight; a convolution's w
(F, C, KH, KW), as torch's conv2d weight. "meta/torch_version" records the version used,
and "optim/configs" (a JSON string) the optimisers' hyper-parameters in nnlib's keyword names.
"""
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "golden" / "torch_parity.npz"
STEPS = 6  # optimiser steps per trajectory

# name -> (nnlib class, keyword arguments); torch.optim takes the same names
OPTIMIZERS = {
    "sgd": ("SGD", dict(lr=0.1)),
    "sgd_momentum_wd": ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    "sgd_nesterov_wd": ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    "adam": ("Adam", dict(lr=0.01)),
    "adam_betas_eps_wd": ("Adam", dict(lr=0.01, betas=[0.8, 0.99], eps=1e-6, weight_decay=0.1)),
}


def goldens():
    """Every case, computed with torch. Returns: dict str -> float64 (or int64, or str) ndarray."""
    import torch
    F = torch.nn.functional

    def t(a, grad=False):
        return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)

    def np_(a):
        return a.detach().numpy().copy()

    rng = np.random.default_rng(2024)
    g = {"meta/torch_version": np.array(torch.__version__.split("+")[0])}

    # Dense: out = x @ W + b, and its three gradients for an upstream dout
    x, W, b, dout = (rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3),
                     rng.normal(size=(4, 3)))
    linear = torch.nn.Linear(5, 3, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(t(W.T))
        linear.bias.copy_(t(b))
    xt = t(x, grad=True)
    out = linear(xt)
    out.backward(t(dout))
    g.update({"dense/x": x, "dense/W": W, "dense/b": b, "dense/dout": dout, "dense/out": np_(out),
              "dense/dx": np_(xt.grad), "dense/dW": np_(linear.weight.grad.T), "dense/db": np_(linear.bias.grad)})

    # Activations, with the kink (0), saturation (±30) and ordinary values
    z, dout = rng.normal(scale=3, size=(6, 4)), rng.normal(size=(6, 4))
    z[0] = [0.0, 30.0, -30.0, 1e-9]
    slope = 0.1
    activations = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                   "leaky_relu": lambda v: F.leaky_relu(v, slope)}
    g.update({"activations/z": z, "activations/dout": dout, "activations/negative_slope": np.array(slope)})
    for name, fn in activations.items():
        zt = t(z, grad=True)
        out = fn(zt)
        out.backward(t(dout))
        g[f"{name}/out"], g[f"{name}/dz"] = np_(out), np_(zt.grad)

    # softmax and log-softmax, at ordinary and huge logits
    z = np.concatenate([rng.normal(scale=3, size=(3, 4)), [[1e4, -1e4, 0.0, 1e4]]])
    g.update({"softmax/z": z, "softmax/out": np_(torch.softmax(t(z), -1)),
              "log_softmax/out": np_(torch.log_softmax(t(z), -1))})

    # Losses (mean reduction), each at ordinary and at extreme inputs, upstream gradient 1
    cases = {
        "mse": (rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), F.mse_loss),
        "mse_extreme": (rng.normal(size=(5, 3)) * 1e4, rng.normal(size=(5, 3)), F.mse_loss),
        "bce": (rng.uniform(0.01, 0.99, size=(5, 3)), rng.uniform(0, 1, size=(5, 3)), F.binary_cross_entropy),
        "bce_extreme": (np.array([[0.0, 1.0, 0.5]] * 4), rng.integers(0, 2, (4, 3)).astype(float),
                        F.binary_cross_entropy),
        "bce_with_logits": (rng.normal(scale=3, size=(5, 3)), rng.uniform(0, 1, size=(5, 3)),
                            F.binary_cross_entropy_with_logits),
        "bce_with_logits_extreme": (rng.normal(size=(5, 3)) * 1e4, rng.integers(0, 2, (5, 3)).astype(float),
                                    F.binary_cross_entropy_with_logits),
        "softmax_cross_entropy": (rng.normal(scale=3, size=(5, 4)), rng.integers(0, 4, 5), F.cross_entropy),
        "softmax_cross_entropy_extreme": (rng.normal(size=(5, 4)) * 1e4, rng.integers(0, 4, 5), F.cross_entropy),
    }
    for name, (pred, target, fn) in cases.items():
        pt = t(pred, grad=True)
        target_t = torch.tensor(target) if target.dtype.kind == "i" else t(target)
        loss = fn(pt, target_t)
        loss.backward()
        g.update({f"{name}/pred": pred, f"{name}/target": target, f"{name}/loss": np.array(loss.item()),
                  f"{name}/dpred": np_(pt.grad)})

    # A whole network: Dense(3, 5) -> ReLU -> Dense(5, 4) -> softmax cross-entropy
    x, y = rng.normal(size=(6, 3)), rng.integers(0, 4, 6)
    params = {"W1": rng.normal(size=(3, 5)), "b1": rng.normal(size=5),
              "W2": rng.normal(size=(5, 4)), "b2": rng.normal(size=4)}
    pt = {k: t(v, grad=True) for k, v in params.items()}
    xt = t(x, grad=True)
    loss = F.cross_entropy(torch.relu(xt @ pt["W1"] + pt["b1"]) @ pt["W2"] + pt["b2"], torch.tensor(y))
    loss.backward()
    g.update({"mlp/x": x, "mlp/y": y, "mlp/loss": np.array(loss.item()), "mlp/dx": np_(xt.grad)})
    for k, v in params.items():
        g[f"mlp/{k}"], g[f"mlp/d{k}"] = v, np_(pt[k].grad)

    # Optimisers: from one start, fed one sequence of gradients; the values after each step, and the final state
    start = rng.normal(size=(3, 2))
    grads = rng.normal(size=(STEPS, 3, 2))
    grads[2, 0, 0] = 0.0  # an exact zero (Adam divides by sqrt(v))
    g.update({"optim/start": start, "optim/grads": grads, "optim/configs": np.array(json.dumps(OPTIMIZERS))})
    for name, (kind, kwargs) in OPTIMIZERS.items():
        p = torch.nn.Parameter(t(start))
        opt = getattr(torch.optim, kind)([p], **kwargs)
        values = []
        for grad in grads:
            opt.zero_grad()
            p.grad = t(grad)
            opt.step()
            values.append(np_(p))
        g[f"{name}/values"] = np.array(values)
        for key, value in opt.state[p].items():  # momentum_buffer; step, exp_avg, exp_avg_sq
            g[f"{name}/state_{key}"] = np_(value) if torch.is_tensor(value) else np.array(value)

    # Gradient clipping over two parameters: by total norm (clipping and not), by value
    grads = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    g.update({"clip/grad0": grads[0], "clip/grad1": grads[1]})
    for name, max_norm in (("clip_norm_1", 1.0), ("clip_norm_100", 100.0)):
        ps = [torch.nn.Parameter(t(np.zeros_like(v))) for v in grads]
        for p, v in zip(ps, grads):
            p.grad = t(v)
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        g.update({f"{name}/max_norm": np.array(max_norm), f"{name}/total_norm": np.array(total.item()),
                  f"{name}/grad0": np_(ps[0].grad), f"{name}/grad1": np_(ps[1].grad)})
    ps = [torch.nn.Parameter(t(np.zeros_like(v))) for v in grads]
    for p, v in zip(ps, grads):
        p.grad = t(v)
    torch.nn.utils.clip_grad_value_(ps, 0.5)
    g.update({"clip_value/clip_value": np.array(0.5), "clip_value/grad0": np_(ps[0].grad),
              "clip_value/grad1": np_(ps[1].grad)})
    g.update(conv_goldens(t, np_))
    return g


# name -> (x's shape (N, C, H, W), w's shape (F, C, KH, KW), stride, pad)
CONV_CASES = {
    "conv_s1_p0": ((2, 3, 4, 5), (2, 3, 3, 2), 1, 0),  # non-square kernel (Conv2d's: square)
    "conv_s2_p1": ((1, 2, 5, 5), (3, 2, 3, 3), 2, 1),
    "conv_s3_p2": ((2, 1, 4, 5), (2, 1, 2, 2), 3, 2),  # stride > kernel: pixels in no window
}
# name -> (x's shape, size, stride); "ties" holds small integers, so windows have several maxima
POOL_CASES = {
    "pool_2": ((2, 2, 4, 4), 2, 2),
    "pool_3_s2": ((1, 2, 5, 6), 3, 2),  # overlapping windows
    "pool_2_s3": ((1, 2, 5, 5), 2, 3),  # gaps between windows
    "pool_ties_2_s1": ((2, 2, 4, 5), 2, 1),
}


def conv_goldens(t, np_):
    """Convolution, max-pooling and a small CNN, with their own random numbers (so the cases
    before them keep theirs). t: array -> float64 tensor; np_: tensor -> array. Conv2d's W is
    stored in torch's layout (F, C, KH, KW), which is nnlib's; the CNN's Dense W as (in, out)."""
    import torch
    F = torch.nn.functional

    rng = np.random.default_rng(15)
    g = {}
    for name, (x_shape, w_shape, stride, pad) in CONV_CASES.items():
        x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
        xt, wt, bt = t(x, grad=True), t(w, grad=True), t(b, grad=True)
        out = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
        dout = rng.normal(size=tuple(out.shape))
        out.backward(t(dout))
        g.update({f"{name}/x": x, f"{name}/w": w, f"{name}/b": b, f"{name}/dout": dout,
                  f"{name}/stride": np.array(stride), f"{name}/pad": np.array(pad),
                  f"{name}/out": np_(out), f"{name}/dx": np_(xt.grad),
                  f"{name}/dw": np_(wt.grad), f"{name}/db": np_(bt.grad)})
    for name, (x_shape, size, stride) in POOL_CASES.items():
        if "ties" in name:
            x = rng.integers(0, 3, x_shape).astype(float)
        else:
            x = rng.normal(size=x_shape)
        xt = t(x, grad=True)
        out = F.max_pool2d(xt, size, stride)
        dout = rng.normal(size=tuple(out.shape))
        out.backward(t(dout))
        g.update({f"{name}/x": x, f"{name}/size": np.array(size),
                  f"{name}/stride": np.array(stride), f"{name}/dout": dout,
                  f"{name}/out": np_(out), f"{name}/dx": np_(xt.grad)})

    # A small CNN: Conv2d(2, 3, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Dense(27, 4),
    # cross-entropy
    x, y = rng.normal(size=(2, 2, 6, 6)), rng.integers(0, 4, 2)
    params = {"W1": rng.normal(size=(3, 2, 3, 3)), "b1": rng.normal(size=3),
              "W2": rng.normal(size=(27, 4)) / 3, "b2": rng.normal(size=4)}
    pt = {k: t(v, grad=True) for k, v in params.items()}
    xt = t(x, grad=True)
    h = F.max_pool2d(torch.relu(F.conv2d(xt, pt["W1"], pt["b1"], padding=1)), 2)
    loss = F.cross_entropy(h.flatten(1) @ pt["W2"] + pt["b2"], torch.tensor(y))
    loss.backward()
    g.update({"cnn/x": x, "cnn/y": y, "cnn/loss": np.array(loss.item()),
              "cnn/dx": np_(xt.grad)})
    for k, v in params.items():
        g[f"cnn/{k}"], g[f"cnn/d{k}"] = v, np_(pt[k].grad)
    return g


def check() -> int:
    """Compare the stored goldens with what the installed PyTorch computes now (run by `make bench`, which installs
    torch; the test suite reads the stored file and never needs torch)."""
    stored = dict(np.load(OUT, allow_pickle=False))
    fresh = goldens()
    problems = [] if sorted(fresh) == sorted(stored) else ["the stored file has other cases than this tool writes"]
    for key, value in fresh.items():
        if key == "meta/torch_version" or key not in stored:
            continue
        same = (np.allclose(stored[key], value, rtol=1e-12, atol=1e-15) if value.dtype.kind in "fc"
                else np.array_equal(stored[key], value))
        if not same:
            problems.append(f"{key} differs")
    for problem in problems:
        print(problem)
    print(f"{OUT.name}: {'regenerate it (python tools/make_torch_goldens.py)' if problems else 'as torch computes now'}"
          f" (torch {fresh['meta/torch_version']})")
    return 1 if problems else 0


def main():
    import sys

    if "--check" in sys.argv:
        sys.exit(check())
    g = goldens()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **g)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(g)} arrays, torch {g['meta/torch_version']})")


if __name__ == "__main__":
    main()

"""One benchmark process: ``python benchmarks/workers.py {nnlib|numpy|torch|paired} THREADS`` prints one line of
JSON.

bench_mlp.py runs each framework in its own process (NumPy's and PyTorch's thread pools would fight over the
cores otherwise). Every framework times the same training step of a ReLU MLP, float32 throughout:
zero_grad, forward, softmax cross-entropy, backward, SGD with momentum 0.9.

- nnlib: ``Sequential`` of ``Dense`` and ``ReLU``, ``SoftmaxCrossEntropyLoss``, ``SGD``.
- numpy: the same step as a student writes it in plain NumPy: lists of arrays, no classes, a new array for every
  result. Like nnlib it computes the gradient of the input too (nnlib's ``Sequential.backward`` returns it); the
  process also times the step without it, and the step's matrix products alone.
- torch: ``torch.nn.Sequential`` of ``Linear`` and ``ReLU``, ``cross_entropy``, ``torch.optim.SGD``; it never
  computes the input's gradient (the input does not require one).
- paired: nnlib's step and the plain NumPy step in one process, in alternating blocks, over several memory
  placements; it prints their ratio and times.
"""
import itertools
import json
import sys
import time

import numpy as np

CONFIGS = {  # name: (layer sizes, batch size)
    "784-256-128-10, batch 32": ((784, 256, 128, 10), 32),
    "784-256-128-10, batch 128": ((784, 256, 128, 10), 128),
    "784-256-128-10, batch 512": ((784, 256, 128, 10), 512),
    "64-32-10, batch 32": ((64, 32, 10), 32),
}
POOL = 16  # distinct random batches with random labels, cycled: the network cannot fit them, so its outputs
# never saturate (a network trained to near-zero loss produces subnormal floats, which slow every CPU down)
LR, MOMENTUM = 1e-4, 0.9  # a learning rate small enough that N(0, 1) inputs of width 784 do not diverge
CHECK_STEPS = 10  # the loss at this step of a fresh network is compared across frameworks
DIGITS = dict(sizes=(64, 256, 10), lr=0.05, momentum=0.9, weight_decay=1e-3, batch=32, epochs=100,
              split_seed=1, seed=0, target=0.98)


def block_time(fn, n):
    """Seconds per call of fn over n calls."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def time_per_call(fn, block=0.1, blocks=7):
    """Median over `blocks` timed blocks (about `block` seconds each) of the seconds per call of fn."""
    for _ in range(10):
        fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < block / 5:
        fn()
        n += 1
    n = max(1, 5 * n)
    return float(np.median([block_time(fn, n) for _ in range(blocks)]))


def initial_weights(sizes, seed=0):
    """He-normal weights (in, out) and zero biases, float32: the same in every framework."""
    import nnlib as nn
    rng = np.random.default_rng(seed)
    return [(nn.he_normal(a, b, rng=rng, dtype=np.float32), np.zeros(b, np.float32))
            for a, b in zip(sizes[:-1], sizes[1:])]


def batches(sizes, batch):
    """POOL random float32 batches (X, y), the same in every framework."""
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((batch, sizes[0]), dtype=np.float32), rng.integers(0, sizes[-1], batch))
            for _ in range(POOL)]


def check_then_time(step, data):
    """Run CHECK_STEPS steps (from the fresh network) and keep the last loss, then time step.
    Returns: (seconds per step, that loss)."""
    data = itertools.cycle(data)
    for _ in range(CHECK_STEPS):
        loss = step(*next(data))
    return time_per_call(lambda: step(*next(data))), float(loss)


# ----------------------------------------------------------------------------- nnlib
def nnlib_model(sizes, seed=0):
    import nnlib as nn
    layers = []
    for W, b in initial_weights(sizes, seed):
        dense = nn.Dense(*W.shape, dtype=np.float32)
        dense.W.value, dense.b.value = W, b
        layers += [dense, nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU after the last layer


def nnlib_step(model, loss_fn, optimizer, X, y):
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    model.backward(loss_fn.backward())
    optimizer.step()
    return loss


def nnlib_bench(sizes, batch):
    import nnlib as nn
    model, loss_fn = nnlib_model(sizes), nn.SoftmaxCrossEntropyLoss()
    optimizer = nn.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    return check_then_time(lambda X, y: nnlib_step(model, loss_fn, optimizer, X, y), batches(sizes, batch))


# ----------------------------------------------------------------------------- plain NumPy
def numpy_step(Ws, bs, vs, X, y, input_grad=True):
    """One training step, written by hand.

    Ws, bs: lists of the layers' weights (in, out) and biases, updated in
    place. vs: a list of their velocities, in the order Ws + bs (replaced by
    the new ones). input_grad: also compute d loss / d X, as nnlib does.
    Returns: the loss before the update.
    """
    n = len(X)
    hs = [X]  # the input of every layer
    for W, b in zip(Ws[:-1], bs[:-1]):
        hs.append(np.maximum(hs[-1] @ W + b, 0))
    z = hs[-1] @ Ws[-1] + bs[-1]
    z = z - z.max(axis=1, keepdims=True)  # softmax cross-entropy
    probs = np.exp(z)
    probs = probs / probs.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(n), y]).mean()
    d = probs.copy()  # d loss / d z
    d[np.arange(n), y] -= 1
    d = d / n
    dWs, dbs = [None] * len(Ws), [None] * len(bs)
    for i in reversed(range(len(Ws))):
        dWs[i] = hs[i].T @ d
        dbs[i] = d.sum(axis=0)
        if i > 0 or input_grad:
            d = d @ Ws[i].T
        if i > 0:
            d = d * (hs[i] > 0)  # the ReLU: hs[i] > 0 where its input was
    for i, (p, g) in enumerate(zip(Ws + bs, dWs + dbs)):
        vs[i] = MOMENTUM * vs[i] + g
        p -= LR * vs[i]
    return loss


def matmuls(Ws, hs, ds):
    """The step's matrix products alone. hs: every layer's input; ds: stand-ins for the gradients of every
    layer's output (a product takes the same time whatever the values)."""
    for W, h, d in zip(Ws, hs, ds):
        h @ W
        h.T @ d
        d @ W.T


def numpy_bench(sizes, batch):
    """Returns: (seconds per step, the check loss, seconds without the input's gradient, seconds of the
    matrix products alone)."""
    data = batches(sizes, batch)

    def fresh():
        Ws, bs = (list(a) for a in zip(*initial_weights(sizes)))
        return Ws, bs, [np.zeros_like(p) for p in Ws + bs]
    state = fresh()
    seconds, loss = check_then_time(lambda X, y: numpy_step(*state, X, y), data)
    state_no_dx = fresh()
    seconds_no_dx, _ = check_then_time(lambda X, y: numpy_step(*state_no_dx, X, y, input_grad=False), data)
    rng = np.random.default_rng(0)
    hs = [rng.standard_normal((batch, s), dtype=np.float32) for s in sizes[:-1]]
    ds = [rng.standard_normal((batch, s), dtype=np.float32) for s in sizes[1:]]
    seconds_matmul = time_per_call(lambda: matmuls(state[0], hs, ds))
    return seconds, loss, seconds_no_dx, seconds_matmul


# ----------------------------------------------------------------------------- nnlib and NumPy, paired
PLACEMENTS, PAIRS = 8, 8  # memory placements, and pairs of timing blocks in each


def paired_bench(sizes, batch):
    """nnlib's step and the plain step in one process, in alternating blocks of about 0.03 s each (nnlib first,
    then NumPy first, ...), so that both meet the same phases of the host; and this for PLACEMENTS fresh pairs of
    networks, each built after a random set of unrelated arrays. Where a network's arrays land in memory alone moves
    the ratio by up to +-15 % at 784-256-128-10, batch 32 (measured: 0.92 to 1.22 over eight placements of the same
    code), so one placement says little. Returns: (the median over all pairs of nnlib's time over NumPy's in the
    pair, nnlib's median seconds per step, NumPy's, the median ratio of each placement)."""
    import nnlib as nn
    data = batches(sizes, batch)
    rng = np.random.default_rng(0)
    ratios, per_placement, times = [], [], {"nnlib": [], "numpy": []}
    for _ in range(PLACEMENTS):
        padding = [np.ones(int(rng.integers(1, 300_000))) for _ in range(int(rng.integers(0, 6)))]
        model, loss_fn = nnlib_model(sizes), nn.SoftmaxCrossEntropyLoss()
        optimizer = nn.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
        Ws, bs = (list(a) for a in zip(*initial_weights(sizes)))
        state = (Ws, bs, [np.zeros_like(p) for p in Ws + bs])
        nnlib_data, numpy_data = itertools.cycle(data), itertools.cycle(data)
        steps = {"nnlib": lambda: nnlib_step(model, loss_fn, optimizer, *next(nnlib_data)),
                 "numpy": lambda: numpy_step(*state, *next(numpy_data))}
        steps["nnlib"]()  # warm up both (time_per_call below warms up the plain step)
        n = max(1, round(0.03 / time_per_call(steps["numpy"], block=0.01, blocks=3)))
        placement = []
        for pair in range(PAIRS):
            order = ["nnlib", "numpy"] if pair % 2 == 0 else ["numpy", "nnlib"]
            seconds = {name: block_time(steps[name], n) for name in order}
            placement.append(seconds["nnlib"] / seconds["numpy"])
            for name in order:
                times[name].append(seconds[name])
        ratios += placement
        per_placement.append(float(np.median(placement)))
        del padding
    return (float(np.median(ratios)), float(np.median(times["nnlib"])), float(np.median(times["numpy"])),
            per_placement)


# ----------------------------------------------------------------------------- PyTorch
def torch_model(sizes, seed=0):
    import torch
    layers = []
    for W, b in initial_weights(sizes, seed):
        linear = torch.nn.Linear(*W.shape)
        with torch.no_grad():  # torch keeps the weight as (out, in)
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def torch_step(model, optimizer, X, y):
    import torch
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def torch_bench(sizes, batch):
    import torch
    data = [(torch.from_numpy(X), torch.from_numpy(y)) for X, y in batches(sizes, batch)]
    model = torch_model(sizes)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    return check_then_time(lambda X, y: torch_step(model, optimizer, X, y), data)


# ----------------------------------------------------------------------------- time to 98 % on the digits
def nnlib_digits(X_train, X_test, y_train, y_test):
    """Returns epoch(e) -> test accuracy after training epoch e with the course recipe."""
    import nnlib as nn
    d = DIGITS
    model, loss_fn = nnlib_model(d["sizes"], d["seed"]), nn.SoftmaxCrossEntropyLoss()
    biases = [p for p in model.parameters() if p.name == "b"]
    optimizer = nn.SGD([{"params": nn.weights(model), "weight_decay": d["weight_decay"]},
                        {"params": biases}], lr=d["lr"], momentum=d["momentum"])
    rng = np.random.default_rng(d["seed"])

    def epoch(e):
        optimizer.lr = nn.cosine_lr(d["lr"], e, d["epochs"])
        for idx, _ in nn.minibatches(np.arange(len(X_train)), None, d["batch"], rng=rng):
            nnlib_step(model, loss_fn, optimizer, X_train[idx], y_train[idx])
        return nn.accuracy(model(X_test), y_test)
    return epoch


def torch_digits(X_train, X_test, y_train, y_test):
    import nnlib as nn
    import torch
    d = DIGITS
    X_train, X_test, y_train, y_test = (torch.from_numpy(a) for a in (X_train, X_test, y_train, y_test))
    model = torch_model(d["sizes"], d["seed"])
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    optimizer = torch.optim.SGD([{"params": [m.weight for m in linears], "weight_decay": d["weight_decay"]},
                                 {"params": [m.bias for m in linears]}], lr=d["lr"], momentum=d["momentum"])
    rng = np.random.default_rng(d["seed"])

    def epoch(e):
        for group in optimizer.param_groups:
            group["lr"] = nn.cosine_lr(d["lr"], e, d["epochs"])
        for idx, _ in nn.minibatches(np.arange(len(X_train)), None, d["batch"], rng=rng):
            idx = torch.from_numpy(idx)
            torch_step(model, optimizer, X_train[idx], y_train[idx])
        with torch.no_grad():
            return (model(X_test).argmax(1) == y_test).double().mean().item()
    return epoch


def time_to_target(make_epoch):
    """Seconds of training (with the test evaluation after each epoch) until the test accuracy reaches the
    target; the same data split, initial weights and batch order in both frameworks."""
    import nnlib as nn
    X, y = nn.load_digits()
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, 0.2, rng=DIGITS["split_seed"])
    epoch = make_epoch(X_train.astype(np.float32), X_test.astype(np.float32), y_train, y_test)
    start = time.perf_counter()
    for e in range(DIGITS["epochs"]):
        accuracy = epoch(e)
        if accuracy >= DIGITS["target"]:
            return {"seconds": time.perf_counter() - start, "epochs": e + 1, "accuracy": accuracy}
    return {"seconds": None, "epochs": None, "accuracy": accuracy}


def main(framework, threads):
    out = {}
    if framework == "torch":
        import torch
        torch.set_num_threads(threads)
    if framework == "paired":
        timed = {name: paired_bench(*config) for name, config in CONFIGS.items()}
        print(json.dumps({key: {name: t[i] for name, t in timed.items()}
                          for i, key in enumerate(["nnlib_over_numpy", "nnlib_s", "numpy_s", "placements"])}))
        return
    bench = {"nnlib": nnlib_bench, "numpy": numpy_bench, "torch": torch_bench}[framework]
    timed = {name: bench(*config) for name, config in CONFIGS.items()}
    out["step_s"] = {name: t[0] for name, t in timed.items()}
    out["check_loss"] = {name: t[1] for name, t in timed.items()}
    if framework == "numpy":
        import threadpoolctl
        out["step_no_input_grad_s"] = {name: t[2] for name, t in timed.items()}
        out["matmul_s"] = {name: t[3] for name, t in timed.items()}
        out["blas"] = [{k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                       for info in threadpoolctl.threadpool_info()]
    else:
        out["digits"] = time_to_target({"nnlib": nnlib_digits, "torch": torch_digits}[framework])
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

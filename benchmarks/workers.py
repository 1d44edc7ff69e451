"""One benchmark process: ``python benchmarks/workers.py {nnlib|torch} THREADS`` prints JSON.

bench_mlp.py runs nnlib and torch in separate processes (their thread pools would fight over
the cores otherwise) and alternates them. Every timed step is the same for both frameworks:
zero_grad, forward, softmax cross-entropy, backward (no gradient for the input data, as torch
skips it for tensors that do not require one), SGD with momentum 0.9; float32 throughout.
"""
import itertools
import json
import os
import sys
import time

import numpy as np

CONFIGS = {  # name: (layer sizes, batch size)
    "784-256-128-10, batch 32": ((784, 256, 128, 10), 32),
    "784-256-128-10, batch 128": ((784, 256, 128, 10), 128),
    "784-256-128-10, batch 512": ((784, 256, 128, 10), 512),
    "64-32-10, batch 32": ((64, 32, 10), 32),
}
POOL = 16  # distinct random batches with random labels, cycled: the network cannot fit them, so its
# outputs never saturate (a net trained to near-zero loss on one batch produces subnormal floats, on
# which every CPU slows down many times over and timings stop meaning anything)
LR = 1e-4  # small enough that N(0, 1) inputs of width 784 do not make SGD diverge
DIGITS = dict(sizes=(64, 256, 10), lr=0.05, momentum=0.9, weight_decay=1e-3, batch=32, epochs=100,
              split_seed=1, seed=0, target=0.98)


def machine_cpu_seconds():
    """CPU seconds used so far by every program on the machine (from /proc/stat), or None."""
    try:
        fields = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    except OSError:
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def time_per_call(fn, block=0.1, blocks=7, others_limit=0.05):
    """Median seconds per call of fn over `blocks` timed blocks of about `block` seconds.

    A block during which other programs used more than `others_limit` of the machine's CPU
    (their CPU seconds / (block wall time x cores), from /proc/stat minus this process's
    own CPU time) is discarded and repeated, up to 10 times as many blocks in all.
    """
    for _ in range(10):
        fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < block / 5:
        fn()
        n += 1
    n = max(1, n * 5)
    kept, tries = [], 0
    while len(kept) < blocks and tries < 10 * blocks:
        tries += 1
        machine0, own0, start = machine_cpu_seconds(), time.process_time(), time.perf_counter()
        for _ in range(n):
            fn()
        wall, own, machine1 = time.perf_counter() - start, time.process_time() - own0, machine_cpu_seconds()
        others = None if machine0 is None else (machine1 - machine0 - own) / (wall * os.cpu_count())
        if others is None or others < others_limit or tries > 10 * blocks - blocks + len(kept):
            kept.append(wall / n)
    return float(np.median(kept))


def initial_weights(sizes, seed):
    """He-normal weights (in, out) and zero biases, float32, the same for both frameworks."""
    import nnlib as nn
    rng = np.random.default_rng(seed)
    return [(nn.he_normal(a, b, rng=rng, dtype=np.float32), np.zeros(b, np.float32))
            for a, b in zip(sizes[:-1], sizes[1:])]


# ----------------------------------------------------------------------------- nnlib
def nnlib_model(sizes, seed=0):
    import nnlib as nn
    layers = []
    for i, (W, b) in enumerate(initial_weights(sizes, seed)):
        dense = nn.Dense(*W.shape, dtype=np.float32)
        dense.W.value[...], dense.b.value[...] = W, b
        layers += [dense, nn.ReLU()] if i < len(sizes) - 2 else [dense]
    return nn.Sequential(*layers)


def nnlib_step(model, loss, optimizer, X, y):
    optimizer.zero_grad()
    loss(model.forward(X), y)
    model.backward(loss.backward(), need_input_grad=False)
    optimizer.step()


def batches(sizes, batch):
    """POOL random float32 batches (X, y)."""
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((batch, sizes[0]), dtype=np.float32), rng.integers(0, sizes[-1], batch))
            for _ in range(POOL)]


def nnlib_bench(sizes, batch):
    import nnlib as nn
    model, loss, data = nnlib_model(sizes), nn.SoftmaxCrossEntropyLoss(), itertools.cycle(batches(sizes, batch))
    optimizer = nn.SGD(model.parameters(), lr=LR, momentum=0.9)
    seconds = time_per_call(lambda: nnlib_step(model, loss, optimizer, *next(data)))
    X, y = next(data)
    return seconds, loss(model.forward(X), y)


def gemm_bench(sizes, batch):
    """Only the matrix products of one step: 3 forward, 3 for dW, 2 for dx (none for the input)."""
    rng = np.random.default_rng(0)
    acts = [rng.standard_normal((batch, s), dtype=np.float32) for s in sizes]
    Ws = [rng.standard_normal((a, b), dtype=np.float32) for a, b in zip(sizes[:-1], sizes[1:])]

    def gemms():
        for a, W in zip(acts, Ws):
            a @ W
        for i in reversed(range(len(Ws))):
            acts[i].T @ acts[i + 1]
            if i > 0:
                acts[i + 1] @ Ws[i].T
    return time_per_call(gemms)


def nnlib_digits(data):
    import nnlib as nn
    (X_train, X_test, y_train, y_test), d = data, DIGITS
    model, loss = nnlib_model(d["sizes"], d["seed"]), nn.SoftmaxCrossEntropyLoss()
    biases = [p for p in model.parameters() if p.name == "b"]
    optimizer = nn.SGD([{"params": nn.weights(model), "weight_decay": d["weight_decay"]},
                        {"params": biases}], lr=d["lr"], momentum=d["momentum"])
    rng = np.random.default_rng(d["seed"])

    def epoch(e):
        optimizer.lr = nn.cosine_lr(d["lr"], e, d["epochs"])
        for idx in np.array_split(rng.permutation(len(X_train)), range(d["batch"], len(X_train), d["batch"])):
            nnlib_step(model, loss, optimizer, X_train[idx], y_train[idx])
        return nn.accuracy(model.forward(X_test), y_test)
    return epoch


# ----------------------------------------------------------------------------- torch
def torch_model(sizes, seed=0):
    import torch
    layers = []
    for i, (W, b) in enumerate(initial_weights(sizes, seed)):
        linear = torch.nn.Linear(*W.shape)
        with torch.no_grad():  # torch keeps W as (out, in)
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()] if i < len(sizes) - 2 else [linear]
    return torch.nn.Sequential(*layers)


def torch_step(model, optimizer, X, y):
    import torch
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(X), y).backward()
    optimizer.step()


def torch_bench(sizes, batch):
    import torch
    data = itertools.cycle([(torch.from_numpy(X), torch.from_numpy(y)) for X, y in batches(sizes, batch)])
    model = torch_model(sizes)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    seconds = time_per_call(lambda: torch_step(model, optimizer, *next(data)))
    X, y = next(data)
    with torch.no_grad():
        return seconds, torch.nn.functional.cross_entropy(model(X), y).item()


def torch_digits(data):
    import nnlib as nn
    import torch
    (X_train, X_test, y_train, y_test), d = [torch.from_numpy(a) for a in data], DIGITS
    model = torch_model(d["sizes"], d["seed"])
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    biases = [m.bias for m in model if isinstance(m, torch.nn.Linear)]
    optimizer = torch.optim.SGD([{"params": weights, "weight_decay": d["weight_decay"]}, {"params": biases}],
                                lr=d["lr"], momentum=d["momentum"])
    rng = np.random.default_rng(d["seed"])

    def epoch(e):
        for group in optimizer.param_groups:
            group["lr"] = nn.cosine_lr(d["lr"], e, d["epochs"])
        for idx in np.array_split(rng.permutation(len(X_train)), range(d["batch"], len(X_train), d["batch"])):
            idx = torch.from_numpy(idx)
            torch_step(model, optimizer, X_train[idx], y_train[idx])
        with torch.no_grad():
            return (model(X_test).argmax(1) == y_test).double().mean().item()
    return epoch


def time_to_target(make_epoch):
    """Seconds (training and the per-epoch test evaluation) until test accuracy >= the target."""
    import nnlib as nn
    X, y = nn.load_digits()
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, 0.2, rng=DIGITS["split_seed"])
    epoch = make_epoch((X_train.astype(np.float32), X_test.astype(np.float32), y_train, y_test))
    start = time.perf_counter()
    for e in range(DIGITS["epochs"]):
        accuracy = epoch(e)
        if accuracy >= DIGITS["target"]:
            return {"seconds": time.perf_counter() - start, "epochs": e + 1, "accuracy": accuracy}
    return {"seconds": None, "epochs": None, "accuracy": accuracy}


def main(framework, threads):
    if framework == "torch":
        import torch
        torch.set_num_threads(threads)
        bench, digits = torch_bench, torch_digits
    else:
        bench, digits = nnlib_bench, nnlib_digits
    timed = {name: bench(*cfg) for name, cfg in CONFIGS.items()}
    out = {"step_s": {name: t for name, (t, _) in timed.items()},
           "final_loss": {name: loss for name, (_, loss) in timed.items()}}
    if framework == "nnlib":
        out["gemm_s"] = {name: gemm_bench(*cfg) for name, cfg in CONFIGS.items()}
    out["digits"] = time_to_target(digits)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

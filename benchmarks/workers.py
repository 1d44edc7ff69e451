"""One benchmark process: ``python benchmarks/workers.py {nnlib|numpy|torch|gemm} THREADS`` prints JSON.

bench_mlp.py runs each framework in its own process (torch's and NumPy's thread pools would fight
over the cores otherwise) and alternates them. "numpy" is the same network written by hand in plain
NumPy, the yardstick for what nnlib's checks and modules cost; its process also times the matrix
products alone. Every timed step is the same for both frameworks:
zero_grad, forward, softmax cross-entropy, backward (no gradient for the input data, as torch
skips it for tensors that do not require one), SGD with momentum 0.9; float32 throughout.
"""
import itertools
import json
import os
import resource
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


def time_and_page_faults(fn, calls=200):
    """(time_per_call(fn), minor page faults per call over `calls` more calls): the faults count memory the
    OS had to map in, 0 when fn reuses its memory."""
    seconds = time_per_call(fn)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return seconds, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


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
    seconds, faults = time_and_page_faults(lambda: nnlib_step(model, loss, optimizer, *next(data)))
    X, y = next(data)
    return seconds, faults, loss(model.forward(X), y)


def gemm_bench(sizes, batch):
    """Only the matrix products of one step (3 forward, 3 for dW, 2 for dx, none for the input), each
    written into a preallocated array: the least time any NumPy step could spend on them."""
    rng = np.random.default_rng(0)
    acts = [rng.standard_normal((batch, s), dtype=np.float32) for s in sizes]
    Ws = [rng.standard_normal((a, b), dtype=np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    outs, dWs, dxs = [np.empty_like(a) for a in acts], [np.empty_like(W) for W in Ws], [np.empty_like(a) for a in acts]

    def gemms():
        for i, W in enumerate(Ws):
            np.matmul(acts[i], W, out=outs[i + 1])
        for i in reversed(range(len(Ws))):
            np.matmul(acts[i].T, acts[i + 1], out=dWs[i])
            if i > 0:
                np.matmul(acts[i + 1], Ws[i].T, out=dxs[i])
    return time_per_call(gemms)


# ----------------------------------------------------------------------------- plain NumPy
def numpy_bench(sizes, batch):
    """The same step written directly in NumPy, as a reader might by hand: no checks, no modules,
    gradients and optimiser buffers preallocated, ReLU and the loss gradient computed in place.
    What nnlib's structure costs is the difference between its step and this one."""
    weights = initial_weights(sizes, 0)
    Ws, bs = [W for W, _ in weights], [b for _, b in weights]
    params = Ws + bs
    grads, velocities, scratch = ([np.zeros_like(p) for p in params] for _ in range(3))
    dWs, dbs = grads[:len(Ws)], grads[len(Ws):]
    rows = np.arange(batch)

    def step(X, y):
        acts, masks = [X], []
        for i, (W, b) in enumerate(zip(Ws, bs)):
            h = acts[-1] @ W
            h += b
            if i < len(Ws) - 1:
                masks.append(h > 0)
                h *= masks[-1]
            acts.append(h)
        z = acts[-1]  # logits (N, C): softmax cross-entropy and its gradient, in place
        z -= z.max(axis=1, keepdims=True)
        log_sums = np.log(np.exp(z).sum(axis=1))
        loss = float((log_sums - z[rows, y]).mean())
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        z[rows, y] -= 1.0
        g = z
        g *= 1.0 / batch
        for i in reversed(range(len(Ws))):
            np.matmul(acts[i].T, g, out=dWs[i])
            np.sum(g, axis=0, out=dbs[i])
            if i > 0:
                g = g @ Ws[i].T
                g *= masks[i - 1]
        for p, grad, v, tmp in zip(params, grads, velocities, scratch):
            v *= 0.9
            v += grad
            np.multiply(v, LR, out=tmp)
            p -= tmp
        return loss

    data = itertools.cycle(batches(sizes, batch))
    seconds, faults = time_and_page_faults(lambda: step(*next(data)))
    return seconds, faults, step(*next(data))


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
    seconds, faults = time_and_page_faults(lambda: torch_step(model, optimizer, *next(data)))
    X, y = next(data)
    with torch.no_grad():
        return seconds, faults, torch.nn.functional.cross_entropy(model(X), y).item()


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
    """framework: "nnlib", "numpy" (also times the matrix products alone), "torch", or "gemm" (only those)."""
    out = {}
    if framework == "torch":
        import torch
        torch.set_num_threads(threads)
    if framework != "gemm":
        bench = {"nnlib": nnlib_bench, "numpy": numpy_bench, "torch": torch_bench}[framework]
        timed = {name: bench(*cfg) for name, cfg in CONFIGS.items()}
        out["step_s"] = {name: t for name, (t, _, _) in timed.items()}
        out["page_faults_per_step"] = {name: faults for name, (_, faults, _) in timed.items()}
        out["final_loss"] = {name: loss for name, (_, _, loss) in timed.items()}
    if framework in ("numpy", "gemm"):
        import threadpoolctl
        out["gemm_s"] = {name: gemm_bench(*cfg) for name, cfg in CONFIGS.items()}
        out["blas"] = [{k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                       for info in threadpoolctl.threadpool_info()]
    if framework in ("nnlib", "torch"):
        out["digits"] = time_to_target({"nnlib": nnlib_digits, "torch": torch_digits}[framework])
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

"""nnlib against plain NumPy and PyTorch (CPU): the time of one training step of small MLPs, and the time to
98 % test accuracy on the digits.

    .venv/bin/python benchmarks/bench_mlp.py [--rounds 5] [--threads N] [--openblas-coretype auto]

Each framework runs in its own process (workers.py); the processes alternate (nnlib, NumPy, PyTorch, then
the reverse order) for --rounds rounds, all with the same number of threads. A figure is the median over the
rounds of each process's median over its timing blocks. Each round also runs one "paired" process, which times
nnlib's step and the plain NumPy step in alternating blocks of the same process: the host's slow and fast phases
then fall on both, and nnlib / NumPy is measured to a few per cent where separate processes scatter by 10-30 %.
The target is judged on that paired ratio. Prints a table and writes benchmarks/results.json, which
book/appendix_speed.md reads. Without PyTorch only nnlib and plain NumPy are timed.
"""
import argparse
import datetime
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"nnlib_over_numpy": 1.05}  # at every size


def version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_busy(interval=0.5):
    """Fraction of the machine's CPU time used (by anything) over `interval` seconds, from /proc/stat."""
    def sample():
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total
    try:
        idle0, total0 = sample()
        time.sleep(interval)
        idle1, total1 = sample()
        return 1 - (idle1 - idle0) / max(total1 - total0, 1)
    except OSError:
        return None


def wait_until_quiet(max_wait, threshold=0.1):
    """Wait (at most max_wait s) until other programs use under `threshold` of the CPU; return the last reading."""
    deadline = time.monotonic() + max_wait
    while True:
        busy = cpu_busy()
        if busy is None or busy < threshold or time.monotonic() > deadline:
            return busy


def numpy_environment(coretype):
    """The environment of the nnlib and NumPy processes. coretype: "auto" removes OPENBLAS_CORETYPE (OpenBLAS
    then picks the kernels for this CPU, as PyTorch's MKL does), "inherit" keeps it, any other value sets it."""
    env = dict(os.environ)
    if coretype == "auto":
        env.pop("OPENBLAS_CORETYPE", None)
    elif coretype != "inherit":
        env["OPENBLAS_CORETYPE"] = coretype
    return env


def openblas_architecture(env):
    """The kernels OpenBLAS picks when NumPy loads it in the environment `env` (e.g. "Haswell", "SkylakeX")."""
    probe = subprocess.run([sys.executable, "-c", "import numpy, threadpoolctl; print(','.join("
                            "str(i.get('architecture')) for i in threadpoolctl.threadpool_info()))"],
                           env=env, capture_output=True, text=True, check=True)
    return probe.stdout.strip()


def run_worker(framework, threads, env):
    env = {**env, **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    done = subprocess.run([sys.executable, str(HERE / "workers.py"), framework, str(threads)],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"workers.py {framework} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_same_losses(runs):
    """Every framework trains the same network on the same batches: their losses after a few steps must agree
    (to float32 rounding), or the comparison is not like with like."""
    first = runs["nnlib"][0]["check_loss"]
    for framework, framework_runs in runs.items():
        for config, loss in framework_runs[0]["check_loss"].items():
            if not math.isclose(loss, first[config], rel_tol=1e-4):
                sys.exit(f"{framework} and nnlib disagree on {config}: loss {loss} against {first[config]} "
                         "after the same steps")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--max-wait", type=float, default=60,
                        help="seconds to wait, before each process, for other programs to leave the CPU idle")
    parser.add_argument("--openblas-coretype", default="auto",
                        help='OpenBLAS kernels for nnlib and NumPy: "auto" (OpenBLAS detects the CPU; the '
                             'default), "inherit" (this environment\'s OPENBLAS_CORETYPE) or a name such as '
                             'Haswell or SkylakeX')
    args = parser.parse_args()
    frameworks = ["nnlib", "numpy", "torch"] if version("torch") else ["nnlib", "numpy"]
    if "torch" not in frameworks:
        print("PyTorch is not installed: timing nnlib and plain NumPy only (.venv/bin/pip install torch==2.13.0)")
    numpy_env = numpy_environment(args.openblas_coretype)
    kernels = openblas_architecture(numpy_env)
    print(f"OpenBLAS kernels: {kernels}")

    processes = frameworks + ["paired"]
    runs = {f: [] for f in processes}
    for r in range(args.rounds):
        for framework in processes if r % 2 == 0 else processes[::-1]:
            busy = wait_until_quiet(args.max_wait)
            print(f"round {r + 1}/{args.rounds}: {framework} (CPU busy before: "
                  f"{'?' if busy is None else f'{100 * busy:.0f} %'}) ...", flush=True)
            env = dict(os.environ) if framework == "torch" else numpy_env
            runs[framework].append({**run_worker(framework, args.threads, env), "cpu_busy_before": busy})
    check_same_losses({f: runs[f] for f in frameworks})

    def us(framework, key, config):
        """Median over the rounds of runs[framework][round][key][config], in µs (None without the framework)."""
        if framework not in runs:
            return None
        return 1e6 * statistics.median(run[key][config] for run in runs[framework])

    rows = []
    for config in runs["nnlib"][0]["step_s"]:
        nnlib_us, numpy_us, torch_us = (us(f, "step_s", config) for f in ("nnlib", "numpy", "torch"))
        paired = {key: statistics.median(run[key][config] for run in runs["paired"])
                  for key in ("nnlib_over_numpy", "nnlib_s", "numpy_s")}
        rows.append({
            "config": config,
            # nnlib and plain NumPy in one process, alternating blocks (the figures the target is judged on)
            "nnlib_paired_us": 1e6 * paired["nnlib_s"], "numpy_paired_us": 1e6 * paired["numpy_s"],
            "nnlib_over_numpy_paired": paired["nnlib_over_numpy"],
            "rounds_paired": [run["nnlib_over_numpy"][config] for run in runs["paired"]],
            "placements_paired": [run["placements"][config] for run in runs["paired"]],
            # every framework in its own processes
            "nnlib_us": nnlib_us, "numpy_us": numpy_us, "torch_us": torch_us,
            "nnlib_over_numpy": nnlib_us / numpy_us,
            "nnlib_over_torch": torch_us and 1e6 * paired["nnlib_s"] / torch_us,  # nnlib's paired time
            "numpy_no_input_grad_us": us("numpy", "step_no_input_grad_s", config),
            "matmul_us": us("numpy", "matmul_s", config),
            "rounds_us": {f: [1e6 * run["step_s"][config] for run in runs[f]] for f in frameworks}})
    digits = {}  # the median over the rounds in which the target was reached
    for f in (f for f in frameworks if "digits" in runs[f][0]):
        reached = [run["digits"] for run in runs[f] if run["digits"]["seconds"] is not None]
        digits[f] = {"seconds": statistics.median(d["seconds"] for d in reached) if reached else None,
                     "epochs": statistics.median(d["epochs"] for d in reached) if reached else None,
                     "rounds_reached": len(reached)}
    results = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform()},
        "threads": args.threads, "rounds": args.rounds,
        "versions": {"python": platform.python_version(), "numpy": version("numpy"), "torch": version("torch")},
        "openblas": {"coretype_option": args.openblas_coretype,
                     "inherited_OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
                     "threadpool_info": runs["numpy"][0]["blas"]},
        "cpu_busy_before_each_process": {f: [run["cpu_busy_before"] for run in runs[f]] for f in processes},
        "step": "zero_grad + forward + softmax cross-entropy + backward + SGD(momentum 0.9), float32",
        "rows": rows, "time_to_98_digits": digits, "targets": TARGETS,
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    def cell(value, spec, width):
        return format(value, spec) if value is not None else "-".rjust(width)
    print(f"\nµs per step, {args.threads} threads, {results['machine']['cpu']}, median of {args.rounds} rounds")
    print(f"{'':26s} {'paired, one process':>29s} {'':18s} {'separate processes':>25s}")
    print(f"{'config':26s} {'nnlib':>8s} {'NumPy':>8s} {'nnlib/NumPy':>11s} {'torch':>8s} {'nnlib/torch':>11s} "
          f"{'nnlib':>8s} {'NumPy':>8s} {'nnlib/NumPy':>11s} {'NumPy without dx':>16s} {'matmuls':>8s}")
    for row in rows:
        print(f"{row['config']:26s} {row['nnlib_paired_us']:8.0f} {row['numpy_paired_us']:8.0f} "
              f"{row['nnlib_over_numpy_paired']:11.2f} {cell(row['torch_us'], '8.0f', 8)} "
              f"{cell(row['nnlib_over_torch'], '11.2f', 11)} {row['nnlib_us']:8.0f} {row['numpy_us']:8.0f} "
              f"{row['nnlib_over_numpy']:11.2f} {row['numpy_no_input_grad_us']:16.0f} {row['matmul_us']:8.0f}")
    target = TARGETS["nnlib_over_numpy"]
    missed = [row["config"] for row in rows if row["nnlib_over_numpy_paired"] > target]
    print(f"target nnlib/NumPy (paired) <= {target} at every size: "
          + ("met" if not missed else "NOT met at " + "; ".join(missed)))
    for f, d in digits.items():
        print(f"time to 98 % on the digits, {f}: " + (f"{d['seconds']:.2f} s ({d['epochs']:g} epochs)"
                                                      if d["seconds"] else "not reached"))
    print(f"wrote {HERE / 'results.json'}")


if __name__ == "__main__":
    main()

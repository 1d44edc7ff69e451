"""nnlib vs PyTorch (CPU) on small MLPs: step times, the share of a step spent outside matrix
products, and the time to 98 % test accuracy on the digits.

    .venv/bin/python benchmarks/bench_mlp.py [--rounds 5] [--threads N]

Each framework runs in its own process (workers.py), alternating nnlib/torch for --rounds
rounds with the same thread count; a figure is the median over rounds of each process's
median over repeated timing blocks. Prints a table and writes benchmarks/results.json.
PyTorch is optional: without it only nnlib is timed.
"""
import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"ratio_batch_128": 0.8, "ratio_64_32_10": 0.3, "outside_gemm_share_batch_128": 0.15}


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


# OpenBLAS's idle worker threads spin for a long time after each matrix product. NumPy runs its elementwise
# operations (ReLU, the optimiser's update) on the main thread right after, and on 2 cores the spinning thread takes
# the core they need: measured here, the momentum update of 235k parameters took 220 µs instead of 74 µs. A short
# spin timeout (2^4 cycles) gives it back. It must be set before NumPy loads OpenBLAS, hence here; torch ignores it.
BLAS_ENV = {"OPENBLAS_THREAD_TIMEOUT": os.environ.get("OPENBLAS_THREAD_TIMEOUT", "4")}


def run_worker(framework, threads):
    env = {**os.environ, **BLAS_ENV, **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                                   "MKL_NUM_THREADS")}}
    done = subprocess.run([sys.executable, str(HERE / "workers.py"), framework, str(threads)],
                          env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--max-wait", type=float, default=60,
                        help="seconds to wait, before each process, for other programs to leave the CPU idle")
    args = parser.parse_args()
    frameworks = ["nnlib", "torch"] if version("torch") else ["nnlib"]
    if len(frameworks) == 1:
        print("PyTorch is not installed: timing nnlib only (.venv/bin/pip install torch==2.13.0)")
    load_before = os.getloadavg()
    runs = {f: [] for f in frameworks}
    for r in range(args.rounds):
        for framework in frameworks if r % 2 == 0 else frameworks[::-1]:
            busy = wait_until_quiet(args.max_wait)
            print(f"round {r + 1}/{args.rounds}: {framework} (CPU busy before: "
                  f"{'?' if busy is None else f'{100 * busy:.0f} %'}) ...", flush=True)
            runs[framework].append({**run_worker(framework, args.threads), "cpu_busy_before": busy})

    rows = []
    for name in runs["nnlib"][0]["step_s"]:
        ours = median(run["step_s"][name] for run in runs["nnlib"])
        gemm = median(run["gemm_s"][name] for run in runs["nnlib"])
        theirs = median(run["step_s"][name] for run in runs["torch"]) if "torch" in runs else None
        rows.append({"config": name, "nnlib_us": 1e6 * ours, "torch_us": theirs and 1e6 * theirs,
                     "ratio": theirs and ours / theirs, "gemm_us": 1e6 * gemm,
                     "outside_gemm_share": max(0.0, 1 - gemm / ours),
                     "nnlib_rounds_us": [1e6 * run["step_s"][name] for run in runs["nnlib"]],
                     "torch_rounds_us": [1e6 * run["step_s"][name] for run in runs.get("torch", [])]})
    digits = {f: {"seconds": median(run["digits"]["seconds"] for run in runs[f]),
                  "epochs": runs[f][0]["digits"]["epochs"]} for f in frameworks}
    results = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform()},
        "threads": args.threads, "rounds": args.rounds, "environment": BLAS_ENV,
        "versions": {"python": platform.python_version(), "numpy": version("numpy"), "torch": version("torch")},
        "load_average_before_after": [load_before[0], os.getloadavg()[0]],
        "cpu_busy_before_each_process": {f: [run["cpu_busy_before"] for run in runs[f]] for f in frameworks},
        "step": "zero_grad + forward + softmax cross-entropy + backward + SGD(momentum 0.9), float32",
        "rows": rows, "time_to_98_digits": digits, "targets": TARGETS,
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    print(f"\nnnlib vs PyTorch {results['versions']['torch']}, {args.threads} threads, {results['machine']['cpu']}")
    print(f"{'config':28s} {'nnlib µs':>10s} {'torch µs':>10s} {'ratio':>6s} {'GEMM µs':>9s} {'outside GEMM':>13s}")
    for row in rows:
        torch_us = f"{row['torch_us']:10.1f}" if row["torch_us"] else f"{'-':>10s}"
        ratio = f"{row['ratio']:6.2f}" if row["ratio"] else f"{'-':>6s}"
        print(f"{row['config']:28s} {row['nnlib_us']:10.1f} {torch_us} {ratio} {row['gemm_us']:9.1f} "
              f"{100 * row['outside_gemm_share']:12.1f}%")
    for f, d in digits.items():
        print(f"time to 98 % on digits, {f}: " + (f"{d['seconds']:.2f} s ({d['epochs']} epochs)"
                                                  if d["seconds"] else "not reached"))
    print(f"wrote {HERE / 'results.json'}")


if __name__ == "__main__":
    main()

"""nnlib vs plain NumPy vs PyTorch (CPU) on small MLPs: step times, the share of a step spent outside
matrix products, and the time to 98 % test accuracy on the digits.

    .venv/bin/python benchmarks/bench_mlp.py [--rounds 5] [--threads N] [--openblas-coretype auto]

Each framework runs in its own process (workers.py), alternating nnlib, NumPy and torch for
--rounds rounds with the same thread count; a figure is the median over rounds of each process's
median over repeated timing blocks. Prints a table and writes benchmarks/results.json.
PyTorch is optional: without it only nnlib and plain NumPy are timed.
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


def openblas_architecture(env):
    """The kernels OpenBLAS picks when NumPy loads it in an environment `env` (e.g. "Haswell", "SkylakeX")."""
    probe = subprocess.run([sys.executable, "-c", "import numpy, threadpoolctl; print(','.join("
                            "str(i.get('architecture')) for i in threadpoolctl.threadpool_info()))"],
                           env=env, capture_output=True, text=True, check=True)
    return probe.stdout.strip()


def numpy_environment(coretype):
    """The environment for the NumPy processes. coretype: "auto" removes OPENBLAS_CORETYPE, so that OpenBLAS
    picks the best kernels this CPU runs; "inherit" keeps this environment's; any other value is set."""
    env = dict(os.environ)
    if coretype == "auto":
        env.pop("OPENBLAS_CORETYPE", None)
    elif coretype != "inherit":
        env["OPENBLAS_CORETYPE"] = coretype
    return env


def run_worker(framework, threads, numpy_env):
    """framework: as workers.py takes it, or "gemm-inherited": the matrix products with this shell's OpenBLAS setting."""
    env = numpy_env if framework in ("nnlib", "numpy", "gemm") else dict(os.environ)
    env = {**env, **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    done = subprocess.run([sys.executable, str(HERE / "workers.py"), framework.split("-")[0], str(threads)],
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
    parser.add_argument("--openblas-coretype", default="auto",
                        help='OpenBLAS kernels for nnlib and NumPy: "auto" (OpenBLAS detects the CPU, as PyTorch\'s '
                             'MKL does; the default), "inherit" (this environment\'s OPENBLAS_CORETYPE) or a name '
                             'such as Haswell or SkylakeX')
    args = parser.parse_args()
    frameworks = ["nnlib", "numpy", "torch"] if version("torch") else ["nnlib", "numpy"]
    if "torch" not in frameworks:
        print("PyTorch is not installed: timing nnlib and plain NumPy only (.venv/bin/pip install torch==2.13.0)")
    numpy_env = numpy_environment(args.openblas_coretype)
    inherited, used = openblas_architecture(dict(os.environ)), openblas_architecture(numpy_env)
    print(f"OpenBLAS kernels: {used} (with this shell's environment: {inherited})")
    load_before = os.getloadavg()
    if inherited != used:  # also time the products with the kernels this shell's environment selects
        frameworks.append("gemm-inherited")
    runs = {f: [] for f in frameworks}
    for r in range(args.rounds):
        for framework in frameworks if r % 2 == 0 else frameworks[::-1]:
            busy = wait_until_quiet(args.max_wait)
            print(f"round {r + 1}/{args.rounds}: {framework} (CPU busy before: "
                  f"{'?' if busy is None else f'{100 * busy:.0f} %'}) ...", flush=True)
            runs[framework].append({**run_worker(framework, args.threads, numpy_env), "cpu_busy_before": busy})

    def median_us(framework, key, name):
        """Median over rounds of runs[framework][...][key][name], in µs; None if the framework did not run."""
        return 1e6 * median(run[key][name] for run in runs[framework]) if framework in runs else None

    rows = []
    for name in runs["nnlib"][0]["step_s"]:
        ours, plain, theirs = (median_us(f, "step_s", name) for f in ("nnlib", "numpy", "torch"))
        gemm = median_us("numpy", "gemm_s", name)
        rows.append({"config": name, "nnlib_us": ours, "numpy_us": plain, "torch_us": theirs,
                     "ratio": theirs and ours / theirs, "numpy_ratio": theirs and plain / theirs,
                     "gemm_us": gemm, "outside_gemm_share": max(0.0, 1 - gemm / ours),
                     "numpy_outside_gemm_share": max(0.0, 1 - gemm / plain),
                     "gemm_inherited_us": median_us("gemm-inherited", "gemm_s", name),
                     **{f"{f}_rounds_us": [1e6 * run["step_s"][name] for run in runs[f]]
                        for f in ("nnlib", "numpy", "torch") if f in runs},
                     **{f"{f}_page_faults_per_step": median(run["page_faults_per_step"][name] for run in runs[f])
                        for f in ("nnlib", "numpy", "torch") if f in runs}})
    trainers = [f for f in frameworks if f in ("nnlib", "torch")]
    digits = {f: {"seconds": median(run["digits"]["seconds"] for run in runs[f]),
                  "epochs": runs[f][0]["digits"]["epochs"]} for f in trainers}
    results = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform()},
        "threads": args.threads, "rounds": args.rounds,
        "openblas": {"coretype_option": args.openblas_coretype, "inherited_OPENBLAS_CORETYPE":
                     os.environ.get("OPENBLAS_CORETYPE"), "architecture_inherited": inherited,
                     "architecture_used": used, "threadpool_info": runs["numpy"][0]["blas"]},
        "versions": {"python": platform.python_version(), "numpy": version("numpy"), "torch": version("torch")},
        "load_average_before_after": [load_before[0], os.getloadavg()[0]],
        "cpu_busy_before_each_process": {f: [run["cpu_busy_before"] for run in runs[f]] for f in frameworks},
        "step": "zero_grad + forward + softmax cross-entropy + backward + SGD(momentum 0.9), float32",
        "rows": rows, "time_to_98_digits": digits, "targets": TARGETS,
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    print(f"\nnnlib vs plain NumPy vs PyTorch {results['versions']['torch']}, {args.threads} threads, "
          f"{results['machine']['cpu']}")
    print(f"{'config':26s} {'nnlib µs':>9s} {'NumPy µs':>9s} {'torch µs':>9s} {'nnlib/torch':>11s} "
          f"{'GEMM µs':>8s} {'outside GEMM: nnlib':>19s} {'NumPy':>6s}")

    def fmt(value, spec, width):
        return format(value, spec) if value is not None else "-".rjust(width)
    for row in rows:
        print(f"{row['config']:26s} {row['nnlib_us']:9.1f} {row['numpy_us']:9.1f} {fmt(row['torch_us'], '9.1f', 9)} "
              f"{fmt(row['ratio'], '11.2f', 11)} {row['gemm_us']:8.1f} {100 * row['outside_gemm_share']:18.1f}% "
              f"{100 * row['numpy_outside_gemm_share']:5.1f}%")
    if "gemm-inherited" in runs:
        print(f"matrix products alone with the {inherited} kernels of this shell's environment: "
              + ", ".join(f"{row['gemm_inherited_us']:.0f} µs" for row in rows))
    for f, d in digits.items():
        print(f"time to 98 % on digits, {f}: " + (f"{d['seconds']:.2f} s ({d['epochs']} epochs)"
                                                  if d["seconds"] else "not reached"))
    print(f"wrote {HERE / 'results.json'}")


if __name__ == "__main__":
    main()

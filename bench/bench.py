"""`make bench`: gradscope against a NumPy implementation of the same sweeps.

Runs each line alternately (gradscope, NumPy, gradscope, ...; the conv line also PyTorch), takes the median
of the repeats, and prints one Markdown table (also written to bench/results.md):
wall times, their ratio, the GEMM floor (the plain implementation's matrix
products alone), gradscope's Gaussian sampling rate, and its effective GEMM rate
as a fraction of this machine's dgemm peak measured in the same run.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

from numpy_sweep import cells  # the grid, expanded exactly as the NumPy baseline does

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GRADSCOPE = os.path.join(ROOT, ".build", "release", "gradscope")
LINES = [line for line in os.environ.get("LINES", "standard narrow-deep wide conv training").split()]
TRAINING = ["training-conv", "training-dense"]  # the training line's halves: seed-cnn's network, a dense net
PRECISIONS = ["float32", "float64"]  # the conv line split by precision, each against PyTorch in it
WIDTHS = [32, 64, 128]  # the narrow-deep line split by width: its distance to the floor is about 1 + c / width
REPEATS = int(os.environ.get("REPEATS", "3"))
JOBS = os.environ.get("JOBS", str(os.cpu_count() or 1))


def plain_flops(path):
    """GEMM FLOPs a plain implementation must do: 6 batch width^2 per layer and run."""
    config = json.load(open(path))
    seeds = config.get("seeds", 5)
    seeds = seeds if isinstance(seeds, int) else len(seeds)
    total, runs = 0, 0
    for cell in cells(config):
        total += 6 * cell.get("batch", 128) * cell.get("width", 256) ** 2 * cell.get("depth", 10) * seeds
        runs += seeds
    return total, runs


def haar_matrices(path):
    """Width -> the Haar matrices the sweep draws: one per (seed, layer) of each orthogonal weight family
    (cells that share width and gain share their matrices: common random numbers), up to its deepest cell."""
    config = json.load(open(path))
    seeds = config.get("seeds", 5)
    seeds = seeds if isinstance(seeds, int) else len(seeds)
    deepest = {}
    for cell in cells(config):
        init = cell.get("init", "xavier_normal")
        name = init.get("name") if isinstance(init, dict) else init
        if name != "orthogonal":
            continue
        key = (cell.get("width", 256), json.dumps(init, sort_keys=True))
        deepest[key] = max(deepest.get(key, 0), cell.get("depth", 10))
    counts = {}
    for (width, _), depth in deepest.items():
        counts[width] = counts.get(width, 0) + depth * seeds
    return counts


def haar_seconds(width):
    """One Haar draw at `width` on one core (`gradscope haar-rate`, best of 3)."""
    text = subprocess.run([GRADSCOPE, "haar-rate", "--width", str(width), "--repeats", "3"], check=True,
                          capture_output=True, text=True).stdout
    return float(re.search(r"sampler ([0-9.e+-]+) s", text).group(1))


def gemm_floor(config):
    """Seconds of the plain implementation's products alone for `config` (`gradscope gemm-floor`)."""
    return float(subprocess.run([GRADSCOPE, "gemm-floor", config], check=True, capture_output=True,
                                text=True).stdout)


def timed(command, env=None):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def distance_to_floor(config, out):
    """One gradscope run of `config` against the mean of the GEMM floors timed right before and right after it
    (a shared machine's speed drifts by tens of percent within minutes, so the distance is taken within each
    run): (gradscope seconds, floor seconds before and after, gradscope / floor)."""
    before = gemm_floor(config)
    seconds = timed([GRADSCOPE, "run", config, "--output", out, "--force", "--quiet", "--jobs", JOBS])
    after = gemm_floor(config)
    return seconds, [before, after], seconds / ((before + after) / 2)


def blas_core(out, config):
    """The BLAS core the line's runs used and who chose it, from its manifest: "Zen (openblas)"."""
    name = json.load(open(config))["name"]
    blas = json.load(open(os.path.join(out, name, "manifest.json")))["blas"]
    return f"{blas['core']} ({blas.get('core_chosen_by', '?')})"


def by_width(out):
    """The narrow-deep line with one width at a time: per width the median gradscope / floor over the repeats
    and c = (gradscope / floor - 1) x width, the constant of the model gradscope / floor = 1 + c / width
    (the products cost 6 x width flops per element of Z_l, the rest about the same at any width)."""
    config = json.load(open(os.path.join(HERE, "narrow-deep.json")))
    rows = []
    for width in WIDTHS:
        path = os.path.join(out, f"narrow-deep-{width}.json")
        with open(path, "w") as f:
            json.dump(dict(config, name=f"narrow-deep-{width}", sweep=dict(config["sweep"], width=[width])), f)
        runs = [distance_to_floor(path, out) for _ in range(REPEATS)]
        seconds = statistics.median(run[0] for run in runs)
        floor = statistics.median(value for run in runs for value in run[1])
        distance = statistics.median(run[2] for run in runs)
        rows.append((width, seconds, floor, distance, (distance - 1) * width))
    return rows


def has_torch(python):
    """Whether the bench venv has PyTorch (installed from a local CPU wheel by `make bench` when there is one)."""
    return subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0


def conv_rows(python, out):
    """The conv line, one row per precision: gradscope, the NumPy im2col baseline and PyTorch (when installed)
    timed alternately on the same half of bench/conv.json, each gradscope run between two GEMM floors."""
    config = json.load(open(os.path.join(HERE, "conv.json")))
    torch = has_torch(python)
    rows = []
    for precision in PRECISIONS:
        path = os.path.join(out, f"conv-{precision}.json")
        with open(path, "w") as f:
            json.dump(dict(config, name=f"conv-{precision}", sweep=dict(config["sweep"], precision=[precision])), f)
        ours, numpy_seconds, torch_seconds, floors, distances = [], [], [], [], []
        for _ in range(REPEATS):
            seconds, around, distance = distance_to_floor(path, out)
            ours.append(seconds)
            floors += around
            distances.append(distance)
            numpy_seconds.append(timed([python, os.path.join(HERE, "numpy_conv.py"), path]))
            if torch:
                env = dict(os.environ, JOBS=JOBS)
                torch_seconds.append(timed([python, os.path.join(HERE, "torch_conv.py"), path], env=env))
        g = statistics.median(ours)
        t = statistics.median(torch_seconds) if torch_seconds else None
        rows.append((f"conv {precision}", blas_core(out, path), g, statistics.median(numpy_seconds), t,
                     statistics.median(floors), statistics.median(distances)))
    return rows


def training_rows(python, out):
    """The training line, one row per half (bench/training-conv.json, bench/training-dense.json): gradscope and
    PyTorch (when installed) timed alternately, each gradscope run between two GEMM floors; with the steps per
    second each reaches (the optimiser steps of every cell and seed over the wall time)."""
    torch = has_torch(python)
    rows = []
    for name in TRAINING:
        path = os.path.join(HERE, name + ".json")
        config = json.load(open(path))
        seeds = config.get("seeds", 5)
        steps = config["train"]["steps"] * len(list(cells(config))) * (seeds if isinstance(seeds, int) else len(seeds))
        ours, torch_seconds, floors, distances = [], [], [], []
        for _ in range(REPEATS):
            seconds, around, distance = distance_to_floor(path, out)
            ours.append(seconds)
            floors += around
            distances.append(distance)
            if torch:
                env = dict(os.environ, JOBS=JOBS)
                torch_seconds.append(timed([python, os.path.join(HERE, "torch_training.py"), path], env=env))
        g = statistics.median(ours)
        t = statistics.median(torch_seconds) if torch_seconds else None
        rows.append((name, blas_core(out, path), steps, g, t, statistics.median(floors), statistics.median(distances)))
    return rows


def max_rss_kib(command):
    """Peak resident memory of a command, from /usr/bin/time -v."""
    result = subprocess.run(["/usr/bin/time", "-v"] + command, check=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))


def main():
    python = sys.argv[1] if len(sys.argv) > 1 else sys.executable
    out = os.path.join(HERE, "results-tmp")
    peak = max(float(subprocess.run([GRADSCOPE, "gemm-peak"], check=True, capture_output=True, text=True).stdout)
               for _ in range(3))
    normals = float(subprocess.run([GRADSCOPE, "normals-rate"], check=True, capture_output=True, text=True).stdout)
    rows = []
    for line in [line for line in LINES if line not in ("conv", "training")]:
        config = os.path.join(HERE, line + ".json")
        ours, theirs, floors, distances = [], [], [], []
        for _ in range(REPEATS):
            seconds, around, distance = distance_to_floor(config, out)
            ours.append(seconds)
            theirs.append(timed([python, os.path.join(HERE, "numpy_sweep.py"), config]))
            floors += around
            distances.append(distance)
        flops, runs = plain_flops(config)
        g, n, f = statistics.median(ours), statistics.median(theirs), statistics.median(floors)
        haar = sum(count * haar_seconds(width) for width, count in haar_matrices(config).items())
        cores = os.cpu_count() or 1
        distance = statistics.median(distances)
        rows.append((line, blas_core(out, config), runs, g, n, n / g, f, n / f, distance,
                     haar / (g * min(cores, int(JOBS))), flops / g / 1e9, flops / g / 1e9 / peak))
    widths = by_width(out) if "narrow-deep" in LINES else []
    convs = conv_rows(python, out) if "conv" in LINES else []
    trainings = training_rows(python, out) if "training" in LINES else []
    info = subprocess.run([GRADSCOPE, "info"], check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(": ", 1) for line in info.splitlines() if ": " in line)
    rss = max_rss_kib([GRADSCOPE, "run", os.path.join(HERE, "standard.json"), "--output", out, "--force", "--quiet",
                       "--jobs", JOBS]) if "standard" in LINES else 0
    table = [
        f"dgemm peak through gradscope's BLAS layer, {os.cpu_count()} cores: {peak:.1f} GFLOP/s; "
        f"Gaussian sampling: {normals / 1e6:.0f} million float64 normals/s on one core; "
        f"median of {REPEATS} alternating repeats, --jobs {JOBS}.",
        "",
        f"CPU: {fields.get('CPU', '?')} ({fields.get('CPU features', '?')}); BLAS core: {fields.get('BLAS core', '?')}, "
        f"chosen by {fields.get('chosen by', '?')} ({fields.get('why', '?')}; OpenBLAS's own choice: "
        f"{fields.get('OpenBLAS' + chr(39) + 's own choice', '?')}). NumPy runs the OpenBLAS its wheel bundles.",
        "",
    ]
    if rows:
        table += [
            "| line | BLAS core | runs | gradscope (s) | NumPy (s) | NumPy / gradscope | GEMM floor (s) | NumPy / floor | gradscope / floor | Haar share | effective GFLOP/s | of dgemm peak |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for line, core, runs, g, n, ratio, f, best, distance, share, rate, fraction in rows:
        table.append(f"| {line} | {core} | {runs} | {g:.2f} | {n:.2f} | {ratio:.1f}x | {f:.2f} | {best:.1f}x | {distance:.2f}x | "
                     f"{100 * share:.0f}% | {rate:.1f} | {100 * fraction:.0f}% |")
    table += [] if not rows else ["", "GEMM floor: the plain implementation's products alone (per run and layer H W, D W^T, H^T D; "
              "`gradscope gemm-floor`), on all cores; NumPy / floor is the best ratio an implementation "
              "doing those products with this BLAS could reach; gradscope / floor is gradscope's distance to it, "
              "the median over the repeats of each run against the mean of the floors timed right before and "
              "after it. "
              "Haar share: the Haar draws the line needs (one per seed and layer of each orthogonal weight family, "
              "each timed on one core by `gradscope haar-rate`) as a fraction of the line's core-seconds "
              "(wall time x jobs)."]
    table += [] if not widths else ["", "The narrow-deep line by width (its config with one width; median of the repeats, each run "
              "between two floors; c = (gradscope / floor - 1) x width, the constant of gradscope / floor = "
              "1 + c / width):", "",
              "| width | gradscope (s) | GEMM floor (s) | gradscope / floor | c |", "|---:|---:|---:|---:|---:|"]
    table += [f"| {width} | {g:.2f} | {f:.2f} | {distance:.2f}x | {c:.0f} |" for width, g, f, distance, c in widths]
    if not rows and not widths:
        table = table[:4]  # the conv or training line alone: the machine's lines, then its table below
    if convs:
        table += ["", "The conv line (bench/conv.json, one half per precision; NumPy: im2col + one product per layer, "
                  "bench/numpy_conv.py; PyTorch: `F.conv2d` forward and `backward()` with `retain_grad` on every "
                  f"Z_l and H_l, bench/torch_conv.py, `torch.set_num_threads({JOBS})`):", "",
                  "| line | BLAS core | gradscope (s) | NumPy (s) | PyTorch (s) | PyTorch / gradscope | "
                  "NumPy / gradscope | GEMM floor (s) | gradscope / floor |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for line, core, g, n, t, f, distance in convs:
            torch_text = f"{t:.2f} | {t / g:.2f}x" if t is not None else "no PyTorch wheel | -"
            table.append(f"| {line} | {core} | {g:.2f} | {n:.2f} | {torch_text} | {n / g:.1f}x | {f:.2f} | {distance:.2f}x |")
    if trainings:
        table += ["", "The training line (bench/training-conv.json: seed-cnn's 12-layer CNN, relu, plain and residual, "
                  "with and without batch norm; bench/training-dense.json: dense nets of depth 8 and width 256; "
                  "both on Fashion-MNIST, SGD with momentum, per-layer norms and evaluations at the recorded "
                  "steps; PyTorch: the same networks, `torch.optim.SGD`, `retain_grad` on every Z_l and H_l, "
                  f"bench/torch_training.py, `torch.set_num_threads({JOBS})`; GEMM floor: the products of every "
                  "minibatch and evaluation):", "",
                  "| line | BLAS core | steps | gradscope (s) | PyTorch (s) | PyTorch / gradscope | gradscope steps/s | "
                  "PyTorch steps/s | GEMM floor (s) | gradscope / floor |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for line, core, steps, g, t, f, distance in trainings:
            torch_text = f"{t:.2f} | {t / g:.2f}x" if t is not None else "no PyTorch wheel | -"
            torch_rate = f"{steps / t:.0f}" if t is not None else "-"
            table.append(f"| {line} | {core} | {steps} | {g:.2f} | {torch_text} | {steps / g:.0f} | {torch_rate} | "
                         f"{f:.2f} | {distance:.2f}x |")
    if "standard" in LINES:
        table += ["", f"Peak memory of the standard sweep (/usr/bin/time -v): {rss / 1024:.0f} MiB."]
    text = "\n".join(table) + "\n"
    print(text)
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()

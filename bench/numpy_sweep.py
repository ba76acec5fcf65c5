"""The same computation as gradscope, written the way a competent NumPy user would.

For every cell of a sweep config and every seed: draw the weights (NumPy's
default_rng; np.linalg.qr with the signs of R's diagonal folded in for
orthogonal), run one batched forward and backward pass with `@`, and record per
layer the four gradient norms and the activation statistics. Used by
`make bench` as the baseline; it writes nothing but a checksum line.
"""
import itertools
import json
import sys

import numpy as np


def activation(name):
    """(phi, phi') as vectorised NumPy functions."""
    if name == "sigmoid":
        def f(z):
            return 0.5 * (1.0 + np.tanh(0.5 * z))
        def d(z):
            s = f(z)
            return s * (1.0 - s)
        return f, d
    if name == "tanh":
        return np.tanh, lambda z: 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(z.dtype)
    if name == "linear":
        return lambda z: z, lambda z: np.ones_like(z)
    raise SystemExit(f"numpy baseline: activation {name} not implemented")


def weights(init, rng, n):
    """One n x n weight matrix."""
    if init == "xavier_normal":
        return rng.standard_normal((n, n)) * np.sqrt(1.0 / n)
    if init == "he_normal":
        return rng.standard_normal((n, n)) * np.sqrt(2.0 / n)
    if init == "orthogonal":
        q, r = np.linalg.qr(rng.standard_normal((n, n)))
        return q * np.sign(np.diag(r))
    raise SystemExit(f"numpy baseline: init {init} not implemented")


def run(cell, seed):
    """One forward and backward pass; returns the per-layer numbers."""
    rng = np.random.default_rng(seed)
    n, b, depth = cell["width"], cell["batch"], cell["depth"]
    phi, dphi = activation(cell["activation"])
    ws = [weights(cell["init"], rng, n) for _ in range(depth)]
    bias = np.zeros(n)
    h = rng.standard_normal((b, n))
    y = rng.standard_normal((b, n))
    hs, slopes, stats = [h], [], []
    for w in ws:
        z = hs[-1] @ w + bias
        a = phi(z)
        s = dphi(z)
        hs.append(a)
        slopes.append(s)
        stats.append((a.mean(), a.std(), float(np.mean(s < 0.05 * s.max()))))
    g = (hs[-1] - y) / b
    out = []
    for l in range(depth - 1, -1, -1):
        d = g * slopes[l]
        dw = hs[l].T @ d
        out.append((np.linalg.norm(dw), np.linalg.norm(d.sum(axis=0)), np.linalg.norm(d), np.linalg.norm(g)))
        g = d @ ws[l].T
    return out[::-1], stats


def cells(config):
    """The cartesian product of the sweep axes, first axis slowest."""
    base = {k: v for k, v in config.items() if k not in ("name", "description", "sweep", "seeds")}
    axes = list(config.get("sweep", {}).items())
    for values in itertools.product(*[v for _, v in axes]):
        cell = dict(base)
        cell.update({k: v for (k, _), v in zip(axes, values)})
        yield cell


def run_sweep(path, run, keep=lambda cell: True):
    """Runs `run(cell, seed)` for every cell of the config at `path` that `keep` accepts and every seed, and
    prints one checksum line (the log10 of layer 1's ||dLoss/dZ|| summed over the runs)."""
    config = json.load(open(path))
    seeds = config.get("seeds", 5)
    seeds = list(range(seeds)) if isinstance(seeds, int) else seeds
    checksum, runs = 0.0, 0
    for cell in cells(config):
        if not keep(cell):
            continue
        for seed in seeds:
            norms, _ = run(cell, seed)
            checksum += float(np.log10(norms[0][2] + 1e-300))
            runs += 1
    print(f"{path}: {runs} runs, checksum {checksum:.6f}")


def main(path):
    run_sweep(path, run)


if __name__ == "__main__":
    main(sys.argv[1])

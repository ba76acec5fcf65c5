"""The conv line's NumPy baseline: gradscope's conv sweep written the way a competent NumPy user would.

For every cell of a conv sweep config and every seed: draw the kernels (Gaussian with Var = 1 / (c k^2) for
`lecun_normal`, or `delta_orthogonal`: a Haar-random centre tap by np.linalg.qr), run one batched forward and
backward pass through circularly or zero-padded 2-D convolutions as im2col + one matrix product per layer
(patches from `sliding_window_view`, the adjoint by adding each tap's slice back), and record per layer the
four gradient norms and the activation statistics. Used by `make bench`; it writes only a checksum line.
"""
import json
import sys

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from numpy_sweep import activation, run_sweep


def kernel(init, rng, c, k, dtype):
    """K as the (c k^2) x c matrix, rows ordered (channel, dy, dx)."""
    if init == "lecun_normal":
        return (rng.standard_normal((c * k * k, c)) / np.sqrt(c * k * k)).astype(dtype)
    if init in ("delta_orthogonal", {"name": "delta_orthogonal"}):
        q, r = np.linalg.qr(rng.standard_normal((c, c)))
        taps = np.zeros((c, k, k, c))
        taps[:, k // 2, k // 2, :] = q * np.sign(np.diag(r))
        return taps.reshape(c * k * k, c).astype(dtype)
    raise SystemExit(f"numpy conv baseline: init {init} not implemented")


def pad(h, r, padding):
    """h (b, n, n, c) with r entries of padding on each side of both map axes."""
    return np.pad(h, ((0, 0), (r, r), (r, r), (0, 0)), mode="wrap" if padding == "circular" else "constant")


def patches(h, k, padding):
    """(b n^2) x (c k^2) im2col of h (b, n, n, c)."""
    b, n, _, c = h.shape
    windows = sliding_window_view(pad(h, k // 2, padding), (k, k), axis=(1, 2))  # b, n, n, c, k, k
    return windows.reshape(b * n * n, c * k * k)


def fold(dp, shape, k, padding):
    """The adjoint of `patches`: each patch entry added back to the map entry it was read from."""
    b, n, _, c = shape
    r = k // 2
    dp = dp.reshape(b, n, n, c, k, k)
    padded = np.zeros((b, n + 2 * r, n + 2 * r, c), dtype=dp.dtype)
    for dy in range(k):
        for dx in range(k):
            padded[:, dy:dy + n, dx:dx + n, :] += dp[..., dy, dx]
    if padding == "circular" and r > 0:  # fold the wrapped border back onto the map
        padded[:, n:n + r, :, :] += padded[:, :r, :, :]
        padded[:, r:2 * r, :, :] += padded[:, n + r:, :, :]
        padded[:, :, n:n + r, :] += padded[:, :, :r, :]
        padded[:, :, r:2 * r, :] += padded[:, :, n + r:, :]
    return padded[:, r:r + n, r:r + n, :]


def run(cell, seed):
    """One forward and backward pass; returns the per-layer numbers."""
    rng = np.random.default_rng(seed)
    dtype = np.float32 if cell.get("precision", "float64") == "float32" else np.float64
    c, b, depth = cell["width"], cell["batch"], cell["depth"]
    n, k, padding = cell["image_size"], cell.get("kernel_size", 3), cell.get("padding", "circular")
    phi, dphi = activation(cell["activation"])
    ks = [kernel(cell["init"], rng, c, k, dtype) for _ in range(depth)]
    bias = np.zeros(c, dtype=dtype)
    hs = [rng.standard_normal((b, n, n, c)).astype(dtype)]
    probe = rng.standard_normal((b, n, n, c)).astype(dtype)
    slopes, stats, ps = [], [], []
    for w in ks:
        p = patches(hs[-1], k, padding)
        z = (p @ w + bias).reshape(b, n, n, c)
        a, s = phi(z), dphi(z)
        hs.append(a)
        slopes.append(s)
        ps.append(p)
        stats.append((a.mean(), a.std(), float(np.mean(s < 0.05 * s.max()))))
    g = probe / b
    out = []
    for l in range(depth - 1, -1, -1):
        d = (g * slopes[l]).reshape(b * n * n, c)
        dw = ps[l].T @ d
        out.append((np.linalg.norm(dw), np.linalg.norm(d.sum(axis=0)), np.linalg.norm(d), np.linalg.norm(g)))
        g = fold(d @ ks[l].T, hs[l].shape, k, padding)
    return out[::-1], stats


def main(path):
    run_sweep(path, run)


if __name__ == "__main__":
    main(sys.argv[1])

"""The conv line's PyTorch peer: gradscope's conv sweep as a PyTorch user would run it on the CPU.

For every cell of a conv sweep config and every seed: kernels drawn as `numpy_conv` draws them (NCHW), one
batched forward pass through `torch.nn.functional.conv2d` (circular padding by `F.pad(mode="circular")`),
`loss.backward()` with `retain_grad()` on every Z_l and H_l, and per layer the four gradient norms and the
activation statistics, in the cell's precision. Threads: `torch.set_num_threads(JOBS)`, the cores gradscope's
`--jobs` uses. Used by `make bench` where a PyTorch CPU wheel is installed; it writes only a checksum line.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from numpy_conv import kernel
from numpy_sweep import run_sweep

PHI = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


def run(cell, seed):
    """One forward and backward pass with autograd; returns the per-layer numbers."""
    rng = np.random.default_rng(seed)
    dtype = torch.float32 if cell.get("precision", "float64") == "float32" else torch.float64
    c, b, depth = cell["width"], cell["batch"], cell["depth"]
    n, k, padding = cell["image_size"], cell.get("kernel_size", 3), cell.get("padding", "circular")
    r = k // 2
    phi = PHI[cell["activation"]]
    weights = []
    for _ in range(depth):  # (c k^2) x c rows (channel, dy, dx) -> c_out x c_in x k x k
        w = kernel(cell["init"], rng, c, k, np.float64).reshape(c, k, k, c).transpose(3, 0, 1, 2)
        weights.append(torch.tensor(np.ascontiguousarray(w), dtype=dtype, requires_grad=True))
    biases = [torch.zeros(c, dtype=dtype, requires_grad=True) for _ in range(depth)]
    # the draws numpy_conv makes, in its (b, n, n, c) order, then NCHW
    h = torch.tensor(rng.standard_normal((b, n, n, c)).transpose(0, 3, 1, 2).copy(), dtype=dtype, requires_grad=True)
    probe = torch.tensor(rng.standard_normal((b, n, n, c)).transpose(0, 3, 1, 2).copy(), dtype=dtype)
    zs, hs, stats = [], [h], []
    for w, bias in zip(weights, biases):
        x = F.pad(hs[-1], (r, r, r, r), mode="circular") if padding == "circular" and r > 0 else hs[-1]
        z = F.conv2d(x, w, bias, padding=0 if padding == "circular" else r)
        z.retain_grad()
        a = phi(z)
        a.retain_grad()
        zs.append(z)
        hs.append(a)
    loss = (hs[-1] * probe).sum() / b
    loss.backward()
    with torch.no_grad():
        for a in hs[1:]:
            stats.append((a.mean().item(), a.std().item()))
        out = [(weights[l].grad.norm().item(), biases[l].grad.norm().item(), zs[l].grad.norm().item(),
                hs[l + 1].grad.norm().item()) for l in range(depth)]
    return out, stats


def main(path):
    torch.set_num_threads(int(os.environ.get("JOBS", str(os.cpu_count() or 1))))
    precision = os.environ.get("PRECISION")  # the line's float32 or float64 half, when given
    run_sweep(path, run, keep=lambda cell: not precision or cell.get("precision", "float64") == precision)


if __name__ == "__main__":
    main(sys.argv[1])

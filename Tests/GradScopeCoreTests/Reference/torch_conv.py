"""Writes torch-conv.json: two tanh conv2d layers (PyTorch, float64), both paddings, one fixed small case, for
ConvReferenceTests. Every weight, bias, input and probe entry is a formula that the Swift test repeats.

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch && /tmp/tv/bin/python torch_conv.py
"""
import json
import math

import torch
import torch.nn.functional as F

CHANNELS, SIZE, KERNEL, BATCH = 2, 4, 3, 2


def entry(kind, index, scale):
    """The shared formula: scale * sin(1 + 7 kind + 0.37 index), index the entry's row-major position."""
    return scale * math.sin(1 + 7 * kind + 0.37 * index)


def tensor(kind, shape, scale):
    count = math.prod(shape)
    return torch.tensor([entry(kind, i, scale) for i in range(count)], dtype=torch.float64).reshape(shape)


def conv(x, weight, bias, padding):
    r = KERNEL // 2
    if padding == "circular":
        return F.conv2d(F.pad(x, (r, r, r, r), mode="circular"), weight, bias)
    return F.conv2d(x, weight, bias, padding=r)


def run(padding):
    # PyTorch's layouts: x (batch, c, y, x), weight (c_out, c_in, dy, dx)
    x = tensor(1, (BATCH, CHANNELS, SIZE, SIZE), 1.0)
    weights = [tensor(2 + l, (CHANNELS, CHANNELS, KERNEL, KERNEL), 0.4).requires_grad_(True) for l in range(2)]
    biases = [tensor(4 + l, (CHANNELS,), 0.2).requires_grad_(True) for l in range(2)]
    probe = tensor(6, (BATCH, CHANNELS, SIZE, SIZE), 1.0)
    h1 = torch.tanh(conv(x, weights[0], biases[0], padding))
    h1.retain_grad()
    h2 = torch.tanh(conv(h1, weights[1], biases[1], padding))
    loss = (probe * h2).sum() / BATCH
    loss.backward()
    return {
        "hidden": [h.detach().flatten().tolist() for h in (h1, h2)],
        "hidden_gradient": h1.grad.flatten().tolist(),
        "weight_gradients": [w.grad.flatten().tolist() for w in weights],
        "bias_gradients": [b.grad.flatten().tolist() for b in biases],
        "loss": loss.item(),
    }


if __name__ == "__main__":
    result = {"torch": torch.__version__, "circular": run("circular"), "zero": run("zero")}
    with open("torch-conv.json", "w") as f:
        json.dump(result, f, indent=1)

"""Writes torch-gated.json: torch.nn.LSTM and torch.nn.GRU (PyTorch 2.15, float64) on one fixed small case,
for GatedReferenceTests. Every weight, input and probe entry is a formula that the Swift test repeats.

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch && /tmp/tv/bin/python torch_gated.py
"""
import json
import math

import torch

WIDTH, INPUT, BATCH, STEPS = 3, 2, 2, 4


def entry(kind, a, b, scale):
    """The shared formula: scale * sin(1 + 7 kind + 3 a + b)."""
    return scale * math.sin(1 + 7 * kind + 3 * a + b)


def tensor(kind, rows, columns, scale):
    return torch.tensor([[entry(kind, a, b, scale) for b in range(columns)] for a in range(rows)], dtype=torch.float64)


def run(module_type, gates):
    torch.manual_seed(0)
    module = module_type(INPUT, WIDTH, batch_first=False).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(tensor(1, gates * WIDTH, INPUT, 0.8))  # rows: gates of PyTorch's order
        module.weight_hh_l0.copy_(tensor(2, gates * WIDTH, WIDTH, 0.7))
        module.bias_ih_l0.copy_(tensor(3, 1, gates * WIDTH, 0.3)[0])
        module.bias_hh_l0.copy_(tensor(4, 1, gates * WIDTH, 0.2)[0])
    x = torch.stack([tensor(5 + t, BATCH, INPUT, 1.0) for t in range(STEPS)]).requires_grad_(True)
    outputs, _ = module(x)
    probe = tensor(20, BATCH, WIDTH, 1.0)
    loss = (probe * outputs[-1]).sum() / BATCH
    loss.backward()
    return {
        "hidden": [outputs[t].detach().flatten().tolist() for t in range(STEPS)],
        "input_gradients": [x.grad[t].flatten().tolist() for t in range(STEPS)],
        "loss": loss.item(),
    }


result = {"torch": torch.__version__, "lstm": run(torch.nn.LSTM, 4), "gru": run(torch.nn.GRU, 3)}
with open("torch-gated.json", "w") as f:
    json.dump(result, f, indent=1)
print("wrote torch-gated.json")

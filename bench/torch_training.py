"""The training line's PyTorch peer: a bench/training-*.json sweep as a PyTorch user would train it on the CPU.

For every cell and seed: Fashion-MNIST from Debian's gzipped IDX files (pixels / 255, block-averaged to
`image_size`, standardised by the training images' mean and std), the first `train_size` of a seeded
permutation of the training images, He-normal weights, zero biases, a LeCun-normal readout of the last layer
(of its channel means for a conv net) trained with the layers by `torch.optim.SGD(momentum=...)` (the update
v <- mu v + g, w <- w - lr v, gradscope's); conv layers by `F.conv2d` with zero padding, batch norm by
`F.batch_norm` in training mode without affine parameters, pre-activation residual blocks with the image in
channel 0 of the stream. At each recorded step, as gradscope does: `retain_grad()` on every Z_l and H_l, the
four gradient norms and the activation statistics per layer, each layer's relative update, and the mean loss
and accuracy on the first 1,024 training images and the first `test_size` test images (no_grad, in batches of
`batch`). Threads: `torch.set_num_threads(JOBS)`. It writes only a checksum line.
"""
import gzip
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from numpy_sweep import cells

FILES = "/usr/share/datasets/fashion-mnist"
PHI = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
_DATA = {}


def idx(name):
    with gzip.open(os.path.join(FILES, name)) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def data(size):
    """Standardised training and test images at `size` x `size` (float64), and their labels."""
    if size not in _DATA:
        train, test = idx("train-images-idx3-ubyte.gz"), idx("t10k-images-idx3-ubyte.gz")
        f = train.shape[1] // size

        def average(images):
            return images.reshape(len(images), size, f, size, f).mean(axis=(2, 4)) / 255.0

        x, xt = average(train.astype(np.float64)), average(test.astype(np.float64))
        mean, std = x.mean(), x.std()
        _DATA[size] = ((x - mean) / std, idx("train-labels-idx1-ubyte.gz").astype(np.int64),
                       (xt - mean) / std, idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    return _DATA[size]


class Net:
    """The cell's network: its parameters, and a forward pass that keeps Z_l and H_l."""

    def __init__(self, cell, rng, dtype):
        self.conv = cell.get("layer", "dense") == "conv"
        self.residual = cell.get("architecture", "plain") == "residual"
        self.batch_norm = cell.get("normalization", "none") == "batch"
        self.alpha = cell.get("residual_scale", 1.0)
        self.phi = PHI[cell["activation"]]
        n, c, depth, k = cell["image_size"], cell["width"], cell["depth"], cell.get("kernel_size", 3)
        self.side, self.channels = n, c
        first = c if self.residual else (1 if self.conv else n * n)
        self.weights, self.biases = [], []
        for l in range(depth):
            inputs = first if l == 0 else c
            fan_in = inputs * k * k if self.conv else inputs
            shape = (c, inputs, k, k) if self.conv else (inputs, c)
            w = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
            self.weights.append(torch.tensor(w, dtype=dtype, requires_grad=True))
            self.biases.append(torch.zeros(c, dtype=dtype, requires_grad=True))
        v = rng.standard_normal((c, cell.get("classes", 10))) / np.sqrt(c)
        self.readout = torch.tensor(v, dtype=dtype, requires_grad=True)
        self.initial = [w.detach().clone() for w in self.weights]

    def inputs(self, images, dtype):
        """A batch of images as layer 1 reads it (a residual stream: zero-padded to its width)."""
        x = torch.tensor(images, dtype=dtype)
        if self.conv:
            x = x.unsqueeze(1)
            if self.residual:
                x = F.pad(x, (0, 0, 0, 0, 0, self.channels - 1))
        else:
            x = x.reshape(len(images), -1)
            if self.residual:
                x = F.pad(x, (0, self.channels - x.shape[1]))
        return x

    def normalise(self, z):
        return F.batch_norm(z, None, None, training=True, eps=1e-5) if self.batch_norm else z

    def forward(self, x, keep):
        zs, hs = [], [x]
        h = x
        for w, b in zip(self.weights, self.biases):
            if self.residual:
                a = self.phi(self.normalise(h))
                z = F.conv2d(a, w, b, padding=w.shape[-1] // 2) if self.conv else a @ w + b
                h = h + self.alpha * z
            else:
                z = F.conv2d(h, w, b, padding=w.shape[-1] // 2) if self.conv else h @ w + b
                h = self.phi(self.normalise(z))
            if keep:
                z.retain_grad()
                h.retain_grad()
            zs.append(z)
            hs.append(h)
        features = h.mean(dim=(2, 3)) if self.conv else h
        return features @ self.readout, zs, hs

    def parameters(self):
        return self.weights + self.biases + [self.readout]


def evaluate(net, images, labels, batch, dtype):
    loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(images), batch):
            logits, _, _ = net.forward(net.inputs(images[start:start + batch], dtype), keep=False)
            target = torch.tensor(labels[start:start + batch])
            loss += F.cross_entropy(logits, target, reduction="sum").item()
            correct += (logits.argmax(dim=1) == target).sum().item()
    return loss / len(images), correct / len(images)


def run(cell, seed):
    dtype = torch.float32 if cell.get("precision", "float64") == "float32" else torch.float64
    rng = np.random.default_rng(seed)
    x, y, xt, yt = data(cell["image_size"])
    train = cell["train"]
    chosen = rng.permutation(len(x))[:train.get("train_size", len(x))]
    images, labels = x[chosen], y[chosen]
    net = Net(cell, rng, dtype)
    optimizer = torch.optim.SGD(net.parameters(), lr=train["learning_rate"], momentum=train.get("momentum", 0.9))
    steps, every, batch = train["steps"], train["record_every"], cell["batch"]
    recorded = set(range(0, steps, every)) | {steps}
    order, first_norms = np.array([], dtype=np.int64), None
    for step in range(steps + 1):
        while len(order) < (step + 1) * batch:
            order = np.concatenate([order, rng.permutation(len(images))])
        index = order[step * batch:(step + 1) * batch]
        keep = step in recorded
        logits, zs, hs = net.forward(net.inputs(images[index], dtype), keep)
        loss = F.cross_entropy(logits, torch.tensor(labels[index]))
        optimizer.zero_grad()
        loss.backward()
        if keep:
            with torch.no_grad():
                norms = [(w.grad.norm().item(), b.grad.norm().item(), z.grad.norm().item(), h.grad.norm().item(),
                          h.mean().item(), h.std().item(), ((w - w0).norm() / w0.norm()).item())
                         for w, b, z, h, w0 in zip(net.weights, net.biases, zs, hs[1:], net.initial)]
            first_norms = first_norms or norms
            evaluate(net, images[:1024], labels[:1024], batch, dtype)
            evaluate(net, xt[:train.get("test_size", len(xt))], yt[:train.get("test_size", len(xt))], batch, dtype)
        if step < steps:
            optimizer.step()
    return first_norms, None


def main(path):
    torch.set_num_threads(int(os.environ.get("JOBS", str(os.cpu_count() or 1))))
    config = json.load(open(path))
    seeds = config.get("seeds", 5)
    seeds = list(range(seeds)) if isinstance(seeds, int) else seeds
    checksum, runs = 0.0, 0
    for cell in cells(config):
        for seed in seeds:
            norms, _ = run(cell, seed)
            checksum += float(np.log10(norms[0][2] + 1e-300))
            runs += 1
    print(f"{path}: {runs} runs, checksum {checksum:.6f}")


if __name__ == "__main__":
    main(sys.argv[1])

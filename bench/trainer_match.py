"""What `spikeforge train` does around the network, for the benchmark scripts that match it:
the learning-rate schedule, the shift augmentation and the weight initialization."""

import math
import time

import torch
from torch import nn


def cosine_lr(base: float, epoch: int, epochs: int) -> float:
    """The trainer's per-epoch rate: cosine from `base` (epoch 1) to `base / 20` (last)."""
    progress = (epoch - 1) / (max(epochs, 2) - 1)
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def shifted(x: torch.Tensor, shift: int, side: int = 28) -> torch.Tensor:
    """Each `side`x`side` image of `x` (`[batch, side*side]`) shifted by a random
    -shift..=shift pixels in x and y, zeros shifted in."""
    if shift == 0:
        return x
    batch = len(x)
    padded = nn.functional.pad(x.view(batch, side, side), (shift, shift, shift, shift))
    oy = torch.randint(0, 2 * shift + 1, (batch, 1))
    ox = torch.randint(0, 2 * shift + 1, (batch, 1))
    rows = (oy + torch.arange(side))[:, :, None]
    cols = (ox + torch.arange(side))[:, None, :]
    return padded[torch.arange(batch)[:, None, None], rows, cols].reshape(batch, side * side)


def uniform_init(layer: nn.Module) -> nn.Module:
    """The trainer's initialization of a dense or conv layer: weights uniform
    ±sqrt(6 / fan-in), zero biases."""
    bound = math.sqrt(6.0 / (layer.weight[0].numel()))
    nn.init.uniform_(layer.weight, -bound, bound)
    nn.init.zeros_(layer.bias)
    return layer


def fit(net, opt, loss_fn, classes, data, epochs: int, shift: int, report=lambda: ""):
    """The trainer's loop: per epoch the cosine rate, a shuffled pass in minibatches of
    128 with shifted images, then the test accuracy (`classes(net(x))` against the
    labels, in chunks of 500). Prints one line per epoch (plus `report()`) and the mean
    seconds per epoch of training."""
    train_x, train_y, test_x, test_y = data
    seconds = []
    for epoch in range(1, epochs + 1):
        for group in opt.param_groups:
            group["lr"] = cosine_lr(2e-3, epoch, epochs)
        started = time.perf_counter()
        order = torch.randperm(len(train_x))
        loss_sum = 0.0
        for start in range(0, len(train_x), 128):
            idx = order[start:start + 128]
            loss = loss_fn(net(shifted(train_x[idx], shift)), train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        seconds.append(time.perf_counter() - started)
        with torch.no_grad():
            predicted = torch.cat([classes(net(test_x[i:i + 500])) for i in range(0, len(test_x), 500)])
            accuracy = (predicted == test_y).float().mean().item() * 100
        print(f"epoch {epoch}: {seconds[-1]:.2f} s, loss {loss_sum / len(train_x):.4f}, test {accuracy:.2f}%{report()}")
    print(f"final: test {accuracy:.2f}%, {sum(seconds) / len(seconds):.2f} s per epoch")

"""What `spikeforge train` does around the network, for the benchmark scripts that match it:
the learning-rate schedule, the shift augmentation and the weight initialization."""

import math

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

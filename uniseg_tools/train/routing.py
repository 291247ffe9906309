"""Straight-through Gumbel-softmax routing.

Until the prompt encoder exists, the router input of a task is a learnable embedding vector per
task (``TaskEmbeddings``); the router maps it to logits [positions, K]. In training each position
samples an alternative with straight-through Gumbel-softmax (hard one-hot forward, soft gradient);
the final pathway is the argmax of the noise-free logits, 1-based.

The Gumbel noise is drawn on the CPU from a dedicated ``torch.Generator`` (saved in checkpoints),
so routing is reproducible whatever the device and whatever else uses the global RNG.
"""

from __future__ import annotations

from typing import List, Optional

import torch
import torch.nn as nn


def gumbel_noise(shape, generator: Optional[torch.Generator]) -> torch.Tensor:
    u = torch.rand(shape, generator=generator, dtype=torch.float32)
    return -torch.log(-torch.log(u.clamp(1e-10, 1.0 - 1e-7)))


def gumbel_softmax_st(logits: torch.Tensor, tau: float, generator: Optional[torch.Generator] = None, hard: bool = True) -> torch.Tensor:
    """Selection weights over the last dim: one-hot forward, softmax((logits + g) / tau) gradient."""
    g = gumbel_noise(logits.shape, generator).to(logits.device, logits.dtype)
    soft = torch.softmax((logits + g) / tau, dim=-1)
    if not hard:
        return soft
    index = soft.argmax(dim=-1, keepdim=True)
    one_hot = torch.zeros_like(soft).scatter_(-1, index, 1.0)
    return one_hot - soft.detach() + soft


def pathway_of(logits: torch.Tensor) -> List[int]:
    """1-based argmax per position."""
    return [int(i) + 1 for i in logits.argmax(dim=-1).tolist()]


def format_pathway(pathway) -> str:
    return ','.join(str(int(p)) for p in pathway)


class TaskEmbeddings(nn.Module):
    """One learnable vector per task (the stand-in for the prompt's text embedding)."""

    def __init__(self, num_tasks: int, dim: int, std: float = 1.0, generator: Optional[torch.Generator] = None):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(num_tasks, dim, generator=generator) * std)

    def forward(self, index: int) -> torch.Tensor:
        return self.weight[index]


class SimpleRouter(nn.Module):
    """Fallback router: embedding [E] → MLP → logits [positions, K]."""

    def __init__(self, dim: int, positions: int, k: int, hidden: int = 64):
        super().__init__()
        self.positions, self.k = positions, k
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, positions * k))

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        return self.net(emb).view(*emb.shape[:-1], self.positions, self.k)

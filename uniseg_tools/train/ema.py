"""Exponential moving average of a model's weights.

``shadow = decay_t * shadow + (1 - decay_t) * param`` for every TRAINABLE parameter after each
optimiser step, with ``decay_t = min(decay, (1 + t) / (10 + t))`` (t = steps done so far, so the
average is not dominated by the random initialisation early on). Frozen parameters and buffers
are copied, never averaged, so they stay bit-identical to the model's. Evaluation and export use
the shadow copy.
"""

from __future__ import annotations

import copy
from typing import Dict

import torch
import torch.nn as nn


def ema_decay(decay: float, step: int) -> float:
    return min(float(decay), (1.0 + step) / (10.0 + step))


class EMA:
    def __init__(self, model: nn.Module, decay: float = 0.999):
        self.decay = float(decay)
        self.shadow = copy.deepcopy(model)
        self.shadow.eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> float:
        """Averages ``model`` into the shadow; ``step`` = optimiser steps done before this one."""
        d = ema_decay(self.decay, step)
        params = dict(model.named_parameters())
        for name, s in self.shadow.named_parameters():
            p = params[name]
            if p.requires_grad:
                s.mul_(d).add_(p.detach(), alpha=1.0 - d)
            else:
                s.copy_(p.detach())
        bufs = dict(model.named_buffers())
        for name, b in self.shadow.named_buffers():
            b.copy_(bufs[name])
        return d

    def state_dict(self) -> Dict[str, torch.Tensor]:
        return self.shadow.state_dict()

    def load_state_dict(self, state: Dict[str, torch.Tensor]) -> None:
        self.shadow.load_state_dict(state)

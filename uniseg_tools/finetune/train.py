"""The finetuning steps: one patch per step, Dice + CE (``train.losses.dice_ce_multiclass``: for
a 2-channel pathway output it is the training's binary loss, CE + 1 - soft Dice of channel 1),
AdamW at a constant learning rate, gradient-norm clipping. Seeded: torch's global RNG (nothing
random in the networks at train time) and one ``numpy.random.Generator(seed)`` for the patches."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, List

import numpy as np
import torch
import torch.nn as nn

from ..train.losses import dice_ce_multiclass
from .data import Patches
from .network import task_logits
from .package import Package


@dataclass
class TrainResult:
    losses: List[float] = field(default_factory=list)
    dice: List[List[float]] = field(default_factory=list)
    cases: List[int] = field(default_factory=list)
    seconds: List[float] = field(default_factory=list)


def finetune(
    pkg: Package,
    net: nn.Module,
    params: List[nn.Parameter],
    patches: Patches,
    steps: int,
    lr: float,
    weight_decay: float,
    seed: int,
    clip: float = 1.0,
    say: Callable[[str], None] = print,
) -> TrainResult:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    res = TrainResult()
    net.train()
    names = [t.name for _, t in patches.classes]
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        image, y, patch = patches.sample(rng)
        x = torch.from_numpy(image)[None]
        logits = task_logits(pkg, net, x)
        loss, hd = dice_ce_multiclass(logits, torch.from_numpy(y)[None])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = float(torch.nn.utils.clip_grad_norm_(params, clip)) if clip > 0 else float('nan')
        opt.step()
        dt = time.perf_counter() - t0
        res.losses.append(float(loss.detach()))
        res.dice.append([float(d) for d in hd])
        res.cases.append(int(patch.case))
        res.seconds.append(dt)
        dice = ' '.join(f'{n}={"-" if math.isnan(d) else f"{d:.3f}"}' for n, d in zip(names, hd))
        say(f'step {step}/{steps} loss {res.losses[-1]:.4f} | dice {dice} | grad norm {gnorm:.3f} | case {patch.case} '
            f'focus {patch.focus or "random"} | {dt:.1f}s')
    net.eval()
    return res


__all__ = ['TrainResult', 'finetune']

"""Learning-rate and temperature schedules (pure functions of the step)."""

from __future__ import annotations

import math


def warmup_cosine(step: int, total: int, warmup: int, min_ratio: float = 0.01) -> float:
    """LR factor: linear from 1/warmup to 1 over ``warmup`` steps, then cosine to ``min_ratio`` at ``total``."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    span = max(1, total - warmup)
    t = min(1.0, max(0.0, (step - warmup) / span))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * t))


def gumbel_tau(step: int, total: int, start: float = 2.0, end: float = 0.3) -> float:
    """Gumbel-softmax temperature: exponential from ``start`` to ``end`` over the run."""
    t = min(1.0, max(0.0, step / max(1, total)))
    return float(start * (end / start) ** t)

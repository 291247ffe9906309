"""Dice + cross-entropy losses.

Per task (gCIS pathways): a 2-channel softmax output, loss = CE + (1 - soft Dice of the
foreground channel). Per clNet head: a C-channel softmax over mutually exclusive classes,
loss = CE + mean over the foreground channels of (1 - soft Dice).

Soft Dice uses ``(2 sum(p g) + s) / (sum(p) + sum(g) + s)`` with ``s = smooth`` (default 1 voxel),
so a patch without the structure costs nothing when nothing is predicted and the cross-entropy
alone pushes false positives down.
"""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F


def soft_dice(prob: torch.Tensor, target: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """Soft Dice of ``prob`` vs ``target`` (same shape, float), summed over all elements."""
    inter = (prob * target).sum()
    return (2 * inter + smooth) / (prob.sum() + target.sum() + smooth)


def hard_dice(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Dice of two boolean tensors; NaN when both are empty."""
    p = int(pred.sum().item())
    g = int(target.sum().item())
    if p + g == 0:
        return float('nan')
    return 2.0 * int((pred & target).sum().item()) / (p + g)


def dice_ce_binary(logits: torch.Tensor, target: torch.Tensor, smooth: float = 1.0, dice_weight: float = 1.0, ce_weight: float = 1.0) -> Tuple[torch.Tensor, float]:
    """``logits`` [B, 2, *S], ``target`` [B, *S] (bool / 0-1). Returns (loss, hard Dice of argmax)."""
    if logits.shape[1] != 2:
        raise ValueError(f'expected 2 channels, got {tuple(logits.shape)}')
    tgt = target.long()
    ce = F.cross_entropy(logits.float(), tgt)
    prob = torch.softmax(logits.float(), dim=1)[:, 1]
    dice = soft_dice(prob, tgt.float(), smooth)
    loss = ce_weight * ce + dice_weight * (1 - dice)
    with torch.no_grad():
        hd = hard_dice(logits[:, 1] > logits[:, 0], tgt.bool())
    return loss, hd


def dice_ce_multiclass(logits: torch.Tensor, target: torch.Tensor, smooth: float = 1.0, dice_weight: float = 1.0, ce_weight: float = 1.0):
    """``logits`` [B, C, *S], ``target`` [B, *S] class indices. Returns (loss, [hard Dice per class 1..C-1])."""
    c = logits.shape[1]
    tgt = target.long()
    ce = F.cross_entropy(logits.float(), tgt)
    prob = torch.softmax(logits.float(), dim=1)
    dices = [soft_dice(prob[:, k], (tgt == k).float(), smooth) for k in range(1, c)]
    loss = ce_weight * ce + dice_weight * (1 - torch.stack(dices).mean())
    with torch.no_grad():
        winner = logits.argmax(dim=1)
        hd = [hard_dice(winner == k, tgt == k) for k in range(1, c)]
    return loss, hd

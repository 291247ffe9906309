"""clNet's ``Generic_UNet_Continual_Base`` (alibaba-damo-academy/clNet): a shared nnU-Net-v1-style
encoder and one full decoder per head, rebuilt from state dicts with clNet's parameter names.

Every size is read from the weights: channels and kernels from the conv shapes, the pooling of
each stage from the head's transposed convs (kernel = stride = pool), so a checkpoint with other
sizes or a different number of stages builds without flags. Blocks are Conv3d(bias) →
InstanceNorm3d(affine, eps 1e-5) → LeakyReLU(0.01), padding ``kernel // 2`` per axis; in a decoder
stage the second block has no LeakyReLU (clNet's layout).

Tensor flow (``skips`` = outputs of encoder stages 0..S-1, ``bottleneck`` = stage S):

    head: x = bottleneck; for u in 0..S-1: x = tu[u](x), crop to skip[S-1-u], cat((x, skip)),
          localization[u][0] (conv IN lrelu), localization[u][1] (conv IN); logits = seg_outputs[S-1](x)
    supporting head S fed by heads H1..: S + gate * to_support[0][1](to_support[0][0](cat(S, H1, ...)))
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .blocks import LEAKY_SLOPE, instance_norm

Tensors = Dict[str, torch.Tensor]


def _sub(state: Tensors, prefix: str) -> 'OrderedDict[str, torch.Tensor]':
    return OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))


def _indices(state: Tensors, pattern: str) -> List[int]:
    return sorted({int(m.group(1)) for k in state for m in [re.match(pattern, k)] if m})


class ConvNormAct(nn.Module):
    """``conv`` (Conv3d with bias) → ``instnorm`` (affine) → LeakyReLU unless ``act`` is False."""

    def __init__(self, weight: torch.Tensor, stride: Sequence[int] = (1, 1, 1), act: bool = True, norm: bool = True):
        super().__init__()
        cout, cin, *kernel = (int(s) for s in weight.shape)
        self.conv = nn.Conv3d(cin, cout, kernel, stride=tuple(stride), padding=tuple(k // 2 for k in kernel), bias=True)
        self.instnorm = nn.InstanceNorm3d(cout, eps=1e-5, affine=True) if norm else None
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.instnorm is not None:
            # blocks.instance_norm: the explicit two-pass form under ONNX export (precision), then the affine.
            y = instance_norm(y) * self.instnorm.weight.reshape(1, -1, 1, 1, 1) + self.instnorm.bias.reshape(1, -1, 1, 1, 1)
        return F.leaky_relu(y, LEAKY_SLOPE) if self.act else y


class Stacked(nn.Module):
    """nnU-Net's ``StackedConvLayers``: ``blocks.{b}``, the first strided."""

    def __init__(self, state: Tensors, stride: Sequence[int], last_act: bool = True):
        super().__init__()
        n = len(_indices(state, r'blocks\.(\d+)\.'))
        self.blocks = nn.ModuleList(
            ConvNormAct(state[f'blocks.{b}.conv.weight'], stride if b == 0 else (1, 1, 1), act=last_act or b < n - 1) for b in range(n)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return x


def pools_from_head(head: Tensors) -> List[Tuple[int, int, int]]:
    """Pooling of encoder stages 1..S (stage d is strided by pool[d-1]) from a head's ``tu.{u}``:
    tu[u] undoes pool[S-1-u] with kernel = stride."""
    us = _indices(head, r'tu\.(\d+)\.')
    if not us:
        raise KeyError('no tu.* keys: cannot read the pooling')
    return [tuple(int(s) for s in head[f'tu.{us[-1 - i]}.weight'].shape[2:]) for i in range(len(us))]  # type: ignore[misc]


class ClnetEncoder(nn.Module):
    """``conv_blocks_context.{d}``: image → (skip_0 … skip_{S-1}, bottleneck)."""

    def __init__(self, state: Tensors, pools: Sequence[Sequence[int]]):
        super().__init__()
        stages = _indices(state, r'conv_blocks_context\.(\d+)\.')
        if stages != list(range(len(pools) + 1)):
            raise KeyError(f'encoder has stages {stages}; the heads pool {len(pools)} times, so 0..{len(pools)} are needed')
        mods = []
        for d in stages:
            stride = (1, 1, 1) if d == 0 else tuple(pools[d - 1])
            sub = _sub(state, f'conv_blocks_context.{d}.')
            if any(k.startswith('blocks.') for k in sub):
                mods.append(Stacked(sub, stride))
            else:  # the bottleneck: a Sequential of StackedConvLayers
                js = _indices(sub, r'(\d+)\.')
                mods.append(nn.Sequential(*(Stacked(_sub(sub, f'{j}.'), stride if j == 0 else (1, 1, 1)) for j in js)))
        self.conv_blocks_context = nn.ModuleList(mods)
        self.conv_blocks_context.load_state_dict(_sub(state, 'conv_blocks_context.'), strict=True)
        self.stages = len(stages) - 1

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        for block in self.conv_blocks_context:
            x = block(x)
            outs.append(x)
        return tuple(outs)


def _crop_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Centre crop of x's spatial dims to like's (nnU-Net's skip alignment); shapes are static."""
    if x.shape[2:] == like.shape[2:]:
        return x
    start = [(a - b) // 2 for a, b in zip(x.shape[2:], like.shape[2:])]
    return x[:, :, start[0] : start[0] + like.shape[2], start[1] : start[1] + like.shape[3], start[2] : start[2] + like.shape[4]]


class ClnetDecoder(nn.Module):
    """One head: ``tu.{u}``, ``conv_blocks_localization.{u}.{j}``, ``seg_outputs.{u}`` (only the last,
    full-resolution output is computed: clNet inference runs with deep supervision off)."""

    def __init__(self, state: Tensors):
        super().__init__()
        us = _indices(state, r'tu\.(\d+)\.')
        tus = []
        for u in us:
            w = state[f'tu.{u}.weight']
            cin, cout, *k = (int(s) for s in w.shape)
            tus.append(nn.ConvTranspose3d(cin, cout, k, stride=k, bias=False))
        self.tu = nn.ModuleList(tus)
        loc = []
        for u in us:
            sub = _sub(state, f'conv_blocks_localization.{u}.')
            js = _indices(sub, r'(\d+)\.')
            # The last block of a decoder stage has no LeakyReLU (clNet's Generic_UNet_Continual_Base).
            loc.append(nn.Sequential(*(Stacked(_sub(sub, f'{j}.'), (1, 1, 1), last_act=j < js[-1]) for j in js)))
        self.conv_blocks_localization = nn.ModuleList(loc)
        seg = [nn.Conv3d(int(state[f'seg_outputs.{u}.weight'].shape[1]), int(state[f'seg_outputs.{u}.weight'].shape[0]), 1, bias=False) for u in us]
        self.seg_outputs = nn.ModuleList(seg)
        self.load_state_dict(state, strict=True)
        self.out_channels = int(state[f'seg_outputs.{us[-1]}.weight'].shape[0])

    def forward(self, *feats: torch.Tensor) -> torch.Tensor:
        skips, x = feats[:-1], feats[-1]
        for u, (tu, loc) in enumerate(zip(self.tu, self.conv_blocks_localization)):
            skip = skips[-1 - u]
            x = loc(torch.cat((_crop_to(tu(x), skip), skip), dim=1))
        return self.seg_outputs[-1](x)


class HeadPart(nn.Module):
    """A package part: encoder tensors (+ supporting heads' logits) → this head's logits."""

    def __init__(self, decoder: ClnetDecoder, n_feats: int, support: Tensors = None, gate: torch.Tensor = None):  # type: ignore[assignment]
        super().__init__()
        self.decoder = decoder
        self.n_feats = n_feats
        self.to_support = None
        if support is not None:
            level0 = OrderedDict((k[2:], v) for k, v in support.items() if k.startswith('0.'))
            self.to_support = nn.Sequential(ConvNormAct(level0['0.conv.weight']), ConvNormAct(level0['1.conv.weight'], act=False, norm=False))
            self.to_support.load_state_dict(level0, strict=True)
            self.register_buffer('support_gate', gate.detach().clone().float().reshape(()))

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        own = self.decoder(*inputs[: self.n_feats])
        if self.to_support is None:
            return own
        return own + self.support_gate * self.to_support(torch.cat((own, *inputs[self.n_feats :]), dim=1))


__all__ = ['ClnetDecoder', 'ClnetEncoder', 'ConvNormAct', 'HeadPart', 'Stacked', 'pools_from_head']

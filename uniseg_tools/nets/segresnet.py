"""MONAI's ``SegResNet`` (monai.networks.nets.SegResNet) rebuilt with MONAI's module names and
parameter shapes, so a bundle's state_dict loads strictly without MONAI.

Layout (what MONAI 1.5 builds; names are state-dict prefixes):

- ``convInit.conv``: 3x3x3 conv, no bias; dropout after it (identity in eval mode).
- ``down_layers.i``: ``Sequential(pre, ResBlock × blocks_down[i])`` with ``pre`` a stride-2 3x3x3
  conv doubling the channels for i > 0 (``down_layers.i.0.conv``) and Identity for i = 0.
- ``ResBlock``: norm1 → act → conv1 → norm2 → act → conv2, plus the input.
- ``up_samples.i``: ``Sequential(1x1x1 conv halving the channels, x2 trilinear upsampling with
  align_corners=False)``; then ``x = up(x) + skip`` and ``up_layers.i`` (ResBlock × blocks_up[i]).
- ``conv_final``: ``Sequential(norm, act, 1x1x1 conv with bias)``.

Only what eval mode uses is built. Norms: GROUP (``num_groups``, eps 1e-5) and BATCH; acts: RELU
and LEAKYRELU. Group norm is exported to ONNX as explicit axis-by-axis means (as
``blocks.instance_norm``): onnxruntime's InstanceNormalization, which torch's GroupNorm export
uses, sums whole maps in float32 and drifts ~1e-4 from torch on 96³ windows.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .blocks import ConvHolder, conv3d

GROUP_EPS = 1e-5
#: MONAI's SegResNet downsamples len(blocks_down) - 1 times: windows must be multiples of this.
def size_multiple(blocks_down: Sequence[int]) -> int:
    return 2 ** (len(blocks_down) - 1)


class GroupNorm(nn.GroupNorm):
    """``nn.GroupNorm`` whose ONNX export is written out (same maths: biased variance, eps inside the root)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.onnx.is_in_onnx_export():
            return super().forward(x)
        n, c = x.shape[0], x.shape[1]
        g = x.reshape(n, self.num_groups, c // self.num_groups, x.shape[2], x.shape[3], x.shape[4])
        d = g - _group_mean(g)
        y = (d / torch.sqrt(_group_mean(d * d) + self.eps)).reshape(x.shape)
        shape = (1, c, 1, 1, 1)
        return y * self.weight.reshape(shape) + self.bias.reshape(shape)


def _group_mean(g: torch.Tensor) -> torch.Tensor:
    # One axis at a time: each sum stays short, which keeps float32 close to float64.
    for dim in (5, 4, 3, 2):
        g = g.mean(dim=dim, keepdim=True)
    return g


def make_norm(kind: str, channels: int, num_groups: int) -> nn.Module:
    if kind == 'GROUP':
        return GroupNorm(num_groups, channels, eps=GROUP_EPS)
    if kind == 'BATCH':
        return nn.BatchNorm3d(channels)
    raise ValueError(f'norm {kind!r}')


def make_act(kind: str, negative_slope: float) -> nn.Module:
    if kind == 'RELU':
        return nn.ReLU()
    if kind == 'LEAKYRELU':
        return nn.LeakyReLU(negative_slope)
    raise ValueError(f'act {kind!r}')


class ResBlock(nn.Module):
    def __init__(self, channels: int, norm: Tuple[str, int], act: Tuple[str, float]):
        super().__init__()
        self.norm1 = make_norm(norm[0], channels, norm[1])
        self.norm2 = make_norm(norm[0], channels, norm[1])
        self.act = make_act(*act)
        self.conv1 = conv3d(channels, channels, 3)
        self.conv2 = conv3d(channels, channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(self.act(self.norm1(x)))
        y = self.conv2(self.act(self.norm2(y)))
        return y + x


class Upsample(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2, mode='trilinear', align_corners=False)


class SegResNet(nn.Module):
    """``monai.networks.nets.SegResNet(spatial_dims=3, upsample_mode="nontrainable", use_conv_final=True)``."""

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 2,
        init_filters: int = 8,
        blocks_down: Sequence[int] = (1, 2, 2, 4),
        blocks_up: Sequence[int] = (1, 1, 1),
        norm: str = 'GROUP',
        num_groups: int = 8,
        act: str = 'RELU',
        negative_slope: float = 0.01,
    ):
        super().__init__()
        if len(blocks_up) != len(blocks_down) - 1:
            raise ValueError(f'blocks_up {list(blocks_up)} needs {len(blocks_down) - 1} entries for blocks_down {list(blocks_down)}')
        norm_spec, act_spec = (norm, num_groups), (act, negative_slope)
        self.convInit = conv3d(in_channels, init_filters, 3)
        self.down_layers = nn.ModuleList()
        for i, count in enumerate(blocks_down):
            ch = init_filters * 2**i
            pre = ConvHolder(nn.Conv3d(ch // 2, ch, 3, stride=2, padding=1, bias=False)) if i > 0 else nn.Identity()
            self.down_layers.append(nn.Sequential(pre, *[ResBlock(ch, norm_spec, act_spec) for _ in range(count)]))
        self.up_layers = nn.ModuleList()
        self.up_samples = nn.ModuleList()
        n_up = len(blocks_up)
        for i, count in enumerate(blocks_up):
            ch = init_filters * 2 ** (n_up - i)
            self.up_layers.append(nn.Sequential(*[ResBlock(ch // 2, norm_spec, act_spec) for _ in range(count)]))
            self.up_samples.append(nn.Sequential(conv3d(ch, ch // 2, 1), Upsample()))
        self.conv_final = nn.Sequential(make_norm(norm, init_filters, num_groups), make_act(act, negative_slope), conv3d(init_filters, out_channels, 1, bias=True))
        self.in_channels, self.out_channels = in_channels, out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.convInit(x)
        skips = []
        for down in self.down_layers:
            x = down(x)
            skips.append(x)
        skips.reverse()
        for i, (up, layer) in enumerate(zip(self.up_samples, self.up_layers)):
            x = layer(up(x) + skips[i + 1])
        return self.conv_final(x)

"""MONAI's ``UNet`` (monai.networks.nets.UNet, 3D) rebuilt with MONAI's module names, so a bundle's
state_dict loads strictly without MONAI.

MONAI builds it recursively: each level is ``Sequential(down, SkipConnection(inner), up)`` (the
skip concatenates its input with the inner result along channels), the innermost ``inner`` a
stride-1 down layer. ``down`` is a ``Convolution`` (``conv`` then ``adn`` = norm ``N``, dropout
``D``, act ``A``) or, with ``num_res_units`` > 0, a ``ResidualUnit`` (``conv.unit<i>`` Convolutions
plus a ``residual`` conv where the shape changes). ``up`` is a transposed ``Convolution``
(output_padding = stride - 1), conv-only at the top without residual units, else followed by a
one-unit ``ResidualUnit`` whose last conv is bare at the top. Padding is (kernel - 1) // 2.
Norms: INSTANCE (affine or not), BATCH; acts: PRELU, RELU, LEAKYRELU.
"""

from __future__ import annotations

from typing import List, Sequence, Union

import torch
import torch.nn as nn

from .blocks import instance_norm

Size = Union[int, Sequence[int]]


def _triple(v: Size) -> List[int]:
    return [int(v)] * 3 if isinstance(v, int) else [int(x) for x in v]


class InstanceNorm(nn.Module):
    """``nn.InstanceNorm3d`` (eps 1e-5) exported as explicit means (see ``blocks.instance_norm``)."""

    def __init__(self, channels: int, affine: bool):
        super().__init__()
        if affine:
            self.weight = nn.Parameter(torch.ones(channels))
            self.bias = nn.Parameter(torch.zeros(channels))
        self.affine = affine

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = instance_norm(x)
        return y * self.weight.reshape(1, -1, 1, 1, 1) + self.bias.reshape(1, -1, 1, 1, 1) if self.affine else y


def _norm(kind: str, args: dict, channels: int) -> nn.Module:
    if kind == 'INSTANCE':
        return InstanceNorm(channels, bool(args.get('affine', False)))
    if kind == 'BATCH':
        return nn.BatchNorm3d(channels, eps=float(args.get('eps', 1e-5)))
    raise ValueError(f'norm {kind!r} is not rebuilt (INSTANCE, BATCH)')


def _act(kind: str, args: dict) -> nn.Module:
    if kind == 'PRELU':
        return nn.PReLU(num_parameters=int(args.get('num_parameters', 1)))
    if kind == 'RELU':
        return nn.ReLU()
    if kind == 'LEAKYRELU':
        return nn.LeakyReLU(float(args.get('negative_slope', 0.01)))
    raise ValueError(f'act {kind!r} is not rebuilt (PRELU, RELU, LEAKYRELU)')


class Convolution(nn.Sequential):
    def __init__(self, net: 'UNet', cin: int, cout: int, stride: Size, kernel: Size, transposed: bool = False, conv_only: bool = False):
        super().__init__()
        k, s = _triple(kernel), _triple(stride)
        pad = [(x - 1) // 2 for x in k]
        if transposed:
            self.add_module('conv', nn.ConvTranspose3d(cin, cout, k, s, pad, output_padding=[x - 1 for x in s], bias=net.bias))
        else:
            self.add_module('conv', nn.Conv3d(cin, cout, k, s, pad, bias=net.bias))
        if not conv_only:
            adn = nn.Sequential()
            adn.add_module('N', _norm(net.norm, net.norm_args, cout))
            adn.add_module('A', _act(net.act, net.act_args))
            self.add_module('adn', adn)


class ResidualUnit(nn.Module):
    def __init__(self, net: 'UNet', cin: int, cout: int, stride: Size, kernel: Size, subunits: int, last_conv_only: bool = False):
        super().__init__()
        self.conv = nn.Sequential()
        channels, s = cin, stride
        subunits = max(1, subunits)
        for i in range(subunits):
            self.conv.add_module(f'unit{i}', Convolution(net, channels, cout, s, kernel, conv_only=last_conv_only and i == subunits - 1))
            channels, s = cout, 1
        strided = any(x != 1 for x in _triple(stride))
        if strided or cin != cout:
            k = _triple(kernel) if strided else [1, 1, 1]
            self.residual = nn.Conv3d(cin, cout, k, _triple(stride), [(x - 1) // 2 for x in k], bias=net.bias)
        else:
            self.residual = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + self.residual(x)


class SkipConnection(nn.Module):
    def __init__(self, submodule: nn.Module):
        super().__init__()
        self.submodule = submodule

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.submodule(x)], dim=1)


class UNet(nn.Module):
    """``monai.networks.nets.UNet(spatial_dims=3, ...)`` with adn_ordering "NDA" (dropout: identity in eval)."""

    def __init__(self, in_channels: int, out_channels: int, channels: Sequence[int], strides: Sequence[Size], kernel_size: Size = 3, up_kernel_size: Size = 3,
                 num_res_units: int = 0, norm: str = 'INSTANCE', norm_args: dict = None, act: str = 'PRELU', act_args: dict = None, bias: bool = True):
        super().__init__()
        if len(channels) < 2 or len(strides) != len(channels) - 1:
            raise ValueError(f'channels {list(channels)} and strides {list(strides)}: need at least 2 channels and one stride fewer')
        self.norm, self.norm_args, self.act, self.act_args, self.bias = norm, norm_args or {}, act, act_args or {}, bias
        self.kernel_size, self.up_kernel_size, self.num_res_units = kernel_size, up_kernel_size, num_res_units
        self.in_channels, self.out_channels = in_channels, out_channels
        self.model = self._block(in_channels, out_channels, list(channels), list(strides), True)

    def _down(self, cin: int, cout: int, stride: Size) -> nn.Module:
        if self.num_res_units > 0:
            return ResidualUnit(self, cin, cout, stride, self.kernel_size, self.num_res_units)
        return Convolution(self, cin, cout, stride, self.kernel_size)

    def _up(self, cin: int, cout: int, stride: Size, top: bool) -> nn.Module:
        conv = Convolution(self, cin, cout, stride, self.up_kernel_size, transposed=True, conv_only=top and self.num_res_units == 0)
        if self.num_res_units > 0:
            return nn.Sequential(conv, ResidualUnit(self, cout, cout, 1, self.kernel_size, 1, last_conv_only=top))
        return conv

    def _block(self, cin: int, cout: int, channels: List[int], strides: List[Size], top: bool) -> nn.Module:
        c, s = channels[0], strides[0]
        if len(channels) > 2:
            inner, up_in = self._block(c, c, channels[1:], strides[1:], False), c * 2
        else:
            inner, up_in = self._down(c, channels[1], 1), c + channels[1]
        return nn.Sequential(self._down(cin, c, s), SkipConnection(inner), self._up(up_in, cout, s, top))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

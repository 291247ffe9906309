"""Convolutional blocks of a UNETR-style decoder, with MONAI-compatible module names.

Parameter names and shapes follow MONAI's ``UnetResBlock``, ``UnetrBasicBlock`` (``res_block=True``),
``UnetrUpBlock`` (``res_block=True``) and ``UnetOutBlock``, so their state_dict entries load
unchanged. Convolutions have no bias (except the 1x1 output conv); normalisation is
``InstanceNorm3d`` without affine parameters (nothing in the state_dict); the activation is
leaky ReLU with slope 0.01.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

LEAKY_SLOPE = 0.01
NORM_EPS = 1e-5


class ConvHolder(nn.Module):
    """A single convolution stored as ``.conv`` (MONAI's ``Convolution`` sequential keeps it there)."""

    def __init__(self, conv: nn.Module):
        super().__init__()
        self.conv = conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def conv3d(cin: int, cout: int, kernel: int, stride: int = 1, bias: bool = False) -> ConvHolder:
    """'same'-padded conv for odd kernels (padding = kernel // 2)."""
    return ConvHolder(nn.Conv3d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=bias))


def _spatial_mean(x: torch.Tensor) -> torch.Tensor:
    # One axis at a time: each ReduceMean then sums at most one axis' length of float32 values.
    for axis in range(x.dim() - 1, 1, -1):
        x = x.mean(dim=axis, keepdim=True)
    return x


def instance_norm(x: torch.Tensor) -> torch.Tensor:
    # A 1-voxel map (the 32x32x32-window bottleneck) normalises to 0; torch (and so MONAI) refuses
    # it, so it is written out. The branch depends on the static shape only (traceable).
    if x[0, 0].numel() == 1:
        return x - x
    if torch.onnx.is_in_onnx_export():
        # Exported as explicit two-pass mean / variance instead of InstanceNormalization:
        # onnxruntime's CPU kernel sums a whole 64^3 map in float32 and lands ~2e-4 from float64 on
        # the first-stage features (torch: ~7e-6); the axis-by-axis means below stay ~5e-6 away,
        # which keeps every exported part within an absolute 1e-4 of torch. Same maths (biased
        # variance, eps inside the root), at the cost of a few more passes over the map.
        d = x - _spatial_mean(x)
        return d / torch.sqrt(_spatial_mean(d * d) + NORM_EPS)
    return F.instance_norm(x, eps=NORM_EPS)


class UnetResBlock(nn.Module):
    """conv3-norm-lrelu-conv3-norm + (1x1 conv-norm projection of the input when channels change) → lrelu."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3):
        super().__init__()
        self.conv1 = conv3d(in_channels, out_channels, kernel_size)
        self.conv2 = conv3d(out_channels, out_channels, kernel_size)
        self.has_projection = in_channels != out_channels
        if self.has_projection:
            self.conv3 = conv3d(in_channels, out_channels, 1)
        self.in_channels = in_channels
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.leaky_relu(instance_norm(self.conv1(x)), LEAKY_SLOPE)
        y = instance_norm(self.conv2(y))
        skip = instance_norm(self.conv3(x)) if self.has_projection else x
        return F.leaky_relu(y + skip, LEAKY_SLOPE)


class UnetrBasicBlock(nn.Module):
    """MONAI ``UnetrBasicBlock(res_block=True)``: a ``UnetResBlock`` stored as ``.layer``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3):
        super().__init__()
        self.layer = UnetResBlock(in_channels, out_channels, kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)


class UnetrUpBlock(nn.Module):
    """MONAI ``UnetrUpBlock(res_block=True)``: 2x transposed conv, concat with the skip, ``UnetResBlock``.

    ``extra_channels`` widens the res block's input for tensors concatenated after the skip
    (used by clNet supporting heads; 0 gives the MONAI shapes).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, upsample: int = 2, extra_channels: int = 0):
        super().__init__()
        self.transp_conv = ConvHolder(nn.ConvTranspose3d(in_channels, out_channels, upsample, stride=upsample, bias=False))
        self.conv_block = UnetResBlock(2 * out_channels + extra_channels, out_channels, kernel_size)

    def forward(self, x: torch.Tensor, skip: torch.Tensor, *extra: torch.Tensor) -> torch.Tensor:
        return self.conv_block(torch.cat((self.transp_conv(x), skip, *extra), dim=1))


class UnetOutBlock(nn.Module):
    """1x1 conv with bias, stored as ``.conv.conv``."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = conv3d(in_channels, out_channels, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)

"""nnU-Net v2's U-Nets (dynamic_network_architectures' ``PlainConvUNet`` and ``ResidualEncoderUNet``),
written for uniseg with the same module names and parameter shapes, so a trainer's
``checkpoint_final.pth`` ``network_weights`` load strictly without nnU-Net installed.

Facts the names encode (dynamic_network_architectures 0.4.x):

- a conv block ``ConvDropoutNormReLU`` keeps ``conv``/``norm`` as attributes AND in the sequential
  ``all_modules`` (conv, [dropout], norm, nonlin), so each weight has two names;
- the decoder holds the encoder (``decoder.encoder.*`` repeats every encoder weight);
- every decoder stage has a 1x1 ``seg_layers`` conv (deep supervision); inference uses the last;
- decoder stage s: transposed conv (kernel = stride = the encoder stride below), ``cat(up, skip)``
  (upsampled first), then the stage's conv blocks;
- ``BasicBlockD`` (residual encoder): conv1 (conv, norm, nonlin), conv2 (conv, norm), skip = avg pool
  (when strided) + 1x1 conv + norm (when the channel count changes), add, nonlin.

The forward is inference only (deep supervision off). Instance norm is exported to ONNX as explicit
means (see ``InstanceNorm``): onnxruntime's CPU InstanceNormalization drifts ~1e-4 on large maps.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


class InstanceNorm(nn.Module):
    """``nn.InstanceNorm3d(affine=...)`` with its parameter names; exported as two-pass means."""

    def __init__(self, channels: int, eps: float = 1e-5, affine: bool = True):
        super().__init__()
        self.eps = float(eps)
        if affine:
            self.weight = nn.Parameter(torch.ones(channels))
            self.bias = nn.Parameter(torch.zeros(channels))
        else:
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.onnx.is_in_onnx_export():
            mean = x
            for axis in range(x.dim() - 1, 1, -1):
                mean = mean.mean(dim=axis, keepdim=True)
            d = x - mean
            var = d * d
            for axis in range(x.dim() - 1, 1, -1):
                var = var.mean(dim=axis, keepdim=True)
            y = d / torch.sqrt(var + self.eps)
            if self.weight is not None:
                shape = [1, -1] + [1] * (x.dim() - 2)
                y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
            return y
        return F.instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)


class OpSpec:
    """The ops named in the plans, as module factories (only what inference needs)."""

    def __init__(self, norm: Optional[str], norm_kwargs: dict, nonlin: Optional[str], nonlin_kwargs: dict, dropout: Optional[str]):
        self.norm, self.norm_kwargs = norm, dict(norm_kwargs or {})
        self.nonlin, self.nonlin_kwargs = nonlin, dict(nonlin_kwargs or {})
        self.dropout = dropout

    def conv(self, cin: int, cout: int, kernel: Sequence[int], stride: Sequence[int], bias: bool) -> nn.Module:
        return nn.Conv3d(cin, cout, tuple(kernel), tuple(stride), padding=[(k - 1) // 2 for k in kernel], bias=bias)

    def make_norm(self, channels: int) -> nn.Module:
        kw = self.norm_kwargs
        if self.norm == 'instance':
            return InstanceNorm(channels, eps=kw.get('eps', 1e-5), affine=kw.get('affine', False))
        return nn.BatchNorm3d(channels, eps=kw.get('eps', 1e-5), momentum=kw.get('momentum', 0.1), affine=kw.get('affine', True))

    def make_nonlin(self) -> nn.Module:
        if self.nonlin == 'leakyrelu':
            return nn.LeakyReLU(negative_slope=self.nonlin_kwargs.get('negative_slope', 0.01))
        return nn.ReLU()


class ConvDropoutNormReLU(nn.Module):
    def __init__(self, ops: OpSpec, cin: int, cout: int, kernel: Sequence[int], stride: Sequence[int], bias: bool, norm: bool = True, nonlin: bool = True, dropout: bool = True):
        super().__init__()
        self.conv = ops.conv(cin, cout, kernel, stride, bias)
        seq: List[nn.Module] = [self.conv]
        if dropout and ops.dropout:
            self.dropout = nn.Identity()  # dropout is the identity at inference and has no weights
            seq.append(self.dropout)
        if norm and ops.norm:
            self.norm = ops.make_norm(cout)
            seq.append(self.norm)
        if nonlin and ops.nonlin:
            self.nonlin = ops.make_nonlin()
            seq.append(self.nonlin)
        self.all_modules = nn.Sequential(*seq)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.all_modules(x)


class StackedConvBlocks(nn.Module):
    def __init__(self, ops: OpSpec, n: int, cin: int, cout: int, kernel: Sequence[int], stride: Sequence[int], bias: bool):
        super().__init__()
        blocks = [ConvDropoutNormReLU(ops, cin, cout, kernel, stride, bias)]
        blocks += [ConvDropoutNormReLU(ops, cout, cout, kernel, [1] * len(kernel), bias) for _ in range(1, n)]
        self.convs = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.convs(x)


class PlainConvEncoder(nn.Module):
    def __init__(self, ops: OpSpec, cin: int, features: Sequence[int], kernels, strides, n_conv: Sequence[int], bias: bool):
        super().__init__()
        stages = []
        for s, f in enumerate(features):
            stages.append(nn.Sequential(StackedConvBlocks(ops, n_conv[s], cin, f, kernels[s], strides[s], bias)))
            cin = f
        self.stages = nn.Sequential(*stages)
        self.output_channels = list(features)
        self.strides = [list(s) for s in strides]
        self.kernel_sizes = [list(k) for k in kernels]
        self.conv_bias = bias

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        skips = []
        for stage in self.stages:
            x = stage(x)
            skips.append(x)
        return skips


class BasicBlockD(nn.Module):
    def __init__(self, ops: OpSpec, cin: int, cout: int, kernel: Sequence[int], stride: Sequence[int], bias: bool):
        super().__init__()
        self.conv1 = ConvDropoutNormReLU(ops, cin, cout, kernel, stride, bias)
        self.conv2 = ConvDropoutNormReLU(ops, cout, cout, kernel, [1] * len(kernel), bias, nonlin=False, dropout=False)
        self.nonlin2 = ops.make_nonlin() if ops.nonlin else nn.Identity()
        strided = any(s != 1 for s in stride)
        skip: List[nn.Module] = []
        if strided:
            skip.append(nn.AvgPool3d(tuple(stride), tuple(stride)))
        if cin != cout:
            skip.append(ConvDropoutNormReLU(ops, cin, cout, [1] * len(kernel), [1] * len(kernel), False, nonlin=False, dropout=False))
        self.skip = nn.Sequential(*skip) if skip else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlin2(self.conv2(self.conv1(x)) + self.skip(x))


class StackedResidualBlocks(nn.Module):
    def __init__(self, ops: OpSpec, n: int, cin: int, cout: int, kernel, stride, bias: bool):
        super().__init__()
        blocks = [BasicBlockD(ops, cin, cout, kernel, stride, bias)]
        blocks += [BasicBlockD(ops, cout, cout, kernel, [1] * len(kernel), bias) for _ in range(1, n)]
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class ResidualEncoder(nn.Module):
    def __init__(self, ops: OpSpec, cin: int, features: Sequence[int], kernels, strides, n_blocks: Sequence[int], bias: bool, stem_channels: Optional[int] = None):
        super().__init__()
        stem = stem_channels or features[0]
        self.stem = StackedConvBlocks(ops, 1, cin, stem, kernels[0], [1] * len(kernels[0]), bias)
        cin = stem
        stages = []
        for s, f in enumerate(features):
            stages.append(StackedResidualBlocks(ops, n_blocks[s], cin, f, kernels[s], strides[s], bias))
            cin = f
        self.stages = nn.Sequential(*stages)
        self.output_channels = list(features)
        self.strides = [list(s) for s in strides]
        self.kernel_sizes = [list(k) for k in kernels]
        self.conv_bias = bias

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        x = self.stem(x)
        skips = []
        for stage in self.stages:
            x = stage(x)
            skips.append(x)
        return skips


class UNetDecoder(nn.Module):
    def __init__(self, ops: OpSpec, encoder: nn.Module, num_classes: int, n_conv: Sequence[int]):
        super().__init__()
        self.encoder = encoder
        chans, strides, kernels = encoder.output_channels, encoder.strides, encoder.kernel_sizes
        n = len(chans)
        stages, transpconvs, seg_layers = [], [], []
        for s in range(1, n):
            below, skip, stride = chans[-s], chans[-(s + 1)], strides[-s]
            transpconvs.append(nn.ConvTranspose3d(below, skip, tuple(stride), tuple(stride), bias=encoder.conv_bias))
            stages.append(StackedConvBlocks(ops, n_conv[s - 1], 2 * skip, skip, kernels[-(s + 1)], [1] * len(stride), encoder.conv_bias))
            seg_layers.append(nn.Conv3d(skip, num_classes, 1, 1, 0, bias=True))
        self.stages = nn.ModuleList(stages)
        self.transpconvs = nn.ModuleList(transpconvs)
        self.seg_layers = nn.ModuleList(seg_layers)

    def forward(self, skips: List[torch.Tensor]) -> torch.Tensor:
        x = skips[-1]
        for s, stage in enumerate(self.stages):
            x = stage(torch.cat((self.transpconvs[s](x), skips[-(s + 2)]), 1))
        return self.seg_layers[-1](x)


class NnUNet(nn.Module):
    """encoder + decoder, as both nnU-Net classes store them; forward = full-resolution logits."""

    def __init__(self, encoder: nn.Module, decoder: UNetDecoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def plain_conv_unet(ops: OpSpec, cin: int, num_classes: int, kw: dict) -> NnUNet:
    encoder = PlainConvEncoder(ops, cin, kw['features_per_stage'], kw['kernel_sizes'], kw['strides'], kw['n_conv_per_stage'], bool(kw.get('conv_bias', False)))
    return NnUNet(encoder, UNetDecoder(ops, encoder, num_classes, kw['n_conv_per_stage_decoder']))


def residual_encoder_unet(ops: OpSpec, cin: int, num_classes: int, kw: dict) -> NnUNet:
    encoder = ResidualEncoder(ops, cin, kw['features_per_stage'], kw['kernel_sizes'], kw['strides'], kw['n_blocks_per_stage'], bool(kw.get('conv_bias', False)), kw.get('stem_channels'))
    return NnUNet(encoder, UNetDecoder(ops, encoder, num_classes, kw['n_conv_per_stage_decoder']))


#: class name (last dotted component in the plans) -> builder
NETWORKS = {'PlainConvUNet': plain_conv_unet, 'ResidualEncoderUNet': residual_encoder_unet}

"""SwinUNETR (Hatamizadeh et al. 2022) with MONAI v1.5-compatible module names and shapes.

``SwinUNETR(in_channels, out_channels, feature_size=..., depths=..., num_heads=...)`` accepts a
MONAI ``SwinUNETR`` state_dict (``use_v2=False``, ``downsample="merging"``, ``norm_name="instance"``,
``res_block=True``) with ``load_state_dict(..., strict=True)`` and computes the same logits.

The network is also split into an *encoder* (``swinViT`` + ``encoder1..4``) and a *decoder*
(``encoder10, decoder5..1, out``), the seven decoder positions being the gCIS stages:

    encode(image) → {enc0, enc1, enc2, enc3, hs3, hs4}
    encoder10(hs4) → dec4; decoder5(dec4, hs3) → dec3; decoder4(dec3, enc3) → dec2;
    decoder3(dec2, enc2) → dec1; decoder2(dec1, enc1) → dec0; decoder1(dec0, enc0) → feat;
    out(feat) → logits

(``hsK`` = hidden state K of the Swin transformer after the optional layer norm; ``encK`` =
``encoder(K+1)`` of the corresponding map.) Input spatial sizes must be multiples of 32.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn

from .blocks import UnetOutBlock, UnetrBasicBlock, UnetrUpBlock
from .swin import SwinTransformer

#: Names of the tensors the encoder produces, in order.
ENCODER_OUTPUTS: Tuple[str, ...] = ('enc0', 'enc1', 'enc2', 'enc3', 'hs3', 'hs4')

#: The seven decoder positions (gCIS stages): (module name, input tensors, output tensor).
POSITIONS: Tuple[Tuple[str, Tuple[str, ...], str], ...] = (
    ('encoder10', ('hs4',), 'dec4'),
    ('decoder5', ('dec4', 'hs3'), 'dec3'),
    ('decoder4', ('dec3', 'enc3'), 'dec2'),
    ('decoder3', ('dec2', 'enc2'), 'dec1'),
    ('decoder2', ('dec1', 'enc1'), 'dec0'),
    ('decoder1', ('dec0', 'enc0'), 'feat'),
    ('out', ('feat',), 'logits'),
)
POSITION_NAMES: Tuple[str, ...] = tuple(p[0] for p in POSITIONS)

#: The spatial size must be a multiple of this.
SIZE_MULTIPLE = 32


def check_spatial(shape: Sequence[int]) -> None:
    bad = [int(s) for s in shape if int(s) % SIZE_MULTIPLE]
    if bad:
        raise ValueError(f'SwinUNETR needs spatial sizes divisible by {SIZE_MULTIPLE}; got {tuple(int(s) for s in shape)}')


def make_position_block(position: str, feature_size: int, out_channels: int = 2, extra_channels: int = 0) -> nn.Module:
    """A fresh block of the MONAI type and shape used at ``position``.

    ``extra_channels`` widens the input of the ``out`` block (clNet supporting logits)."""
    f = feature_size
    if position == 'encoder10':
        return UnetrBasicBlock(16 * f, 16 * f)
    ups = {'decoder5': (16 * f, 8 * f), 'decoder4': (8 * f, 4 * f), 'decoder3': (4 * f, 2 * f), 'decoder2': (2 * f, f), 'decoder1': (f, f)}
    if position in ups:
        return UnetrUpBlock(*ups[position])
    if position == 'out':
        return UnetOutBlock(f + extra_channels, out_channels)
    raise ValueError(f'unknown position {position!r}; expected one of {POSITION_NAMES}')


class SwinEncoder(nn.Module):
    """``swinViT`` + ``encoder1..4``: image ``[B, in, D, H, W]`` → the six tensors of ``ENCODER_OUTPUTS``.

    Holds its modules under MONAI's names so it can be embedded (as a set of attributes) in the
    full networks; see ``encode_with``."""

    def __init__(
        self,
        in_channels: int = 1,
        feature_size: int = 24,
        depths: Sequence[int] = (2, 2, 2, 2),
        num_heads: Sequence[int] = (3, 6, 12, 24),
        window_size: int = 7,
        normalize: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        dropout_path_rate: float = 0.0,
        merge: str = 'merging',
    ):
        super().__init__()
        _init_encoder(self, in_channels, feature_size, depths, num_heads, window_size, normalize, drop_rate, attn_drop_rate, dropout_path_rate, merge)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return encode_with(self, x)


def _init_encoder(m: nn.Module, in_channels, feature_size, depths, num_heads, window_size, normalize, drop_rate, attn_drop_rate, dropout_path_rate, merge) -> None:
    f = feature_size
    if f <= 0:
        raise ValueError(f'feature_size must be positive; got {f}')
    m.in_channels = in_channels
    m.feature_size = f
    m.depths = tuple(depths)
    m.num_heads = tuple(num_heads)
    m.normalize = normalize
    m.window_size = window_size
    m.merge = merge
    m.swinViT = SwinTransformer(
        in_channels,
        f,
        window_size,
        2,
        depths,
        num_heads,
        drop_rate=drop_rate,
        attn_drop_rate=attn_drop_rate,
        drop_path_rate=dropout_path_rate,
        merge=merge,
    )
    m.encoder1 = UnetrBasicBlock(in_channels, f)
    m.encoder2 = UnetrBasicBlock(f, f)
    m.encoder3 = UnetrBasicBlock(2 * f, 2 * f)
    m.encoder4 = UnetrBasicBlock(4 * f, 4 * f)


def encode_with(m: nn.Module, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """Run the encoder modules held by ``m``: returns ``(enc0, enc1, enc2, enc3, hs3, hs4)``."""
    check_spatial(x.shape[2:])
    hs = m.swinViT(x, m.normalize)
    return m.encoder1(x), m.encoder2(hs[0]), m.encoder3(hs[1]), m.encoder4(hs[2]), hs[3], hs[4]


#: The encoder's modules (MONAI names); everything else is the decoder.
ENCODER_MODULES = ('swinViT', 'encoder1', 'encoder2', 'encoder3', 'encoder4')


def encoder_state(m: nn.Module) -> Dict[str, torch.Tensor]:
    """State of the encoder modules (MONAI names) held by ``m``."""
    return OrderedDict((k, v) for k, v in m.state_dict().items() if k.split('.')[0] in ENCODER_MODULES)


class SwinUNETR(nn.Module):
    """MONAI-compatible SwinUNETR: image ``[B, in_channels, D, H, W]`` → logits ``[B, out_channels, D, H, W]``."""

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 2,
        feature_size: int = 24,
        depths: Sequence[int] = (2, 2, 2, 2),
        num_heads: Sequence[int] = (3, 6, 12, 24),
        window_size: int = 7,
        normalize: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        dropout_path_rate: float = 0.0,
        merge: str = 'merging',
    ):
        super().__init__()
        _init_encoder(self, in_channels, feature_size, depths, num_heads, window_size, normalize, drop_rate, attn_drop_rate, dropout_path_rate, merge)
        self.out_channels = out_channels
        for position in POSITION_NAMES:
            setattr(self, position, make_position_block(position, feature_size, out_channels))

    def encode(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """``(enc0, enc1, enc2, enc3, hs3, hs4)``."""
        return encode_with(self, x)

    def decode(self, enc0, enc1, enc2, enc3, hs3, hs4) -> torch.Tensor:
        feats = dict(zip(ENCODER_OUTPUTS, (enc0, enc1, enc2, enc3, hs3, hs4)))
        for position, inputs, output in POSITIONS:
            feats[output] = getattr(self, position)(*(feats[i] for i in inputs))
        return feats['logits']

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(*self.encode(x))


def load_monai_state(net: nn.Module, state: Dict[str, torch.Tensor], strict: bool = True):
    """``net.load_state_dict(state, strict)``, accepting a checkpoint dict that wraps the state
    (``{"state_dict": ...}`` / ``{"model": ...}``) or prefixes keys with ``module.``."""
    for key in ('state_dict', 'model', 'net'):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
            break
    state = OrderedDict((k[len('module.') :] if k.startswith('module.') else k, v) for k, v in state.items())
    return net.load_state_dict(state, strict=strict)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


__all__: List[str] = [
    'ENCODER_MODULES',
    'ENCODER_OUTPUTS',
    'POSITIONS',
    'POSITION_NAMES',
    'SIZE_MULTIPLE',
    'SwinEncoder',
    'SwinUNETR',
    'check_spatial',
    'encode_with',
    'encoder_state',
    'load_monai_state',
    'make_position_block',
    'parameter_count',
]

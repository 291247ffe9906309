"""clNet-style continual network: one shared (frozen) SwinUNETR encoder and named decoder heads.

    net = ClNet(feature_size=12)
    net.add_head('Organs', out_channels=3, labels={'kidney_left': 1, 'kidney_right': 2})
    net.add_head('Tumor', out_channels=2, supporting=['Organs'], labels={'kidney_tumor': 1})
    outputs = net(image)                    # {'Organs': logits, 'Tumor': logits}
    params = net.train_only('Tumor')        # freeze everything else, train one head

Each head is a full decoder (``encoder10, decoder5..decoder1, out`` with MONAI's names and
shapes) over the encoder's tensors. A head may be *supported* by earlier heads: their logits are
concatenated to its last decoder features, so its ``out`` block (the final 1x1 conv) takes
``feature_size + sum(supporting channels)`` input channels. Heads must be added after the heads
that support them, so insertion order is always a valid execution order.

Shared bottleneck (``ClNet(..., shared_bottleneck=True)``): the ``encoder10`` block (at
``16 * feature_size`` channels, about 2.0 M parameters at feature 12, most of a head) moves out
of the heads into the frozen shared encoder, as ``net.encoder10`` (MONAI's names and shapes).
Each head is then ``decoder5..decoder1, out`` only (about 1.1 M parameters at feature 12) and
reads ``SHARED_HEAD_INPUTS = (dec4, hs3, enc3, enc2, enc1, enc0)`` (in the order it consumes
them) followed by its supporting heads' logits:

    net = ClNet(feature_size=12, shared_bottleneck=True)
    feats = net.features(image)             # (dec4, hs3, enc3, enc2, enc1, enc0)
    net.heads['Organs'](*feats)             # logits

``net.head_inputs`` names what every head reads (``ENCODER_OUTPUTS`` without a shared bottleneck).
"""

from __future__ import annotations

import re
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from .swin_unetr import ENCODER_MODULES, ENCODER_OUTPUTS, POSITION_NAMES, POSITIONS, _init_encoder, encode_with, make_position_block

HEAD_NAME = re.compile(r'^[A-Za-z0-9_-]+$')
#: What a head of a shared-bottleneck ClNet reads (before its supporting heads' logits), in the
#: order its blocks consume them: the shared ``encoder10`` output, then the skips, deep to shallow.
SHARED_HEAD_INPUTS: Tuple[str, ...] = ('dec4', 'hs3', 'enc3', 'enc2', 'enc1', 'enc0')


class HeadDecoder(nn.Module):
    """``(enc0, enc1, enc2, enc3, hs3, hs4, *supporting logits)`` → logits ``[B, out_channels, ...]``.

    With ``bottleneck=False`` the head has no ``encoder10`` block and reads
    ``(dec4, hs3, enc3, enc2, enc1, enc0, *supporting logits)`` (``SHARED_HEAD_INPUTS``) instead."""

    def __init__(self, feature_size: int, out_channels: int, support_channels: int = 0, bottleneck: bool = True):
        super().__init__()
        self.out_channels = out_channels
        self.support_channels = support_channels
        self.bottleneck = bool(bottleneck)
        #: Names of the tensors ``forward`` takes first (its supporting logits follow).
        self.input_names: Tuple[str, ...] = ENCODER_OUTPUTS if self.bottleneck else SHARED_HEAD_INPUTS
        self.positions: Tuple[str, ...] = POSITION_NAMES if self.bottleneck else POSITION_NAMES[1:]
        for position in self.positions:
            extra = support_channels if position == 'out' else 0
            setattr(self, position, make_position_block(position, feature_size, out_channels, extra))

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        n = len(self.input_names)
        if len(tensors) < n:
            raise TypeError(f'a head takes {n} feature tensors {self.input_names} (+ supporting logits); got {len(tensors)}')
        values = dict(zip(self.input_names, tensors[:n]))
        support = tensors[n:]
        for position, inputs, output in POSITIONS[:-1]:
            if position in self.positions:
                values[output] = getattr(self, position)(*(values[i] for i in inputs))
        feat = values['feat']
        if support:
            feat = torch.cat((feat, *support), dim=1)
        return self.out(feat)


class ClNet(nn.Module):
    """Shared encoder (``swinViT``, ``encoder1..4``, and ``encoder10`` with ``shared_bottleneck``)
    + ``heads`` (an ``nn.ModuleDict`` of ``HeadDecoder``)."""

    def __init__(
        self,
        in_channels: int = 1,
        feature_size: int = 12,
        depths: Sequence[int] = (2, 2, 2, 2),
        num_heads: Sequence[int] = (3, 6, 12, 24),
        window_size: int = 7,
        normalize: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        dropout_path_rate: float = 0.0,
        merge: str = 'merging',
        shared_bottleneck: bool = False,
    ):
        super().__init__()
        _init_encoder(self, in_channels, feature_size, depths, num_heads, window_size, normalize, drop_rate, attn_drop_rate, dropout_path_rate, merge)
        self.shared_bottleneck = bool(shared_bottleneck)
        #: Modules of the frozen shared encoder (``train.models`` freezes exactly these).
        self.encoder_module_names: Tuple[str, ...] = ENCODER_MODULES + (('encoder10',) if self.shared_bottleneck else ())
        #: What every head reads first (then its supporting heads' logits).
        self.head_inputs: Tuple[str, ...] = SHARED_HEAD_INPUTS if self.shared_bottleneck else ENCODER_OUTPUTS
        if self.shared_bottleneck:
            self.encoder10 = make_position_block('encoder10', feature_size)
        self.heads = nn.ModuleDict()
        #: name → {"out_channels", "supporting", "labels"}; kept in insertion order.
        self.head_specs: Dict[str, dict] = {}

    def add_head(
        self,
        name: str,
        out_channels: int,
        supporting: Sequence[str] = (),
        labels: Optional[Mapping[str, int]] = None,
    ) -> HeadDecoder:
        """Add a decoder head. ``labels`` maps label name → output channel (written to model.json)."""
        if not HEAD_NAME.match(name):
            raise ValueError(f'head name {name!r} must use letters, digits, "_" or "-" only')
        if name in self.heads:
            raise ValueError(f'head {name!r} already exists')
        unknown = [s for s in supporting if s not in self.heads]
        if unknown:
            raise ValueError(f'supporting heads must be added first; unknown: {unknown}')
        labels = dict(labels or {})
        bad = {k: v for k, v in labels.items() if not 0 <= int(v) < out_channels}
        if bad:
            raise ValueError(f'label channels out of range for {out_channels} channels: {bad}')
        support_channels = sum(self.head_specs[s]['out_channels'] for s in supporting)
        head = HeadDecoder(self.feature_size, out_channels, support_channels, bottleneck=not self.shared_bottleneck)
        self.heads[name] = head
        self.head_specs[name] = {'out_channels': out_channels, 'supporting': list(supporting), 'labels': labels}
        return head

    def encode(self, x: torch.Tensor):
        """``(enc0, enc1, enc2, enc3, hs3, hs4)``."""
        return encode_with(self, x)

    def head_features(self, feats: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """Encoder outputs ``(enc0 .. hs4)`` → what the heads read (``self.head_inputs``): the
        same tuple, or, with a shared bottleneck, ``(dec4, hs3, enc3, enc2, enc1, enc0)``."""
        if not self.shared_bottleneck:
            return tuple(feats)
        enc0, enc1, enc2, enc3, hs3, hs4 = feats
        return (self.encoder10(hs4), hs3, enc3, enc2, enc1, enc0)

    def features(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """The shared (frozen) part of the network: image → the heads' inputs."""
        return self.head_features(self.encode(x))

    def execution_order(self, names: Optional[Sequence[str]] = None) -> List[str]:
        """``names`` plus every head they need, in a valid execution order."""
        wanted = set(names if names is not None else self.head_specs)
        unknown = wanted - set(self.head_specs)
        if unknown:
            raise KeyError(f'unknown heads: {sorted(unknown)}')
        for name in reversed(list(self.head_specs)):
            if name in wanted:
                wanted.update(self.head_specs[name]['supporting'])
        return [n for n in self.head_specs if n in wanted]

    def decode(self, feats: Sequence[torch.Tensor], names: Optional[Sequence[str]] = None) -> Dict[str, torch.Tensor]:
        """Heads on the encoder outputs ``(enc0 .. hs4)`` (the shared bottleneck runs here)."""
        return self.run_heads(self.head_features(feats), names)

    def run_heads(self, feats: Sequence[torch.Tensor], names: Optional[Sequence[str]] = None) -> Dict[str, torch.Tensor]:
        """Heads on their inputs (``features(x)``); supporting heads run first."""
        out: Dict[str, torch.Tensor] = {}
        for name in self.execution_order(names):
            support = [out[s] for s in self.head_specs[name]['supporting']]
            out[name] = self.heads[name](*feats, *support)
        return out if names is None else {n: out[n] for n in names}

    def forward(self, x: torch.Tensor, names: Optional[Sequence[str]] = None) -> Dict[str, torch.Tensor]:
        return self.decode(self.encode(x), names)

    def encoder_parameters(self):
        """The shared encoder's parameters (``encoder10`` included with a shared bottleneck)."""
        for module in self.encoder_module_names:
            yield from getattr(self, module).parameters()

    def freeze_encoder(self) -> None:
        for p in self.encoder_parameters():
            p.requires_grad_(False)

    def train_only(self, name: str) -> List[nn.Parameter]:
        """Freeze the encoder and every head but ``name``; return ``name``'s parameters (for the optimiser)."""
        if name not in self.heads:
            raise KeyError(f'unknown head {name!r}')
        for p in self.parameters():
            p.requires_grad_(False)
        params = list(self.heads[name].parameters())
        for p in params:
            p.requires_grad_(True)
        return params

    def load_swin_unetr_state(self, state: Mapping[str, torch.Tensor], head: Optional[str] = None) -> None:
        """Load the encoder (with a shared bottleneck: and ``encoder10``) from a MONAI SwinUNETR
        state_dict and, when ``head`` is given, that head's decoder blocks too (its ``out`` block
        only when the shapes agree)."""
        names = self.encoder_module_names
        enc = {k: v for k, v in state.items() if k.split('.')[0] in names}
        own = {k for k in self.state_dict() if k.split('.')[0] in names}
        if set(enc) != own:
            raise KeyError(f'encoder keys differ: missing {sorted(own - set(enc))[:3]}, unexpected {sorted(set(enc) - own)[:3]}')
        self.load_state_dict(enc, strict=False)
        if head is None:
            return
        target = self.heads[head].state_dict()
        sub = {k: v for k, v in state.items() if k.split('.')[0] in POSITION_NAMES and k in target and v.shape == target[k].shape}
        self.heads[head].load_state_dict({**target, **sub}, strict=True)


__all__ = ['ClNet', 'HeadDecoder', 'SHARED_HEAD_INPUTS']

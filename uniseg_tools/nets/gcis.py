"""gCIS's SwinAP / SwinSingle networks (oyxhust/gCIS ``models/swin_gcis.py``), rebuilt from a state
dict with gCIS's own parameter names, so its checkpoints load strictly.

The layout differs from MONAI's SwinUNETR (``swin_unetr.py``) in three ways that matter for weights:

- ``encoder5`` (a bottleneck block on Swin hidden state 3) feeds ``decoder5``'s skip, and
  ``encoder10`` is followed by a routed block ``decoder10`` without upsampling;
- each ``decoderX`` is ``transp_conv`` → ``cat((up, skip))`` → ``concat_conv`` 1x1 → instance norm →
  leaky ReLU → the routed ``conv_block``; only the last step is routed;
- ``BottleNeckResBlock`` (1x1 → 3x3 → 1x1) is used where gCIS uses it; which block a position holds
  is read from its keys (``conv2_2`` present), not assumed.

Routed positions, in gCIS's order: ``decoder10, decoder5, decoder4, decoder3, decoder2, decoder1,
out``. A SwinAP holds K alternatives per position (``decoder10.layer_p{k}``,
``decoderX.conv_block_p{k}``, ``out_p{k}``) and a ``prompt_router`` Linear per position; a trimmed
SwinSingle holds one (``decoder10.layer``, ``decoderX.conv_block``, ``out``). ``split_state``
turns either into shared tensors + per-position alternative blocks + routers.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .blocks import LEAKY_SLOPE, ConvHolder, UnetOutBlock, UnetResBlock, conv3d, instance_norm
from .swin import SwinTransformer

State = 'OrderedDict[str, torch.Tensor]'

#: Routed positions in gCIS's order (its ``--path_selection`` / ``--display_path`` order).
POSITIONS: Tuple[str, ...] = ('decoder10', 'decoder5', 'decoder4', 'decoder3', 'decoder2', 'decoder1', 'out')
#: Positions with an upsampling step before the routed block, and the skip tensor each reads.
UP_SKIPS: Dict[str, str] = {'decoder5': 'enc4', 'decoder4': 'enc3', 'decoder3': 'enc2', 'decoder2': 'enc1', 'decoder1': 'enc0'}
#: Tensors of the shared encoder, in output order.
ENCODER_OUTPUTS: Tuple[str, ...] = ('enc0', 'enc1', 'enc2', 'enc3', 'enc4', 'bott')
ENCODER_MODULES: Tuple[str, ...] = ('swinViT', 'encoder1', 'encoder2', 'encoder3', 'encoder4', 'encoder5', 'encoder10')

#: Key prefix of alternative k at each position: SwinAP (``{k}`` 0-based) and SwinSingle.
AP_PREFIX = {'decoder10': 'decoder10.layer_p{k}.', 'out': 'out_p{k}.', **{p: p + '.conv_block_p{k}.' for p in UP_SKIPS}}
SINGLE_PREFIX = {'decoder10': 'decoder10.layer.', 'out': 'out.', **{p: p + '.conv_block.' for p in UP_SKIPS}}
#: The router Linear of each position (SwinAP only); ``out``'s is the top-level ``prompt_router``.
ROUTER_PREFIX = {**{p: p + '.prompt_router.' for p in POSITIONS if p != 'out'}, 'out': 'prompt_router.'}


class BottleNeckResBlock(nn.Module):
    """gCIS ``BottleNeckResBlock``: 1x1 (C→m) IN lrelu, kxk (m→m) IN lrelu, 1x1 (m→out) IN, plus the
    input (through a 1x1 conv + IN when the channels change), lrelu."""

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int, kernel_size: int = 3):
        super().__init__()
        self.conv1 = conv3d(in_channels, mid_channels, 1)
        self.conv2 = conv3d(mid_channels, mid_channels, kernel_size)
        self.conv2_2 = conv3d(mid_channels, out_channels, 1)
        self.has_projection = in_channels != out_channels
        if self.has_projection:
            self.conv3 = conv3d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.leaky_relu(instance_norm(self.conv1(x)), LEAKY_SLOPE)
        y = F.leaky_relu(instance_norm(self.conv2(y)), LEAKY_SLOPE)
        y = instance_norm(self.conv2_2(y))
        skip = instance_norm(self.conv3(x)) if self.has_projection else x
        return F.leaky_relu(y + skip, LEAKY_SLOPE)


class Wrapped(nn.Module):
    """A block stored under ``.layer`` (MONAI's ``UnetrBasicBlock`` / gCIS's encoder blocks)."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)


class UpStep(nn.Module):
    """The shared, unrouted half of a gCIS decoder: ``transp_conv`` (2x), ``cat((up, skip))``,
    ``concat_conv`` 1x1, IN, lrelu."""

    def __init__(self, in_channels: int, out_channels: int, skip_channels: int):
        super().__init__()
        self.transp_conv = ConvHolder(nn.ConvTranspose3d(in_channels, out_channels, 2, stride=2, bias=False))
        self.concat_conv = conv3d(out_channels + skip_channels, out_channels, 1)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        y = torch.cat((self.transp_conv(x), skip), dim=1)
        return F.leaky_relu(instance_norm(self.concat_conv(y)), LEAKY_SLOPE)


def _shape(state: Dict[str, torch.Tensor], key: str) -> Tuple[int, ...]:
    return tuple(int(s) for s in state[key].shape)


def block_from_state(sub: Dict[str, torch.Tensor], where: str) -> nn.Module:
    """The block whose state (keys relative to it) is ``sub``, loaded strictly. ``where`` names it in errors."""
    if 'conv2_2.conv.weight' in sub:
        c1, c22 = _shape(sub, 'conv1.conv.weight'), _shape(sub, 'conv2_2.conv.weight')
        block: nn.Module = BottleNeckResBlock(c1[1], c1[0], c22[0], _shape(sub, 'conv2.conv.weight')[-1])
    elif 'conv1.conv.weight' in sub and 'conv2.conv.weight' in sub:
        c1 = _shape(sub, 'conv1.conv.weight')
        block = UnetResBlock(c1[1], c1[0], c1[-1])
    elif 'conv.conv.weight' in sub:
        w = _shape(sub, 'conv.conv.weight')
        block = UnetOutBlock(w[1], w[0])
    else:
        raise KeyError(f'{where}: not a gCIS block (keys {sorted(sub)[:4]}; expected conv1/conv2[/conv2_2] or conv.conv)')
    try:
        block.load_state_dict(sub, strict=True)
    except RuntimeError as e:
        raise KeyError(f'{where}: keys do not load into {type(block).__name__}: {str(e).splitlines()[0]} ({sorted(sub)[:6]})') from e
    return block


def sub_state(state: Dict[str, torch.Tensor], prefix: str) -> 'OrderedDict[str, torch.Tensor]':
    return OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))


@dataclass
class GcisWeights:
    """A gCIS checkpoint taken apart: what every pathway shares, and what is routed."""

    #: swinViT, encoder1..5, encoder10 and every decoder's transp_conv / concat_conv (gCIS names).
    shared: 'OrderedDict[str, torch.Tensor]'
    #: position -> its alternatives' states (keys relative to the block), in gCIS's order.
    blocks: Dict[str, List['OrderedDict[str, torch.Tensor]']]
    #: position -> (weight [K, E], bias [K]) of its prompt_router; empty for a trimmed SwinSingle.
    routers: Dict[str, Tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)

    @property
    def alternatives(self) -> List[int]:
        return [len(self.blocks[p]) for p in POSITIONS]


def is_shared_key(key: str) -> bool:
    head = key.split('.')[0]
    return head in ENCODER_MODULES or bool(re.match(r'^decoder\d+\.(transp_conv|concat_conv)\.', key))


def split_state(state: Dict[str, torch.Tensor]) -> GcisWeights:
    """SwinAP or SwinSingle state (no ``module.`` prefix) → ``GcisWeights``. Raises KeyError naming
    the keys that fit neither layout."""
    ap = any(k.startswith('out_p') for k in state)
    blocks: Dict[str, List[OrderedDict]] = {}
    routers: Dict[str, Tuple[torch.Tensor, torch.Tensor]] = {}
    used = set()
    for position in POSITIONS:
        if ap:
            alts = []
            while True:
                prefix = AP_PREFIX[position].format(k=len(alts))
                sub = sub_state(state, prefix)
                if not sub:
                    break
                alts.append(sub)
                used.update(prefix + k for k in sub)
            rp = ROUTER_PREFIX[position]
            if rp + 'weight' in state:
                routers[position] = (state[rp + 'weight'], state[rp + 'bias'])
                used.update((rp + 'weight', rp + 'bias'))
        else:
            sub = sub_state(state, SINGLE_PREFIX[position])
            alts = [sub] if sub else []
            used.update(SINGLE_PREFIX[position] + k for k in sub)
        if not alts:
            example = AP_PREFIX[position].format(k=0) if ap else SINGLE_PREFIX[position]
            raise KeyError(f'no {example}* keys: position {position} has no block')
        blocks[position] = alts
    shared = OrderedDict((k, v) for k, v in state.items() if k not in used and is_shared_key(k))
    stray = [k for k in state if k not in used and k not in shared]
    if stray:
        raise KeyError(f'{len(stray)} key(s) fit neither the shared encoder nor a routed position, e.g. {stray[:4]}')
    for m in ENCODER_MODULES:
        if not any(k.startswith(m + '.') for k in shared):
            raise KeyError(f'no {m}.* keys: not a gCIS SwinAP/SwinSingle state dict')
    if ap:
        missing = [p for p in POSITIONS if p not in routers]
        if missing:
            raise KeyError(f'no router for {missing}: expected {ROUTER_PREFIX[missing[0]]}weight')
    return GcisWeights(shared, blocks, routers)


@dataclass
class SwinConfig:
    feature_size: int
    depths: Tuple[int, ...]
    num_heads: Tuple[int, ...]
    window_size: int
    in_channels: int = 1


def swin_config(shared: Dict[str, torch.Tensor]) -> SwinConfig:
    """Feature size, depths, heads and window read from the swinViT keys."""
    w = shared['swinViT.patch_embed.proj.weight']
    depths, heads, window = [], [], None
    for i in range(1, 5):
        n = len({m.group(1) for k in shared for m in [re.match(rf'swinViT\.layers{i}\.0\.blocks\.(\d+)\.', k)] if m})
        if n == 0:
            raise KeyError(f'no swinViT.layers{i}.0.blocks.* keys')
        table = shared[f'swinViT.layers{i}.0.blocks.0.attn.relative_position_bias_table']
        side = round(int(table.shape[0]) ** (1 / 3))
        depths.append(n)
        heads.append(int(table.shape[1]))
        window = (side + 1) // 2
    return SwinConfig(int(w.shape[0]), tuple(depths), tuple(heads), int(window), int(w.shape[1]))


class GcisEncoder(nn.Module):
    """swinViT + encoder1..5 + encoder10: image → ``ENCODER_OUTPUTS``."""

    def __init__(self, shared: Dict[str, torch.Tensor], merge: str = 'merging-legacy', normalize: bool = True):
        super().__init__()
        cfg = swin_config(shared)
        self.config = cfg
        self.normalize = normalize
        self.swinViT = SwinTransformer(cfg.in_channels, cfg.feature_size, cfg.window_size, 2, cfg.depths, cfg.num_heads, merge=merge)
        self.swinViT.load_state_dict(sub_state(shared, 'swinViT.'), strict=True)
        for name in ENCODER_MODULES[1:]:
            setattr(self, name, Wrapped(block_from_state(sub_state(shared, name + '.layer.'), name)))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        hs = self.swinViT(x, self.normalize)
        return (self.encoder1(x), self.encoder2(hs[0]), self.encoder3(hs[1]), self.encoder4(hs[2]), self.encoder5(hs[3]), self.encoder10(hs[4]))


def up_steps(shared: Dict[str, torch.Tensor]) -> Dict[str, UpStep]:
    """The unrouted ``transp_conv`` + ``concat_conv`` of each upsampling position, loaded strictly."""
    steps = {}
    for position in UP_SKIPS:
        sub = sub_state(shared, position + '.')
        t, c = _shape(sub, 'transp_conv.conv.weight'), _shape(sub, 'concat_conv.conv.weight')
        step = UpStep(t[0], t[1], c[1] - t[1])
        step.load_state_dict(sub, strict=True)
        steps[position] = step
    return steps


class GcisNet(nn.Module):
    """The whole network for one pathway (0-based index per position): what SwinAP.eval() computes
    for a prompt whose router argmax is that pathway (the 0/1-weighted sum equals the selected
    path exactly), and what a SwinSingle computes."""

    def __init__(self, weights: GcisWeights, merge: str = 'merging-legacy', normalize: bool = True):
        super().__init__()
        self.encoder = GcisEncoder(weights.shared, merge, normalize)
        self.ups = nn.ModuleDict(up_steps(weights.shared))
        self.blocks = nn.ModuleDict({p: nn.ModuleList(block_from_state(s, f'{p} alternative {k + 1}') for k, s in enumerate(weights.blocks[p])) for p in POSITIONS})
        self.eval()

    def forward(self, x: torch.Tensor, pathway: Sequence[int]) -> torch.Tensor:
        enc = dict(zip(ENCODER_OUTPUTS, self.encoder(x)))
        y = self.blocks['decoder10'][pathway[0]](enc['bott'])
        for i, position in enumerate(POSITIONS[1:-1], start=1):
            y = self.blocks[position][pathway[i]](self.ups[position](y, enc[UP_SKIPS[position]]))
        return self.blocks['out'][pathway[-1]](y)


class StackedRouter(nn.Module):
    """The per-position ``prompt_router`` Linears as one module: embedding ``[N, E]`` → logits
    ``[N, positions, K]``; alternatives a position does not have get ``pad`` (never the argmax)."""

    def __init__(self, rows: Sequence[Tuple[torch.Tensor, torch.Tensor]], pad: float = -1e4):
        super().__init__()
        k = max(int(w.shape[0]) for w, _ in rows)
        e = int(rows[0][0].shape[1])
        weight = torch.zeros(len(rows) * k, e)
        bias = torch.full((len(rows) * k,), pad)
        for i, (w, b) in enumerate(rows):
            weight[i * k : i * k + w.shape[0]] = w
            bias[i * k : i * k + w.shape[0]] = b
        self.linear = nn.Linear(e, len(rows) * k)
        with torch.no_grad():
            self.linear.weight.copy_(weight)
            self.linear.bias.copy_(bias)
        self.positions, self.k = len(rows), k

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.linear(embedding).reshape(-1, self.positions, self.k)


def route(weights: GcisWeights, embedding: torch.Tensor) -> List[int]:
    """gCIS eval routing for one embedding ``[E]``: per position the first maximum of
    ``softmax(prompt_router(e))`` (0-based). Computed as gCIS does (Linear, softmax, argmax)."""
    out = []
    with torch.no_grad():
        for p in POSITIONS:
            w, b = weights.routers[p]
            out.append(int(torch.softmax(F.linear(embedding.reshape(1, -1).float(), w, b), dim=-1).argmax(-1)))
    return out


def router_margins(weights: GcisWeights, embedding: torch.Tensor) -> List[float]:
    """Per position, the gap between the best and second-best router logit (how close a tie is)."""
    out = []
    with torch.no_grad():
        for p in POSITIONS:
            w, b = weights.routers[p]
            top = torch.topk(F.linear(embedding.reshape(1, -1).float(), w, b)[0], min(2, w.shape[0])).values
            out.append(float(top[0] - top[1]) if top.numel() > 1 else float('inf'))
    return out


__all__ = [
    'AP_PREFIX', 'ENCODER_MODULES', 'ENCODER_OUTPUTS', 'POSITIONS', 'ROUTER_PREFIX', 'SINGLE_PREFIX', 'UP_SKIPS',
    'BottleNeckResBlock', 'GcisEncoder', 'GcisNet', 'GcisWeights', 'StackedRouter', 'UpStep', 'Wrapped',
    'block_from_state', 'route', 'router_margins', 'split_state', 'sub_state', 'swin_config', 'up_steps',
]

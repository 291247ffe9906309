"""A 3D Swin transformer encoder whose module names, parameter shapes and arithmetic match the
``swinViT`` of MONAI's ``SwinUNETR`` (v1.5, ``use_v2=False``, ``downsample="merging"``).

Written for uniseg from the published architecture; it loads MONAI state_dicts unchanged.
Layout conventions (the same as MONAI's, which matter for parity):

- Tokens are kept channel-last ``[B, D, H, W, C]`` inside a stage and channel-first between stages.
- A stage whose feature map is no larger than the window along an axis uses the feature size as
  the window along that axis and does not shift along it.
- The map is zero-padded to a multiple of the window *after* ``norm1``; padded tokens take part
  in attention (they are not masked), exactly as in MONAI.
- Shifted windows roll by ``-window // 2`` and mask pairs of tokens from different regions with
  ``-100`` added to the attention logits.
- With a window smaller than the configured one (``n`` tokens), the relative position bias is
  read from the top-left ``n x n`` block of ``relative_position_index`` (MONAI's behaviour).
- Patch merging concatenates the eight 2x2x2 neighbours in the order of ``MERGE_OFFSETS[merge]``.
  ``"merging"`` (default) is MONAI 1.5's order, verified against the MONAI 1.5.0 fixture;
  ``"merging-legacy"`` is the order of older MONAI releases, which lists two neighbours twice and
  omits two (checkpoints trained with those releases need it); ``"mergingv2"`` is
  ``PatchMergingV2``'s product order.
- ``normalize=True`` applies a weightless layer norm over channels to every returned stage.

Every branch depends on shapes only, so the forward is traceable (``torch.jit.trace``,
``torch.onnx.export`` at opset 16) for a fixed spatial size. Shift masks are computed from small
region-id tables at run time rather than stored as ``[windows, n, n]`` constants, which keeps
exported ONNX files small (export without constant folding).
"""

from __future__ import annotations

import functools
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

Triple = Tuple[int, int, int]

# Neighbour offsets (d, h, w) that PatchMerging concatenates, in order. The weights of the
# following LayerNorm and linear reduction are tied to this order, so a checkpoint only works
# with the order it was trained with.
MERGE_OFFSETS = {
    # MONAI 1.5 "merging": the eight distinct neighbours.
    'merging': ((0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)),
    # Older MONAI "merging": (0,1,0) and (0,0,1) appear twice, (1,1,0) and (0,1,1) never.
    'merging-legacy': ((0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 0), (0, 0, 1), (1, 1, 1)),
    # MONAI "mergingv2" (PatchMergingV2): itertools.product order.
    'mergingv2': tuple((i, j, k) for i in range(2) for j in range(2) for k in range(2)),
}


def _triple(v) -> Triple:
    if isinstance(v, int):
        return (v, v, v)
    v = tuple(int(a) for a in v)
    if len(v) != 3:
        raise ValueError(f'expected 3 values, got {v}')
    return v  # type: ignore[return-value]


def effective_window(size: Sequence[int], window: Triple, shift: Triple) -> Tuple[Triple, Triple]:
    """Window and shift actually used on a feature map of ``size``: axes no larger than the window
    use the whole axis and no shift."""
    w = list(window)
    s = list(shift)
    for i, n in enumerate(size):
        if n <= window[i]:
            w[i] = int(n)
            s[i] = 0
    return tuple(w), tuple(s)  # type: ignore[return-value]


def partition_windows(x: torch.Tensor, window: Triple) -> torch.Tensor:
    """``[B, D, H, W, C]`` (each spatial dim a multiple of the window) → ``[B * nW, wd*wh*ww, C]``,
    windows in (d, h, w) raster order within each batch item."""
    _, d, h, w, c = x.shape
    wd, wh, ww = window
    x = x.reshape(-1, d // wd, wd, h // wh, wh, w // ww, ww, c)
    x = x.permute(0, 1, 3, 5, 2, 4, 6, 7)
    return x.reshape(-1, wd * wh * ww, c)


def merge_windows(windows: torch.Tensor, window: Triple, size: Sequence[int]) -> torch.Tensor:
    """Inverse of ``partition_windows``: ``[B * nW, n, C]`` → ``[B, D, H, W, C]``."""
    d, h, w = (int(a) for a in size)
    wd, wh, ww = window
    c = windows.shape[-1]
    x = windows.reshape(-1, d // wd, h // wh, w // ww, wd, wh, ww, c)
    x = x.permute(0, 1, 4, 2, 5, 3, 6, 7)
    return x.reshape(-1, d, h, w, c)


@functools.lru_cache(maxsize=64)
def shift_region_ids(size: Triple, window: Triple, shift: Triple) -> np.ndarray:
    """Region label of every token of every window, ``[nW, n]`` float32, for a padded map of
    ``size`` rolled by ``-shift``. Tokens of one window attend to each other only when their
    labels are equal. Three bands per axis: ``[0, -window)``, ``[-window, -shift)``, ``[-shift, end)``
    (Python slice semantics, so a zero shift leaves the middle band empty)."""
    ids = np.zeros(size, dtype=np.float32)
    label = 0
    bands = [
        (slice(None, -window[a]), slice(-window[a], -shift[a]), slice(-shift[a], None)) for a in range(3)
    ]
    for sd in bands[0]:
        for sh in bands[1]:
            for sw in bands[2]:
                ids[sd, sh, sw] = label
                label += 1
    d, h, w = size
    wd, wh, ww = window
    ids = ids.reshape(d // wd, wd, h // wh, wh, w // ww, ww).transpose(0, 2, 4, 1, 3, 5)
    return np.ascontiguousarray(ids.reshape(-1, wd * wh * ww))


def shift_mask(size: Triple, window: Triple, shift: Triple, like: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Additive attention mask ``[nW, n, n]``: 0 within a region, -100 across regions.

    With ``like`` (a graph input, while tracing) the mask is computed from the region ids plus a
    zero taken from ``like``'s dynamic batch size, so the exporter cannot fold the mask into a
    ``[nW, n, n]`` constant (59 MB for a 64^3 window); onnxruntime builds it at run time."""
    ids = torch.from_numpy(shift_region_ids(tuple(size), tuple(window), tuple(shift)))
    if like is not None:
        ids = ids + (torch._shape_as_tensor(like)[0] * 0).to(ids.dtype)
    diff = ids.unsqueeze(1) - ids.unsqueeze(2)
    return (diff != 0).to(torch.float32) * -100.0


def relative_position_index(window: Triple) -> torch.Tensor:
    """``[n, n]`` index into the ``(2wd-1)(2wh-1)(2ww-1)`` bias table for each pair of window tokens."""
    wd, wh, ww = window
    grid = torch.stack(torch.meshgrid(torch.arange(wd), torch.arange(wh), torch.arange(ww), indexing='ij'))
    flat = grid.reshape(3, -1)
    rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0)
    rel = rel + torch.tensor([wd - 1, wh - 1, ww - 1])
    strides = torch.tensor([(2 * wh - 1) * (2 * ww - 1), 2 * ww - 1, 1])
    return (rel * strides).sum(-1)


class DropPath(nn.Module):
    """Stochastic depth on the residual branch (identity in eval mode or with p = 0)."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        shape = (x.shape[0],) + (1,) * (x.dim() - 1)
        return x * x.new_empty(shape).bernoulli_(keep) / keep


class MLPBlock(nn.Module):
    """linear1 → GELU → dropout → linear2 → dropout."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.0):
        super().__init__()
        self.linear1 = nn.Linear(dim, hidden)
        self.linear2 = nn.Linear(hidden, dim)
        self.fn = nn.GELU()
        self.drop1 = nn.Dropout(dropout)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop2(self.linear2(self.drop1(self.fn(self.linear1(x)))))


class WindowAttention(nn.Module):
    """Multi-head self-attention within windows, with a learned relative position bias."""

    def __init__(self, dim: int, num_heads: int, window: Triple, qkv_bias: bool = True, attn_drop: float = 0.0, proj_drop: float = 0.0):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'dim {dim} is not divisible by {num_heads} heads')
        self.dim = dim
        self.num_heads = num_heads
        self.window = window
        self.scale = (dim // num_heads) ** -0.5
        entries = (2 * window[0] - 1) * (2 * window[1] - 1) * (2 * window[2] - 1)
        self.relative_position_bias_table = nn.Parameter(torch.zeros(entries, num_heads))
        self.register_buffer('relative_position_index', relative_position_index(window))
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x ``[B*nW, n, C]``; mask ``[nW, n, n]`` additive or None."""
        n, c = x.shape[1], x.shape[2]
        heads = self.num_heads
        qkv = self.qkv(x).reshape(-1, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q @ k.transpose(-2, -1)
        index = self.relative_position_index[:n, :n].reshape(-1)
        bias = self.relative_position_bias_table[index].reshape(n, n, heads).permute(2, 0, 1)
        # In-place adds: these [B*nW, heads, n, n] tensors are the largest of the network, and
        # the matmul's backward does not need its output.
        attn.add_(bias.unsqueeze(0))
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(-1, nw, heads, n, n)
            attn.add_(mask.unsqueeze(1).unsqueeze(0))
            attn = attn.view(-1, heads, n, n)
        attn = self.attn_drop(torch.softmax(attn, dim=-1))
        out = (attn @ v).transpose(1, 2).reshape(-1, n, c)
        return self.proj_drop(self.proj(out))


class SwinTransformerBlock(nn.Module):
    """(Shifted-)window attention and an MLP, each pre-normed with a residual connection."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window: Triple,
        shift: Triple,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path: float = 0.0,
    ):
        super().__init__()
        self.window = window
        self.shift = shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, num_heads, window, qkv_bias, attn_drop, drop)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLPBlock(dim, int(dim * mlp_ratio), drop)

    def _attention(self, x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        _, d, h, w, _ = x.shape
        window, shift = effective_window((d, h, w), self.window, self.shift)
        x = self.norm1(x)
        pads = [(window[i] - n % window[i]) % window[i] for i, n in enumerate((d, h, w))]
        if any(pads):
            x = F.pad(x, (0, 0, 0, pads[2], 0, pads[1], 0, pads[0]))
        size = (d + pads[0], h + pads[1], w + pads[2])
        shifted = any(s > 0 for s in shift)
        if shifted:
            x = torch.roll(x, shifts=(-shift[0], -shift[1], -shift[2]), dims=(1, 2, 3))
        out = self.attn(partition_windows(x, window), mask if shifted else None)
        x = merge_windows(out, window, size)
        if shifted:
            x = torch.roll(x, shifts=shift, dims=(1, 2, 3))
        if any(pads):
            x = x[:, :d, :h, :w, :]
        return x

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = x + self.drop_path(self._attention(x, mask))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    """2x2x2 neighbours concatenated (8C) → LayerNorm → linear to 2C; odd sizes are zero-padded."""

    def __init__(self, dim: int, merge: str = 'merging'):
        super().__init__()
        if merge not in MERGE_OFFSETS:
            raise ValueError(f'unknown merge mode {merge!r}; expected one of {sorted(MERGE_OFFSETS)}')
        self.offsets = MERGE_OFFSETS[merge]
        self.norm = nn.LayerNorm(8 * dim)
        self.reduction = nn.Linear(8 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, d, h, w, _ = x.shape
        if d % 2 or h % 2 or w % 2:
            x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2, 0, d % 2))
        x = torch.cat([x[:, i::2, j::2, k::2, :] for i, j, k in self.offsets], dim=-1)
        return self.reduction(self.norm(x))


class BasicLayer(nn.Module):
    """``depth`` Swin blocks alternating unshifted / shifted windows, then patch merging.

    Channel-first in and out: ``[B, C, D, H, W]`` → ``[B, 2C, D/2, H/2, W/2]``.
    """

    def __init__(
        self,
        dim: int,
        depth: int,
        num_heads: int,
        window: Triple,
        drop_path: Sequence[float],
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop: float = 0.0,
        attn_drop: float = 0.0,
        merge: Optional[str] = 'merging',
    ):
        super().__init__()
        self.window = window
        self.shift = tuple(a // 2 for a in window)
        self.blocks = nn.ModuleList(
            SwinTransformerBlock(
                dim, num_heads, window, (0, 0, 0) if i % 2 == 0 else self.shift, mlp_ratio, qkv_bias, drop, attn_drop, drop_path[i]
            )
            for i in range(depth)
        )
        self.downsample = PatchMerging(dim, merge) if merge else None
        self._masks: dict = {}

    def _mask(self, size: Triple, window: Triple, shift: Triple, x: torch.Tensor) -> torch.Tensor:
        # Cached between calls, except while tracing (see shift_mask).
        if torch.jit.is_tracing():
            return shift_mask(size, window, shift, like=x).to(x.device)
        device = x.device
        key = (size, window, shift, str(device))
        if key not in self._masks:
            self._masks.clear()
            self._masks[key] = shift_mask(size, window, shift).to(device)
        return self._masks[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, _, d, h, w = x.shape
        window, shift = effective_window((d, h, w), self.window, self.shift)
        x = x.permute(0, 2, 3, 4, 1)
        mask = None
        if any(s > 0 for s in shift):
            padded = tuple(-(-n // window[i]) * window[i] for i, n in enumerate((d, h, w)))
            mask = self._mask(padded, window, shift, x)
        for block in self.blocks:
            x = block(x, mask)
        if self.downsample is not None:
            x = self.downsample(x)
        return x.permute(0, 4, 1, 2, 3)


class PatchEmbed(nn.Module):
    """Non-overlapping patch projection (conv with kernel = stride = patch); pads up to a multiple."""

    def __init__(self, in_channels: int, embed_dim: int, patch: Triple):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv3d(in_channels, embed_dim, kernel_size=patch, stride=patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d, h, w = x.shape[2:]
        pads = [(p - n % p) % p for p, n in zip(self.patch, (d, h, w))]
        if any(pads):
            x = F.pad(x, (0, pads[2], 0, pads[1], 0, pads[0]))
        return self.proj(x)


def channel_layer_norm(x: torch.Tensor) -> torch.Tensor:
    """Weightless layer norm over the channel axis of ``[B, C, D, H, W]``."""
    y = x.permute(0, 2, 3, 4, 1)
    y = F.layer_norm(y, [int(y.shape[-1])])
    return y.permute(0, 4, 1, 2, 3)


class SwinTransformer(nn.Module):
    """Patch embedding and four Swin stages. ``forward`` returns five hidden states:
    ``[embed (C, /2), stage1 (2C, /4), stage2 (4C, /8), stage3 (8C, /16), stage4 (16C, /32)]``."""

    def __init__(
        self,
        in_channels: int = 1,
        embed_dim: int = 24,
        window_size=7,
        patch_size=2,
        depths: Sequence[int] = (2, 2, 2, 2),
        num_heads: Sequence[int] = (3, 6, 12, 24),
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        merge: str = 'merging',
    ):
        super().__init__()
        if len(depths) != 4 or len(num_heads) != 4:
            raise ValueError('depths and num_heads need 4 entries (four stages)')
        window = _triple(window_size)
        self.embed_dim = embed_dim
        self.patch_embed = PatchEmbed(in_channels, embed_dim, _triple(patch_size))
        self.pos_drop = nn.Dropout(drop_rate)
        rates = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        start = 0
        for i in range(4):
            layer = BasicLayer(
                embed_dim * 2**i,
                depths[i],
                num_heads[i],
                window,
                rates[start : start + depths[i]],
                mlp_ratio,
                qkv_bias,
                drop_rate,
                attn_drop_rate,
                merge,
            )
            start += depths[i]
            setattr(self, f'layers{i + 1}', nn.ModuleList([layer]))

    def forward(self, x: torch.Tensor, normalize: bool = True) -> List[torch.Tensor]:
        x = self.pos_drop(self.patch_embed(x))
        states = [x]
        for layers in (self.layers1, self.layers2, self.layers3, self.layers4):
            x = layers[0](x.contiguous())
            states.append(x)
        if normalize:
            states = [channel_layer_norm(s) for s in states]
        return states

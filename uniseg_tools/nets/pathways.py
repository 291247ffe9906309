"""gCIS-style pathway network: a shared SwinUNETR encoder and, at each of the seven decoder
positions, K alternative blocks; a text-conditioned router picks one block per position.

    net = PathwayNet(out_channels=2, feature_size=12, alternatives=4)
    logits = net(image, [1, 0, 2, 3, 2, 3, 3])          # hard pathway, 0-based indices
    router = Router(embed_dim=512, alternatives=4)
    weights = router.weights(text_embedding)             # [7, K] (or [B, 7, K]); straight-through
    logits = net(image, weights)                         # mixes blocks, gradients reach the router

Pathways are 0-based inside Python and 1-based in model packages and logs
(``format_pathway([1, 0, 2]) == "2,1,3"``), matching ``route.pathway`` in ``model.json``.

The encoder (``swinViT``, ``encoder1..4``) keeps MONAI's module names, so a MONAI SwinUNETR
checkpoint initialises it directly; ``load_swin_unetr_state`` also copies the checkpoint's decoder
blocks into every alternative (the usual gCIS start).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .swin_unetr import ENCODER_OUTPUTS, POSITION_NAMES, POSITIONS, SwinUNETR, _init_encoder, encode_with, make_position_block

Pathway = Sequence[int]
Selection = Union[Pathway, torch.Tensor]


def format_pathway(pathway: Pathway) -> str:
    """0-based pathway → the 1-based text used in packages and logs, e.g. ``"2,1,3,5,3,6,6"``."""
    return ','.join(str(int(p) + 1) for p in pathway)


def parse_pathway(text: str) -> List[int]:
    """``"2,1,3"`` (1-based) → ``[1, 0, 2]`` (0-based)."""
    values = [int(v) for v in text.replace(' ', '').split(',') if v]
    if any(v < 1 for v in values):
        raise ValueError(f'pathway entries are 1-based; got {text!r}')
    return [v - 1 for v in values]


def manifest_pathway(pathway: Pathway) -> List[int]:
    """0-based pathway → the 1-based list of a ``{"kind": "pathway"}`` route."""
    return [int(p) + 1 for p in pathway]


class PathwayNet(nn.Module):
    """Shared SwinUNETR encoder + ``alternatives`` blocks at each of ``POSITION_NAMES``.

    Alternatives live in ``nn.ModuleList``s named after the MONAI position (``encoder10.0``,
    ``decoder5.3``, ``out.1`` …), each with the MONAI block's type and shape; the ``out``
    alternatives produce ``out_channels`` logits (e.g. 2 for softmax background/foreground).
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 2,
        feature_size: int = 12,
        depths: Sequence[int] = (2, 2, 2, 2),
        num_heads: Sequence[int] = (3, 6, 12, 24),
        alternatives: int = 4,
        window_size: int = 7,
        normalize: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        dropout_path_rate: float = 0.0,
        merge: str = 'merging',
    ):
        super().__init__()
        if alternatives < 1:
            raise ValueError('alternatives must be >= 1')
        _init_encoder(self, in_channels, feature_size, depths, num_heads, window_size, normalize, drop_rate, attn_drop_rate, dropout_path_rate, merge)
        self.out_channels = out_channels
        self.alternatives = alternatives
        for position in POSITION_NAMES:
            setattr(self, position, nn.ModuleList(make_position_block(position, feature_size, out_channels) for _ in range(alternatives)))

    @property
    def positions(self) -> int:
        return len(POSITIONS)

    def encode(self, x: torch.Tensor):
        """``(enc0, enc1, enc2, enc3, hs3, hs4)``."""
        return encode_with(self, x)

    def block(self, position: str, alternative: int) -> nn.Module:
        return getattr(self, position)[alternative]

    def check_pathway(self, pathway: Pathway) -> List[int]:
        p = [int(v) for v in pathway]
        if len(p) != self.positions or any(v < 0 or v >= self.alternatives for v in p):
            raise ValueError(f'pathway must have {self.positions} entries in [0, {self.alternatives}); got {list(pathway)}')
        return p

    def _mix(self, position: str, inputs: List[torch.Tensor], weights: torch.Tensor, mix: str) -> torch.Tensor:
        """Weighted sum over alternatives. ``weights``: [K] or [B, K] (a row of the selection)."""
        blocks = getattr(self, position)
        batched = weights.dim() == 2
        if mix == 'all':
            out = None
            for k, block in enumerate(blocks):
                w = weights[:, k].reshape(-1, 1, 1, 1, 1) if batched else weights[k]
                term = w * block(*inputs)
                out = term if out is None else out + term
            return out
        if mix != 'selected':
            raise ValueError(f"mix must be 'all' or 'selected'; got {mix!r}")
        # Only the chosen block runs; its (straight-through) weight still carries the router gradient.
        if not batched:
            k = int(weights.argmax())
            return weights[k] * blocks[k](*inputs)
        chosen = weights.argmax(dim=1)
        pieces = [None] * weights.shape[0]
        for k in chosen.unique().tolist():
            rows = (chosen == k).nonzero(as_tuple=True)[0]
            y = blocks[k](*(t[rows] for t in inputs)) * weights[rows, k].reshape(-1, 1, 1, 1, 1)
            for j, r in enumerate(rows.tolist()):
                pieces[r] = y[j : j + 1]
        return torch.cat(pieces, dim=0)

    def decode(self, feats: Sequence[torch.Tensor], selection: Selection, mix: str = 'all') -> torch.Tensor:
        """Run the seven positions on encoder features.

        ``selection`` is either a pathway (7 ints, 0-based: only the chosen blocks run) or a weight
        tensor ``[7, K]`` / ``[B, 7, K]`` (e.g. straight-through Gumbel-softmax): each position's
        output is the weighted sum of its alternatives' outputs (``mix="all"``) or the chosen
        block's output times its weight (``mix="selected"``, cheaper, gradient only through the
        chosen weight)."""
        values: Dict[str, torch.Tensor] = dict(zip(ENCODER_OUTPUTS, feats))
        tensor = isinstance(selection, torch.Tensor)
        if tensor:
            if selection.shape[-2:] != (self.positions, self.alternatives):
                raise ValueError(f'selection weights must end in [{self.positions}, {self.alternatives}]; got {tuple(selection.shape)}')
        else:
            selection = self.check_pathway(selection)
        for i, (position, inputs, output) in enumerate(POSITIONS):
            args = [values[n] for n in inputs]
            if tensor:
                values[output] = self._mix(position, args, selection[..., i, :], mix)
            else:
                values[output] = self.block(position, selection[i])(*args)
        return values['logits']

    def forward(self, x: torch.Tensor, selection: Selection, mix: str = 'all') -> torch.Tensor:
        return self.decode(self.encode(x), selection, mix)

    def to_swin_unetr(self, pathway: Pathway) -> SwinUNETR:
        """A plain MONAI-compatible SwinUNETR holding the encoder and the blocks of ``pathway``."""
        p = self.check_pathway(pathway)
        net = SwinUNETR(
            self.in_channels,
            self.out_channels,
            self.feature_size,
            self.depths,
            self.num_heads,
            window_size=self.window_size,
            normalize=self.normalize,
            merge=self.merge,
        )
        state = {k: v for k, v in self.state_dict().items() if k.split('.')[0] not in POSITION_NAMES}
        for i, position in enumerate(POSITION_NAMES):
            for k, v in self.block(position, p[i]).state_dict().items():
                state[f'{position}.{k}'] = v
        net.load_state_dict(state, strict=True)
        return net

    def load_swin_unetr_state(self, state: Dict[str, torch.Tensor], positions: Optional[Sequence[str]] = None) -> List[str]:
        """Initialise from a MONAI SwinUNETR state_dict: the encoder, and the checkpoint's block at
        each position copied into every alternative (positions whose shapes differ, typically
        ``out``, are skipped). Returns the positions that were copied."""
        own = self.state_dict()
        enc = {k: v for k, v in state.items() if k.split('.')[0] not in POSITION_NAMES}
        missing = [k for k in own if k.split('.')[0] not in POSITION_NAMES and k not in enc]
        if missing:
            raise KeyError(f'checkpoint lacks encoder keys, e.g. {missing[:3]}')
        self.load_state_dict(enc, strict=False)
        copied = []
        for position in positions or POSITION_NAMES:
            sub = {k[len(position) + 1 :]: v for k, v in state.items() if k.startswith(position + '.')}
            target = self.block(position, 0).state_dict()
            if set(sub) != set(target) or any(sub[k].shape != target[k].shape for k in target):
                continue
            for block in getattr(self, position):
                block.load_state_dict(sub, strict=True)
            copied.append(position)
        return copied


class Router(nn.Module):
    """Text embedding ``[E]`` or ``[B, E]`` → pathway logits ``[P, K]`` or ``[B, P, K]``.

    ``hidden=None`` is a single linear layer; otherwise linear → GELU → linear.
    ``weights`` draws straight-through Gumbel-softmax selections in training mode (hard one-hot
    values, soft gradients) and returns the argmax one-hot in eval mode; ``pathway`` returns the
    argmax indices (0-based)."""

    def __init__(self, embed_dim: int, alternatives: int = 4, positions: int = 7, hidden: Optional[int] = None):
        super().__init__()
        self.embed_dim = embed_dim
        self.alternatives = alternatives
        self.positions = positions
        out = positions * alternatives
        self.net = nn.Linear(embed_dim, out) if hidden is None else nn.Sequential(nn.Linear(embed_dim, hidden), nn.GELU(), nn.Linear(hidden, out))

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        logits = self.net(embedding)
        return logits.reshape(*embedding.shape[:-1], self.positions, self.alternatives)

    def weights(self, embedding: torch.Tensor, tau: float = 1.0, hard: bool = True) -> torch.Tensor:
        logits = self(embedding)
        if self.training:
            return F.gumbel_softmax(logits, tau=tau, hard=hard, dim=-1)
        return F.one_hot(logits.argmax(-1), self.alternatives).to(logits.dtype)

    @torch.no_grad()
    def pathway(self, embedding: torch.Tensor) -> List[int]:
        if embedding.dim() != 1:
            raise ValueError('pathway() takes one embedding [E]; use forward() for batches')
        return self(embedding).argmax(-1).tolist()


__all__ = ['PathwayNet', 'Router', 'format_pathway', 'manifest_pathway', 'parse_pathway']

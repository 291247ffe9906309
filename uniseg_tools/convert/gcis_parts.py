"""gCIS weights → package parts: the shared encoder, the unrouted upsampling steps, one part per
kept alternative of each routed position, and the router.

Tensor names (gCIS's forward, one window):

    image → encoder → enc0, enc1, enc2, enc3, enc4, bott
    bott → stage decoder10 → dec10
    (dec10, enc4) → decoder5.up → up5 → stage decoder5 → dec5      (likewise decoder4 … decoder1)
    dec1 → stage out → logits
    text_embedding [N, E] → router → pathway_logits [N, 7, K]

The ``.up`` parts are gCIS's ``transp_conv`` + ``concat_conv``, which every pathway shares, so
they are plain parts whose result the executor reuses for every task reaching them with the same
inputs. Alternatives are exported as ``<position>.<k>`` (k 1-based in the package's numbering).
"""

from __future__ import annotations

import hashlib
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from uniseg_tools.nets.gcis import ENCODER_OUTPUTS, POSITIONS, UP_SKIPS, GcisEncoder, StackedRouter, block_from_state, up_steps
from uniseg_tools.nets.parts import IMAGE, LOGITS, BlockPart, ExportPart

#: Output tensor of each routed position.
STAGE_OUTPUT = {'decoder10': 'dec10', 'decoder5': 'dec5', 'decoder4': 'dec4', 'decoder3': 'dec3', 'decoder2': 'dec2', 'decoder1': 'dec1', 'out': LOGITS}
UP_OUTPUT = {p: 'up' + p[len('decoder'):] for p in UP_SKIPS}
ROUTER_INPUT = 'text_embedding'
ROUTER_OUTPUT = 'pathway_logits'


def state_hash(state: Dict[str, torch.Tensor]) -> str:
    """SHA-256 over names, dtypes, shapes and bytes: equal hashes mean bit-identical weights."""
    h = hashlib.sha256()
    for k in sorted(state):
        t = state[k].detach().cpu().contiguous()
        h.update(f'{k}|{t.dtype}|{tuple(t.shape)}|'.encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def gcis_parts(
    shared: Dict[str, torch.Tensor],
    blocks: Dict[str, List[Dict[str, torch.Tensor]]],
    roi: Sequence[int],
    merge: str,
    normalize: bool,
    router: Optional[StackedRouter] = None,
    embeddings: Optional[torch.Tensor] = None,
) -> List[ExportPart]:
    """Parts for ``blocks[position]`` (the kept alternatives, in package order) on the shared weights.
    Example inputs are real activations of a random image (alternative 1 feeds the next position)."""
    encoder = GcisEncoder(shared, merge, normalize).eval()
    ups = up_steps(shared)
    image = torch.randn(1, encoder.config.in_channels, *roi, generator=torch.Generator().manual_seed(0))
    parts = [ExportPart('encoder', encoder, [IMAGE], list(ENCODER_OUTPUTS), (image,))]
    with torch.no_grad():
        values = dict(zip(ENCODER_OUTPUTS, encoder(image)))
        previous = 'bott'
        for position in POSITIONS:
            if position in UP_SKIPS:
                up = ups[position].eval()
                inputs = [previous, UP_SKIPS[position]]
                example = tuple(values[n] for n in inputs)
                parts.append(ExportPart(f'{position}.up', up, inputs, [UP_OUTPUT[position]], example))
                values[UP_OUTPUT[position]] = up(*example)
                previous = UP_OUTPUT[position]
            example = (values[previous],)
            first = None
            for k, state in enumerate(blocks[position]):
                block = block_from_state(state, f'{position} alternative {k + 1}').eval()
                parts.append(ExportPart(f'{position}.{k + 1}', BlockPart(block), [previous], [STAGE_OUTPUT[position]], example, stage=(position, k + 1)))
                first = first if first is not None else block(*example)
            values[STAGE_OUTPUT[position]] = first
            previous = STAGE_OUTPUT[position]
    if router is not None:
        parts.append(ExportPart('router', router.eval(), [ROUTER_INPUT], [ROUTER_OUTPUT], (embeddings.float(),)))
    return parts


def reachable(weight: torch.Tensor, bias: torch.Tensor, bound: float = 1e3) -> List[int]:
    """Alternatives (0-based) a Linear router can pick for some embedding e in the box
    [-bound, bound]^E. gCIS takes the first maximum, so k is picked where its logit beats every
    earlier alternative strictly and ties or beats every later one: a linear programme
    (maximise t subject to l_k - l_j >= t for j < k and l_k - l_j >= 0 for j > k; reachable when
    it is feasible with t > 0)."""
    from scipy.optimize import linprog

    w, b = weight.double().numpy(), bias.double().numpy()
    k_count, dim = w.shape
    out = []
    for k in range(k_count):
        others = [j for j in range(k_count) if j != k]
        if not others:
            return [0]
        a_ub = [[*(-(w[k] - w[j])), 1.0 if j < k else 0.0] for j in others]
        b_ub = [b[k] - b[j] for j in others]
        res = linprog(c=[0.0] * dim + [-1.0], A_ub=a_ub, b_ub=b_ub, bounds=[(-bound, bound)] * dim + [(None, 1.0)], method='highs')
        if res.status == 0 and -res.fun > 1e-9:
            out.append(k)
    return out


def stack_router(routers: Dict[str, Tuple[torch.Tensor, torch.Tensor]], kept: Dict[str, List[int]]) -> StackedRouter:
    """The package router: each position's Linear restricted to its kept alternatives (rows in
    package order), padded to the widest stage."""
    return StackedRouter([(routers[p][0][kept[p]], routers[p][1][kept[p]]) for p in POSITIONS])


__all__ = ['ROUTER_INPUT', 'ROUTER_OUTPUT', 'STAGE_OUTPUT', 'UP_OUTPUT', 'gcis_parts', 'reachable', 'stack_router', 'state_hash']

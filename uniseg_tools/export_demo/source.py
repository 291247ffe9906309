"""The gCIS training checkpoint an export starts from: network, tasks, pathways, kept alternatives.

``load_source(path)`` rebuilds the ``PathwayAdapter`` of the checkpoint's config with the **EMA**
weights, checks that the stored pathways are the EMA router's argmax, and works out which
alternatives some task's pathway reaches (``kept``, original 1-based indices per stage, in order):
only those become parts, renumbered 1..K' per stage (``renumber``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Dict, List, Sequence

import torch

from ..data import Task
from ..nets.parts import sha256_file
from ..nets.swin_unetr import POSITION_NAMES
from ..train.checkpoint import FORMAT as TRAIN_FORMAT
from ..train.models import build_network


def parse_pathway(value) -> List[int]:
    """``'1,3,1'`` or ``[1, 3, 1]`` → ``[1, 3, 1]`` (1-based)."""
    if isinstance(value, str):
        return [int(v) for v in value.replace(' ', '').split(',') if v]
    return [int(v) for v in value]


@dataclass
class Source:
    path: str
    sha256: str
    step: int
    config: dict
    tasks: List[Task]
    adapter: torch.nn.Module
    #: Task name → trained pathway (original 1-based alternatives, one per stage).
    pathways: Dict[str, List[int]]
    #: Per stage, the original 1-based alternatives some task uses, ascending.
    kept: List[List[int]]
    torch_version: str = ''
    command: object = None
    extra: dict = field(default_factory=dict)

    @property
    def net(self):
        return self.adapter.net

    @property
    def stages(self) -> List[str]:
        return list(POSITION_NAMES)

    def renumber(self, pathway: Sequence[int]) -> List[int]:
        """Original 1-based pathway → the package's 1-based pathway over the kept alternatives."""
        return [self.kept[s].index(int(p)) + 1 for s, p in enumerate(pathway)]


def reachable(pathways: Dict[str, Sequence[int]], stages: int) -> List[List[int]]:
    kept = [sorted({int(p[s]) for p in pathways.values()}) for s in range(stages)]
    if any(not k for k in kept):
        raise ValueError('no pathways: every stage needs at least one alternative')
    return kept


def load_source(path: str) -> Source:
    ckpt = torch.load(path, map_location='cpu')
    if not isinstance(ckpt, dict) or ckpt.get('format') != TRAIN_FORMAT:
        raise ValueError(f'{path}: not a uniseg training checkpoint')
    cfg = dict(ckpt['config'])
    if cfg.get('mode') != 'pathways':
        raise ValueError(f'{path}: mode {cfg.get("mode")!r}; export_demo exports gCIS pathways checkpoints')
    tasks = [Task.from_json(t) for t in ckpt['tasks']]
    adapter = build_network(SimpleNamespace(**cfg), tasks)
    adapter.load_state_dict(ckpt['ema'], strict=True)
    adapter.eval()
    for p in adapter.parameters():
        p.requires_grad_(False)
    from_router = adapter.pathways()
    stored = {k: parse_pathway(v) for k, v in (ckpt.get('pathways') or {}).items()}
    if stored and stored != from_router:
        raise ValueError(f'{path}: stored pathways {stored} differ from the EMA router argmax {from_router}')
    n = len(POSITION_NAMES)
    for name, p in from_router.items():
        if len(p) != n or any(not 1 <= v <= adapter.net.alternatives for v in p):
            raise ValueError(f'task {name}: bad pathway {p}')
    return Source(
        path=os.path.abspath(path),
        sha256=sha256_file(path),
        step=int(ckpt['step']),
        config=cfg,
        tasks=tasks,
        adapter=adapter,
        pathways=from_router,
        kept=reachable(from_router, n),
        torch_version=str(ckpt.get('torch', '')),
        command=ckpt.get('command') or ckpt.get('argv'),
        extra={'recent_dice': ckpt.get('recent_dice', {}), 'last_val': ckpt.get('last_val', {})},
    )


__all__ = ['Source', 'load_source', 'parse_pathway', 'reachable', 'sha256_file']

"""The adapters the training loop drives, and building the networks from a config.

``PathwayAdapter`` wraps a gCIS network (shared encoder, K alternatives at each decoder position)
plus the per-task router inputs; ``HeadsAdapter`` wraps a clNet network (shared encoder, named
heads). Both are ``nn.Module``s, so one ``state_dict`` / EMA copy / checkpoint covers the network,
the router and the task embeddings.

The networks are ``nets.pathways.PathwayNet`` (``encode``, ``decode(feats, selection, mix)``,
``positions``, ``alternatives``) with the router ``nets.pathways.Router``, and ``nets.clnet.ClNet``
(``encode``, ``heads`` [ModuleDict of decoders called as ``head(*feats, *supporting_logits)``],
``head_specs``). The stand-ins of the tests have the same attributes. Pathways are 1-based in
everything this package prints or stores (``2,1,3,5,3,6,6``), like ``route.pathway`` in
``model.json``; ``PathwayNet`` takes 0-based lists.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from ..data import Task
from .routing import SimpleRouter, TaskEmbeddings, gumbel_softmax_st, pathway_of

#: Module names of the shared encoder (MONAI's) in PathwayNet / ClNet.
ENCODER_MODULES = ('swinViT', 'encoder1', 'encoder2', 'encoder3', 'encoder4')


def _encoder_modules(net: nn.Module) -> List[nn.Module]:
    names = getattr(net, 'encoder_module_names', ENCODER_MODULES)
    return [getattr(net, n) for n in names]


class PathwayAdapter(nn.Module):
    kind = 'pathways'

    def __init__(
        self,
        net: nn.Module,
        tasks: Sequence[Task],
        embed_dim: int = 32,
        router: Optional[nn.Module] = None,
        router_hidden: int = 64,
        mix: str = 'all',
        hybrid_positions: int = 3,
    ):
        super().__init__()
        if mix not in ('all', 'selected', 'hybrid'):
            raise ValueError(f"mix must be 'all', 'selected' or 'hybrid'; got {mix!r}")
        self.net = net
        self.hybrid_positions = int(hybrid_positions)
        self.task_names = [t.name for t in tasks]
        self.embed_dim = int(embed_dim)
        self.mix = mix
        self.embeddings = TaskEmbeddings(len(tasks), embed_dim)
        self.router = router if router is not None else SimpleRouter(embed_dim, int(net.positions), int(net.alternatives), router_hidden)

    # -- parameters ------------------------------------------------------------------------
    def encoder_modules(self) -> List[nn.Module]:
        return _encoder_modules(self.net)

    def routing_parameters(self) -> List[nn.Parameter]:
        return list(self.embeddings.parameters()) + list(self.router.parameters())

    # -- forward ---------------------------------------------------------------------------
    def index(self, name: str) -> int:
        return self.task_names.index(name)

    def encode(self, x: torch.Tensor):
        return self.net.encode(x)

    def router_logits(self, task: int) -> torch.Tensor:
        return self.router(self.embeddings(task))

    def train_logits(self, feats, task: int, tau: float, generator: Optional[torch.Generator]) -> torch.Tensor:
        """Straight-through Gumbel selection. ``mix='all'``: every alternative runs, weighted (the
        exact straight-through gradient for every router logit, K times the decoder cost);
        ``'selected'``: only the chosen block runs, times its straight-through weight (the router
        gradient flows through that weight only); ``'hybrid'``: 'all' at the first
        ``hybrid_positions`` (deep, small) positions, 'selected' at the others."""
        selection = gumbel_softmax_st(self.router_logits(task), tau, generator)
        if self.mix != 'hybrid':
            return self.net.decode(feats, selection, mix=self.mix)
        return self._decode_hybrid(feats, selection)

    def _decode_hybrid(self, feats, selection: torch.Tensor) -> torch.Tensor:
        from ..nets.swin_unetr import ENCODER_OUTPUTS, POSITIONS

        values = dict(zip(ENCODER_OUTPUTS, feats))
        for i, (position, inputs, output) in enumerate(POSITIONS):
            args = [values[n] for n in inputs]
            w = selection[i]
            if i < self.hybrid_positions:
                out = None
                for k in range(w.shape[0]):
                    term = w[k] * self.net.block(position, k)(*args)
                    out = term if out is None else out + term
            else:
                k = int(w.argmax())
                out = w[k] * self.net.block(position, k)(*args)
            values[output] = out
        return values['logits']

    def eval_logits(self, feats, task: int) -> torch.Tensor:
        """The argmax pathway, only its blocks run."""
        with torch.no_grad():
            path = self.router_logits(task).argmax(-1).tolist()
        return self.net.decode(feats, path)

    def pathways(self) -> Dict[str, List[int]]:
        with torch.no_grad():
            return {n: pathway_of(self.router_logits(i)) for i, n in enumerate(self.task_names)}

    def infer_window(self, x: torch.Tensor, names: Sequence[str]) -> Dict[str, torch.Tensor]:
        feats = self.encode(x)
        return {n: self.eval_logits(feats, self.index(n)) for n in names}

    def masks(self, blended: Dict[str, np.ndarray], names: Sequence[str]) -> Dict[str, np.ndarray]:
        return {n: blended[n][1] > blended[n][0] for n in names}


class HeadsAdapter(nn.Module):
    """clNet: head ``h`` has channels 0 = background, 1.. = its tasks in order (softmax).

    ``net`` is a ``ClNet`` (or a stand-in with ``encode``, ``heads``, ``head_specs``) whose heads
    are already added. A supporting head's logits enter the supported head detached: training a
    head never changes the heads that support it."""

    kind = 'heads'

    def __init__(self, net: nn.Module, tasks: Sequence[Task], heads: Dict[str, Sequence[str]]):
        super().__init__()
        self.net = net
        self.task_names = [t.name for t in tasks]
        self.head_tasks = {h: list(ts) for h, ts in heads.items()}
        by_name = {t.name: t for t in tasks}
        for h, ts in self.head_tasks.items():
            if h not in net.heads:
                raise ValueError(f'network has no head {h!r}')
            seen: Dict[int, str] = {}
            for t in ts:
                for v in by_name[t].labels:
                    if v in seen:
                        raise ValueError(f"head {h}: tasks {seen[v]} and {t} overlap (label {v}); a head's classes must be disjoint - put one in its own head")
                    seen[v] = t

    def encoder_modules(self) -> List[nn.Module]:
        return _encoder_modules(self.net)

    def head_modules(self, name: str) -> List[nn.Module]:
        return [self.net.heads[name]]

    def routing_parameters(self) -> List[nn.Parameter]:
        return []

    def encode(self, x: torch.Tensor):
        return self.net.encode(x)

    def supporting(self, name: str) -> List[str]:
        return list(self.net.head_specs[name]['supporting'])

    def run_heads(self, feats, names: Sequence[str], cache: Optional[Dict[str, torch.Tensor]] = None) -> Dict[str, torch.Tensor]:
        """Logits of ``names`` (and of their supporting heads, first), each head run once."""
        cache = {} if cache is None else cache

        def run(h: str, stack=()):
            if h in cache:
                return cache[h]
            if h in stack:
                raise ValueError(f'supporting heads form a cycle through {h}')
            support = [run(s, stack + (h,)).detach() for s in self.supporting(h)]
            cache[h] = self.net.heads[h](*feats, *support)
            return cache[h]

        for h in names:
            run(h)
        return cache

    def infer_window(self, x: torch.Tensor, names: Sequence[str]) -> Dict[str, torch.Tensor]:
        feats = self.encode(x)
        heads = [h for h, ts in self.head_tasks.items() if any(t in names for t in ts)]
        out = self.run_heads(feats, heads)
        return {h: out[h] for h in heads}

    def masks(self, blended: Dict[str, np.ndarray], names: Sequence[str]) -> Dict[str, np.ndarray]:
        res = {}
        winners = {h: np.argmax(v, axis=0) for h, v in blended.items()}
        for h, ts in self.head_tasks.items():
            for c, t in enumerate(ts, start=1):
                if t in names:
                    res[t] = winners[h] == c
        return res

    def pathways(self) -> Dict[str, List[int]]:
        return {}


def parse_heads(specs: Sequence[str]) -> Dict[str, dict]:
    """``['Organs=liver,spleen', 'Tumor=kidney_tumor:Kidneys']`` → {name: {tasks, supporting}}."""
    heads: Dict[str, dict] = {}
    for spec in specs:
        name, eq, rest = spec.partition('=')
        if not eq or not name or not rest:
            raise ValueError(f'bad head {spec!r}; expected NAME=task,task[:SUPPORTING,...]')
        tasks, _, sup = rest.partition(':')
        heads[name] = {'tasks': [t for t in tasks.split(',') if t], 'supporting': [s for s in sup.split(',') if s]}
    for name, h in heads.items():
        for s in h['supporting']:
            if s not in heads:
                raise ValueError(f'head {name}: supporting head {s!r} is not defined')
    return heads


def build_network(cfg, tasks: Sequence[Task]) -> nn.Module:
    """The adapter for ``cfg.mode`` around the real networks of ``uniseg_tools.nets``.

    pathways: ``PathwayNet(out_channels=2, feature_size, depths, num_heads, alternatives=k)`` +
    ``Router(embed_dim, k, 7, hidden=router_hidden)`` fed by learnable per-task embeddings.
    heads: ``ClNet`` with one head per ``cfg.heads`` entry (1 + len(tasks) channels, labels =
    task → channel), added in the given order (supporting heads must come first)."""
    from ..nets.clnet import ClNet
    from ..nets.pathways import PathwayNet, Router

    common = dict(feature_size=cfg.feature_size, depths=tuple(cfg.depths), num_heads=tuple(cfg.num_heads))
    if cfg.mode == 'pathways':
        net = PathwayNet(out_channels=2, alternatives=cfg.k, **common)
        router = Router(cfg.embed_dim, cfg.k, net.positions, hidden=cfg.router_hidden or None)
        return PathwayAdapter(net, tasks, cfg.embed_dim, router=router, mix=cfg.mix, hybrid_positions=cfg.hybrid_positions)
    if cfg.mode == 'heads':
        net = ClNet(**common)
        for name, spec in cfg.heads.items():
            net.add_head(name, 1 + len(spec['tasks']), spec.get('supporting', []), {t: c for c, t in enumerate(spec['tasks'], start=1)})
        return HeadsAdapter(net, tasks, {h: v['tasks'] for h, v in cfg.heads.items()})
    raise ValueError(f'unknown mode {cfg.mode!r}')

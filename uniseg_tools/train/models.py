"""The adapters the training loop drives, and building the networks from a config.

``PathwayAdapter`` wraps a gCIS network (shared encoder, K alternatives at each decoder position)
plus the per-task router inputs; ``HeadsAdapter`` wraps a clNet network (shared encoder, named
heads). Both are ``nn.Module``s, so one ``state_dict`` / EMA copy / checkpoint covers the network,
the router and the task embeddings.

The networks are ``nets.pathways.PathwayNet`` (``encode``, ``decode(feats, selection, mix)``,
``positions``, ``alternatives``) with the router ``nets.pathways.Router``, and ``nets.clnet.ClNet``
(``encode``, optional ``features`` [the encoder plus, with ``shared_bottleneck``, the shared ``encoder10``;
what the heads read], ``heads`` [ModuleDict of decoders called as
``head(*feats, *supporting_logits)``], ``head_specs``, ``encoder_module_names`` [frozen in heads
mode]). The stand-ins of the tests have the same attributes. Pathways are 1-based in
everything this package prints or stores (``2,1,3,5,3,6,6``), like ``route.pathway`` in
``model.json``; ``PathwayNet`` takes 0-based lists.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from ..data import Task
from ..nets.swin_unetr import ENCODER_MODULES
from .routing import SimpleRouter, TaskEmbeddings, gumbel_softmax_st, pathway_of


def _encoder_modules(net: nn.Module) -> List[nn.Module]:
    names = getattr(net, 'encoder_module_names', ENCODER_MODULES)
    return [getattr(net, n) for n in names]


#: Logit margin of a pinned pathway: Gumbel noise exceeds it with probability ~e^-50.
PIN_MARGIN = 50.0


def distinct_pathways(pathways: Dict[str, Sequence[int]], order: Sequence[str], k: int) -> Dict[str, List[int]]:
    """Make 1-based pathways distinct with the fewest changes: in ``order``, a task whose pathway an
    earlier task already has moves to the nearest free pathway — one position changed if possible
    (decoder1 first, then out, decoder2, decoder3 …), else two, and so on — taking at each changed
    position the alternative the fewest tasks use there. (On one pathway two tasks compute the same
    output, since the pathway is all that tells tasks apart.)"""
    from itertools import combinations, product

    taken: List[List[int]] = []
    out: Dict[str, List[int]] = {}
    positions = len(next(iter(pathways.values())))
    search = [positions - 2, positions - 1] + list(range(positions - 3, -1, -1))

    def nearest_free(path: List[int]) -> List[int]:
        for changed in range(1, positions + 1):
            for where in combinations(search, changed):
                choices = [sorted((a for a in range(1, k + 1) if a != path[pos]), key=lambda a, pos=pos: ([p[pos] for p in taken].count(a), a)) for pos in where]
                for alts in product(*choices):
                    candidate = list(path)
                    for pos, alt in zip(where, alts):
                        candidate[pos] = alt
                    if candidate not in taken:
                        return candidate
        raise ValueError(f'more tasks than the {k}^{positions} pathways')

    for name in order:
        path = [int(v) for v in pathways[name]]
        if path in taken:
            path = nearest_free(path)
        taken.append(path)
        out[name] = path
    return out


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
        #: [tasks, positions] 0-based alternatives when pathways are pinned (not a buffer, so the
        #: state dict stays that of an unpinned run); None = the router decides.
        self.pinned: Optional[torch.Tensor] = None

    def pin(self, pathways: Dict[str, Sequence[int]]) -> None:
        """Fix every task's pathway (1-based); ``router_logits`` then returns a one-hot with a margin
        no Gumbel noise crosses, so training and evaluation use exactly these pathways."""
        rows = [[int(v) - 1 for v in pathways[n]] for n in self.task_names]
        if len({tuple(r) for r in rows}) != len(rows):
            raise ValueError('pinned pathways must be distinct: tasks on one pathway would give one output')
        self.pinned = torch.tensor(rows, dtype=torch.long)

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
        if self.pinned is not None:
            return PIN_MARGIN * torch.nn.functional.one_hot(self.pinned[task], int(self.net.alternatives)).float().to(self.embeddings.weight.device)
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
        """The heads' inputs: ``net.features(x)`` (the encoder, and a ClNet's shared bottleneck
        when it has one), or ``net.encode(x)`` for networks without ``features``."""
        features = getattr(self.net, 'features', None)
        return features(x) if features is not None else self.net.encode(x)

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


def parse_head_tasks(specs: Sequence[str]) -> Dict[str, str]:
    """``['Organs=liver', 'Kidneys=kidney_left']`` → {'Organs': 'liver', 'Kidneys': 'kidney_left'}."""
    out: Dict[str, str] = {}
    for spec in specs:
        head, eq, task = spec.partition('=')
        if not eq or not head or not task or ',' in task:
            raise ValueError(f'bad head initialisation {spec!r}; expected HEAD=TASK (one pathway task)')
        out[head] = task
    return out


def pathway_list(p) -> List[int]:
    """A stored pathway (1-based list, or text like ``'2,1,3,1,2,4,2'``) → 1-based list."""
    if isinstance(p, str):
        p = [v for v in p.replace(' ', '').split(',') if v]
    values = [int(v) for v in p]
    if any(v < 1 for v in values):
        raise ValueError(f'stored pathways are 1-based; got {p!r}')
    return values


def is_pathways_checkpoint(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get('config'), dict) and obj['config'].get('mode') == 'pathways' and 'pathways' in obj


def _copy_block(module: nn.Module, state: Dict[str, torch.Tensor], prefix: str) -> int:
    """``module.load_state_dict`` from the ``prefix`` entries of ``state``; every name and shape must agree."""
    sub = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    own = module.state_dict()
    bad = sorted(set(own) ^ set(sub)) + sorted(k for k in own if k in sub and tuple(sub[k].shape) != tuple(own[k].shape))
    if bad:
        raise ValueError(f'checkpoint block {prefix.rstrip(".")!r} does not fit (names or shapes differ: {bad[:3]}); same --feature-size/--depths/--num-heads as the pathway run?')
    module.load_state_dict(sub, strict=True)
    return len(sub)


def most_common_bottleneck(pathways: Dict[str, object], tasks: Sequence[str]) -> int:
    """The 1-based ``encoder10`` alternative chosen by most of ``tasks`` (all tasks when none of
    them has a pathway); ties go to the lower index."""
    firsts = [pathway_list(pathways[t])[0] for t in tasks if t in pathways] or [pathway_list(p)[0] for p in pathways.values()]
    if not firsts:
        raise ValueError('the checkpoint has no pathways')
    return min(set(firsts), key=lambda a: (-firsts.count(a), a))


@torch.no_grad()
def init_clnet_from_pathways(
    net: nn.Module,
    state: Dict[str, torch.Tensor],
    pathways: Optional[Dict[str, object]] = None,
    alternative: int = 0,
    head_tasks: Optional[Dict[str, str]] = None,
    encoder: bool = True,
) -> List[str]:
    """Initialise a ``ClNet`` from a ``PathwayNet`` state (names without the ``net.`` prefix, e.g.
    a training checkpoint's ``ema`` with ``net.`` stripped). Returns report lines.

    - ``encoder``: ``swinViT``, ``encoder1..4`` (every tensor must be there, same shapes);
    - ``alternative`` (1-based, 0 = none): the shared bottleneck ``net.encoder10`` ←
      ``encoder10.<alternative-1>`` (the network must have ``shared_bottleneck``);
    - ``head_tasks`` {head: task}: the head's ``decoder5..decoder1`` ← the blocks of the task's
      pathway (``pathways[task]``, 1-based); a head with its own ``encoder10`` gets that
      position's block too; ``out`` only when its shape agrees (same channel count, no supporting
      heads), otherwise it keeps its fresh initialisation."""
    from ..nets.swin_unetr import POSITION_NAMES

    report: List[str] = []
    k = len({key.split('.')[1] for key in state if key.startswith('encoder10.')})
    if k == 0:
        raise ValueError('not a PathwayNet state: no encoder10.<k> blocks')
    if encoder:
        n = sum(_copy_block(getattr(net, m), state, m + '.') for m in ENCODER_MODULES)
        report.append(f'shared encoder (swinViT, encoder1..4): {n} tensors')
    if alternative:
        if not getattr(net, 'shared_bottleneck', False):
            raise ValueError('a bottleneck alternative was given but the network has no shared bottleneck')
        if not 1 <= int(alternative) <= k:
            raise ValueError(f'--shared-bottleneck {alternative}: the checkpoint has encoder10 alternatives 1..{k}')
        n = _copy_block(net.encoder10, state, f'encoder10.{int(alternative) - 1}.')
        report.append(f'shared bottleneck encoder10 <- alternative {int(alternative)} ({n} tensors)')
    for head, task in (head_tasks or {}).items():
        if head not in net.heads:
            raise ValueError(f'--init-heads-from-task: no head {head!r}')
        if not pathways or task not in pathways:
            raise ValueError(f'--init-heads-from-task {head}={task}: the checkpoint has no pathway for {task!r} (has {sorted(pathways or {})})')
        path = pathway_list(pathways[task])
        if len(path) != len(POSITION_NAMES) or max(path) > k:
            raise ValueError(f'pathway {path} of {task!r} does not fit 7 positions x {k} alternatives')
        block = net.heads[head]
        copied, kept = [], []
        for position, alt in zip(POSITION_NAMES, path):
            if not hasattr(block, position):
                continue  # encoder10 of a shared-bottleneck head
            target = getattr(block, position)
            prefix = f'{position}.{alt - 1}.'
            if position == 'out':
                sub = {key[len(prefix) :]: v for key, v in state.items() if key.startswith(prefix)}
                own = target.state_dict()
                if set(sub) != set(own) or any(tuple(sub[x].shape) != tuple(own[x].shape) for x in own):
                    kept.append(position)
                    continue
            _copy_block(target, state, prefix)
            copied.append(f'{position}.{alt}')
        note = ''
        if alternative and path[0] != int(alternative):
            note = f' (note: {task} was trained through encoder10 alternative {path[0]}, the shared bottleneck is {int(alternative)})'
        report.append(f'head {head} <- pathway of {task} {",".join(map(str, path))}: {" ".join(copied)}' + (f'; {", ".join(kept)} freshly initialised (shape differs)' if kept else '') + note)
    return report


def build_network(cfg, tasks: Sequence[Task]) -> nn.Module:
    """The adapter for ``cfg.mode`` around the real networks of ``uniseg_tools.nets``.

    pathways: ``PathwayNet(out_channels=2, feature_size, depths, num_heads, alternatives=k)`` +
    ``Router(embed_dim, k, 7, hidden=router_hidden)`` fed by learnable per-task embeddings.
    heads: ``ClNet`` with one head per ``cfg.heads`` entry (1 + len(tasks) channels, labels =
    task → channel), added in the given order (supporting heads must come first); with
    ``cfg.shared_bottleneck`` (non-zero) a ``ClNet(shared_bottleneck=True)``, whose heads have no
    ``encoder10`` of their own."""
    from ..nets.clnet import ClNet
    from ..nets.pathways import PathwayNet, Router

    common = dict(feature_size=cfg.feature_size, depths=tuple(cfg.depths), num_heads=tuple(cfg.num_heads))
    if cfg.mode == 'pathways':
        net = PathwayNet(out_channels=2, alternatives=cfg.k, **common)
        router = Router(cfg.embed_dim, cfg.k, net.positions, hidden=cfg.router_hidden or None)
        adapter = PathwayAdapter(net, tasks, cfg.embed_dim, router=router, mix=cfg.mix, hybrid_positions=cfg.hybrid_positions)
        if getattr(cfg, 'pinned_pathways', None):
            adapter.pin(cfg.pinned_pathways)
        return adapter
    if cfg.mode == 'heads':
        net = ClNet(**common, shared_bottleneck=bool(getattr(cfg, 'shared_bottleneck', 0)))
        for name, spec in cfg.heads.items():
            net.add_head(name, 1 + len(spec['tasks']), spec.get('supporting', []), {t: c for c, t in enumerate(spec['tasks'], start=1)})
        return HeadsAdapter(net, tasks, {h: v['tasks'] for h, v in cfg.heads.items()})
    raise ValueError(f'unknown mode {cfg.mode!r}')


def network_from_checkpoint(obj, ema: bool = True) -> nn.Module:
    """The bare network (``PathwayNet`` or ``ClNet``, shared bottleneck included) of a training
    checkpoint (a path or the loaded dict), with its EMA weights (``ema=False``: the raw ones)."""
    from ..data import task_table
    from .checkpoint import load
    from .config import TrainConfig

    if isinstance(obj, str):
        obj = load(obj)
    cfg = TrainConfig.from_dict(obj['config'])
    adapter = build_network(cfg, task_table(cfg.tasks))
    adapter.load_state_dict(obj['ema' if ema else 'model'], strict=True)
    return adapter.net.eval()

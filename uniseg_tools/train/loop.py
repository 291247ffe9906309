"""The trainer: one patch per step, the shared encoder run once, then T tasks (pathways) or the
trainable heads (clNet) on its features; Dice + CE, AdamW, warm-up + cosine, gradient clipping,
EMA, checkpoints, resume, validation, signals.

Determinism: the model is initialised after ``torch.manual_seed(seed)``; patches and task choices
come from one ``numpy.random.Generator(seed)``; Gumbel noise from a dedicated CPU
``torch.Generator``; all of them (and Python's ``random`` and torch's global RNG) are saved in the
checkpoint, so ``--resume`` continues the same sequence and gives the same weights, bit for bit,
as an uninterrupted run on the same machine with the same thread count. (CPU float kernels are
deterministic for a fixed thread count and CPU; another thread count or CPU may change the last
bits. CUDA convolutions are not bit-reproducible unless ``deterministic`` is set.)
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import time
from dataclasses import asdict
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from .. import data as D
from .. import sampling as S
from ..nets.swin_unetr import ENCODER_MODULES
from . import checkpoint as ckpt
from .ema import EMA
from .losses import dice_ce_binary, dice_ce_multiclass
from .config import TrainConfig
from .routing import format_pathway
from .schedule import gumbel_tau, warmup_cosine
from .validate import Interrupted, format_table, validate


def pick_device(name: str) -> torch.device:
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return torch.device(name)


def fmt_duration(s: float) -> str:
    if not math.isfinite(s):
        return '?'
    s = int(s)
    if s >= 3600:
        return f'{s // 3600}h{(s % 3600) // 60:02d}m'
    if s >= 60:
        return f'{s // 60}m{s % 60:02d}s'
    return f'{s}s'


class Trainer:
    """``Trainer(cfg).run()``; ``model_factory(cfg, tasks)`` replaces ``models.build_network`` (tests)."""

    def __init__(
        self,
        cfg: TrainConfig,
        model_factory: Optional[Callable[[TrainConfig, List[D.Task]], nn.Module]] = None,
        log: Callable[[str], None] = print,
        train_cases: Optional[Sequence[D.Case]] = None,
        val_cases: Optional[Sequence[D.Case]] = None,
    ):
        self.cfg = cfg
        self.log = log
        self.device = pick_device(cfg.device)
        torch.set_num_threads(max(1, int(cfg.threads)))
        if cfg.deterministic:
            torch.use_deterministic_algorithms(True)
            torch.backends.cudnn.benchmark = False
        torch.manual_seed(cfg.seed)
        random.seed(cfg.seed)
        self.rng = np.random.default_rng(cfg.seed)
        self.gumbel = torch.Generator().manual_seed(cfg.seed + 7919)

        if cfg.mode == 'heads':
            if not cfg.heads:
                raise ValueError('heads mode needs at least one head (--heads NAME=task,...)')
            names = [t for h in cfg.heads.values() for t in h['tasks']]
            if len(set(names)) != len(names):
                raise ValueError('a task is listed in two heads')
            cfg.tasks = names
        self.tasks = D.task_table(cfg.tasks)
        if cfg.shared_bottleneck < 0 and not cfg.init_from:
            raise ValueError('shared_bottleneck -1 (auto) needs init_from, the pathways checkpoint to choose from')
        init_obj = self._check_init() if cfg.init_from else None
        if model_factory is None:
            from .models import build_network

            model_factory = build_network
        self.model = model_factory(cfg, self.tasks).to(self.device)
        if cfg.init_from:
            self._init_from(cfg.init_from, init_obj)
        elif self.encoder_frozen():
            log('warning: the encoder is frozen at its random initialisation (no --init-from)')
        self._freeze()
        self.ema = EMA(self.model, cfg.ema_decay)

        trainable = [p for p in self.model.parameters() if p.requires_grad]
        if not trainable:
            raise ValueError('nothing to train: every parameter is frozen')
        routing = {id(p) for p in self.model.routing_parameters()}
        groups = [{'params': [p for p in trainable if id(p) not in routing], 'weight_decay': cfg.weight_decay, 'lr': cfg.lr}]
        rp = [p for p in trainable if id(p) in routing]
        if rp:
            groups.append({'params': rp, 'weight_decay': 0.0, 'lr': cfg.lr * cfg.router_lr_mult})
        self.optimizer = torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda s: warmup_cosine(s, cfg.steps, cfg.warmup, cfg.min_lr_ratio))

        self.step = 0
        self.recent_dice: Dict[str, float] = {t.name: 0.0 for t in self.tasks}
        self.last_val: Dict[str, Dict[str, float]] = {}
        self.history: List[dict] = []
        self._stop: Optional[str] = None

        if train_cases is None and cfg.cache:
            train_cases = D.load_cases(cfg.cache, cfg.train_seeds or None)
        sources = self._sources(list(train_cases or []))
        self.sampler = (
            S.PatchSampler(
                [],
                self.tasks,
                cfg.patch,
                cfg.fg_fraction,
                cfg.intensity,
                S.Jitter(cfg.jitter_scale, cfg.jitter_shift, cfg.jitter_noise),
                sources=sources,
            )
            if sources
            else None
        )
        if val_cases is None and cfg.val_seeds:
            val_cases = D.load_cases(cfg.val_cache or cfg.cache, cfg.val_seeds)
        self.val_cases = list(val_cases or [])
        if cfg.real_cache and cfg.real_val:
            self.val_cases += D.load_split(cfg.real_cache, 'validation-pats')[: cfg.real_val]

    def _sources(self, phantoms: List[D.Case]) -> List[S.Source]:
        """The phantom cases, and the training split of ``real_cache`` (partial labels, augmented)."""
        cfg = self.cfg
        sources = [S.Source(phantoms)] if phantoms else []
        if cfg.real_cache:
            require = [t for t in D.task_table(cfg.real_require)] if cfg.real_require else []
            real = [c for c in D.load_split(cfg.real_cache, 'train-pats') if all(c.knows(t) for t in require)]
            if not real:
                raise ValueError(f'{cfg.real_cache}: no training case knows {cfg.real_require}')
            if sources:
                sources[0].weight = 1.0 - cfg.real_weight
            spatial = S.Spatial(cfg.spatial_p, cfg.rotate_deg, cfg.zoom, cfg.flip_lr)
            sources.append(S.Source(real, cfg.real_weight if sources else 1.0, spatial))
            self.log(f'real cases: {len(real)} from {cfg.real_cache}' + (f' (knowing {",".join(cfg.real_require)})' if require else ''))
        return sources

    # ----------------------------------------------------------------------------------------
    # Freezing, init
    # ----------------------------------------------------------------------------------------

    def frozen_modules(self) -> List[nn.Module]:
        cfg = self.cfg
        frozen: List[nn.Module] = []
        if self.encoder_frozen():
            frozen += self.model.encoder_modules()
        if cfg.freeze_bottleneck:
            if cfg.mode != 'pathways':
                raise ValueError('freeze_bottleneck is a pathways-mode option (heads mode freezes the shared bottleneck itself)')
            frozen.append(self.model.net.encoder10)
        if cfg.mode == 'heads' and cfg.train_heads:
            unknown = set(cfg.train_heads) - set(cfg.heads)
            if unknown:
                raise ValueError(f'--train-head: unknown heads {sorted(unknown)}')
            for h in cfg.heads:
                if h not in cfg.train_heads:
                    frozen += self.model.head_modules(h)
        return frozen

    def _freeze(self) -> None:
        for m in self.frozen_modules():
            for p in m.parameters():
                p.requires_grad_(False)

    def encoder_frozen(self) -> bool:
        """Whether the shared encoder is fixed: ``freeze_encoder``, ``freeze_bottleneck`` (which
        implies it) or heads mode."""
        return self.cfg.freeze_encoder or self.cfg.freeze_bottleneck or self.cfg.mode == 'heads'

    def _check_init(self):
        """Loads ``cfg.init_from`` and checks the shared-bottleneck options against it (before the
        network is built). A heads checkpoint with a shared bottleneck passes it on (the continual
        case: ``--train-head`` on a network trained with ``--shared-bottleneck``)."""
        cfg = self.cfg
        obj = torch.load(cfg.init_from, map_location='cpu')
        if cfg.mode != 'heads':
            if cfg.shared_bottleneck or cfg.init_heads_from_task:
                raise ValueError('--shared-bottleneck / --init-heads-from-task are heads-mode options')
            return obj
        from .models import is_pathways_checkpoint

        unknown = sorted(set(cfg.init_heads_from_task) - set(cfg.heads))
        if unknown:
            raise ValueError(f'--init-heads-from-task: unknown heads {unknown}')
        src = obj.get('config') if isinstance(obj, dict) and isinstance(obj.get('config'), dict) else {}
        if src.get('mode') == 'heads' and src.get('shared_bottleneck'):
            if cfg.shared_bottleneck not in (0, -1, src['shared_bottleneck']):
                raise ValueError(f'--shared-bottleneck {cfg.shared_bottleneck}: {cfg.init_from} was trained with bottleneck alternative {src["shared_bottleneck"]}')
            cfg.shared_bottleneck = int(src['shared_bottleneck'])
            cfg.bottleneck_origin = dict(src.get('bottleneck_origin') or {})
        elif cfg.shared_bottleneck and not is_pathways_checkpoint(obj):
            raise ValueError(f'--shared-bottleneck needs --init-from a pathways checkpoint (or a heads checkpoint trained with one); {cfg.init_from} is neither')
        return obj

    def _init_from(self, path: str, obj=None) -> None:
        """Copies every tensor of ``path`` (EMA weights of a training checkpoint, or a plain state
        dict) whose name and shape match; reports what was loaded. Heads mode from a pathways
        checkpoint with ``shared_bottleneck`` / ``init_heads_from_task``: see
        ``models.init_clnet_from_pathways``."""
        if obj is None:
            obj = torch.load(path, map_location='cpu')
        from .models import is_pathways_checkpoint

        cfg = self.cfg
        if cfg.mode == 'heads' and is_pathways_checkpoint(obj) and (cfg.shared_bottleneck or cfg.init_heads_from_task):
            self._init_heads_from_pathways(path, obj, fresh=list(cfg.heads))
            return
        state = obj['ema'] if isinstance(obj, dict) and 'ema' in obj else obj
        own = self.model.state_dict()
        loaded, skipped = 0, []
        with torch.no_grad():
            for k, v in state.items():
                if k in own and tuple(own[k].shape) == tuple(v.shape):
                    own[k].copy_(v)
                    loaded += 1
                else:
                    skipped.append(k)
        missing = [k for k in own if k not in state]
        self.log(f'init from {path}: {loaded} tensors loaded, {len(skipped)} skipped, {len(missing)} not in the file')
        if cfg.mode == 'heads' and cfg.init_heads_from_task:
            # Continual: only heads the file does not hold start from a pathway of the run the
            # shared encoder came from.
            fresh = [h for h in cfg.heads if not any(k.startswith(f'net.heads.{h}.') for k in state)]
            source = cfg.bottleneck_origin.get('checkpoint', '')
            if not source or not os.path.exists(source):
                raise ValueError(f'--init-heads-from-task: {path} is not a pathways checkpoint and its recorded pathways checkpoint {source!r} is missing')
            self._init_heads_from_pathways(source, torch.load(source, map_location='cpu'), fresh=fresh, encoder=False)

    def _init_heads_from_pathways(self, path: str, obj: dict, fresh: List[str], encoder: bool = True) -> None:
        from .models import init_clnet_from_pathways, most_common_bottleneck, pathway_list

        cfg = self.cfg
        net = self.model.net
        state = {k[len('net.') :]: v for k, v in obj['ema'].items() if k.startswith('net.')}
        pathways = obj['pathways']
        heads = {h: t for h, t in cfg.init_heads_from_task.items() if h in fresh}
        for h in sorted(set(cfg.init_heads_from_task) - set(heads)):
            self.log(f'--init-heads-from-task: head {h} is kept as loaded (already trained in {cfg.init_from})')
        alternative = 0
        if encoder and cfg.shared_bottleneck:
            if cfg.shared_bottleneck == -1:
                cfg.shared_bottleneck = most_common_bottleneck(pathways, cfg.tasks)
            alternative = cfg.shared_bottleneck
        elif not encoder:
            # Same encoder? (the pathways checkpoint may have trained on since)
            own = net.state_dict()
            differ = [k for k, v in state.items() if k.split('.')[0] in ENCODER_MODULES and k in own and not torch.equal(own[k], v)]
            if differ:
                self.log(f'warning: the encoder of {path} differs from the one loaded ({len(differ)} tensors; it trained on?); its blocks still serve as an initialisation')
        for line in init_clnet_from_pathways(net, state, pathways, alternative, heads, encoder=encoder):
            self.log(f'init from {path}: {line}')
        if encoder:
            cfg.bottleneck_origin = {
                'checkpoint': os.path.abspath(path),
                'step': int(obj.get('step', -1)),
                'alternative': int(cfg.shared_bottleneck),
                'heads': {h: {'task': t, 'pathway': format_pathway(pathway_list(pathways[t]))} for h, t in heads.items()},
            }
        else:
            origin = dict(cfg.bottleneck_origin)
            origin['heads'] = {**origin.get('heads', {}), **{h: {'task': t, 'pathway': format_pathway(pathway_list(pathways[t])), 'checkpoint': os.path.abspath(path), 'step': int(obj.get('step', -1))} for h, t in heads.items()}}
            cfg.bottleneck_origin = origin

    # ----------------------------------------------------------------------------------------
    # One step
    # ----------------------------------------------------------------------------------------

    def choose_tasks(self, present: Dict[str, bool], known: Optional[Dict[str, bool]] = None) -> List[int]:
        """Tasks decoded on this patch: drawn among the tasks its case knows, favouring tasks present
        in the patch and tasks with a low recent Dice."""
        cfg = self.cfg
        known = known or {t.name: True for t in self.tasks}
        w = np.array(
            [(cfg.present_weight if present[t.name] else 1.0) * (cfg.dice_floor + 1.0 - self.recent_dice[t.name]) * known[t.name] for t in self.tasks],
            dtype=np.float64,
        )
        n = min(cfg.tasks_per_step, int(np.count_nonzero(w)))
        return [int(i) for i in self.rng.choice(len(self.tasks), size=n, replace=False, p=w / w.sum())]

    def train_step(self) -> dict:
        cfg = self.cfg
        if self.sampler is None:
            raise RuntimeError('no training cases')
        self.model.train()
        focus_w = {t.name: cfg.dice_floor + 1.0 - self.recent_dice[t.name] for t in self.tasks}
        patch = self.sampler.sample(self.rng, focus_w)
        x = torch.from_numpy(patch.image)[None].to(self.device)
        masks = {t.name: D.task_mask(patch.labels, t) for t in self.tasks}
        known = {t.name: patch.known.get(t.name, True) for t in self.tasks}
        present = {k: bool(v.any()) and known[k] for k, v in masks.items()}

        if self.encoder_frozen():
            with torch.no_grad():
                feats = self.model.encode(x)
        else:
            feats = self.model.encode(x)
        losses: Dict[str, float] = {}
        total = 0.0
        if cfg.mode == 'pathways':
            chosen = self.choose_tasks(present, known)
            tau = gumbel_tau(self.step, cfg.steps, cfg.tau_start, cfg.tau_end)
            for i in chosen:
                name = self.tasks[i].name
                logits = self.model.train_logits(feats, i, tau, self.gumbel)
                y = torch.from_numpy(masks[name])[None].to(self.device)
                loss, hd = dice_ce_binary(logits, y)
                total = total + loss / len(chosen)
                losses[name] = float(loss.detach())
                if present[name]:
                    self.recent_dice[name] = 0.9 * self.recent_dice[name] + 0.1 * hd
        else:
            tau = float('nan')
            # a head learns only from cases that know all its tasks (partial labels)
            train = [h for h in (cfg.train_heads or list(cfg.heads)) if all(known[t] for t in cfg.heads[h]['tasks'])]
            cache: Dict[str, torch.Tensor] = {}
            # Frozen supporting heads run without a graph.
            with torch.no_grad():
                for h in train:
                    for s in self.model.supporting(h):
                        if s not in train:
                            self.model.run_heads(feats, [s], cache)
            outs = self.model.run_heads(feats, train, cache)
            for h in train:
                target = np.zeros(patch.labels.shape, dtype=np.int64)
                for c, t in enumerate(cfg.heads[h]['tasks'], start=1):
                    target[masks[t]] = c
                y = torch.from_numpy(target)[None].to(self.device)
                loss, hds = dice_ce_multiclass(outs[h], y)
                total = total + loss / len(train)
                losses[h] = float(loss.detach())
                for t, hd in zip(cfg.heads[h]['tasks'], hds):
                    if present[t]:
                        self.recent_dice[t] = 0.9 * self.recent_dice[t] + 0.1 * hd

        self.optimizer.zero_grad(set_to_none=True)
        lr = self.optimizer.param_groups[0]['lr']
        if isinstance(total, torch.Tensor):
            total.backward()
            params = [p for p in self.model.parameters() if p.requires_grad]
            gnorm = float(torch.nn.utils.clip_grad_norm_(params, cfg.clip)) if cfg.clip > 0 else float('nan')
            self.optimizer.step()
        else:  # nothing this patch's labels know is trained here: the schedule still advances
            total, gnorm = torch.tensor(0.0), float('nan')
        self.scheduler.step()
        self.ema.update(self.model, self.step)
        self.step += 1
        return {'loss': float(total.detach()), 'losses': losses, 'lr': lr, 'tau': tau, 'grad_norm': gnorm, 'case': patch.case, 'focus': patch.focus}

    # ----------------------------------------------------------------------------------------
    # State
    # ----------------------------------------------------------------------------------------

    def pathways(self, ema: bool = True) -> Dict[str, List[int]]:
        m = self.ema.shadow if ema else self.model
        return m.pathways() if hasattr(m, 'pathways') else {}

    def state(self) -> dict:
        return {
            'format': ckpt.FORMAT,
            'step': self.step,
            'config': asdict(self.cfg),
            'tasks': [t.to_json() for t in self.tasks],
            'heads': self.cfg.heads,
            'pathways': self.pathways(True),
            'model': self.model.state_dict(),
            'ema': self.ema.state_dict(),
            'optimizer': self.optimizer.state_dict(),
            'scheduler': self.scheduler.state_dict(),
            'rng': ckpt.rng_state(self.rng, self.gumbel),
            'recent_dice': dict(self.recent_dice),
            'last_val': self.last_val,
            'history': self.history[-2000:],
            'torch': torch.__version__,
        }

    def load_state(self, state: dict) -> None:
        self.model.load_state_dict(state['model'])
        self.ema.load_state_dict(state['ema'])
        self.optimizer.load_state_dict(state['optimizer'])
        self.scheduler.load_state_dict(state['scheduler'])
        ckpt.set_rng_state(state['rng'], self.rng, self.gumbel)
        self.step = int(state['step'])
        self.recent_dice = dict(state['recent_dice'])
        self.last_val = state.get('last_val', {})
        self.history = list(state.get('history', []))

    @staticmethod
    def resume(path: str, log: Callable[[str], None] = print, overrides: Optional[dict] = None, **kw) -> 'Trainer':
        """A trainer continuing checkpoint ``path`` (its config, updated with ``overrides``)."""
        state = ckpt.load(path)
        d = dict(state['config'])
        d.update(overrides or {})
        d['init_from'] = ''
        cfg = TrainConfig.from_dict(d)
        t = Trainer(cfg, log=log, **kw)
        t.load_state(state)
        log(f'resumed {path} at step {t.step}')
        return t

    def save(self, name: str = 'last.pt') -> Optional[str]:
        if not self.cfg.out:
            return None
        path = os.path.join(self.cfg.out, name)
        ckpt.save(path, self.state())
        summary = {
            'step': self.step,
            'tasks': [t.to_json() for t in self.tasks],
            'heads': self.cfg.heads,
            'pathways': {k: format_pathway(v) for k, v in self.pathways(True).items()},
            'recentDice': self.recent_dice,
            'validation': self.last_val,
            'config': asdict(self.cfg),
        }
        tmp = os.path.join(self.cfg.out, 'summary.json.tmp')
        with open(tmp, 'w') as f:
            json.dump(summary, f, indent=1, default=lambda o: None if isinstance(o, float) and math.isnan(o) else str(o))
            f.write('\n')
        os.replace(tmp, os.path.join(self.cfg.out, 'summary.json'))
        return path

    # ----------------------------------------------------------------------------------------
    # Validation, the run
    # ----------------------------------------------------------------------------------------

    def run_validation(self) -> Dict[str, Dict[str, float]]:
        if not self.val_cases:
            return {}
        self.log(f'validation @ step {self.step} (EMA weights, {len(self.val_cases)} held-out cases, overlap {self.cfg.val_overlap})')
        t0 = time.perf_counter()
        result = validate(
            self.ema.shadow,
            self.val_cases,
            self.tasks,
            self.cfg.patch,
            self.cfg.intensity,
            self.cfg.val_overlap,
            self.device,
            log=self.log,
            should_stop=lambda: self._stop is not None,
        )
        paths = {k: format_pathway(v) for k, v in self.pathways(True).items()}
        self.log(format_table(result, paths or None))
        self.log(f'validation took {time.perf_counter() - t0:.0f}s')
        self.last_val = {'step': self.step, 'dice': result}
        return result

    def _handler(self, signum, frame) -> None:
        name = signal.Signals(signum).name
        if self._stop is not None:
            raise KeyboardInterrupt
        self._stop = name
        self.log(f'{name}: finishing the current step, saving a checkpoint, then exiting (send again to abort)')

    def run(self, handle_signals: bool = True) -> int:
        """Trains to ``cfg.steps``; returns 0, or 128 + signal number after a signal (checkpoint saved)."""
        cfg = self.cfg
        old = {}
        if handle_signals:
            for s in (signal.SIGINT, signal.SIGTERM):
                try:
                    old[s] = signal.signal(s, self._handler)
                except ValueError:  # not the main thread
                    pass
        try:
            return self._run()
        finally:
            for s, h in old.items():
                signal.signal(s, h)

    def _run(self) -> int:
        cfg = self.cfg
        n_train = sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        n_all = sum(p.numel() for p in self.model.parameters())
        self.log(
            f'training {cfg.mode} on {self.device} ({torch.get_num_threads()} threads): {n_train:,} trainable / {n_all:,} parameters, '
            f'{len(self.sampler.cases) if self.sampler else 0} cases, patch {"x".join(map(str, cfg.patch))}, steps {self.step}->{cfg.steps}'
        )
        window: List[float] = []
        losses: List[float] = []
        t_last = time.perf_counter()
        while self.step < cfg.steps and self._stop is None and not (cfg.stop_at and self.step >= cfg.stop_at):
            t0 = time.perf_counter()
            info = self.train_step()
            dt = time.perf_counter() - t0
            window.append(dt)
            losses.append(info['loss'])
            self.history.append({'step': self.step, 'loss': round(info['loss'], 5), 'lr': info['lr'], 's': round(dt, 3)})
            if self.step % cfg.log_every == 0 or self.step == cfg.steps or self.step == 1:
                sec = float(np.mean(window[-50:]))
                eta = sec * (cfg.steps - self.step)
                dice = ' '.join(f'{n}={v:.2f}' for n, v in self.recent_dice.items())
                tau = '' if math.isnan(info['tau']) else f' tau {info["tau"]:.2f}'
                self.log(
                    f'step {self.step}/{cfg.steps} loss {np.mean(losses):.4f} lr {info["lr"]:.2e}{tau} '
                    f'{1.0 / sec:.2f} it/s ({sec:.2f} s/it) ETA {fmt_duration(eta)} | dice {dice}'
                )
                losses = []
            if self._stop is None and cfg.val_every and self.step % cfg.val_every == 0 and self.step < cfg.steps:
                try:
                    self.run_validation()
                except Interrupted:
                    self.log('validation interrupted')
            if cfg.ckpt_every and self.step % cfg.ckpt_every == 0:
                self.save()
                if cfg.keep_every and self.step % cfg.keep_every == 0:
                    self.save(f'step_{self.step:06d}.pt')
        if self._stop is not None:
            path = self.save()
            self.log(f'stopped by {self._stop} at step {self.step}; checkpoint {path}')
            return 128 + int(getattr(signal, self._stop))
        if cfg.stop_at and self.step >= cfg.stop_at and self.step < cfg.steps:
            path = self.save()
            self.log(f'stopped at step {self.step} (--stop-at; the schedule runs to {cfg.steps}); checkpoint {path}')
            return 0
        if cfg.val_every and self.val_cases:
            try:
                self.run_validation()
            except Interrupted:
                self.log('validation interrupted')
        path = self.save()
        paths = self.pathways(True)
        if paths:
            self.log('pathways (EMA, 1-based): ' + '  '.join(f'{k}={format_pathway(v)}' for k, v in paths.items()))
        self.log(f'done: step {self.step}; checkpoint {path}')
        if self._stop is not None:
            return 128 + int(getattr(signal, self._stop))
        return 0

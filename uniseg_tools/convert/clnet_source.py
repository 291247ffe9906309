"""Reading a clNet results folder the way clNet's inference does: which task folder, which
checkpoint file, which copy of each weight (encoder from the GeneralEncoder task, EMA decoders,
pruning masks folded in, supporting modules), and the label spec of each head.

Layout (clNet paths.py): ``<results>/clNet/3d_fullres/<Task>/<Trainer>__clNetPlans/<all|fold_N>/``.
The training config (clNet's JSON: ``"GeneralEncoder": {...}``, then one entry per head task with
``"decoders"`` and ``"supporting"``) names the tasks and folds.
"""

from __future__ import annotations

import json
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch

from uniseg_tools.convert.common import ConvertError, load_torch

GENERAL_ENCODER = 'GeneralEncoder'
CHECKPOINT_NAMES = ('model_final_checkpoint.model', 'model_best.model', 'model_latest.model')


def parse_labels(spec, where: str) -> List[int]:
    """clNet's label spec → sorted, de-duplicated ints: 3, [2, 3], "4, 5", "1-3", "4_6"."""
    items = spec if isinstance(spec, list) else [spec]
    out = set()
    for item in items:
        if isinstance(item, bool):
            raise ConvertError(f'label spec {spec!r}: {item!r} is not a label', key=where)
        if isinstance(item, int):
            out.add(item)
            continue
        for piece in str(item).split(','):
            piece = piece.strip()
            m = re.fullmatch(r'(\d+)\s*[-_]\s*(\d+)', piece)
            if m:
                lo, hi = int(m.group(1)), int(m.group(2))
                if lo > hi:
                    raise ConvertError(f'label range "{piece}" runs backwards', key=where)
                out.update(range(lo, hi + 1))
            elif re.fullmatch(r'\d+', piece):
                out.add(int(piece))
            else:
                raise ConvertError(f'label spec {spec!r}: cannot read "{piece}" (ints, lists, "a, b", "a-b" or "a_b")', key=where)
    if not out or 0 in out:
        raise ConvertError(f'label spec {spec!r} gives {sorted(out)}: labels are positive ints (0 is background)', key=where)
    return sorted(out)


def read_config(path: str) -> dict:
    if not os.path.isfile(path):
        raise ConvertError('no such config file', file=path)
    try:
        with open(path) as f:
            cfg = json.load(f)
    except ValueError as e:
        raise ConvertError(f'not valid JSON: {e}', file=path) from e
    if not isinstance(cfg, dict) or not isinstance(cfg.get(GENERAL_ENCODER), dict):
        raise ConvertError(f'no "{GENERAL_ENCODER}" entry: clNet\'s inference reads the general encoder from task_dict["{GENERAL_ENCODER}"]', file=path)
    if not any(isinstance(v, dict) and v.get('decoders') for v in cfg.values()):
        raise ConvertError('no task entry with "decoders": nothing to convert', file=path)
    return cfg


def _task_root(results: str) -> str:
    for sub in (os.path.join('clNet', '3d_fullres'), '3d_fullres', ''):
        root = os.path.join(results, sub)
        if os.path.isdir(root) and any(re.match(r'Task\d+_', d) for d in os.listdir(root)):
            return root
    raise ConvertError('no Task*_ folders under it, its 3d_fullres/ or its clNet/3d_fullres/ (clNet paths.py layout)', file=results)


def find_checkpoint(results: str, task: str, fold, key: str, config: str) -> Tuple[str, str]:
    """(checkpoint path, trainer folder) for a config entry, in clNet's search order: the fold's
    folder, then ``all``, then ``fold_0..9``; in each ``<key>_model_final_checkpoint.model`` and
    the usual names."""
    root = _task_root(results)
    task_dir = os.path.join(root, str(task))
    if not os.path.isdir(task_dir):
        present = sorted(d for d in os.listdir(root) if d.startswith('Task'))
        raise ConvertError(f'task folder "{task}" named by "{key}" in {os.path.basename(config)} does not exist (present: {", ".join(present) or "none"})', file=task_dir)
    trainers = sorted(d for d in os.listdir(task_dir) if os.path.isdir(os.path.join(task_dir, d)))
    want = f'fold_{fold}' if isinstance(fold, int) or str(fold).isdigit() else str(fold)
    folds = [want] + [f for f in ['all'] + [f'fold_{i}' for i in range(10)] if f != want]
    names = [f'{key}_{CHECKPOINT_NAMES[0]}', *CHECKPOINT_NAMES]
    for trainer in trainers:
        for fold_dir in folds:
            for name in names:
                path = os.path.join(task_dir, trainer, fold_dir, name)
                if os.path.isfile(path):
                    return path, os.path.join(task_dir, trainer)
    raise ConvertError(f'no checkpoint ({", ".join(names)}) in any trainer folder\'s {want}/, all/ or fold_0..9/', file=task_dir)


def read_checkpoint(path: str) -> 'OrderedDict[str, torch.Tensor]':
    obj = load_torch(path)
    if not isinstance(obj, dict) or not isinstance(obj.get('state_dict'), dict):
        raise ConvertError(f'not a clNet/nnU-Net checkpoint: no "state_dict" (top-level keys: {list(obj)[:8] if isinstance(obj, dict) else type(obj).__name__})', file=path)
    return OrderedDict(obj['state_dict'])


def sub(state: Dict[str, torch.Tensor], prefix: str) -> 'OrderedDict[str, torch.Tensor]':
    return OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))


def fold_pruning(state: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """torch.nn.utils.prune.remove: ``weight = weight_orig * weight_mask``; other keys unchanged."""
    out = OrderedDict()
    for k, v in state.items():
        if k.endswith('.weight_mask') or k == 'weight_mask':
            continue
        if k.endswith('weight_orig'):
            mask_key = k[: -len('orig')] + 'mask'
            if mask_key not in state:
                raise ConvertError(f'pruned weight without its mask {mask_key}', key=k)
            out[k[: -len('_orig')]] = v * state[mask_key]
        else:
            out[k] = v
    return out


def ema_usable(ema: Dict[str, torch.Tensor]) -> bool:
    """clNet loads an EMA copy unless one of its conv weight_orig tensors rounds to all zeros at
    two decimals (an EMA that never ran)."""
    origs = [v for k, v in ema.items() if k.endswith('weight_orig') and 'conv' in k]
    return bool(ema) and not any(bool((torch.round(v * 100) == 0).all()) for v in origs)


@dataclass
class HeadSource:
    name: str
    labels: List[int]
    supporting: List[str]
    #: decoder weights as inference uses them (EMA or raw, pruning folded)
    decoder: 'OrderedDict[str, torch.Tensor]'
    copy: str
    checkpoint: str
    task_key: str
    plans: Optional[str]
    #: label value -> structure name (the task's bpr_scores.json), where known
    names: Dict[int, str] = field(default_factory=dict)
    to_support: 'OrderedDict[str, torch.Tensor]' = field(default_factory=OrderedDict)
    support_gate: Optional[torch.Tensor] = None


def head_weights(state: Dict[str, torch.Tensor], head: str, ema_enabled: bool, path: str) -> Tuple['OrderedDict[str, torch.Tensor]', str]:
    raw = sub(state, f'decoder_dict.{head}.')
    ema = sub(state, f'ema_dict.{head}.')
    if not raw and not ema:
        raise ConvertError(f'no decoder_dict.{head}.* (nor ema_dict.{head}.*) keys: the config names a head the checkpoint does not have', file=path, key=f'decoder_dict.{head}')
    if ema_enabled and ema_usable(ema):
        if raw and set(ema) != set(raw):
            # clNet's strict EMA load fails silently here and keeps the raw decoder.
            return fold_pruning(raw), f'decoder_dict.{head} (ema_dict.{head} has other keys)'
        return fold_pruning(ema), f'ema_dict.{head}'
    return fold_pruning(raw), f'decoder_dict.{head}'


__all__ = ['CHECKPOINT_NAMES', 'GENERAL_ENCODER', 'HeadSource', 'ema_usable', 'find_checkpoint', 'fold_pruning', 'head_weights', 'parse_labels', 'read_checkpoint', 'read_config', 'sub']

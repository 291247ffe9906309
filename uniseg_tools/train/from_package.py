"""A pathways training checkpoint rebuilt from an exported package (e.g. ``models/demo``).

The demo's torch checkpoints are not shipped, but its package holds every trained block as an ONNX
part whose initializers carry the training network's own names (``encoder10.0.…``,
``decoder5.2.…``: ``training.parts[name].module``), fp16-stored. This collects them into the
``ema`` state of a checkpoint with the package's training ``config`` and each task's *training*
pathway (the package renumbers the alternatives it kept), so ``train --init-from`` and
``--pin-pathways`` continue from the shipped network. Alternatives the export dropped (no task
reached them) start as copies of the first kept alternative at their position, so new tasks pinned
to them begin from trained blocks rather than from noise.
"""

from __future__ import annotations

import os
from typing import Dict, List

import torch

from ..nets.swin_unetr import POSITION_NAMES
from ..package_io import read_manifest, read_part_state
from .checkpoint import FORMAT, save


class PackageInitError(ValueError):
    pass


def training_pathways(manifest: dict) -> Dict[str, List[int]]:
    """task -> 1-based alternatives of the training network (from the package's pathways)."""
    parts = manifest['training']['parts']
    stages = manifest['stages']
    out: Dict[str, List[int]] = {}
    for task in manifest['tasks']:
        route = task.get('route', {})
        if route.get('kind') not in ('router', 'pathway') or 'pathway' not in route:
            continue
        alts = []
        for stage, alt in zip(stages, route['pathway']):
            part = stage['alternatives'][int(alt) - 1]
            module = parts[part]['module']
            alts.append(int(module.split('.')[-1]) + 1)
        out[task['name']] = alts
    return out


def fill_dropped(state: Dict[str, torch.Tensor], k: int) -> List[str]:
    """Copies, at each decoder position, the first alternative present into the absent ones."""
    filled = []
    positions = sorted({key.split('.')[1] for key in state if key.split('.')[1] in POSITION_NAMES})
    for pos in positions:
        present = sorted({int(key.split('.')[2]) for key in state if key.split('.')[1] == pos})
        source = present[0]
        prefix = f'net.{pos}.{source}.'
        for alt in range(k):
            if alt in present:
                continue
            for key in [key for key in state if key.startswith(prefix)]:
                state[f'net.{pos}.{alt}.' + key[len(prefix):]] = state[key].clone()
            filled.append(f'{pos}.{alt}')
    return filled


def checkpoint_from_package(pkg_dir: str) -> dict:
    path = os.path.join(pkg_dir, 'model.json')
    try:
        manifest = read_manifest(pkg_dir)
    except ValueError as err:
        raise PackageInitError(str(err)) from err
    record = manifest.get('training') or {}
    if record.get('network', {}).get('class', '').split('.')[-1] != 'PathwayNet' or 'parts' not in record:
        raise PackageInitError(f'{path}: field "training" does not describe a PathwayNet training run (exported by `uniseg_tools export`)')
    state: Dict[str, torch.Tensor] = {}
    for name, rec in record['parts'].items():
        if rec.get('kind') not in ('encoder', 'block'):
            continue
        part = manifest['parts'][name]
        for key, value in read_part_state(os.path.join(pkg_dir, part['file'])).items():
            state['net.' + key] = value.float()
    fill_dropped(state, int(record['config'].get('k', 4)))
    pathways = training_pathways(manifest)
    config = dict(record['config'])
    config['tasks'] = [t for t in config.get('tasks', []) if t in pathways]
    return {'format': FORMAT, 'config': config, 'pathways': pathways, 'ema': state, 'model': state, 'step': 0, 'source': {'package': os.path.abspath(pkg_dir)}}


def write_init_checkpoint(pkg_dir: str, out_path: str) -> dict:
    ckpt = checkpoint_from_package(pkg_dir)
    save(out_path, ckpt)
    return ckpt

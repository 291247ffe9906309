"""Phantom data for a finetune: the cache (an existing one, or a few phantoms generated now), the
task's target classes in cache labels, and patches from the toolchain's ``PatchSampler``.

Target classes, per channel of the tensor the task reads:

- pathway task: the 2-channel softmax of ``out``; channel 1 is the task, whose cache labels are
  ``training.tasks[<task>].labels`` of the record (the source training's table) or, failing
  that, ``data.task_table`` (``liver`` → 4 and 10: the organ includes its tumour);
- head task: the routed head's ``labels`` (label name → channel, e.g. ``kidney_left: 1,
  kidney_right: 2``), every name looked up the same way: the head is trained on all its classes
  (a softmax over background + them), whichever of them the exported task reports.
"""

from __future__ import annotations

import os
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .. import data as D
from .. import sampling as S
from ..reference import to_tensor_layout
from .package import FinetuneError, Package


def cache_labels(pkg: Package, name: str, where: str) -> Tuple[int, ...]:
    rec = (pkg.training.get('tasks') or {}).get(name)
    if isinstance(rec, dict) and rec.get('labels'):
        return tuple(int(v) for v in rec['labels'])
    try:
        return D.task_table([name])[0].labels
    except KeyError:
        raise FinetuneError(f'{pkg.manifest_path}: {where} names {name!r}, which has no phantom labels '
                            f'(not in training.tasks nor in the phantom task table {", ".join(D.TASK_NAMES)})') from None


def target_classes(pkg: Package) -> List[Tuple[int, D.Task]]:
    """(channel, data.Task with the cache labels) for every foreground channel trained."""
    task = pkg.task
    if pkg.kind == 'pathway':
        channels = task['output']['channels']
        if task.get('activation') != 'softmax' or len(channels) != 1:
            raise FinetuneError(f'{pkg.manifest_path}: field "tasks[0]": a pathway task is one softmax channel (has activation '
                                f'{task.get("activation")!r}, channels {channels})')
        labels = cache_labels(pkg, task['name'], 'field "tasks[0].name"')
        return [(int(channels[0]), D.Task(task['name'], task.get('prompt', task['name']), labels))]
    head = task['route']['head']
    spec = pkg.heads[head]
    if spec.get('activation', 'softmax') != 'softmax':
        raise FinetuneError(f'{pkg.manifest_path}: field "heads[{head!r}].activation" is {spec.get("activation")!r}; clNet heads train as a softmax')
    out = []
    for name, channel in sorted(spec.get('labels', {}).items(), key=lambda kv: kv[1]):
        out.append((int(channel), D.Task(name, name, cache_labels(pkg, name, f'field "heads[{head!r}].labels"'))))
    if not out:
        raise FinetuneError(f'{pkg.manifest_path}: field "heads[{head!r}].labels" is empty')
    return out


def target(labels: np.ndarray, classes: Sequence[Tuple[int, D.Task]]) -> np.ndarray:
    """Cache labels [*S] → class indices [*S] (int64; 0 = background)."""
    out = np.zeros(labels.shape, dtype=np.int64)
    for channel, task in classes:
        out[D.task_mask(labels, task)] = channel
    return out


def check_cache_grid(pkg: Package, cache_dir: str) -> dict:
    """The cache must be on the package's model grid (orientation and spacing)."""
    path = os.path.join(cache_dir, 'manifest.json')
    if not os.path.isfile(path):
        raise FinetuneError(f'{cache_dir}: no manifest.json; not a phantom cache (data.build_cache writes one)')
    manifest = D.read_manifest(cache_dir)
    if manifest.get('format') != D.CACHE_FORMAT:
        raise FinetuneError(f'{path}: field "format" is {manifest.get("format")!r}, expected {D.CACHE_FORMAT!r}')
    params = manifest.get('params', {})
    pre = pkg.manifest['preprocess']
    if params.get('orientation') != pre['orientation'] or [float(s) for s in params.get('spacing', [])] != [float(s) for s in pre['spacing']]:
        raise FinetuneError(f'{path}: the cache is on a {params.get("orientation")} {params.get("spacing")} mm grid, the package\'s '
                            f'preprocess is {pre["orientation"]} {pre["spacing"]} mm; build a cache on the package grid (--cases N)')
    return manifest


def make_cache(pkg: Package, cache_dir: str, cases: int, say=print) -> None:
    """Seeds 0..cases-1 into ``cache_dir`` on the package grid (kept cases are skipped)."""
    pre = pkg.manifest['preprocess']
    say(f'generating {cases} phantoms into {cache_dir} ({pre["orientation"]}, {pre["spacing"]} mm)')
    D.build_cache(cache_dir, range(cases), spacing=pre['spacing'], orientation=pre['orientation'], jobs=1, progress=lambda s: say('  ' + s))


class Patches:
    """``data.PatchSampler`` over the cases, normalised with the package's intensity, in the
    package's tensor axis order, plus the class-index target."""

    def __init__(self, pkg: Package, cases: Sequence[D.Case], classes: Sequence[Tuple[int, D.Task]], fg_fraction: Optional[float] = None, jitter: Optional[S.Jitter] = None):
        cfg = pkg.training.get('config') or {}
        self.axes = pkg.manifest['preprocess']['axes']
        roi = pkg.roi
        # roi is along the oriented i, j, k; the cache arrays are [i, j, k]
        intensity = dict(pkg.manifest['preprocess']['intensity'])
        if jitter is None:
            jitter = S.Jitter(float(cfg.get('jitter_scale', 0.05)), float(cfg.get('jitter_shift', 20.0)), float(cfg.get('jitter_noise', 15.0)))
        self.classes = list(classes)
        self.sampler = S.PatchSampler(cases, [t for _, t in classes], roi, float(cfg.get('fg_fraction', 0.75) if fg_fraction is None else fg_fraction), intensity, jitter)

    def sample(self, rng: np.random.Generator):
        patch = self.sampler.sample(rng)
        image = to_tensor_layout(patch.image[0], self.axes)[None]
        y = to_tensor_layout(target(patch.labels, self.classes), self.axes)
        return np.ascontiguousarray(image), np.ascontiguousarray(y), patch


__all__ = ['Patches', 'cache_labels', 'check_cache_grid', 'make_cache', 'target', 'target_classes']

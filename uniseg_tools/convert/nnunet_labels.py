"""dataset.json ``labels`` as nnU-Net's LabelManager reads them, and the package tasks they become.

Label-based (``{"background": 0, "liver": 1, …}``): softmax over ``max label + 1`` channels, channel =
label value, values 0..n-1 without gaps; an ``ignore`` label is not an output. Region-based (some
value is a list, with ``regions_class_order``): one sigmoid channel per non-background region in
dict order, a voxel is in a region where its probability is > 0.5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from uniseg_tools.convert.common import ConvertError

NAME_RE = re.compile(r'[^A-Za-z0-9_.-]+')


class SourceError(ConvertError):
    """A trainer folder cannot make a package; the message names the file and the key."""


@dataclass
class LabelSpec:
    activation: str  # 'softmax' (label-based) or 'sigmoid' (regions)
    channels: int
    #: (label name, output channel, value written in nnU-Net's label map)
    entries: List[Tuple[str, int, int]]
    regions_class_order: Optional[List[int]] = None

    def describe(self) -> str:
        kind = 'labels' if self.activation == 'softmax' else 'regions'
        return f'{len(self.entries)} foreground {kind}' + (' + background' if self.activation == 'softmax' else '')


def read_labels(ds: dict, where: str) -> LabelSpec:
    labels = ds.get('labels')
    if not isinstance(labels, dict) or not labels:
        raise SourceError(f'{where}: "labels" is missing or empty')
    items = [(k, v) for k, v in labels.items() if k != 'ignore']
    regions = any(isinstance(v, (list, tuple)) and len(v) > 1 for _, v in items)
    if not regions:
        values = {}
        for k, v in items:
            v = v[0] if isinstance(v, (list, tuple)) else v
            if not isinstance(v, int) or v < 0:
                raise SourceError(f'{where}: labels.{k} = {v!r}: expected a non-negative integer')
            if v in values:
                raise SourceError(f'{where}: labels.{k} and labels.{values[v]} share the value {v}')
            values[v] = k
        n = max(values) + 1
        if sorted(values) != list(range(n)):
            raise SourceError(f'{where}: label values {sorted(values)} are not consecutive from 0 (nnU-Net requires 0..n-1)')
        return LabelSpec('softmax', n, [(k, v, v) for v, k in sorted(values.items()) if v != 0])
    order = ds.get('regions_class_order')
    fg = [(k, v) for k, v in items if not (v == 0 or v == [0] or v == (0,))]
    if not isinstance(order, list) or len(order) != len(fg):
        raise SourceError(f'{where}: region-based labels need "regions_class_order" with one entry per region ({len(fg)}); got {order!r}')
    return LabelSpec('sigmoid', len(fg), [(k, i, int(order[i])) for i, (k, _) in enumerate(fg)], [int(o) for o in order])


def task_name(label: str) -> str:
    return NAME_RE.sub('_', label).strip('_') or 'label'


def label_tasks(spec: LabelSpec, head: str, tensor: str, dataset_title: str) -> List[dict]:
    """One task per label (route: the dataset's head), plus, for label-based datasets, one task for
    the whole label map (mask values = nnU-Net's label values)."""
    tasks = []
    for name, channel, _ in spec.entries:
        prompt = name.replace('_', ' ')
        tasks.append({
            'name': task_name(name),
            'prompt': prompt,
            'aliases': [name] if prompt != name else [],
            'route': {'kind': 'head', 'head': head},
            'output': {'tensor': tensor, 'channels': [channel]},
            'labels': {name: 1},
            'activation': spec.activation,
            'threshold': 0.5,
        })
    if spec.activation == 'softmax' and len(spec.entries) > 1:
        tasks.append({
            'name': task_name(dataset_title),
            'prompt': f'all of {dataset_title.replace("_", " ")}',
            'aliases': [head],
            'route': {'kind': 'head', 'head': head},
            'output': {'tensor': tensor, 'channels': [c for _, c, _ in spec.entries]},
            'labels': {name: value for name, _, value in spec.entries},
            'activation': 'softmax',
            'threshold': 0.5,
        })
    return tasks

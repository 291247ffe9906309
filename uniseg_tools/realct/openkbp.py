"""OpenKBP head-and-neck CTs (../shared/data/openkbp, see its SOURCE.md) -> a training cache.

The cache has the phantom cache's layout (``ct_<stem>.npy`` int16 HU and ``lab_<stem>.npy`` uint8
on the RAS model grid, ``manifest.json``), so ``data.load_cases`` and the patch sampler read both.
What differs is what a label map *knows*: an organ missing from a case's OAR list was not
contoured, so it is unknown there, never background. Each entry therefore lists

- ``annotated``: the cache label values that were contoured in this case, and
- ``absent``: tasks known to be absent (organs that cannot lie in a head-and-neck field of view:
  liver, spleen, kidneys and their tumours). Lungs, aorta and vertebrae can lie in the field of
  view but are not contoured here, so they stay unknown.

OARs become cache labels 21..27 (``HN_LABELS``). The CT is cropped to the body (HU > -300 plus a
margin) after resampling, which removes the air of the 500 mm field of view from training and
validation; the engine itself always sees the whole scan.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from .. import data as D

CACHE_FORMAT = 'uniseg.openkbp-cache/1'
#: OpenKBP oar.nii.gz value -> (OAR name in manifest.json, cache label value)
OAR_VALUES: Dict[int, tuple] = {
    1: ('Brainstem', 21),
    2: ('SpinalCord', 22),
    3: ('RightParotid', 23),
    4: ('LeftParotid', 24),
    5: ('Esophagus', 25),
    6: ('Larynx', 26),
    7: ('Mandible', 27),
}
#: Tasks that cannot lie in a head-and-neck field of view (known negatives there).
ABSENT_IN_HEAD_NECK = ('liver', 'spleen', 'kidney_left', 'kidney_right', 'liver_tumor', 'kidney_tumor')
#: Body threshold (HU) and margin (voxels) of the crop.
BODY_HU = -300.0
BODY_MARGIN = 8
SPLITS = {'train': 'train-pats', 'validation': 'validation-pats'}
#: Cache seeds: 100000 + patient number, so they never collide with phantom seeds.
SEED_BASE = 100000


def patient_number(patient: str) -> int:
    return int(patient.split('_')[-1])


def body_box(ct: np.ndarray, threshold: float = BODY_HU, margin: int = BODY_MARGIN):
    """Slices of the bounding box of ``ct > threshold`` plus ``margin`` voxels (whole volume if empty)."""
    inside = ct > threshold
    if not inside.any():
        return tuple(slice(0, n) for n in ct.shape)
    box = []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        idx = np.flatnonzero(inside.any(axis=other))
        box.append(slice(max(0, int(idx[0]) - margin), min(ct.shape[axis], int(idx[-1]) + 1 + margin)))
    return tuple(box)


def preprocess(case_dir: str, orientation: str = 'RAS', spacing: Sequence[float] = (3.0, 3.0, 3.0)):
    """(ct int16, labels uint8, geometry) of one case on the cropped model grid."""
    ct_path = os.path.join(case_dir, 'ct.nii.gz')
    oar_path = os.path.join(case_dir, 'oar.nii.gz')
    ct, lab, info = D.preprocess_case(ct_path, oar_path, orientation, spacing)
    lut = np.zeros(256, dtype=np.uint8)
    for value, (_, cache_value) in OAR_VALUES.items():
        lut[value] = cache_value
    lab = lut[lab]
    box = body_box(ct)
    start = [s.start for s in box]
    affine = np.asarray(info['modelAffine'], dtype=np.float64)
    shifted = affine.copy()
    shifted[:3, 3] = affine[:3, :3] @ np.asarray(start, dtype=np.float64) + affine[:3, 3]
    info = {**info, 'modelShape': [s.stop - s.start for s in box], 'modelAffine': shifted.tolist(), 'crop': [[s.start, s.stop] for s in box]}
    info.pop('kidneyTumourVoxels', None)
    return np.ascontiguousarray(ct[box]), np.ascontiguousarray(lab[box]), info


def build_cache(
    src: str,
    out_dir: str,
    splits: Sequence[str] = ('train', 'validation'),
    spacing: Sequence[float] = (3.0, 3.0, 3.0),
    orientation: str = 'RAS',
    limit: int = 0,
    jobs: int = 1,
    progress: Optional[Callable[[str], None]] = None,
) -> dict:
    """Preprocesses the OpenKBP cases of ``splits`` into ``out_dir`` (idempotent, resumable)."""
    with open(os.path.join(src, 'manifest.json')) as f:
        source = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    params = {'orientation': orientation, 'spacing': [float(s) for s in spacing], 'bodyHu': BODY_HU, 'bodyMargin': BODY_MARGIN}
    path = os.path.join(out_dir, 'manifest.json')
    if os.path.exists(path):
        manifest = D.read_manifest(out_dir)
        if manifest.get('format') != CACHE_FORMAT or manifest.get('params') != params:
            raise ValueError(f'{out_dir}: existing cache was built with other parameters {manifest.get("params")}; want {params}')
    else:
        labels = {**{str(k): v for k, v in D.CACHE_LABELS.items()}, **{str(c): n for n, c in OAR_VALUES.values()}}
        manifest = {'format': CACHE_FORMAT, 'params': params, 'labels': labels, 'source': os.path.abspath(src), 'cases': {}}
    wanted = {SPLITS[s] for s in splits}
    todo: List[dict] = []
    for entry in source['cases']:
        if entry['split'] not in wanted:
            continue
        stem = f'{patient_number(entry["patient"]) + SEED_BASE:06d}'
        if stem in manifest['cases'] and all(os.path.exists(os.path.join(out_dir, f'{k}_{stem}.npy')) for k in ('ct', 'lab')):
            continue
        todo.append(entry)
    if limit:
        todo = todo[:limit]
    say = progress or (lambda s: None)
    names = {n: c for n, c in OAR_VALUES.values()}

    def one(entry: dict):
        case_dir = os.path.join(src, entry['split'], entry['patient'])
        ct, lab, info = preprocess(case_dir, orientation, spacing)
        seed = patient_number(entry['patient']) + SEED_BASE
        stem = f'{seed:06d}'
        D._atomic_save(os.path.join(out_dir, f'ct_{stem}.npy'), ct)
        D._atomic_save(os.path.join(out_dir, f'lab_{stem}.npy'), lab)
        counts = np.bincount(lab.ravel(), minlength=32)
        annotated = sorted(names[o] for o in entry['oars'])
        return stem, {
            'seed': seed,
            'patient': entry['patient'],
            'split': entry['split'],
            'annotated': annotated,
            'absent': list(ABSENT_IN_HEAD_NECK),
            **info,
            'labelCounts': {str(v): int(counts[v]) for v in range(1, 32) if counts[v]},
        }

    done = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for stem, entry in pool.map(one, todo):
            manifest['cases'][stem] = entry
            manifest['cases'] = OrderedDict(sorted(manifest['cases'].items()))
            D._write_json(path, manifest)
            done += 1
            say(f'openkbp cache {done}/{len(todo)}: {entry["split"]}/{entry["patient"]} -> {"x".join(map(str, entry["modelShape"]))}')
    if not todo:
        D._write_json(path, manifest)
    return manifest


def split_seeds(cache_dir: str, split: str) -> List[int]:
    """Seeds of the cached cases of one split ('train' or 'validation')."""
    manifest = D.read_manifest(cache_dir)
    return sorted(int(e['seed']) for e in manifest['cases'].values() if e['split'] == SPLITS[split])


__all__ = ['ABSENT_IN_HEAD_NECK', 'OAR_VALUES', 'build_cache', 'body_box', 'preprocess', 'split_seeds']

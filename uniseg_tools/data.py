"""Phantom training data: a cache of synthetic CTs on the model grid, the task table and a patch sampler.

``build_cache(out_dir, seeds)`` generates one phantom per seed with the TypeScript CLI
(``node bin/uniseg.mjs phantom``) on a random, seeded file grid (spacing 1.5-4 mm per axis, often
anisotropic; orientation among RAS, LPS, LAS, PIR, ...; field of view ~330-420 mm in-plane and
~250-400 mm along z), then preprocesses it exactly like the engine does for a model with
``orientation RAS, spacing 3 mm``: reorientation, the spacing grid and trilinear world-coordinate
resampling of ``reference.py`` for the CT; the labels take NEAREST values on the same grid. It
writes

    ct_<seed>.npy    int16 HU, indexed [i, j, k] on the RAS model grid
    lab_<seed>.npy   uint8 cache labels (the phantom labels, kidney tumours split by side)
    manifest.json    the cache parameters and one entry per case (file grid, model grid, label counts)

(``<seed>`` is the seed, zero-padded to 4 digits.) RAS+ is the NIfTI world convention: world x
grows toward the patient's right, so the patient's left is at world -x and, in a cached array, the
left kidney lies on the LOW-i side.

Cache label values are the phantom's (1 body, 2 lung_left, 3 lung_right, 4 liver, 5 spleen,
6 kidney_left, 7 kidney_right, 8 aorta, 9 vertebrae, 10 liver_tumor, 11 kidney_tumor) except that a
kidney tumour inside the RIGHT kidney is stored as 12 (11 then means: a kidney tumour inside the
left kidney). The split lets the organ tasks include their own tumour without a per-case lookup.

Everything is seeded: one seed always gives the same file grid, the same phantom and the same
cached arrays. ``build_cache`` is idempotent and resumable: a case whose two arrays and manifest
entry exist is skipped; arrays are written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage

from . import reference

from .paths import REPO_ROOT
CACHE_FORMAT = 'uniseg.phantom-cache/1'

# --------------------------------------------------------------------------------------------
# Labels and tasks
# --------------------------------------------------------------------------------------------

#: Cache label values (phantom values plus 12).
CACHE_LABELS: Dict[int, str] = OrderedDict(
    [
        (1, 'body'),
        (2, 'lung_left'),
        (3, 'lung_right'),
        (4, 'liver'),
        (5, 'spleen'),
        (6, 'kidney_left'),
        (7, 'kidney_right'),
        (8, 'aorta'),
        (9, 'vertebrae'),
        (10, 'liver_tumor'),
        (11, 'kidney_tumor_left'),
        (12, 'kidney_tumor_right'),
    ]
)
KIDNEY_TUMOR = 11
KIDNEY_TUMOR_RIGHT = 12


@dataclass(frozen=True)
class Task:
    name: str
    prompt: str
    labels: Tuple[int, ...]
    """Cache label values whose union is the task's foreground."""
    aliases: Tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {'name': self.name, 'prompt': self.prompt, 'labels': list(self.labels), 'aliases': list(self.aliases)}

    @staticmethod
    def from_json(d: dict) -> 'Task':
        return Task(d['name'], d['prompt'], tuple(int(v) for v in d['labels']), tuple(d.get('aliases', ())))


#: The task table. Organ tasks include the tumour lying in the organ (liver = liver + liver
#: tumour, kidney_left = left kidney + a tumour inside it); lungs are both lungs.
TASKS: Tuple[Task, ...] = (
    Task('liver', 'liver', (4, 10)),
    Task('spleen', 'spleen', (5,)),
    Task('kidney_left', 'left kidney', (6, 11), ('kidney left', 'l kidney')),
    Task('kidney_right', 'right kidney', (7, 12), ('kidney right', 'r kidney')),
    Task('aorta', 'aorta', (8,)),
    Task('lungs', 'lungs', (2, 3), ('lung',)),
    Task('vertebrae', 'vertebrae', (9,), ('spine',)),
    Task('liver_tumor', 'liver tumor', (10,), ('liver tumour', 'liver lesion')),
    Task('kidney_tumor', 'kidney tumor', (11, 12), ('kidney tumour', 'renal tumor')),
)
TASK_NAMES: Tuple[str, ...] = tuple(t.name for t in TASKS)
#: Targets no default run trains, for continual clNet heads (e.g. the demo's ``LeftLung`` head,
#: added after the fact with ``uniseg heads add``).
EXTRA_TASKS: Tuple[Task, ...] = (
    Task('lung_left', 'left lung', (2,)),
    Task('lung_right', 'right lung', (3,)),
)


#: Head-and-neck organs at risk, from real CTs (OpenKBP, ``realct.openkbp``: cache labels 21..27).
#: Left and right are the patient's, as everywhere in uniseg.
HN_TASKS: Tuple[Task, ...] = (
    Task('brainstem', 'brainstem', (21,), ('brain stem',)),
    Task('spinal_cord', 'spinal cord', (22,), ('cord',)),
    Task('parotid_right', 'right parotid', (23,), ('right parotid gland', 'parotid gland right', 'r parotid', 'parotid right')),
    Task('parotid_left', 'left parotid', (24,), ('left parotid gland', 'parotid gland left', 'l parotid', 'parotid left')),
    Task('esophagus', 'esophagus', (25,), ('oesophagus', 'gullet')),
    Task('larynx', 'larynx', (26,), ('voice box',)),
    Task('mandible', 'mandible', (27,), ('jaw', 'lower jaw', 'jaw bone')),
)
#: Tasks a phantom (a torso without head or neck) knows to be absent; the phantom has no spinal
#: cord or oesophagus label although real torsos have both, so those stay unknown there.
PHANTOM_ABSENT: Tuple[str, ...] = ('brainstem', 'parotid_right', 'parotid_left', 'larynx', 'mandible')


def task_table(names: Optional[Sequence[str]] = None) -> List[Task]:
    """The tasks called ``names`` (all of them by default), in the given order."""
    by_name = {t.name: t for t in TASKS + EXTRA_TASKS + HN_TASKS}
    if names is None:
        return list(TASKS)
    out = []
    for n in names:
        if n not in by_name:
            raise KeyError(f'unknown task {n!r}; known: {", ".join(by_name)}')
        out.append(by_name[n])
    return out


def label_lut(labels: Iterable[int]) -> np.ndarray:
    """A 256-entry boolean lookup table: ``lut[cache_labels]`` is the task mask."""
    lut = np.zeros(256, dtype=bool)
    for v in labels:
        lut[int(v)] = True
    return lut


def task_mask(lab: np.ndarray, task: Task) -> np.ndarray:
    return label_lut(task.labels)[lab]


# --------------------------------------------------------------------------------------------
# Random file grids
# --------------------------------------------------------------------------------------------

#: File orientations drawn for the phantoms: common scanner ones and a few permuted ones.
ORIENTATIONS: Tuple[str, ...] = ('RAS', 'LPS', 'LAS', 'LPI', 'RPI', 'PIR', 'ASL', 'SRA', 'IPL', 'LIP')
WORLD_AXIS = {'R': 0, 'L': 0, 'A': 1, 'P': 1, 'S': 2, 'I': 2}


@dataclass(frozen=True)
class GridSpec:
    orientation: str
    spacing: Tuple[float, float, float]
    """Along the file axes i, j, k."""
    size: Tuple[int, int, int]

    def to_json(self) -> dict:
        return {'orientation': self.orientation, 'spacing': list(self.spacing), 'size': list(self.size)}


def draw_grid(
    seed: int,
    spacing_range: Tuple[float, float] = (1.5, 4.0),
    fov_inplane: Tuple[float, float] = (330.0, 420.0),
    fov_z: Tuple[float, float] = (250.0, 400.0),
    orientations: Sequence[str] = ORIENTATIONS,
) -> GridSpec:
    """The file grid of case ``seed``: a function of the seed only.

    Half of the cases have an isotropic in-plane spacing with its own z spacing (e.g. 2.5 x 2.5 x 4),
    the others three independent spacings; spacings are rounded to 0.05 mm. The field of view is
    one in-plane value for x and y and one for z; sizes are fov / spacing rounded.
    """
    rng = np.random.default_rng([0x5E6, int(seed)])
    lo, hi = spacing_range
    r = lambda: round(float(rng.uniform(lo, hi)) * 20) / 20  # noqa: E731
    if rng.random() < 0.5:
        s_xy = r()
        world_spacing = [s_xy, s_xy, r()]
    else:
        world_spacing = [r(), r(), r()]
    fov_xy = float(rng.uniform(*fov_inplane))
    world_fov = [fov_xy, fov_xy, float(rng.uniform(*fov_z))]
    orientation = orientations[int(rng.integers(len(orientations)))]
    spacing, size = [], []
    for code in orientation:
        w = WORLD_AXIS[code]
        spacing.append(world_spacing[w])
        size.append(max(1, int(round(world_fov[w] / world_spacing[w]))))
    return GridSpec(orientation, tuple(spacing), tuple(size))  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Phantom generation and preprocessing
# --------------------------------------------------------------------------------------------


def generate_phantom(seed: int, grid: GridSpec, out_dir: str, node: str = 'node', repo_root: str = REPO_ROOT) -> Tuple[str, str]:
    """Runs ``uniseg phantom`` into ``out_dir``; returns the CT and label paths (.nii)."""
    ct = os.path.join(out_dir, f'ct_{seed}.nii')
    lab = os.path.join(out_dir, f'lab_{seed}.nii')
    cmd = [
        node,
        os.path.join(repo_root, 'bin', 'uniseg.mjs'),
        'phantom',
        '-o',
        ct,
        '--labels',
        lab,
        '--seed',
        str(int(seed)),
        '--spacing',
        ','.join(f'{s:g}' for s in grid.spacing),
        '--orientation',
        grid.orientation,
        '--size',
        ','.join(str(n) for n in grid.size),
    ]
    proc = subprocess.run(cmd, cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'phantom generation failed for seed {seed} ({" ".join(cmd)}):\n{proc.stderr.strip()}')
    return ct, lab


def resample_nearest(data: np.ndarray, src_affine: np.ndarray, dst_shape: Sequence[int], dst_affine: np.ndarray) -> np.ndarray:
    """Nearest-neighbour resampling in world coordinates (index rounded half up, clamped to the edge)."""
    if reference.same_grid(data.shape, src_affine, dst_shape, dst_affine):
        return np.array(data)
    m = np.linalg.inv(src_affine) @ dst_affine
    n = np.asarray(data.shape)
    off_diagonal = m[:3, :3] - np.diag(np.diag(m[:3, :3]))
    if np.all(np.abs(off_diagonal) < 1e-9):
        idx = []
        for d in range(3):
            x = m[d, d] * np.arange(int(dst_shape[d]), dtype=np.float64) + m[d, 3]
            idx.append(np.clip(np.floor(x + 0.5), 0, n[d] - 1).astype(np.int64))
        return data[np.ix_(idx[0], idx[1], idx[2])]
    grid = np.indices(tuple(int(s) for s in dst_shape), dtype=np.float64).reshape(3, -1)
    src = m[:3, :3] @ grid + m[:3, 3:4]
    ix = [np.clip(np.floor(src[d] + 0.5), 0, n[d] - 1).astype(np.int64) for d in range(3)]
    return data[ix[0], ix[1], ix[2]].reshape(tuple(int(s) for s in dst_shape))


def split_kidney_tumours(lab: np.ndarray) -> Dict[str, int]:
    """Relabels kidney tumour voxels inside the right kidney to 12, in place; returns voxel counts.

    Each 26-connected tumour component goes to the kidney it touches most (voxels of 6 / 7 in its
    one-voxel dilation); a component touching neither goes by the side of its centroid (low i =
    patient's left on the RAS grid)."""
    tumour = lab == KIDNEY_TUMOR
    counts = {'left': 0, 'right': 0}
    if not tumour.any():
        return counts
    comps, n = ndimage.label(tumour, structure=np.ones((3, 3, 3), dtype=bool))
    for c in range(1, n + 1):
        comp = comps == c
        ring = ndimage.binary_dilation(comp, structure=np.ones((3, 3, 3), dtype=bool)) & ~comp
        left = int(np.count_nonzero(lab[ring] == 6))
        right = int(np.count_nonzero(lab[ring] == 7))
        if left == right:
            centroid_i = float(np.nonzero(comp)[0].mean())
            is_right = centroid_i > (lab.shape[0] - 1) / 2
        else:
            is_right = right > left
        size = int(np.count_nonzero(comp))
        if is_right:
            lab[comp] = KIDNEY_TUMOR_RIGHT
            counts['right'] += size
        else:
            counts['left'] += size
    return counts


def preprocess_case(
    ct_path: str, lab_path: str, orientation: str = 'RAS', spacing: Sequence[float] = (3.0, 3.0, 3.0)
) -> Tuple[np.ndarray, np.ndarray, dict]:
    """CT (int16 HU) and cache labels (uint8) on the model grid, plus the geometry."""
    data, affine = reference.read_ct(ct_path)
    oriented, oriented_affine = reference.reorient(data, affine, orientation)
    model_shape, model_affine = reference.spacing_grid(oriented.shape, oriented_affine, spacing)
    if reference.same_grid(oriented.shape, oriented_affine, model_shape, model_affine):
        image, model_shape, model_affine = oriented, tuple(oriented.shape), oriented_affine
    else:
        image = reference.resample(oriented, oriented_affine, model_shape, model_affine)
    ct = np.clip(np.floor(image + 0.5), -32768, 32767).astype(np.int16)

    import nibabel as nib

    limg = nib.load(lab_path)
    lab = np.asarray(limg.dataobj).astype(np.uint8)
    if lab.ndim == 4:
        lab = lab[..., 0]
    lab_or, lab_aff = reference.reorient(lab, np.asarray(limg.affine, dtype=np.float64), orientation)
    if not np.allclose(lab_aff, oriented_affine, atol=1e-4) or lab_or.shape != oriented.shape:
        raise ValueError(f'{lab_path}: label grid differs from the CT grid')
    labels = resample_nearest(lab_or, lab_aff, model_shape, model_affine).astype(np.uint8)
    sides = split_kidney_tumours(labels)
    info = {
        'fileShape': list(data.shape),
        'fileAffine': affine.tolist(),
        'modelShape': [int(n) for n in model_shape],
        'modelAffine': np.asarray(model_affine).tolist(),
        'kidneyTumourVoxels': sides,
    }
    return np.ascontiguousarray(ct), np.ascontiguousarray(labels), info


def case_stem(seed: int) -> str:
    return f'{int(seed):04d}'


def _atomic_save(path: str, array: np.ndarray) -> None:
    tmp = path + '.tmp.npy'
    np.save(tmp, array)
    os.replace(tmp, path)


def _write_json(path: str, obj: dict) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write('\n')
    os.replace(tmp, path)


def read_manifest(cache_dir: str) -> dict:
    with open(os.path.join(cache_dir, 'manifest.json')) as f:
        return json.load(f)


def build_cache(
    out_dir: str,
    seeds: Iterable[int],
    spacing: Sequence[float] = (3.0, 3.0, 3.0),
    orientation: str = 'RAS',
    spacing_range: Tuple[float, float] = (1.5, 4.0),
    fov_inplane: Tuple[float, float] = (330.0, 420.0),
    fov_z: Tuple[float, float] = (250.0, 400.0),
    jobs: int = 1,
    node: str = 'node',
    progress: Optional[Callable[[str], None]] = None,
    grid_fn: Optional[Callable[[int], GridSpec]] = None,
) -> dict:
    """Generates and preprocesses the phantoms of ``seeds`` into ``out_dir``; returns the manifest.

    Skips cases already cached. The cache parameters (model spacing/orientation, grid ranges) are
    stored in the manifest; building into a cache made with other parameters raises. ``grid_fn``
    replaces ``draw_grid`` (tests use tiny grids)."""
    os.makedirs(out_dir, exist_ok=True)
    params = {
        'orientation': orientation,
        'spacing': [float(s) for s in spacing],
        'spacingRange': [float(v) for v in spacing_range],
        'fovInplane': [float(v) for v in fov_inplane],
        'fovZ': [float(v) for v in fov_z],
        'grid': 'custom' if grid_fn is not None else 'draw_grid',
    }
    path = os.path.join(out_dir, 'manifest.json')
    if os.path.exists(path):
        manifest = read_manifest(out_dir)
        if manifest.get('format') != CACHE_FORMAT or manifest.get('params') != params:
            raise ValueError(f'{out_dir}: existing cache was built with other parameters {manifest.get("params")}; want {params}')
    else:
        manifest = {'format': CACHE_FORMAT, 'params': params, 'labels': {str(k): v for k, v in CACHE_LABELS.items()}, 'cases': {}}
    seeds = [int(s) for s in seeds]
    lock = threading.Lock()
    say = progress or (lambda s: None)

    def cached(seed: int) -> bool:
        stem = case_stem(seed)
        return (
            stem in manifest['cases']
            and os.path.exists(os.path.join(out_dir, f'ct_{stem}.npy'))
            and os.path.exists(os.path.join(out_dir, f'lab_{stem}.npy'))
        )

    todo = [s for s in seeds if not cached(s)]
    done = [0]

    def one(seed: int) -> None:
        grid = grid_fn(seed) if grid_fn is not None else draw_grid(seed, spacing_range, fov_inplane, fov_z)
        tmp = tempfile.mkdtemp(prefix=f'uniseg-phantom-{seed}-')
        try:
            ct_path, lab_path = generate_phantom(seed, grid, tmp, node=node)
            ct, lab, info = preprocess_case(ct_path, lab_path, orientation, spacing)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        stem = case_stem(seed)
        _atomic_save(os.path.join(out_dir, f'ct_{stem}.npy'), ct)
        _atomic_save(os.path.join(out_dir, f'lab_{stem}.npy'), lab)
        counts = np.bincount(lab.ravel(), minlength=13)
        entry = {'seed': seed, 'grid': grid.to_json(), **info, 'labelCounts': {str(v): int(counts[v]) for v in range(1, 13) if counts[v]}}
        with lock:
            manifest['cases'][stem] = entry
            manifest['cases'] = OrderedDict(sorted(manifest['cases'].items(), key=lambda kv: kv[1]['seed']))
            _write_json(path, manifest)
            done[0] += 1
            say(f'cache {done[0]}/{len(todo)}: seed {seed} {grid.orientation} {"x".join(f"{s:g}" for s in grid.spacing)} mm '
                f'{"x".join(map(str, grid.size))} -> {"x".join(map(str, ct.shape))}')

    if not todo:
        _write_json(path, manifest)
    if jobs <= 1:
        for s in todo:
            one(s)
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for f in [pool.submit(one, s) for s in todo]:
                f.result()
    return manifest


# --------------------------------------------------------------------------------------------
# Intensity and patches
# --------------------------------------------------------------------------------------------

DEFAULT_INTENSITY = {'kind': 'clip', 'aMin': -200.0, 'aMax': 300.0, 'bMin': 0.0, 'bMax': 1.0}
"""The model's intensity normalisation (``preprocess.intensity`` of the package)."""

AIR_HU = -1024.0


def parse_intensity(text: str) -> dict:
    """``clip:aMin,aMax,bMin,bMax`` | ``zscore:mean,std`` | ``none``."""
    kind, _, rest = text.partition(':')
    vals = [float(v) for v in rest.split(',')] if rest else []
    if kind == 'clip' and len(vals) == 4:
        return {'kind': 'clip', 'aMin': vals[0], 'aMax': vals[1], 'bMin': vals[2], 'bMax': vals[3]}
    if kind == 'zscore' and len(vals) == 2:
        return {'kind': 'zscore', 'mean': vals[0], 'std': vals[1]}
    if kind == 'none' and not vals:
        return {'kind': 'none'}
    raise ValueError(f'bad intensity {text!r}; expected clip:aMin,aMax,bMin,bMax | zscore:mean,std | none')


def normalize(hu: np.ndarray, spec: dict) -> np.ndarray:
    """float32 version of ``reference.normalize_intensity``."""
    return reference.normalize_intensity(hu.astype(np.float64), spec).astype(np.float32)


def pad_value(spec: dict) -> float:
    """The normalised value of air (the sliding-window ``padValue`` matching the training padding)."""
    return float(reference.normalize_intensity(np.array([AIR_HU]), spec)[0])


class Case:
    """One cached case; arrays memory-mapped, per-task foreground indices computed on demand."""

    def __init__(self, cache_dir: str, stem: str, entry: dict):
        self.stem = stem
        self.seed = int(entry['seed'])
        self.entry = entry
        self.ct = np.load(os.path.join(cache_dir, f'ct_{stem}.npy'), mmap_mode='r')
        self.lab = np.load(os.path.join(cache_dir, f'lab_{stem}.npy'), mmap_mode='r')
        self.affine = np.asarray(entry['modelAffine'], dtype=np.float64)
        counts = {int(k): int(v) for k, v in entry['labelCounts'].items()}
        self.label_counts = counts
        #: label values contoured in this case (phantoms: every phantom label)
        self.annotated = frozenset(int(v) for v in entry.get('annotated', CACHE_LABELS))
        #: tasks known to be absent although their labels are not annotated
        self.absent = frozenset(entry.get('absent', PHANTOM_ABSENT))
        self._fg: Dict[str, np.ndarray] = {}

    @property
    def shape(self) -> Tuple[int, int, int]:
        return tuple(self.ct.shape)  # type: ignore[return-value]

    def has(self, task: Task) -> bool:
        return any(self.label_counts.get(v, 0) > 0 for v in task.labels)

    def knows(self, task: Task) -> bool:
        """Whether the labels say where the task is (or that it is absent): every label value of the
        task was contoured, or the task cannot be in this kind of scan. Unknown tasks get no loss
        and no Dice."""
        return all(v in self.annotated for v in task.labels) or task.name in self.absent

    def foreground(self, task: Task) -> np.ndarray:
        """Flat indices of the task's voxels (int32/int64), cached."""
        if task.name not in self._fg:
            idx = np.flatnonzero(label_lut(task.labels)[np.asarray(self.lab)])
            self._fg[task.name] = idx.astype(np.int32 if idx.size and idx.max() < 2**31 else np.int64)
        return self._fg[task.name]


def load_cases(cache_dir: str, seeds: Optional[Iterable[int]] = None) -> List[Case]:
    manifest = read_manifest(cache_dir)
    wanted = None if seeds is None else {int(s) for s in seeds}
    cases = [Case(cache_dir, stem, e) for stem, e in manifest['cases'].items() if wanted is None or int(e['seed']) in wanted]
    if wanted is not None:
        missing = wanted - {c.seed for c in cases}
        if missing:
            raise ValueError(f'{cache_dir}: seeds not cached: {sorted(missing)[:10]}')
    cases.sort(key=lambda c: c.seed)
    return cases


def load_split(cache_dir: str, split: str) -> List[Case]:
    """The cases of a real-CT cache whose ``split`` is ``split`` (e.g. 'train-pats'), by seed."""
    return [c for c in load_cases(cache_dir) if c.entry.get('split') == split]

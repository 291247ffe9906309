"""Reference inference pipeline for uniseg model packages, written independently of the TypeScript
engine so that the two can be checked against each other.

The steps, in order (the TypeScript engine implements the same semantics):

1. read the CT with nibabel: scaled voxel values as float64 and ``img.affine``;
2. reorient to the model orientation by axis permutations/flips only, affine updated;
3. resample to the model spacing on a grid with the same axis directions, the count per axis
   ``max(1, floor(n * s / t + 0.5))`` (round half up, like JavaScript's Math.round) and the
   field-of-view centre kept; trilinear in world coordinates, out-of-range indices clamped to the
   edge; skipped when the grid is already the same;
4. intensity normalisation (clip / zscore / none);
5. tensor layout: axes 'xyz' keeps [i, j, k], 'zyx' uses [k, j, i] (the roi is permuted alike);
6. sliding window (MONAI semantics): symmetric padding to the roi, window starts every
   ``roi * (1 - overlap)`` voxels with the last window flush with the end, gaussian importance
   map, weighted average of the raw logits; activation (softmax over channels or sigmoid) after
   blending;
7. per task: its probabilities resampled (trilinear, world coordinates, edge clamp) back onto the
   input file's grid, then the mask: softmax takes the argmax over all channels, sigmoid takes
   ``p > threshold`` (the most probable channel where several pass).

Parts run as torch modules rebuilt from ``<package>/torch/spec.json`` and its state dicts, one
window at a time (batch size 1), float32 activations, under ``torch.no_grad``.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import nibabel as nib
import numpy as np

from .intensity import normalize_intensity
from nibabel.orientations import apply_orientation, axcodes2ornt, inv_ornt_aff, io_orientation, ornt_transform
from scipy import ndimage

GRID_TOLERANCE = 1e-6
"""Two grids are the same when their shapes agree and every affine entry is within this (mm)."""


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------


def read_ct(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Scaled voxel values (float64, indexed [i, j, k]) and the affine nibabel reports."""
    img = nib.load(path)
    data = np.asarray(img.get_fdata(dtype=np.float64))
    if data.ndim == 4:
        data = data[..., 0]
    if data.ndim != 3:
        raise ValueError(f'{path}: expected a 3D volume, got shape {data.shape}')
    return data, np.asarray(img.affine, dtype=np.float64)


def orientation_codes(affine: np.ndarray) -> str:
    return ''.join(nib.aff2axcodes(affine))


def reorient(data: np.ndarray, affine: np.ndarray, codes: str) -> Tuple[np.ndarray, np.ndarray]:
    """Permute/flip the array to the axis codes ``codes`` (e.g. 'RAS'); world positions are kept."""
    xform = ornt_transform(io_orientation(affine), axcodes2ornt(tuple(codes.upper())))
    out = apply_orientation(data, xform)
    new_affine = affine @ inv_ornt_aff(xform, data.shape)
    return np.ascontiguousarray(out), new_affine


def affine_spacing(affine: np.ndarray) -> np.ndarray:
    return np.sqrt((affine[:3, :3] ** 2).sum(axis=0))


def round_half_up(x: float) -> int:
    """JavaScript's Math.round for the values used here: floor(x + 0.5)."""
    return int(math.floor(x + 0.5))


def spacing_grid(shape: Sequence[int], affine: np.ndarray, spacing: Sequence[float]) -> Tuple[Tuple[int, int, int], np.ndarray]:
    """Grid with voxel size ``spacing``, the same axis directions and the same field-of-view centre."""
    old = affine_spacing(affine)
    new_shape = tuple(max(1, round_half_up(shape[d] * old[d] / spacing[d])) for d in range(3))
    new_affine = affine.copy()
    for d in range(3):
        new_affine[:3, d] = affine[:3, d] * (spacing[d] / old[d])
    centre = affine[:3, :3] @ ((np.asarray(shape, dtype=np.float64) - 1) / 2) + affine[:3, 3]
    new_affine[:3, 3] = centre - new_affine[:3, :3] @ ((np.asarray(new_shape, dtype=np.float64) - 1) / 2)
    return new_shape, new_affine


def same_grid(shape_a: Sequence[int], affine_a: np.ndarray, shape_b: Sequence[int], affine_b: np.ndarray, tol: float = GRID_TOLERANCE) -> bool:
    return tuple(shape_a) == tuple(shape_b) and bool(np.all(np.abs(np.asarray(affine_a) - np.asarray(affine_b)) <= tol))


def resample(data: np.ndarray, src_affine: np.ndarray, dst_shape: Sequence[int], dst_affine: np.ndarray) -> np.ndarray:
    """Trilinear resampling in world coordinates, indices clamped to the edge (float64 out).

    Target voxel (i, j, k) reads source index inv(A_src) @ A_dst @ [i, j, k, 1]; skipped (a
    float64 copy) when the grids are the same.
    """
    if same_grid(data.shape, src_affine, dst_shape, dst_affine):
        return np.array(data, dtype=np.float64)
    m = np.linalg.inv(src_affine) @ dst_affine
    return ndimage.affine_transform(
        np.asarray(data, dtype=np.float64),
        m[:3, :3],
        offset=m[:3, 3],
        output_shape=tuple(int(n) for n in dst_shape),
        order=1,
        mode='nearest',
        prefilter=False,
    )


def resample_clamped_reference(data: np.ndarray, src_affine: np.ndarray, dst_shape: Sequence[int], dst_affine: np.ndarray) -> np.ndarray:
    """The same as ``resample`` written out longhand (clamp, floor, 8 neighbours); used to check it."""
    m = np.linalg.inv(src_affine) @ dst_affine
    idx = np.indices(tuple(dst_shape), dtype=np.float64).reshape(3, -1)
    src = m[:3, :3] @ idx + m[:3, 3:4]
    n = np.asarray(data.shape)
    out = np.zeros(src.shape[1])
    lo, frac = [], []
    for d in range(3):
        x = np.clip(src[d], 0, n[d] - 1)
        x0 = np.minimum(np.floor(x), max(n[d] - 2, 0)).astype(np.int64)
        lo.append(x0)
        frac.append(x - x0)
    for corner in range(8):
        w = np.ones_like(out)
        ix = []
        for d in range(3):
            up = (corner >> d) & 1
            ix.append(np.minimum(lo[d] + up, n[d] - 1))
            w *= frac[d] if up else 1 - frac[d]
        out += w * data[ix[0], ix[1], ix[2]]
    return out.reshape(tuple(dst_shape))


# --------------------------------------------------------------------------------------------
# Intensity, layout, sliding window
# --------------------------------------------------------------------------------------------


def to_tensor_layout(volume: np.ndarray, axes: str) -> np.ndarray:
    """[i, j, k] → tensor spatial order ('xyz': [i, j, k], 'zyx': [k, j, i])."""
    if axes == 'xyz':
        return volume
    if axes == 'zyx':
        return np.ascontiguousarray(np.transpose(volume, (2, 1, 0)))
    raise ValueError(f'unknown axes {axes!r}')


def from_tensor_layout(tensor: np.ndarray, axes: str) -> np.ndarray:
    """Inverse of ``to_tensor_layout`` for [C, *spatial] arrays."""
    if axes == 'xyz':
        return tensor
    if axes == 'zyx':
        return np.ascontiguousarray(np.transpose(tensor, (0, 3, 2, 1)))
    raise ValueError(f'unknown axes {axes!r}')


def roi_in_tensor_layout(roi: Sequence[int], axes: str) -> Tuple[int, int, int]:
    return (roi[0], roi[1], roi[2]) if axes == 'xyz' else (roi[2], roi[1], roi[0])


def window_starts(size: int, roi: int, overlap: float) -> List[int]:
    """Starts along one (already padded) dim: 0, step, 2 step, ... the last one flush with the end."""
    step = roi if roi == size else max(1, int(roi * (1 - overlap)))
    starts = []
    start = 0
    while True:
        if start + roi >= size:
            starts.append(size - roi)
            return starts
        starts.append(start)
        start += step


def importance_map(roi: Sequence[int], sigma_scale: float) -> np.ndarray:
    """Separable gaussian over a window, floored at max(its smallest nonzero value, 1e-3)."""
    axes = []
    for n in roi:
        sigma = sigma_scale * n
        x = np.arange(n, dtype=np.float64)
        axes.append(np.exp(-((x - (n - 1) / 2) ** 2) / (2 * sigma * sigma)))
    w = axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]
    nonzero = w[w > 0]
    floor = max(float(nonzero.min()) if nonzero.size else 0.0, 1e-3)
    return np.maximum(w, floor)


@dataclass
class WindowPlan:
    size: Tuple[int, int, int]
    roi: Tuple[int, int, int]
    pad_before: Tuple[int, int, int]
    pad_after: Tuple[int, int, int]
    starts: Tuple[List[int], List[int], List[int]]

    @property
    def count(self) -> int:
        return len(self.starts[0]) * len(self.starts[1]) * len(self.starts[2])


def window_plan(size: Sequence[int], roi: Sequence[int], overlap: float) -> WindowPlan:
    before, after, padded = [], [], []
    for d in range(3):
        diff = max(roi[d] - size[d], 0)
        before.append(diff // 2)
        after.append(diff - diff // 2)
        padded.append(size[d] + diff)
    starts = tuple(window_starts(padded[d], roi[d], overlap) for d in range(3))
    return WindowPlan(tuple(size), tuple(roi), tuple(before), tuple(after), starts)  # type: ignore[arg-type]


def sliding_window(
    image: np.ndarray,
    roi: Sequence[int],
    overlap: float,
    sigma_scale: float,
    pad_value: float,
    run: Callable[[np.ndarray], Dict[str, np.ndarray]],
) -> Tuple[Dict[str, np.ndarray], WindowPlan]:
    """Blended raw outputs of ``run`` over windows of ``image`` (3D, tensor layout).

    ``run`` takes a float32 window [1, 1, *roi] and returns named arrays [1, C, *roi]; the result
    maps each name to the weighted average [C, *image.shape] (float64), padding cropped.
    """
    plan = window_plan(image.shape, roi, overlap)
    padded = np.pad(image, list(zip(plan.pad_before, plan.pad_after)), mode='constant', constant_values=pad_value)
    padded = padded.astype(np.float32)
    weight = importance_map(roi, sigma_scale)
    sums: Dict[str, np.ndarray] = {}
    norm = np.zeros(padded.shape, dtype=np.float64)
    r0, r1, r2 = roi
    for s0 in plan.starts[0]:
        for s1 in plan.starts[1]:
            for s2 in plan.starts[2]:
                window = padded[s0 : s0 + r0, s1 : s1 + r1, s2 : s2 + r2][None, None]
                outs = run(np.ascontiguousarray(window))
                for name, value in outs.items():
                    value = np.asarray(value)[0].astype(np.float64)
                    if name not in sums:
                        sums[name] = np.zeros((value.shape[0],) + padded.shape, dtype=np.float64)
                    sums[name][:, s0 : s0 + r0, s1 : s1 + r1, s2 : s2 + r2] += weight * value
                norm[s0 : s0 + r0, s1 : s1 + r1, s2 : s2 + r2] += weight
    crop = tuple(slice(plan.pad_before[d], plan.pad_before[d] + image.shape[d]) for d in range(3))
    blended = {name: (acc / norm)[(slice(None),) + crop] for name, acc in sums.items()}
    return blended, plan


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=0, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=0, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


# --------------------------------------------------------------------------------------------
# Packages and the part graph
# --------------------------------------------------------------------------------------------


@dataclass
class Package:
    path: str
    manifest: dict
    modules: Dict[str, object] = field(default_factory=dict)


def load_package(path: str, with_torch: bool = True) -> Package:
    with open(os.path.join(path, 'model.json')) as f:
        manifest = json.load(f)
    pkg = Package(path, manifest)
    if with_torch:
        import torch

        from .tiny_models import MODULE_CLASSES

        spec_path = os.path.join(path, 'torch', 'spec.json')
        if not os.path.exists(spec_path):
            raise FileNotFoundError(f'{spec_path}: the reference needs the torch weights of every part')
        with open(spec_path) as f:
            spec = json.load(f)
        for part_name, part in spec['parts'].items():
            # A part names its class in this package's tiny models, or in any module of the toolchain.
            if 'module' in part:
                cls = getattr(importlib.import_module(part['module']), part['class'])
            else:
                cls = MODULE_CLASSES[part['class']]
            module = cls(**part['kwargs'])
            state = torch.load(os.path.join(path, 'torch', part['state']), map_location='cpu')
            module.load_state_dict(state)
            module.eval()
            pkg.modules[part_name] = module
        missing = set(manifest['parts']) - set(pkg.modules)
        if missing:
            raise ValueError(f'torch/spec.json lacks parts {sorted(missing)}')
    return pkg


def _norm_prompt(text: str) -> str:
    return ' '.join(text.lower().replace('_', ' ').split())


def find_task(manifest: dict, prompt: str) -> dict:
    """The task whose name, prompt or alias matches ``prompt`` (case and '_'/space insensitive)."""
    want = _norm_prompt(prompt)
    for task in manifest['tasks']:
        names = [task['name'], task['prompt'], *task.get('aliases', [])]
        if any(_norm_prompt(n) == want for n in names):
            return task
    known = ', '.join(t['name'] for t in manifest['tasks'])
    raise KeyError(f'no task matches prompt {prompt!r}; tasks: {known}')


def task_pathway(manifest: dict, task: dict) -> List[int]:
    route = task['route']
    if route['kind'] == 'pathway':
        return list(route['pathway'])
    return []


def active_producers(manifest: dict, pathway: Sequence[int]) -> Dict[str, str]:
    """Tensor name → part producing it, for the given stage choices (1-based, one per stage)."""
    stages = manifest.get('stages', [])
    in_stage = {alt for st in stages for alt in st['alternatives']}
    producers: Dict[str, str] = {}
    for name, part in manifest['parts'].items():
        if name in in_stage:
            continue
        for t in part['outputs']:
            producers[t] = name
    if pathway and len(pathway) != len(stages):
        raise ValueError(f'pathway {list(pathway)} has {len(pathway)} entries; the package has {len(stages)} stages')
    for s, choice in enumerate(pathway):
        alt = stages[s]['alternatives'][choice - 1]
        for t in manifest['parts'][alt]['outputs']:
            producers[t] = alt
    return producers


class GraphRunner:
    """Evaluates the output tensors of several routes on one window, each distinct part run once.

    A computed tensor is keyed by its producing part and the keys of that part's inputs, so two
    routes that share the encoder (or a stage alternative) reuse one run of it.
    """

    def __init__(self, pkg: Package, tasks: Sequence[dict]):
        import torch

        self.torch = torch
        self.pkg = pkg
        self.input_tensor = pkg.manifest['input']['tensor']
        self.targets: List[Tuple[str, Dict[str, str]]] = []
        self.output_keys: Dict[str, str] = {}
        for task in tasks:
            producers = active_producers(pkg.manifest, task_pathway(pkg.manifest, task))
            tensor = task['output']['tensor']
            self.output_keys[task['name']] = self._key(tensor, producers, frozenset())
            self.targets.append((tensor, producers))

    def _key(self, tensor: str, producers: Dict[str, str], visiting: frozenset) -> str:
        if tensor == self.input_tensor:
            return 'input'
        part_name = producers.get(tensor)
        if part_name is None:
            raise ValueError(f'no active part produces tensor {tensor!r}')
        if part_name in visiting:
            raise ValueError(f'cycle through part {part_name!r}')
        part = self.pkg.manifest['parts'][part_name]
        inputs = [self._key(t, producers, visiting | {part_name}) for t in part['inputs']]
        return f'{part_name}({",".join(inputs)}).{tensor}'

    def __call__(self, window: np.ndarray) -> Dict[str, np.ndarray]:
        torch = self.torch
        cache: Dict[str, object] = {'input': torch.from_numpy(window)}

        def value(tensor: str, producers: Dict[str, str]):
            if tensor == self.input_tensor:
                return cache['input']
            part_name = producers[tensor]
            part = self.pkg.manifest['parts'][part_name]
            input_keys = [self._key(t, producers, frozenset()) for t in part['inputs']]
            prefix = f'{part_name}({",".join(input_keys)}).'
            if prefix + tensor not in cache:
                args = [value(t, producers) for t in part['inputs']]
                outs = self.pkg.modules[part_name](*args)
                if not isinstance(outs, (tuple, list)):
                    outs = (outs,)
                for t, v in zip(part['outputs'], outs):
                    cache[prefix + t] = v
            return cache[prefix + tensor]

        result: Dict[str, np.ndarray] = {}
        with torch.no_grad():
            for tensor, producers in self.targets:
                key = self._key(tensor, producers, frozenset())
                result[key] = value(tensor, producers).float().numpy()
        return result


# --------------------------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------------------------


@dataclass
class TaskResult:
    task: dict
    probabilities: np.ndarray
    """float32 [len(channels), *input shape]: the task's channels, on the input grid."""
    mask: np.ndarray
    """uint8/uint16 [*input shape]."""
    near_ties: int
    """Voxels whose decision is within 1e-4 of flipping (softmax top-two gap, sigmoid |p - threshold|)."""


@dataclass
class Segmentation:
    input_shape: Tuple[int, int, int]
    input_affine: np.ndarray
    oriented_shape: Tuple[int, int, int]
    oriented_affine: np.ndarray
    model_shape: Tuple[int, int, int]
    model_affine: np.ndarray
    resampled: bool
    tensor_shape: Tuple[int, int, int]
    windows: WindowPlan
    tasks: Dict[str, TaskResult]
    timings: Dict[str, float]
    debug: dict


TIE_EPS = 1e-4


def mask_dtype(labels: dict):
    return np.uint8 if max(labels.values()) <= 255 else np.uint16


def make_mask(task: dict, probs_all: np.ndarray) -> Tuple[np.ndarray, int]:
    """``probs_all``: softmax → every channel of the tensor; sigmoid → the task's channels only."""
    labels = list(task['labels'].values())
    channels = task['output']['channels']
    mask = np.zeros(probs_all.shape[1:], dtype=mask_dtype(task['labels']))
    if task['activation'] == 'softmax':
        winner = np.argmax(probs_all, axis=0)
        for ch, label in zip(channels, labels):
            mask[winner == ch] = label
        top2 = np.sort(probs_all, axis=0)[-2:] if probs_all.shape[0] > 1 else None
        ties = int(np.count_nonzero(top2[1] - top2[0] < TIE_EPS)) if top2 is not None else 0
    else:
        threshold = float(task.get('threshold', 0.5))
        best = np.argmax(probs_all, axis=0)
        pbest = np.take_along_axis(probs_all, best[None], axis=0)[0]
        on = pbest > threshold
        for c, label in enumerate(labels):
            mask[on & (best == c)] = label
        near = np.any(np.abs(probs_all - threshold) < TIE_EPS, axis=0)
        if probs_all.shape[0] > 1:
            top2 = np.sort(probs_all, axis=0)[-2:]
            near |= (top2[1] > threshold) & (top2[1] - top2[0] < TIE_EPS) & (top2[0] > threshold)
        ties = int(np.count_nonzero(near))
    return mask, ties


def segment(pkg: Package, ct_path: str, prompts: Sequence[str]) -> Segmentation:
    """Runs the reference pipeline for the tasks matching ``prompts`` (windows shared)."""
    m = pkg.manifest
    pre, inf = m['preprocess'], m['inference']
    tasks = []
    for p in prompts:
        t = find_task(m, p)
        if t not in tasks:
            tasks.append(t)
    timings: Dict[str, float] = {}
    t0 = time.perf_counter()

    # 1-5: preprocess.
    data, affine = read_ct(ct_path)
    input_shape, input_affine = tuple(data.shape), affine
    oriented, oriented_affine = reorient(data, affine, pre['orientation'])
    model_shape, model_affine = spacing_grid(oriented.shape, oriented_affine, pre['spacing'])
    resampled = not same_grid(oriented.shape, oriented_affine, model_shape, model_affine)
    if resampled:
        image = resample(oriented, oriented_affine, model_shape, model_affine)
    else:
        image, model_shape, model_affine = oriented, tuple(oriented.shape), oriented_affine
    image = normalize_intensity(image, pre['intensity'])
    tensor = to_tensor_layout(image, pre['axes'])
    roi = roi_in_tensor_layout(inf['roi'], pre['axes'])
    t1 = time.perf_counter()
    timings['preprocess'] = t1 - t0

    # 6: sliding window over the union of the tasks' parts.
    runner = GraphRunner(pkg, tasks)
    blended, plan = sliding_window(
        tensor,
        roi,
        float(inf.get('overlap', 0.5)),
        float(inf.get('sigmaScale', 0.125)),
        float(inf.get('padValue', 0.0)),
        runner,
    )
    t2 = time.perf_counter()
    timings['inference'] = t2 - t1

    # Activation, back to the input grid, masks.
    results: Dict[str, TaskResult] = {}
    debug = {
        'preprocessed': {'min': float(tensor.min()), 'max': float(tensor.max()), 'mean': float(tensor.mean())},
        'logits': {},
    }
    for task in tasks:
        key = runner.output_keys[task['name']]
        logits = blended[key]
        debug['logits'][task['name']] = {
            'key': key,
            'shape': list(logits.shape),
            'channelMean': [float(v) for v in logits.reshape(logits.shape[0], -1).mean(axis=1)],
        }
        channels = task['output']['channels']
        if task['activation'] == 'softmax':
            probs = softmax(logits)
        else:
            probs = sigmoid(logits[channels])
        probs = from_tensor_layout(probs, pre['axes'])
        back = np.stack([resample(probs[c], model_affine, input_shape, input_affine) for c in range(probs.shape[0])])
        mask, ties = make_mask(task, back)
        own = back[channels] if task['activation'] == 'softmax' else back
        results[task['name']] = TaskResult(task, own.astype(np.float32), mask, ties)
    t3 = time.perf_counter()
    timings['postprocess'] = t3 - t2
    timings['total'] = t3 - t0

    return Segmentation(
        input_shape=input_shape,
        input_affine=input_affine,
        oriented_shape=tuple(oriented.shape),
        oriented_affine=oriented_affine,
        model_shape=tuple(model_shape),
        model_affine=model_affine,
        resampled=resampled,
        tensor_shape=tuple(tensor.shape),
        windows=plan,
        tasks=results,
        timings=timings,
        debug=debug,
    )


# --------------------------------------------------------------------------------------------
# NIfTI writing (deterministic bytes)
# --------------------------------------------------------------------------------------------


def nifti_bytes(raw: np.ndarray, affine: np.ndarray, slope: float = 1.0, inter: float = 0.0) -> bytes:
    """A single-file NIfTI-1 (.nii) of ``raw`` (stored as is) with sform and qform code 1 and the
    given scl_slope / scl_inter, header written field by field so nibabel cannot reset scaling."""
    hdr = nib.Nifti1Header(endianness='<')
    hdr.set_data_dtype(raw.dtype)
    hdr.set_data_shape(raw.shape)
    hdr.set_sform(affine, code=1)
    hdr.set_qform(affine, code=1)
    hdr.set_xyzt_units('mm', 'sec')
    hdr['scl_slope'] = slope
    hdr['scl_inter'] = inter
    hdr['vox_offset'] = 352
    hdr['magic'] = b'n+1'
    block = hdr.binaryblock
    assert len(block) == 348
    little = raw.astype(raw.dtype.newbyteorder('<'), copy=False)
    return block + b'\x00\x00\x00\x00' + np.asfortranarray(little).tobytes(order='F')


def write_nifti_gz(path: str, raw: np.ndarray, affine: np.ndarray, slope: float = 1.0, inter: float = 0.0) -> None:
    import gzip

    payload = nifti_bytes(raw, affine, slope, inter)
    with open(path, 'wb') as f:
        with gzip.GzipFile(filename='', mode='wb', fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(payload)

"""Training patches: intensity jitter, spatial augmentation, and the patch sampler.

Cases come in *sources* (the phantom cache, a real-CT cache, ...), each drawn with its own
weight. A case knows some tasks (``Case.knows``): a patch is centred on a task that is present and
known there, and the patch carries which tasks its case knows, so the loss of a task never treats
an unlabelled case as negative (partial labels, e.g. OpenKBP's missing contours).

Augmentation, per source: a left/right flip of the RAS model grid (axis 0) that also swaps the
left and right labels (``LR_SWAP``), and a small rotation/scaling about the patch centre (trilinear
CT, nearest labels). Both draw from the generator only when enabled, so a source without them
samples exactly as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage

from .data import AIR_HU, DEFAULT_INTENSITY, Case, Task, normalize, task_mask

#: Cache label pairs a left/right flip exchanges (lungs, kidneys, kidney tumours, parotids).
LR_PAIRS: Tuple[Tuple[int, int], ...] = ((2, 3), (6, 7), (11, 12), (23, 24))


def lr_swap_table() -> np.ndarray:
    lut = np.arange(256, dtype=np.uint8)
    for a, b in LR_PAIRS:
        lut[a], lut[b] = b, a
    return lut


LR_SWAP = lr_swap_table()


@dataclass
class Jitter:
    """Random intensity changes applied in HU before normalisation (geometry: ``Spatial``)."""

    scale: float = 0.05
    """HU multiplied by U(1 - scale, 1 + scale)."""
    shift: float = 20.0
    """plus U(-shift, shift) HU."""
    noise: float = 15.0
    """plus gaussian noise with sd U(0, noise) HU."""

    def apply(self, hu: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        a = 1.0 + float(rng.uniform(-self.scale, self.scale)) if self.scale else 1.0
        b = float(rng.uniform(-self.shift, self.shift)) if self.shift else 0.0
        out = hu.astype(np.float32) * np.float32(a) + np.float32(b)
        if self.noise:
            sd = float(rng.uniform(0.0, self.noise))
            out += rng.standard_normal(out.shape, dtype=np.float32) * np.float32(sd)
        return out


@dataclass
class Spatial:
    """Small rotations and scalings (probability ``p``), and left/right flips with label swap
    (probability ``flip``)."""

    p: float = 0.0
    rotate_deg: float = 10.0
    """each axis rotated by U(-rotate_deg, rotate_deg) degrees"""
    scale: float = 0.1
    """isotropic zoom U(1 - scale, 1 + scale)"""
    flip: float = 0.0

    @property
    def enabled(self) -> bool:
        return self.p > 0 or self.flip > 0


def rotation_matrix(angles: Sequence[float]) -> np.ndarray:
    ax, ay, az = (math.radians(a) for a in angles)
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def crop_with_pad(vol: np.ndarray, start: Sequence[int], size: Sequence[int], fill) -> np.ndarray:
    """``vol[start : start + size]`` with ``fill`` outside the volume."""
    out = np.full(tuple(size), fill, dtype=vol.dtype)
    src, dst = [], []
    for d in range(3):
        a = max(0, start[d])
        b = min(vol.shape[d], start[d] + size[d])
        if b <= a:
            return out
        src.append(slice(a, b))
        dst.append(slice(a - start[d], b - start[d]))
    out[tuple(dst)] = vol[tuple(src)]
    return out


@dataclass
class Patch:
    image: np.ndarray
    """float32 [1, P, P, P], normalised."""
    labels: np.ndarray
    """uint8 [P, P, P], cache labels."""
    case: int
    """Seed of the case."""
    start: Tuple[int, int, int]
    focus: Optional[str]
    """The task whose foreground the patch was centred on; None for a uniformly random centre."""
    known: Dict[str, bool] = field(default_factory=dict)
    """Per task: whether the case's labels say anything about it (unknown tasks get no loss)."""


@dataclass
class Source:
    """Cases drawn with probability proportional to ``weight``, augmented by ``spatial``."""

    cases: Sequence[Case]
    weight: float = 1.0
    spatial: Spatial = field(default_factory=Spatial)


class PatchSampler:
    """Random patches of the cached cases.

    A source is drawn by weight (no draw when there is one), then a case uniformly. With
    probability ``fg_fraction`` (default 0.75) a task is drawn (uniformly, or by ``task_weights``)
    among the tasks present and known in the case, and the patch is centred on one of its voxels;
    otherwise the centre is uniform in the volume. The patch is clamped into the volume where it
    fits, padded with air (-1024 HU) where the volume is smaller. Then the source's spatial
    augmentation, intensity jitter (``Jitter``) in HU, and the normalisation ``intensity``. All
    randomness comes from the generator passed to ``sample``.
    """

    def __init__(
        self,
        cases: Sequence[Case],
        tasks: Sequence[Task],
        patch: Sequence[int] = (64, 64, 64),
        fg_fraction: float = 0.75,
        intensity: Optional[dict] = None,
        jitter: Optional[Jitter] = None,
        sources: Optional[Sequence[Source]] = None,
    ):
        self.sources = list(sources) if sources else [Source(list(cases))]
        if not any(src.cases for src in self.sources):
            raise ValueError('no cases to sample from')
        self.sources = [src for src in self.sources if src.cases]
        self.cases = [c for src in self.sources for c in src.cases]
        self.tasks = list(tasks)
        self.patch = tuple(int(p) for p in (patch if len(patch) == 3 else (patch[0],) * 3))
        self.fg_fraction = float(fg_fraction)
        self.intensity = dict(intensity or DEFAULT_INTENSITY)
        self.jitter = jitter if jitter is not None else Jitter()

    def _source(self, rng: np.random.Generator) -> Source:
        if len(self.sources) == 1:
            return self.sources[0]
        w = np.array([max(0.0, s.weight) for s in self.sources], dtype=np.float64)
        return self.sources[int(rng.choice(len(self.sources), p=w / w.sum()))]

    def sample(self, rng: np.random.Generator, task_weights: Optional[Dict[str, float]] = None) -> Patch:
        src = self._source(rng)
        case = src.cases[int(rng.integers(len(src.cases)))]
        shape = case.shape
        focus = None
        centre = None
        if rng.random() < self.fg_fraction:
            present = [t for t in self.tasks if case.has(t) and case.knows(t)]
            if present:
                w = np.array([max(1e-6, float((task_weights or {}).get(t.name, 1.0))) for t in present], dtype=np.float64)
                task = present[int(rng.choice(len(present), p=w / w.sum()))]
                fg = case.foreground(task)
                if fg.size:
                    flat = int(fg[int(rng.integers(fg.size))])
                    centre = np.unravel_index(flat, shape)
                    focus = task.name
        if centre is None:
            centre = tuple(int(rng.integers(n)) for n in shape)
        hu, lab, start = self._crop(case, centre, src.spatial, rng)
        hu = self.jitter.apply(hu, rng)
        image = normalize(hu, self.intensity)[None]
        known = {t.name: case.knows(t) for t in self.tasks}
        return Patch(image, lab, case.seed, tuple(start), focus, known)  # type: ignore[arg-type]

    def _start(self, centre, shape, size) -> List[int]:
        start = []
        for d in range(3):
            p, n = size[d], shape[d]
            s = int(centre[d]) - p // 2
            if n >= p:
                s = min(max(s, 0), n - p)
            else:
                s = -((p - n) // 2)
            start.append(s)
        return start

    def _crop(self, case: Case, centre, spatial: Spatial, rng: np.random.Generator):
        # draws only for what is enabled, so a source without augmentation samples as before
        warp = spatial.p > 0 and rng.random() < spatial.p
        flip = spatial.flip > 0 and rng.random() < spatial.flip
        start = self._start(centre, case.shape, self.patch)
        if not warp:
            hu = crop_with_pad(case.ct, start, self.patch, np.int16(AIR_HU))
            lab = crop_with_pad(case.lab, start, self.patch, np.uint8(0))
        else:
            angles = rng.uniform(-spatial.rotate_deg, spatial.rotate_deg, size=3)
            zoom = float(rng.uniform(1.0 - spatial.scale, 1.0 + spatial.scale))
            # output voxel o maps to input voxel  M (o - c_out) + c_in; a crop with room for any
            # rotation (sqrt(3) x the patch, scaled) is warped, so the centre stays where it was
            matrix = rotation_matrix(angles) / zoom
            big = tuple(int(math.ceil(p * math.sqrt(3) / zoom)) + 2 for p in self.patch)
            big_start = [start[d] + self.patch[d] // 2 - big[d] // 2 for d in range(3)]
            hu_big = crop_with_pad(case.ct, big_start, big, np.int16(AIR_HU)).astype(np.float32)
            lab_big = crop_with_pad(case.lab, big_start, big, np.uint8(0))
            c_out = (np.asarray(self.patch, dtype=np.float64) - 1) / 2
            c_in = np.asarray([start[d] - big_start[d] for d in range(3)], dtype=np.float64) + c_out
            offset = c_in - matrix @ c_out
            hu = ndimage.affine_transform(hu_big, matrix, offset, output_shape=self.patch, order=1, mode='constant', cval=AIR_HU)
            lab = ndimage.affine_transform(lab_big, matrix, offset, output_shape=self.patch, order=0, mode='constant', cval=0)
        if flip:
            hu = np.ascontiguousarray(hu[::-1])
            lab = LR_SWAP[np.ascontiguousarray(lab[::-1])]
        return hu, lab, start


def targets(labels: np.ndarray, tasks: Sequence[Task]) -> np.ndarray:
    """Binary masks [T, *spatial] (uint8) of ``tasks`` from cache labels."""
    return np.stack([task_mask(labels, t) for t in tasks]).astype(np.uint8)

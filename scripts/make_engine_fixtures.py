#!/usr/bin/python3
"""Regenerate uniseg's engine test fixtures, deterministically, from fixed seeds.

Writes
  test/fixtures/models/{plain,pathways,heads}/   tiny model packages: model.json, one .onnx per
                                                 part (opset 16), torch/ (spec.json + state dicts
                                                 the Python reference needs)
  test/fixtures/engine/<case>/                   ct.nii.gz, expected.json and the reference
                                                 outputs (raw float32 probabilities, raw masks)

Run with Debian's Python (torch, onnx, nibabel, scipy): /usr/bin/python3 scripts/make_engine_fixtures.py
"""

from __future__ import annotations

import argparse
import filecmp
import json
import math
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from uniseg_tools import reference as ref  # noqa: E402
from uniseg_tools import tiny_models as tm  # noqa: E402

REPO = os.path.dirname(HERE)

AXIS_DIRS = {'R': (1, 0, 0), 'L': (-1, 0, 0), 'A': (0, 1, 0), 'P': (0, -1, 0), 'S': (0, 0, 1), 'I': (0, 0, -1)}

# Each case: the package it runs, the file's grid (axis codes, voxel size, shape, world centre,
# optional rotation in degrees about a world axis), the stored scaling and the CT seed.
CASES = [
    {
        'name': 'small',
        'package': 'plain',
        'about': 'RAS at the model spacing (no resampling), smaller than the roi in i and j (padding), 2 windows along k',
        'shape': (16, 20, 30),
        'codes': 'RAS',
        'spacing': (1.5, 1.5, 1.5),
        'centre': (12.25, -20.5, -95.75),
        'rotation': None,
        'slope_inter': (1.0, 0.0),
        'seed': 11,
    },
    {
        'name': 'odd',
        'package': 'pathways',
        'about': 'LPS (reorientation flips i and j), sizes not multiples of the step, k resampled 1.5 -> 2.0 mm, axes zyx',
        'shape': (51, 39, 35),
        'codes': 'LPS',
        'spacing': (1.5, 1.5, 1.5),
        'centre': (-30.5, 14.0, 60.25),
        'rotation': None,
        'slope_inter': (1.0, 0.0),
        'seed': 22,
    },
    {
        'name': 'aniso',
        'package': 'plain',
        'about': 'LAS, 1.2 x 1.2 x 4.0 mm resampled to 1.5 mm and back; stored int16 with scl_inter -1024',
        'shape': (48, 44, 14),
        'codes': 'LAS',
        'spacing': (1.2, 1.2, 4.0),
        'centre': (3.5, -8.25, -120.0),
        'rotation': None,
        'slope_inter': (1.0, -1024.0),
        'seed': 33,
    },
    {
        'name': 'sagittal',
        'package': 'heads',
        'about': 'ASL (reorientation permutes all axes), rotated 8 degrees about x, anisotropic; zscore, padValue, overlap 0.25, one dim below the roi',
        'shape': (36, 30, 14),
        'codes': 'ASL',
        'spacing': (1.1, 1.3, 2.2),
        'centre': (-60.0, 5.5, 20.0),
        'rotation': ('x', 8.0),
        'slope_inter': (1.0, 0.0),
        'seed': 44,
    },
]


def make_affine(case: dict) -> np.ndarray:
    cols = np.array([np.asarray(AXIS_DIRS[c], dtype=np.float64) * s for c, s in zip(case['codes'], case['spacing'])]).T
    if case['rotation']:
        axis, deg = case['rotation']
        t = math.radians(deg)
        c, s = math.cos(t), math.sin(t)
        rot = {
            'x': [[1, 0, 0], [0, c, -s], [0, s, c]],
            'y': [[c, 0, s], [0, 1, 0], [-s, 0, c]],
            'z': [[c, -s, 0], [s, c, 0], [0, 0, 1]],
        }[axis]
        cols = np.asarray(rot) @ cols
    aff = np.eye(4)
    aff[:3, :3] = cols
    aff[:3, 3] = np.asarray(case['centre']) - cols @ ((np.asarray(case['shape']) - 1) / 2)
    # The header stores float32: use exactly what will be read back.
    return aff.astype(np.float32).astype(np.float64)


def check_no_rounding_ties(pkg: ref.Package, data_shape, affine) -> list:
    """n * s / t per axis of the oriented grid; fails when one is within 1e-3 of x.5 (Python and
    JavaScript round those differently in general; the reference uses floor(x + 0.5))."""
    dummy = np.zeros(data_shape)
    oriented, oaff = ref.reorient(dummy, affine, pkg.manifest['preprocess']['orientation'])
    sp = ref.affine_spacing(oaff)
    ratios = [oriented.shape[d] * sp[d] / pkg.manifest['preprocess']['spacing'][d] for d in range(3)]
    for r in ratios:
        if abs((r - math.floor(r)) - 0.5) < 1e-3:
            raise SystemExit(f'grid size {r} is a rounding tie: change the fixture')
    return ratios


def raw_le(array: np.ndarray, dtype) -> bytes:
    """NIfTI voxel order (i fastest), little-endian."""
    return np.asfortranarray(array.astype(np.dtype(dtype).newbyteorder('<'))).tobytes(order='F')


def json_affine(a: np.ndarray) -> list:
    return [[float(v) for v in row] for row in a]


def write_case(case: dict, pkg: ref.Package, out_dir: str, verbose: bool) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    affine = make_affine(case)
    hu = tm.synthetic_ct(case['shape'], case['seed'])
    slope, inter = case['slope_inter']
    stored = np.round((hu.astype(np.float64) - inter) / slope).astype(np.int16)
    ct_path = os.path.join(out_dir, 'ct.nii.gz')
    ref.write_nifti_gz(ct_path, stored, affine, slope, inter)
    ratios = check_no_rounding_ties(pkg, case['shape'], affine)

    tasks = [t['name'] for t in pkg.manifest['tasks']]
    seg = ref.segment(pkg, ct_path, tasks)
    data, read_affine = ref.read_ct(ct_path)
    assert np.array_equal(data, hu.astype(np.float64)), 'CT did not round-trip'
    total = int(np.prod(seg.input_shape))
    expected = {
        'format': 'uniseg.engine-fixture/1',
        'case': case['name'],
        'about': case['about'],
        'package': case['package'],
        'ct': 'ct.nii.gz',
        'shape': list(seg.input_shape),
        'affine': json_affine(read_affine),
        'orientation': ref.orientation_codes(read_affine),
        'spacing': [float(v) for v in ref.affine_spacing(read_affine)],
        'sclSlope': slope,
        'sclInter': inter,
        'prompts': [t['prompt'] for t in pkg.manifest['tasks']],
        'layout': 'raw little-endian, NIfTI voxel order over the input grid (i fastest, then j, then k); '
        'probabilities hold the task channels one after another (channel-major)',
        'model': {
            'orientedShape': list(seg.oriented_shape),
            'orientedAffine': json_affine(seg.oriented_affine),
            'gridSizeRatios': [float(r) for r in ratios],
            'shape': list(seg.model_shape),
            'affine': json_affine(seg.model_affine),
            'resampled': seg.resampled,
            'tensorShape': list(seg.tensor_shape),
            'padBefore': list(seg.windows.pad_before),
            'padAfter': list(seg.windows.pad_after),
            'windowStarts': [list(s) for s in seg.windows.starts],
            'windows': seg.windows.count,
            'preprocessed': seg.debug['preprocessed'],
        },
        'tasks': {},
    }
    for name, res in seg.tasks.items():
        task = res.task
        prob_file = f'{name}.prob.f32'
        mdtype = np.dtype(ref.mask_dtype(task['labels']))
        mask_file = f'{name}.mask.{"u8" if mdtype == np.uint8 else "u16"}'
        with open(os.path.join(out_dir, prob_file), 'wb') as f:
            for c in range(res.probabilities.shape[0]):
                f.write(raw_le(res.probabilities[c], np.float32))
        with open(os.path.join(out_dir, mask_file), 'wb') as f:
            f.write(raw_le(res.mask, mdtype))
        counts = {label: int(np.count_nonzero(res.mask == value)) for label, value in task['labels'].items()}
        p = res.probabilities
        spread = float(np.mean((p > 0.02) & (p < 0.98)))
        expected['tasks'][name] = {
            'prompt': task['prompt'],
            'route': task['route'],
            'activation': task['activation'],
            'threshold': task.get('threshold', 0.5) if task['activation'] == 'sigmoid' else None,
            'tensor': task['output']['tensor'],
            'channels': task['output']['channels'],
            'labels': task['labels'],
            'probabilities': {'file': prob_file, 'dtype': 'float32', 'channels': int(p.shape[0])},
            'mask': {'file': mask_file, 'dtype': mdtype.name},
            'counts': counts,
            'background': int(np.count_nonzero(res.mask == 0)),
            'voxels': total,
            'nearTies': res.near_ties,
            'probabilityStats': {'min': float(p.min()), 'max': float(p.max()), 'mean': float(p.astype(np.float64).mean()), 'spread': spread},
            'logits': seg.debug['logits'][name],
        }
        if verbose:
            frac = {k: round(v / total, 3) for k, v in counts.items()}
            print(f'  {case["name"]}/{name}: {frac} spread {spread:.2f} ties {res.near_ties}', flush=True)
        for label, n in counts.items():
            if n == 0 or n > 0.95 * total:
                raise SystemExit(f'{case["name"]}/{name}: label {label} covers {n}/{total} voxels: trivial mask, retune calibration')
        if spread < 0.2:
            raise SystemExit(f'{case["name"]}/{name}: probabilities saturated (spread {spread:.2f})')
    with open(os.path.join(out_dir, 'expected.json'), 'w') as f:
        f.write(json.dumps(expected, indent=2) + '\n')
    return expected


def generate(root: str, verbose: bool = True, fixtures: bool = True) -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    models_dir = os.path.join(root, 'test', 'fixtures', 'models')
    for name, build in tm.BUILDERS.items():
        spec = build()
        out = os.path.join(models_dir, name)
        onnx_bytes = tm.write_package(spec, out)
        for part, data in onnx_bytes.items():
            tm.check_part(spec, part, data)
        size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out) for f in fs)
        if verbose:
            print(f'package {name}: {len(onnx_bytes)} parts, {size} bytes', flush=True)
        if size >= 300_000:
            raise SystemExit(f'package {name} is {size} bytes (limit 300 KB)')
    if not fixtures:
        return
    for case in CASES:
        pkg = ref.load_package(os.path.join(models_dir, case['package']))
        write_case(case, pkg, os.path.join(root, 'test', 'fixtures', 'engine', case['name']), verbose)
    total = sum(
        os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(root, 'test', 'fixtures', 'engine')) for f in fs
    )
    if verbose:
        print(f'engine fixtures: {total} bytes', flush=True)


def compare_trees(a: str, b: str) -> list:
    """Relative paths that differ between the generated tree ``a`` and the checked-in tree ``b``."""
    diffs = []
    for dp, _, files in os.walk(a):
        for f in files:
            pa = os.path.join(dp, f)
            rel = os.path.relpath(pa, a)
            pb = os.path.join(b, rel)
            if not os.path.exists(pb):
                diffs.append(f'missing: {rel}')
            elif not filecmp.cmp(pa, pb, shallow=False):
                diffs.append(f'differs: {rel}')
    return diffs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description='Regenerate the tiny model packages (test/fixtures/models/{plain,pathways,heads}) and the engine '
        'parity fixtures (test/fixtures/engine/<case>) from fixed seeds. Deterministic: two runs give identical bytes.',
    )
    parser.add_argument('--root', default=REPO, help='repository root to write under (default: this checkout)')
    parser.add_argument('--packages-only', action='store_true', help='write only the model packages')
    parser.add_argument(
        '--check',
        action='store_true',
        help='generate into a temporary directory and compare byte for byte with the files under --root; exit 1 on any difference',
    )
    parser.add_argument('--quiet', action='store_true')
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp, verbose=not args.quiet, fixtures=not args.packages_only)
            diffs = compare_trees(os.path.join(tmp, 'test', 'fixtures'), os.path.join(args.root, 'test', 'fixtures'))
        for d in diffs:
            print(d)
        print('fixtures are up to date' if not diffs else f'{len(diffs)} file(s) differ')
        return 1 if diffs else 0
    generate(args.root, verbose=not args.quiet, fixtures=not args.packages_only)
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Reference for test/models/monai-spacing.test.ts: MONAI 1.5's Spacing(bilinear, border,
align_corners False) on axis-aligned grids, computed the way MONAI computes it with this machine's
torch and numpy (zoom_affine, np.linalg.solve, to_norm_affine, affine_grid, grid_sample in
float64), written from MONAI's documented steps; the same steps reproduce the shared MONAI bundle
fixture's input.npy exactly. Also fma(a, b, c) rounded once, through exact fractions.

    python3 monai_spacing_ref.py DIR   # reads DIR/cases.json (+ DIR/vol<i>.f32), writes DIR/out.json
"""
import json
import os
import sys
from fractions import Fraction

import numpy as np
import torch


def norm_transform(shape):
    s = torch.tensor(shape, dtype=torch.float64)
    n = torch.diag(torch.cat((2.0 / s, torch.ones(1, dtype=torch.float64))))
    n[:-1, -1] = 1.0 / s - 1.0
    return n


def spacing(vol, src_spacing, dst_spacing, origin):
    src = np.eye(4)
    src[:3, :3] = np.diag(src_spacing)
    src[:3, 3] = origin
    # zoom_affine(diagonal=False): the rotation rzs @ inv(cholesky(rzs^T rzs)^T) times the new spacing
    rzs = src[:3, :3]
    zs = np.linalg.cholesky(rzs.T @ rzs).T
    dst = np.eye(4)
    dst[:3, :3] = (rzs @ np.linalg.inv(zs)) @ np.diag(np.sign(np.diag(zs)) * np.abs(dst_spacing))
    dst[:3, 3] = origin
    shape = [int(np.round((n - 1) * s / t + 1)) for n, s, t in zip(vol.shape, src_spacing, dst_spacing)]
    xform = torch.tensor(np.linalg.solve(src, dst), dtype=torch.float64)
    inv_dst = torch.tensor(np.linalg.inv(norm_transform(shape).numpy()), dtype=torch.float64)
    theta = (norm_transform(list(vol.shape)) @ xform @ inv_dst)[None].clone()
    rev = torch.tensor([2, 1, 0])
    theta[:, :3] = theta[:, rev]
    theta[:, :, :3] = theta[:, :, rev]
    grid = torch.nn.functional.affine_grid(theta[:, :3], size=[1, 1, *shape], align_corners=False)
    coords = [grid[0, :, 0, 0, 2], grid[0, 0, :, 0, 1], grid[0, 0, 0, :, 0]]
    coords = [torch.clamp(((g + 1) * n - 1) / 2, 0, n - 1).tolist() for g, n in zip(coords, vol.shape)]
    out = torch.nn.functional.grid_sample(torch.from_numpy(vol).to(torch.float64)[None, None], grid, mode='bilinear', padding_mode='border', align_corners=False)
    out = out[0, 0].to(torch.float32).numpy()
    return shape, coords, np.nonzero(out.ravel(order='F') == 0)[0].tolist()


def main(folder):
    with open(os.path.join(folder, 'cases.json')) as f:
        cases = json.load(f)
    result = {'fma': [float(Fraction(a) * Fraction(b) + Fraction(c)) for a, b, c in cases['fma']], 'linspace': {}, 'spacing': []}
    for n in cases['linspace']:
        result['linspace'][str(n)] = torch.linspace(-1, 1, n, dtype=torch.float64).tolist()
    for i, c in enumerate(cases['spacing']):
        vol = np.fromfile(os.path.join(folder, f'vol{i}.f32'), dtype=np.float32).reshape(c['dims'], order='F')
        shape, coords, zeros = spacing(vol, c['spacing'], c['target'], c['origin'])
        result['spacing'].append({'shape': shape, 'coords': coords, 'zeros': zeros})
    with open(os.path.join(folder, 'out.json'), 'w') as f:
        json.dump(result, f)


if __name__ == '__main__':
    main(sys.argv[1])

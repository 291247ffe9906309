"""Reference for test/models/nnunet-resample.test.ts: nnU-Net v2's resample_data_or_seg for one
channel, written from its documented steps with scipy only (scikit-image 0.19's resize is
scipy.ndimage.zoom(grid_mode=True, mode='nearest') clipped to the input's range; separate-z
resizes each slice in 2-D, then map_coordinates along the low-resolution axis).

    python3 nnunet_resample_ref.py DIR   # reads DIR/cases.json and DIR/in<i>.f32, writes DIR/out<i>.f32
"""
import json
import os
import sys

import numpy as np
from scipy.ndimage import map_coordinates, zoom


def resize(x, shape, order):
    out = zoom(x, np.array(shape) / np.array(x.shape), order=order, mode='nearest', grid_mode=True)
    return np.clip(out, x.min(), x.max())


def resample(data, shape, axis, order, order_z):
    data = data.astype(float)
    if axis is None:
        return resize(data, shape, order)
    plane = [s for a, s in enumerate(shape) if a != axis]
    mid = list(shape)
    mid[axis] = data.shape[axis]
    here = np.zeros(mid)
    for s in range(data.shape[axis]):
        index = [slice(None)] * 3
        index[axis] = s
        here[tuple(index)] = resize(data[tuple(index)], plane, order)
    if data.shape[axis] == shape[axis]:
        return here
    grid = np.mgrid[:shape[0], :shape[1], :shape[2]].astype(float)
    coords = np.array([here.shape[a] / shape[a] * (grid[a] + 0.5) - 0.5 for a in range(3)])
    return map_coordinates(here, coords, order=order_z, mode='nearest')


def main(d):
    with open(os.path.join(d, 'cases.json')) as f:
        cases = json.load(f)
    for i, c in enumerate(cases):
        x = np.fromfile(os.path.join(d, f'in{i}.f32'), dtype='<f4').reshape(c['dims'])
        y = resample(x, c['shape'], c['axis'], c['order'], c['orderZ'])
        y.astype(np.float16 if c['float16'] else np.float32).astype('<f4').tofile(os.path.join(d, f'out{i}.f32'))


if __name__ == '__main__':
    main(sys.argv[1])

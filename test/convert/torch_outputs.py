#!/usr/bin/env python3
"""Writes a network-space input and the torch output for one task of a test package (what a user
would hand to `uniseg verify`): the package's torch reference modules (torch/spec.json), run by
uniseg_tools.reference's GraphRunner, on a seeded random window of the package's roi.

    /usr/bin/python3 test/convert/torch_outputs.py PKG TASK OUT_DIR
"""
import os
import sys

import numpy as np

from uniseg_tools.reference import GraphRunner, load_package, roi_in_tensor_layout


def main(pkg_dir: str, task_name: str, out: str) -> None:
    pkg = load_package(pkg_dir)
    task = next(t for t in pkg.manifest['tasks'] if t['name'] == task_name)
    roi = roi_in_tensor_layout(pkg.manifest['inference']['roi'], pkg.manifest['preprocess']['axes'])
    window = np.random.RandomState(7).uniform(0, 1, (1, 1, *roi)).astype(np.float32)
    runner = GraphRunner(pkg, [task])
    result = runner(window)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, 'input.npy'), window)
    np.save(os.path.join(out, 'expected.npy'), result[runner.output_keys[task_name]].astype(np.float32))


if __name__ == '__main__':
    main(*sys.argv[1:4])

#!/usr/bin/python3
"""Run the Python reference pipeline (uniseg_tools/reference.py) on a NIfTI CT with a model
package whose torch weights are present (DIR/torch/spec.json and state dicts), and print timings
per phase. Used as the baseline in uniseg's engine benchmark.

Phases: preprocess = read + reorient + resample + normalise + layout; inference = sliding window
(every window through the parts, gaussian blending); postprocess = activation + resampling back
to the input grid + mask; total = all three.

Run with Debian's Python: /usr/bin/python3 -m uniseg_tools reference --package DIR --ct FILE --prompt NAME
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys


PHASES = ('preprocess', 'inference', 'postprocess', 'total')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].replace('\n', ' '))
    parser.add_argument('--package', required=True, help='model package directory (model.json + torch/)')
    parser.add_argument('--ct', required=True, help='input CT, NIfTI (.nii or .nii.gz)')
    parser.add_argument(
        '--prompt',
        required=True,
        action='append',
        help='task name, prompt or alias; repeat for several tasks (their windows run once, shared parts once per window)',
    )
    parser.add_argument('--repeat', type=int, default=1, help='runs to time (default 1); a warm-up run is not done')
    parser.add_argument('--threads', type=int, default=0, help='torch intra-op threads (default: torch decides)')
    parser.add_argument('--out-dir', help='write <task>.nii.gz masks (input grid) here')
    parser.add_argument('--json', action='store_true', help='print one JSON object instead of text')
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error('--repeat must be at least 1')

    import numpy as np
    import torch

    from uniseg_tools import reference as ref

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    pkg = ref.load_package(args.package)
    try:
        tasks = [ref.find_task(pkg.manifest, p)['name'] for p in args.prompt]
    except KeyError as e:
        print(f'error: {e.args[0]}', file=sys.stderr)
        return 2

    runs = []
    seg = None
    for _ in range(args.repeat):
        seg = ref.segment(pkg, args.ct, tasks)
        runs.append(seg.timings)

    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        for name, res in seg.tasks.items():
            ref.write_nifti_gz(os.path.join(args.out_dir, f'{name}.nii.gz'), res.mask, seg.input_affine)

    ms = {p: [round(r[p] * 1000, 3) for r in runs] for p in PHASES}
    report = {
        'package': pkg.manifest['name'],
        'ct': args.ct,
        'tasks': tasks,
        'threads': torch.get_num_threads(),
        'inputShape': list(seg.input_shape),
        'modelShape': list(seg.model_shape),
        'tensorShape': list(seg.tensor_shape),
        'resampled': seg.resampled,
        'windows': seg.windows.count,
        'repeat': args.repeat,
        'timingsMs': ms,
        'medianMs': {p: round(statistics.median(v), 3) for p, v in ms.items()},
        'voxels': {
            name: {label: int(np.count_nonzero(res.mask == value)) for label, value in res.task['labels'].items()}
            for name, res in seg.tasks.items()
        },
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['package']}: {', '.join(tasks)} on {args.ct}")
        print(
            f"  input {seg.input_shape} -> model grid {seg.model_shape} (resampled: {seg.resampled}), "
            f"tensor {seg.tensor_shape}, {seg.windows.count} windows, torch threads {report['threads']}"
        )
        for p in PHASES:
            print(f'  {p:<12} median {report["medianMs"][p]:10.1f} ms   runs {ms[p]}')
        for name, counts in report['voxels'].items():
            print(f'  {name}: {counts}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

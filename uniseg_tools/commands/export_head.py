#!/usr/bin/env python3
"""Export one clNet head of a heads checkpoint as an ONNX file for `uniseg heads add`.

    /usr/bin/python3 -m uniseg_tools export-head --heads runs/clnet-leftlung/last.pt --head LeftLung \
        --package models/demo -o leftlung.onnx
    npx uniseg heads add --model models/demo --name LeftLung --onnx leftlung.onnx --labels 1=lung_left

The head must read the package's own tensors: the checkpoint's frozen encoder and shared
bottleneck are compared with the package's ``encoder`` part and the ``encoder10`` alternative its
heads read (weights read back from the ONNX initializers, after the same fp16 rounding), and the
export is refused unless they are equal. The part is written like the package's parts (fp16
initializers + Cast, inputs dec4, hs3, enc3, enc2, enc1, enc0 and supporting heads' outputs,
output ``head.<Name>``) and checked against torch with onnxruntime-node before it is kept.
Exit status 0 written, 1 refused, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import warnings



def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--heads', required=True, help='heads checkpoint (train_demo.py --mode heads with a shared bottleneck)')
    p.add_argument('--head', required=True, help='head name in that checkpoint')
    p.add_argument('--package', required=True, help='the package the head will be added to (its encoder must be the head\'s)')
    p.add_argument('-o', '--out', required=True, help='ONNX file to write')
    p.add_argument('--tolerance', type=float, default=1e-4, help='parity tolerance: max |ORT - torch|, absolute (default 1e-4)')
    p.add_argument('--no-fp16', action='store_true', help='float32 weights')
    args = p.parse_args(argv)

    import torch

    warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
    warnings.filterwarnings('ignore', category=UserWarning)
    from uniseg_tools.export_demo.heads import head_package_parts, load_heads
    from uniseg_tools.export_demo.parity import parity_table, run_check, write_check_dir
    from uniseg_tools.export_demo.parts import ENCODER_MODULES, example_image, write_parts
    from uniseg_tools.package_io import read_part_state, round_fp16_

    heads = load_heads(args.heads)
    if args.head not in heads.net.head_specs:
        print(f'error: {args.heads} has no head {args.head!r}; heads: {", ".join(heads.net.head_specs)}', file=sys.stderr)
        return 2
    with open(os.path.join(args.package, 'model.json')) as f:
        manifest = json.load(f)
    kept = manifest.get('training', {}).get('kept', {}).get('encoder10')
    if not kept or heads.bottleneck not in kept:
        print(f'error: {args.package} has no encoder10 alternative {heads.bottleneck} (trained numbering; kept: {kept})', file=sys.stderr)
        return 1
    k = kept.index(heads.bottleneck) + 1
    fp16 = not args.no_fp16
    if fp16:
        round_fp16_(heads.net)

    # The head's frozen encoder and bottleneck must be the package's, weight for weight.
    package_state = read_part_state(os.path.join(args.package, manifest['parts']['encoder']['file']))
    package_state.update(read_part_state(os.path.join(args.package, manifest['parts'][f'encoder10.{k}']['file'])))
    worst = 0.0
    for module in ENCODER_MODULES + ('encoder10',):
        # Parameters only: buffers such as the Swin relative-position index are fixed tables.
        for name, value in getattr(heads.net, module).named_parameters():
            key = f'{module}.{name}' if module != 'encoder10' else f'encoder10.{heads.bottleneck - 1}.{name}'
            if key not in package_state:
                print(f'error: the package part has no tensor {key}', file=sys.stderr)
                return 1
            if value.numel():
                worst = max(worst, float((package_state[key].float() - value.float()).abs().max()))
    print(f'head {args.head}: encoder + encoder10.{k} (trained alternative {heads.bottleneck}) vs the package: max diff {worst:.1e}')
    if worst != 0.0:
        print('error: the head was trained on another encoder than this package\'s; nothing written', file=sys.stderr)
        return 1

    roi = manifest['inference']['roi']
    with torch.no_grad():
        feats = heads.net.encode(example_image(roi))
    parts, _ = head_package_parts(heads, tuple(feats))
    part = next(x for x in parts if x.head['name'] == args.head)
    with tempfile.TemporaryDirectory(prefix='uniseg-head-') as tmp:
        write_parts([part], tmp, fp16=fp16)
        path = os.path.join(tmp, f'{part.name}.onnx')
        work = os.path.join(tmp, 'check')
        write_check_dir(work, [(part.name, path, part.inputs, part.example, part.outputs, part.expected)], args.tolerance, [])
        result = run_check(work, 1)
        row = parity_table(result)[part.name]
        print(f'parity {part.name}: max|ORT - torch| {row["maxAbsDiff"]:.2e} ({"ok" if result["ok"] else "REFUSED"})')
        if not result['ok']:
            return 1
        shutil.copyfile(path, args.out)
    labels = ','.join(f'{c}={label}' for label, c in sorted(part.head['labels'].items(), key=lambda kv: kv[1]))
    print(f'wrote {args.out}; add it with:\n  npx uniseg heads add --model {args.package} --name {args.head} --onnx {args.out} --labels {labels}'
          + (f' --supporting {",".join(part.head["supporting"])}' if part.head['supporting'] else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())

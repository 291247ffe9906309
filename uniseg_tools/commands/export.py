#!/usr/bin/env python3
"""Turn a gCIS pathways training checkpoint into the demo model package (models/demo).

    /usr/bin/python3 -m uniseg_tools export --ckpt /work/uniseg-runs/gcis/last.pt \
        --text /work/uniseg-runs/text --out models/demo [--force]

Steps and checks: uniseg_tools/README.md. Exit status 0 when the package was written, 1 when a
check refused it (nothing is written then), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


from uniseg_tools.export_demo.build import DEFAULT_TEMPLATE, ExportError, Options, export  # noqa: E402
from uniseg_tools.export_demo.node import REPO_ROOT  # noqa: E402


def parse_aliases(values, option='--alias'):
    out = {}
    for v in values or []:
        task, eq, text = v.partition('=')
        if not eq or not task.strip() or not text.strip():
            raise argparse.ArgumentTypeError(f'bad {option} {v!r}; expected TASK=TEXT')
        out.setdefault(task.strip(), []).append(text.strip())
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ckpt', required=True, help='gCIS pathways training checkpoint (uniseg.train/1; its EMA weights are exported); copy a checkpoint that is being rewritten first')
    p.add_argument('--text', required=True, help='CLIP text encoder directory (transformers.js layout), copied into the package as text/')
    p.add_argument('--out', default=os.path.join(REPO_ROOT, 'models', 'demo'), help='package directory (default: models/demo); written beside it, then renamed')
    p.add_argument('--force', action='store_true', help='replace an existing --out')
    p.add_argument('--min-similarity', type=float, default=0.8, help='prompting.minSimilarity (default 0.8)')
    p.add_argument('--template', default=DEFAULT_TEMPLATE, help=f'text encoder prompt template (default "{DEFAULT_TEMPLATE}")')
    p.add_argument('--alias', action='append', metavar='TASK=TEXT', help='an extra alias of a task (repeatable)')
    p.add_argument('--overlap', type=float, default=0.5, help='inference.overlap (default 0.5)')
    p.add_argument('--no-fp16', action='store_true', help='store float32 weights (about twice the size)')
    p.add_argument('--skip-parity', action='store_true', help='skip the ORT-vs-torch parity check (quick development only)')
    p.add_argument('--skip-engine-check', action='store_true', help='do not load the package with the engine and resolve the distillation texts')
    p.add_argument('--tolerance', type=float, default=1e-4, help='parity tolerance: every output needs max |ORT - torch| <= TOL, absolute (default 1e-4)')
    p.add_argument('--timing', action='store_true', help='also time the encoder and one encoder10 part, fp16-stored vs fp32, with onnxruntime-node')
    p.add_argument('--max-mb', type=float, default=25.0, help='refuse a package larger than this (default 25 MB)')
    p.add_argument('--threads', type=int, default=2, help='onnxruntime threads for the parity check')
    p.add_argument('--work', help='keep the parity tensors and ONNX timing copies in this directory')
    p.add_argument('--caution', action='append', metavar='TASK=TEXT', help='what TASK is not for, recorded in its manifest entry and shown by '
                   '`uniseg pathways` (repeatable; e.g. a task validation showed unusable)')
    p.add_argument('--largest-component', action='append', metavar='TASK[,TASK...]', help='keep only the largest connected component of these tasks\' masks '
                   '(single organs, e.g. mandible; not lungs or tumours), recorded as the task\'s postprocess (repeatable)')
    p.add_argument('--keep-heads', metavar='PKG', help='copy the clNet heads of package PKG (e.g. the models/demo being replaced) unchanged; refused unless '
                   'this checkpoint\'s encoder and the bottleneck they read are bit-identical to PKG\'s (train with --freeze-bottleneck)')
    p.add_argument('--heads', help='clNet heads checkpoint trained on this gCIS checkpoint (train_demo.py --mode heads --shared-bottleneck ALT --init-from CKPT)')
    p.add_argument('--head-prompt', action='append', metavar='HEAD=TEXT', help='the prompt of a head\'s task, e.g. Kidneys="both kidneys" (default: the head name in lower case)')
    p.add_argument('--report', help='write the export report (JSON) here')
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from uniseg_tools.package_io import quiet_export_warnings

    quiet_export_warnings()
    try:
        aliases = parse_aliases(args.alias)
        cautions = {k: ' '.join(v) for k, v in parse_aliases(args.caution, '--caution').items()}
    except argparse.ArgumentTypeError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    opts = Options(
        ckpt=args.ckpt,
        text=args.text,
        out=args.out,
        min_similarity=args.min_similarity,
        template=args.template,
        aliases=aliases,
        cautions=cautions,
        largest_component=sorted({t.strip() for v in args.largest_component or [] for t in v.split(',') if t.strip()}),
        fp16=not args.no_fp16,
        parity=not args.skip_parity,
        tolerance=args.tolerance,
        engine_check=not args.skip_engine_check,
        force=args.force,
        timing=args.timing,
        max_mb=args.max_mb,
        overlap=args.overlap,
        work=os.path.abspath(args.work) if args.work else None,
        threads=args.threads,
        heads=args.heads,
        keep_heads=args.keep_heads,
        head_prompts={k: v[0] for k, v in parse_aliases(args.head_prompt).items()},
    )
    try:
        report = export(opts)
    except ExportError as e:
        print(f'error: {e}; nothing written', file=sys.stderr)
        return 1
    if args.report:
        with open(args.report, 'w') as f:
            json.dump(report, f, indent=1, default=str)
    print(f'wrote {report["out"]} ({report["totalBytes"] / 1e6:.2f} MB)')
    return 0


if __name__ == '__main__':
    sys.exit(main())

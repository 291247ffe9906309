#!/usr/bin/python3
"""Finetune the one task of a trimmed export (``uniseg export``) on phantoms and write it back as
a package of the same shape (same parts, tensors and task; new weights and sha256s).

    node bin/uniseg.mjs export --model models/demo --prompt liver -o /tmp/liver
    /usr/bin/python3 -m uniseg_tools finetune --from /tmp/liver --steps 20 --cache /work/uniseg-runs/cache -o /tmp/liver-ft
    /usr/bin/python3 -m uniseg_tools finetune --from /tmp/liver --steps 2 --cases 2 -o /tmp/liver-ft --force

The torch network is rebuilt from the parts alone, using the package's ``training`` record (a plain
SwinUNETR for a pathway task, a clNet with the routed head for a head task), checked against the
ONNX parts with onnxruntime-node before training, and again after the parts are rewritten.
Details: uniseg_tools/README.md ("Finetuning an exported task"). Exit status 0 when the
package was written, 1 when a check refused it or the package is not a finetunable export
(nothing is written then), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


from uniseg_tools.finetune.package import FinetuneError  # noqa: E402
from uniseg_tools.finetune.run import Options, run  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--from', dest='src', required=True, metavar='DIR', help='a trimmed task package written by uniseg export (one task, with the training record)')
    p.add_argument('-o', '--out', required=True, metavar='OUT', help='the finetuned package directory (written beside it, then renamed)')
    p.add_argument('--force', action='store_true', help='replace an existing OUT')
    p.add_argument('--steps', type=int, default=10, help='training steps, one patch each (default 10)')
    d = p.add_argument_group('data (one of them, or both)')
    d.add_argument('--cache', metavar='DIR', help='a phantom cache on the package grid (data.build_cache; e.g. /work/uniseg-runs/cache); all its cases are used, or seeds 0..N-1 with --cases N (built there when missing)')
    d.add_argument('--cases', type=int, metavar='N', help='generate phantoms 0..N-1 (node bin/uniseg.mjs phantom) into a temporary cache, or into --cache')
    p.add_argument('--lr', type=float, default=1e-4, help='AdamW learning rate, constant (default 1e-4)')
    p.add_argument('--weight-decay', type=float, default=None, help="AdamW weight decay (default: the source training's, else 1e-4)")
    p.add_argument('--clip', type=float, default=1.0, help='gradient-norm clip, 0 = none (default 1.0)')
    p.add_argument('--seed', type=int, default=0, help='seed of the patches and torch (default 0)')
    p.add_argument('--freeze-encoder', action='store_true', help='pathway task: train the decoder blocks only (a head task always trains its head only)')
    p.add_argument('--threads', type=int, default=2, help='torch and onnxruntime threads (default 2)')
    p.add_argument('--tolerance', type=float, default=1e-4, help='ORT parity: max |ORT - torch| <= TOL per output, absolute (default 1e-4)')
    p.add_argument('--work', metavar='DIR', help='keep the parity tensors here')
    p.add_argument('--report', metavar='FILE', help='write the report (JSON) here')
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.cache is None and args.cases is None:
        print('error: no training data: pass --cache DIR (a phantom cache) or --cases N (generate N phantoms)', file=sys.stderr)
        return 2
    if args.cases is not None and args.cases < 1:
        print('error: --cases must be at least 1', file=sys.stderr)
        return 2
    from uniseg_tools.package_io import quiet_export_warnings

    quiet_export_warnings()
    opts = Options(
        src=args.src,
        out=args.out,
        steps=args.steps,
        cache=args.cache,
        cases=args.cases,
        lr=args.lr,
        weight_decay=args.weight_decay,
        clip=args.clip,
        seed=args.seed,
        threads=args.threads,
        freeze_encoder=args.freeze_encoder,
        tolerance=args.tolerance,
        force=args.force,
        work=os.path.abspath(args.work) if args.work else None,
    )
    try:
        report = run(opts, say=lambda s: print(s, flush=True))
    except FinetuneError as e:
        print(f'error: {e}; nothing written', file=sys.stderr)
        return 1
    if args.report:
        with open(args.report, 'w') as f:
            json.dump(report, f, indent=1, default=str)
    t = report['timings']
    print(f'wrote {report["out"]} ({report["totalBytes"] / 1e6:.2f} MB) in {t["totalS"]:.0f}s '
          f'(rebuild + check {t["rebuildAndCheckS"]:.0f}s, data {t["dataS"]:.0f}s, training {t["trainS"]:.0f}s, export + checks {t["exportS"]:.0f}s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""``python3 -m uniseg_tools openkbp-cache``: the OpenKBP head-and-neck CTs -> a training cache on
the model grid (RAS, 3 mm by default), with which OARs each case has contoured. Idempotent and
resumable: cases already cached are skipped.

  /usr/bin/python3 -m uniseg_tools openkbp-cache --src ../shared/data/openkbp --out .cache/openkbp-3mm
"""

from __future__ import annotations

import argparse
import os
import time
from typing import List, Optional

from uniseg_tools.paths import CACHE_DIR, REPO_ROOT
from uniseg_tools.realct import openkbp


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog='python3 -m uniseg_tools openkbp-cache', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--src', default=os.path.join(os.path.dirname(REPO_ROOT), 'shared', 'data', 'openkbp'), help='the OpenKBP folder (manifest.json, train-pats/, validation-pats/)')
    p.add_argument('--out', default=os.path.join(CACHE_DIR, 'openkbp-3mm'), help='cache directory')
    p.add_argument('--splits', default='train,validation', help='train, validation or both')
    p.add_argument('--spacing', default='3,3,3', help='model grid spacing, mm')
    p.add_argument('--limit', type=int, default=0, help='at most this many new cases (0: all)')
    p.add_argument('--jobs', type=int, default=1)
    args = p.parse_args(argv)
    if not os.path.exists(os.path.join(args.src, 'manifest.json')):
        p.error(f'--src {args.src}: no manifest.json (expected the OpenKBP folder of shared/data)')
    spacing = [float(v) for v in args.spacing.split(',')]
    t0 = time.perf_counter()
    manifest = openkbp.build_cache(args.src, args.out, [s.strip() for s in args.splits.split(',')], spacing, limit=args.limit, jobs=args.jobs, progress=print)
    print(f'{args.out}: {len(manifest["cases"])} cases ({time.perf_counter() - t0:.0f} s)')
    return 0

#!/usr/bin/python3
"""Train the demo networks on synthetic phantoms (see uniseg_tools/README.md).

  /usr/bin/python3 -m uniseg_tools train --out runs/gcis --steps 4000 --val-every 500
  /usr/bin/python3 -m uniseg_tools train --out runs/gcis --resume               # continue last.pt
  /usr/bin/python3 -m uniseg_tools train --mode heads --heads Organs=liver,spleen \\
      Kidneys=kidney_left,kidney_right --init-from runs/gcis/last.pt --out runs/clnet
  /usr/bin/python3 -m uniseg_tools train --mode heads --heads Organs=liver,spleen \\
      Kidneys=kidney_left,kidney_right --init-from runs/gcis/last.pt --shared-bottleneck 1 \\
      --init-heads-from-task Organs=liver Kidneys=kidney_left --out runs/clnet-demo --steps 400
  /usr/bin/python3 -m uniseg_tools train --cache-only --cases 200               # just build the cache
  /usr/bin/python3 -m uniseg_tools train --bench 5 --depths 2,2,2,2             # seconds per step
"""

from __future__ import annotations

import argparse
import os
import sys
import time


from uniseg_tools import data as D  # noqa: E402
from uniseg_tools.paths import CACHE_DIR  # noqa: E402

DEFAULT_CACHE = os.path.join(CACHE_DIR, 'phantoms-3mm')
DEFAULT_OUT = os.path.join(CACHE_DIR, 'runs', 'demo')


def parse_seeds(text: str) -> list:
    """'0-199' / '1,2,10-12' → list of ints."""
    out = []
    for part in text.split(','):
        part = part.strip()
        if not part:
            continue
        a, sep, b = part.partition('-')
        if sep:
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def ints(text: str) -> list:
    return [int(v) for v in text.split(',')]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description='Train the uniseg demo networks (gCIS pathways or clNet heads) on synthetic CT phantoms and real CTs (--real-cache).',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g = p.add_argument_group('data')
    g.add_argument('--cache', default=DEFAULT_CACHE, help='phantom cache directory (built on demand)')
    g.add_argument('--cases', type=int, default=200, help='training cases: seeds 0..N-1 (unless --train-seeds)')
    g.add_argument('--train-seeds', default=None, help="training seeds, e.g. '0-199' or '1,5,7-9'")
    g.add_argument('--val-seeds', default='90000-90001', help="held-out validation seeds ('' = none)")
    g.add_argument('--cache-jobs', type=int, default=2, help='phantoms generated in parallel')
    g.add_argument('--cache-only', action='store_true', help='build the cache and exit')
    g.add_argument('--patch', type=int, default=64, help='cubic patch / sliding-window size (voxels at 3 mm; a multiple of 32 for SwinUNETR)')
    g.add_argument('--fg-fraction', type=float, default=0.75, help='share of patches centred on a task foreground')
    g.add_argument('--real-cache', default='', metavar='DIR', help='a real-CT cache (`uniseg_tools openkbp-cache`): its training split joins the phantoms, with partial labels')
    g.add_argument('--real-weight', type=float, default=0.5, help='share of patches from the real cases (with phantoms)')
    g.add_argument('--real-val', type=int, default=0, metavar='N', help='validate on the first N validation-split cases of --real-cache')
    g.add_argument('--spatial-p', type=float, default=0.0, help='real cases: probability of a small rotation/zoom')
    g.add_argument('--rotate-deg', type=float, default=10.0, help='real cases: rotation range per axis, degrees')
    g.add_argument('--zoom', type=float, default=0.1, help='real cases: zoom range 1 +- ZOOM')
    g.add_argument('--flip-lr', type=float, default=0.0, help='real cases: probability of a left/right flip that also swaps left and right labels')
    g.add_argument('--intensity', default='clip:-200,300,0,1', help='normalisation: clip:aMin,aMax,bMin,bMax | zscore:mean,std | none')

    g = p.add_argument_group('network')
    g.add_argument('--mode', choices=['pathways', 'heads'], default='pathways', help='gCIS pathways (router) or clNet heads')
    g.add_argument('--feature-size', type=int, default=12, help='SwinUNETR feature size (channels at full resolution)')
    g.add_argument('--depths', type=ints, default=[1, 1, 1, 1], help='Swin depths per stage')
    g.add_argument('--num-heads', type=ints, default=[3, 6, 12, 24], help='attention heads per stage')
    g.add_argument('--k', type=int, default=4, help='alternatives per decoder position (pathways)')
    g.add_argument('--embed-dim', type=int, default=32, help='size of the learnable per-task router input (pathways)')
    g.add_argument('--router-hidden', type=int, default=64, help='router MLP width (0 = linear router)')
    g.add_argument('--mix', choices=['selected', 'hybrid', 'all'], default='selected',
                   help="training selection: 'selected' runs only the Gumbel-chosen block per position (the router gradient flows through its weight); "
                   "'all' runs all K alternatives (exact straight-through gradient, ~K x decoder cost); 'hybrid' = 'all' at the first --hybrid-positions (deep, cheap) positions, 'selected' after")
    g.add_argument('--hybrid-positions', type=int, default=3, help="positions (from encoder10) that run all alternatives with --mix hybrid")
    g.add_argument('--tasks', default=','.join(D.TASK_NAMES), help='tasks to train (pathways)')
    g.add_argument('--heads', nargs='+', default=[], metavar='NAME=TASKS[:SUPPORT]', help='clNet heads, e.g. Organs=liver,spleen Tumor=kidney_tumor:Kidneys')
    g.add_argument('--freeze-encoder', action='store_true', help='keep the shared encoder fixed (always on in heads mode)')
    g.add_argument('--freeze-bottleneck', action='store_true',
                   help='pathways mode: keep encoder10 (every alternative) fixed too, with the encoder; clNet heads trained on the --init-from '
                   'checkpoint then still read the features they were trained on, so only the decoder blocks and out train')
    g.add_argument('--train-head', action='append', default=[], metavar='NAME', help='heads mode: train only this head (repeatable); everything else frozen')
    g.add_argument('--init-from', default='', metavar='CKPT', help='initialise matching weights from a checkpoint (its EMA copy) or an exported package directory (e.g. models/demo)')
    g.add_argument('--shared-bottleneck', default='0', metavar='ALT',
                   help="heads mode with --init-from a pathways checkpoint: copy its encoder10 alternative ALT (1-based; 'auto' = the one most of the heads' tasks use) "
                   'into one bottleneck shared by all heads and frozen with the encoder; heads are then decoder5..decoder1 + out only (0 = each head has its own encoder10)')
    g.add_argument('--init-heads-from-task', nargs='+', default=[], metavar='HEAD=TASK',
                   help='heads mode with --init-from a pathways checkpoint: start HEAD from the decoder blocks of TASK\'s pathway (out too when its shape agrees)')

    g = p.add_argument_group('optimisation')
    g.add_argument('--steps', type=int, default=None, help='total optimiser steps (default 2000; on --resume: the checkpoint\'s)')
    g.add_argument('--tasks-per-step', type=int, default=3, help='tasks decoded per patch (pathways)')
    g.add_argument('--lr', type=float, default=5e-4, help='AdamW peak learning rate')
    g.add_argument('--pin-pathways', action='store_true', help='with --resume or --init-from a pathways checkpoint: fix each task\'s pathway in that checkpoint, moving tasks that share one to distinct pathways, and train with the router bypassed')
    g.add_argument('--stop-at', type=int, default=0, metavar='STEP', help='stop after STEP (checkpoint, exit 0) without finishing the --steps schedule; resume later')
    g.add_argument('--pin', action='append', metavar='TASK=PATHWAY', help='with --pin-pathways: pin TASK to this 1-based pathway instead of its current one (repeatable)')
    g.add_argument('--router-lr-mult', type=float, default=5.0, help='learning-rate factor of the router and task embeddings')
    g.add_argument('--weight-decay', type=float, default=1e-4, help='AdamW weight decay (not on the router)')
    g.add_argument('--warmup', type=int, default=100, help='linear warm-up steps before the cosine decay')
    g.add_argument('--clip', type=float, default=1.0, help='gradient-norm clip (0 = off)')
    g.add_argument('--ema-decay', type=float, default=0.999, help='EMA decay (validation/export use the EMA weights)')
    g.add_argument('--tau', type=lambda s: [float(v) for v in s.split(',')], default=[2.0, 0.3], help='Gumbel temperature start,end')

    g = p.add_argument_group('run')
    g.add_argument('--out', default=None, help=f'checkpoint directory (default {DEFAULT_OUT}; on --resume CKPT: the checkpoint\'s directory)')
    g.add_argument('--resume', nargs='?', const='auto', default=None, metavar='CKPT', help='continue a run (default: OUT/last.pt)')
    g.add_argument('--seed', type=int, default=0, help='seed of the initialisation, patches, task choices and Gumbel noise')
    g.add_argument('--threads', type=int, default=2, help='torch CPU threads')
    g.add_argument('--device', default='auto', help='auto | cpu | cuda | cuda:N')
    g.add_argument('--deterministic', action='store_true', help='torch.use_deterministic_algorithms (for CUDA bit-reproducibility)')
    g.add_argument('--ckpt-every', type=int, default=100, help='write OUT/last.pt every N steps (and at exit / on SIGINT, SIGTERM)')
    g.add_argument('--keep-every', type=int, default=0, help='also keep OUT/step_NNNNNN.pt every N steps')
    g.add_argument('--log-every', type=int, default=10, help='progress line every N steps')
    g.add_argument('--val-every', type=int, default=500, help='validate every N steps and at the end (0 = never)')
    g.add_argument('--val-overlap', type=float, default=0.25, help='sliding-window overlap in validation')
    g.add_argument('--bench', type=int, default=0, metavar='N', help='time N training steps (after one warm-up step) on the first 4 training cases, save nothing, exit')
    return p


def pinned_from_checkpoint(path: str, changes=(), tasks=None) -> dict:
    """The checkpoint's pathways (pinned ones if already pinned) with ``changes`` (TASK=1,2,…)
    applied, made distinct. ``tasks`` (default: the checkpoint's) may name new tasks; each needs a
    change."""
    from uniseg_tools.train.checkpoint import load
    from uniseg_tools.train.models import distinct_pathways, pathway_list

    state = load(path)
    cfg = state['config']
    if cfg.get('mode') != 'pathways':
        raise SystemExit('error: --pin-pathways needs a pathways checkpoint')
    current = {t: pathway_list(p) for t, p in state['pathways'].items()}
    tasks = list(tasks or cfg['tasks'])
    wanted = {t: current[t] for t in tasks if t in current}
    width = len(next(iter(current.values())))
    for change in changes:
        task, _, alts = change.partition('=')
        if task not in tasks or len(pathway_list(alts)) != width or max(pathway_list(alts)) > int(cfg['k']):
            raise SystemExit(f'error: --pin {change!r}: expected TASK=PATHWAY with a task of {sorted(tasks)} and {width} alternatives in 1..{cfg["k"]}')
        wanted[task] = pathway_list(alts)
    new = [t for t in tasks if t not in wanted]
    if new:
        raise SystemExit(f'error: --pin-pathways: {path} has no pathway for {new}; pin each new task with --pin TASK=PATHWAY')
    pinned = distinct_pathways(wanted, tasks, int(cfg['k']))
    for t in tasks:
        was = current.get(t, wanted[t])
        note = '' if pinned[t] == was else f'  (was {",".join(map(str, was))}: shared with another task)'
        print(f'pinned {t}: {",".join(map(str, pinned[t]))}{note}')
    return pinned


def main(argv=None) -> int:
    argv_list = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv_list)
    from uniseg_tools.train.loop import TrainConfig, Trainer
    from uniseg_tools.train.models import parse_head_tasks, parse_heads

    train_seeds = parse_seeds(args.train_seeds) if args.train_seeds else list(range(args.cases))
    val_seeds = parse_seeds(args.val_seeds) if args.val_seeds else []
    if args.bench:
        # Timing needs a few cases, not the full training set.
        train_seeds = train_seeds[:4]
        val_seeds = []
    overlap = set(train_seeds) & set(val_seeds)
    if overlap:
        print(f'error: seeds both in training and validation: {sorted(overlap)[:10]}', file=sys.stderr)
        return 2

    if (args.pin_pathways or args.pin) and not (args.resume or args.init_from):
        print('error: --pin-pathways / --pin take the pathways of a checkpoint: give --resume or --init-from', file=sys.stderr)
        return 2
    if args.pin and not args.pin_pathways:
        print('error: --pin needs --pin-pathways', file=sys.stderr)
        return 2
    if args.freeze_bottleneck and (args.mode != 'pathways' or args.resume):
        print('error: --freeze-bottleneck is a pathways-mode option for a new run (heads mode always freezes the shared bottleneck)', file=sys.stderr)
        return 2

    if args.resume:
        path = os.path.join(args.out or DEFAULT_OUT, 'last.pt') if args.resume == 'auto' else args.resume
        # Only options given on this command line override the checkpoint's config.
        given = lambda opt: any(a == opt or a.startswith(opt + '=') for a in argv_list)  # noqa: E731
        overrides = {k: getattr(args, k) for k in ('threads', 'device', 'log_every', 'ckpt_every', 'val_every', 'val_overlap') if given('--' + k.replace('_', '-'))}
        if args.steps is not None:
            overrides['steps'] = args.steps
        overrides['stop_at'] = args.stop_at
        if args.pin_pathways:
            overrides['pinned_pathways'] = pinned_from_checkpoint(path, args.pin or ())
        overrides['out'] = args.out or os.path.dirname(os.path.abspath(path))
        trainer = Trainer.resume(path, overrides=overrides)
        return trainer.run()

    args.out = args.out or DEFAULT_OUT
    t0 = time.perf_counter()
    D.build_cache(args.cache, train_seeds + val_seeds, jobs=args.cache_jobs, progress=print)
    print(f'cache {args.cache}: {len(train_seeds)} training + {len(val_seeds)} validation cases ready ({time.perf_counter() - t0:.0f}s)')
    if args.cache_only:
        return 0

    heads = parse_heads(args.heads) if args.heads else {}
    if args.mode == 'heads' and not heads:
        print('error: --mode heads needs --heads NAME=task,...', file=sys.stderr)
        return 2
    try:
        shared = -1 if args.shared_bottleneck == 'auto' else int(args.shared_bottleneck)
        head_init = parse_head_tasks(args.init_heads_from_task)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if (shared or head_init) and (args.mode != 'heads' or not args.init_from):
        print('error: --shared-bottleneck / --init-heads-from-task need --mode heads and --init-from CKPT', file=sys.stderr)
        return 2
    if shared < -1:
        print('error: --shared-bottleneck takes a 1-based alternative, auto or 0', file=sys.stderr)
        return 2
    if args.init_from and os.path.isdir(args.init_from):
        # an exported package: its blocks become an init checkpoint (train/from_package.py)
        from uniseg_tools.train.from_package import PackageInitError, write_init_checkpoint

        os.makedirs(args.out, exist_ok=True)
        target = os.path.join(args.out, 'init-from-package.pt')
        try:
            write_init_checkpoint(args.init_from, target)
        except PackageInitError as err:
            print(f'error: --init-from {err}', file=sys.stderr)
            return 2
        print(f'init checkpoint from package {args.init_from}: {target}')
        args.init_from = target
    pinned = {}
    if args.pin_pathways:
        if args.mode != 'pathways':
            print('error: --pin-pathways is a pathways-mode option', file=sys.stderr)
            return 2
        pinned = pinned_from_checkpoint(args.init_from, args.pin or (), [t for t in args.tasks.split(',') if t])
    cfg = TrainConfig(
        mode=args.mode,
        tasks=[t for t in args.tasks.split(',') if t],
        heads=heads,
        feature_size=args.feature_size,
        depths=list(args.depths),
        num_heads=list(args.num_heads),
        k=args.k,
        embed_dim=args.embed_dim,
        router_hidden=args.router_hidden,
        mix=args.mix,
        hybrid_positions=args.hybrid_positions,
        cache=args.cache,
        train_seeds=train_seeds,
        val_seeds=val_seeds,
        patch=[args.patch] * 3,
        fg_fraction=args.fg_fraction,
        intensity=D.parse_intensity(args.intensity),
        real_cache=os.path.abspath(args.real_cache) if args.real_cache else '',
        real_weight=args.real_weight,
        real_val=args.real_val,
        real_require=sorted({t for h in heads.values() for t in h['tasks']}) if args.real_cache and heads else [],
        spatial_p=args.spatial_p,
        rotate_deg=args.rotate_deg,
        zoom=args.zoom,
        flip_lr=args.flip_lr,
        steps=args.steps if args.steps is not None else 2000,
        tasks_per_step=args.tasks_per_step,
        lr=args.lr,
        router_lr_mult=args.router_lr_mult,
        weight_decay=args.weight_decay,
        warmup=args.warmup,
        clip=args.clip,
        ema_decay=args.ema_decay,
        tau_start=args.tau[0],
        tau_end=args.tau[-1],
        freeze_encoder=args.freeze_encoder,
        freeze_bottleneck=args.freeze_bottleneck,
        pinned_pathways=pinned,
        train_heads=list(args.train_head),
        init_from=args.init_from,
        shared_bottleneck=shared,
        init_heads_from_task=head_init,
        seed=args.seed,
        threads=args.threads,
        device=args.device,
        deterministic=args.deterministic,
        out='' if args.bench else args.out,
        ckpt_every=args.ckpt_every,
        keep_every=args.keep_every,
        log_every=args.log_every,
        val_every=0 if args.bench else args.val_every,
        val_overlap=args.val_overlap,
        stop_at=args.stop_at,
    )
    if args.bench:
        return bench(cfg, args.bench)
    if os.path.exists(os.path.join(args.out, 'last.pt')):
        print(f'error: {args.out}/last.pt exists; use --resume to continue it or another --out', file=sys.stderr)
        return 2
    return Trainer(cfg).run()


def bench(cfg, n: int) -> int:
    from uniseg_tools.train.loop import Trainer

    cfg.steps = max(cfg.steps, n + 1)
    cfg.val_seeds = []
    t = Trainer(cfg, log=print)
    n_train = sum(p.numel() for p in t.model.parameters() if p.requires_grad)
    t.train_step()  # warm-up
    times, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        t.train_step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    mode = cfg.mode + (f' (shared bottleneck {cfg.shared_bottleneck}, heads {",".join(cfg.heads)})' if cfg.mode == 'heads' and cfg.shared_bottleneck else '')
    print(
        f'bench {mode} patch {cfg.patch[0]} feature {cfg.feature_size} depths {cfg.depths} k {cfg.k} T {cfg.tasks_per_step} '
        f'threads {cfg.threads} device {t.device}: {n_train:,} trainable params; s/step median {times[len(times) // 2]:.3f} '
        f'min {times[0]:.3f} max {times[-1]:.3f}; process CPU s/step mean {sum(cpu) / len(cpu):.3f}'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())

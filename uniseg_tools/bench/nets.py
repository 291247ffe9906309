"""Time SwinUNETR forward passes and training steps on this CPU, to size a network.

    cd scripts && /usr/bin/python3 -m uniseg_tools.nets.bench --depths 1,1,1,1 --sizes 64,64,64 96,96,64

Prints, per configuration and window size, the best wall-clock and process CPU time of a
forward pass (eval, no grad) and of a training step (forward, backward, SGD step), batch 1.
Other jobs on the machine inflate both, so run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import time
from typing import Sequence, Tuple

import torch

from .swin_unetr import SwinUNETR, parameter_count


def _ints(text: str) -> Tuple[int, ...]:
    return tuple(int(v) for v in text.split(','))


def time_step(net: SwinUNETR, shape: Sequence[int], reps: int, train: bool) -> Tuple[float, float]:
    """Best (wall, cpu) seconds over ``reps`` runs, after one warm-up run."""
    x = torch.randn(1, net.in_channels, *shape)
    if train:
        net.train()
        opt = torch.optim.SGD(net.parameters(), lr=1e-4)

        def step():
            opt.zero_grad()
            net(x).square().mean().backward()
            opt.step()

    else:
        net.eval()

        def step():
            with torch.no_grad():
                net(x)

    step()
    best_wall = best_cpu = float('inf')
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--feature-size', type=int, default=12)
    ap.add_argument('--depths', type=_ints, default=(2, 2, 2, 2), help='comma-separated, e.g. 1,1,1,1')
    ap.add_argument('--heads', type=_ints, default=(3, 6, 12, 24))
    ap.add_argument('--window', type=int, default=7, help='Swin window (MONAI: 7)')
    ap.add_argument('--sizes', nargs='+', type=_ints, default=[(32, 32, 32), (64, 64, 64), (96, 96, 64)], help='spatial sizes, multiples of 32')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--reps', type=int, default=2)
    ap.add_argument('--no-train', action='store_true', help='time forward passes only')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    net = SwinUNETR(1, 2, args.feature_size, args.depths, args.heads, window_size=args.window)
    print(f'SwinUNETR feature {args.feature_size} depths {args.depths} window {args.window}: {parameter_count(net):,} parameters, {args.threads} threads')
    for shape in args.sizes:
        fw, fc = time_step(net, shape, args.reps, train=False)
        line = f'  {"x".join(map(str, shape))}: forward {fw:.2f} s (cpu {fc:.2f} s)'
        if not args.no_train:
            tw, tc = time_step(net, shape, args.reps, train=True)
            line += f' | train step {tw:.2f} s (cpu {tc:.2f} s)'
        print(line, flush=True)


if __name__ == '__main__':
    main()

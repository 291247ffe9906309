"""Validation: per-task Dice on whole held-out phantoms (3 mm model grid), sliding window in torch.

The windows, padding and gaussian blending are ``reference.sliding_window`` (the engine's
semantics); the model runs one window at a time under ``no_grad`` with the EMA weights, the
encoder once per window and every task's pathway / head on its features. A task's mask is the
argmax of its blended logits; Dice is against the cached labels, NaN (printed ``-``) where the
task is absent from the case and nothing was predicted.
"""

from __future__ import annotations

import math
import time
from typing import Callable, Dict, Optional, Sequence

import numpy as np
import torch

from .. import reference
from ..data import Case, Task, normalize, pad_value, task_mask


class Interrupted(Exception):
    """Raised between windows when the trainer was asked to stop."""


def dice_np(pred: np.ndarray, gt: np.ndarray) -> float:
    p, g = int(pred.sum()), int(gt.sum())
    if p + g == 0:
        return float('nan')
    return 2.0 * int(np.count_nonzero(pred & gt)) / (p + g)


def predict_case(
    model,
    case: Case,
    tasks: Sequence[Task],
    roi: Sequence[int],
    intensity: dict,
    overlap: float = 0.25,
    sigma_scale: float = 0.125,
    device: torch.device = torch.device('cpu'),
    progress: Optional[Callable[[int, int], None]] = None,
    should_stop: Optional[Callable[[], bool]] = None,
) -> Dict[str, np.ndarray]:
    """Boolean masks per task on the case's grid. ``model`` is an adapter: ``infer_window(x, names)``
    gives raw logits per output key, ``masks(blended, names)`` turns the blended logits into masks."""
    image = normalize(np.asarray(case.ct), intensity)
    plan = reference.window_plan(image.shape, roi, overlap)
    total = plan.count
    done = [0]

    def run(window: np.ndarray) -> Dict[str, np.ndarray]:
        if should_stop is not None and should_stop():
            raise Interrupted()
        x = torch.from_numpy(window).to(device)
        with torch.no_grad():
            outs = model.infer_window(x, [t.name for t in tasks])
        done[0] += 1
        if progress is not None:
            progress(done[0], total)
        return {k: v.float().cpu().numpy() for k, v in outs.items()}

    blended, _ = reference.sliding_window(image, roi, overlap, sigma_scale, pad_value(intensity), run)
    return model.masks(blended, [t.name for t in tasks])


def validate(
    model,
    cases: Sequence[Case],
    tasks: Sequence[Task],
    roi: Sequence[int],
    intensity: dict,
    overlap: float = 0.25,
    device: torch.device = torch.device('cpu'),
    log: Callable[[str], None] = print,
    should_stop: Optional[Callable[[], bool]] = None,
) -> Dict[str, Dict[str, float]]:
    """Dice per task and case: ``{task: {str(seed): dice, ..., 'mean': mean over non-NaN}}``."""
    result: Dict[str, Dict[str, float]] = {t.name: {} for t in tasks}
    for ci, case in enumerate(cases):
        t0 = time.perf_counter()
        last = [0.0]

        def progress(i: int, n: int) -> None:
            now = time.perf_counter()
            if i == n or now - last[0] > 10:
                last[0] = now
                log(f'  val case {ci + 1}/{len(cases)} (seed {case.seed}, {"x".join(map(str, case.shape))}): window {i}/{n} {now - t0:.0f}s')

        outs = predict_case(model, case, tasks, roi, intensity, overlap, device=device, progress=progress, should_stop=should_stop)
        lab = np.asarray(case.lab)
        for t in tasks:
            # a task the case's labels do not know gets no Dice (partial labels)
            result[t.name][str(case.seed)] = dice_np(outs[t.name], task_mask(lab, t)) if case.knows(t) else float('nan')
    for t in tasks:
        vals = [v for v in result[t.name].values() if not math.isnan(v)]
        result[t.name]['mean'] = float(np.mean(vals)) if vals else float('nan')
    return result


def format_table(result: Dict[str, Dict[str, float]], pathways: Optional[Dict[str, str]] = None) -> str:
    if not result:
        return '(no tasks)'
    first = next(iter(result.values()))
    cols = [k for k in first if k != 'mean'] + ['mean']
    name_w = max(4, max(len(n) for n in result))
    path_w = max([7] + [len(p) for p in (pathways or {}).values()]) if pathways else 0
    head = f'{"task":<{name_w}}' + (f'  {"pathway":<{path_w}}' if pathways else '') + ''.join(f'  {c:>7}' for c in cols)
    lines = [head, '-' * len(head)]
    for name, row in result.items():
        cells = ''.join(f'  {"-" if math.isnan(row[c]) else f"{row[c]:.3f}":>7}' for c in cols)
        lines.append(f'{name:<{name_w}}' + (f'  {(pathways or {}).get(name, ""):<{path_w}}' if pathways else '') + cells)
    means = [r['mean'] for r in result.values() if not math.isnan(r['mean'])]
    if means:
        lines.append(f'{"all":<{name_w}}' + (f'  {"":<{path_w}}' if pathways else '') + ''.join(f'  {"":>7}' for _ in cols[:-1]) + f'  {np.mean(means):>7.3f}')
    return '\n'.join(lines)

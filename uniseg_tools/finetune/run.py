"""The whole finetune (`uniseg_tools finetune` is its command line):

1. read and check the trimmed package and its ``training`` record (``package``);
2. rebuild the torch network from the parts (strict), check in torch that the parts compose into
   it, and check with onnxruntime-node that the package's ONNX parts compute what the rebuilt
   modules compute on a CT-like window (scripts/check_parts.ts);
3. train the task on phantoms (an existing cache, or ``cases`` phantoms generated now);
4. round the weights to fp16 (when the package stores fp16), write every part back to the same
   file names in a temporary directory beside ``out``, check structure and ORT parity again,
   write model.json (new sha256s, ``training.finetuned``), let the engine load it, rename.

Nothing is written to ``out`` when a check fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Optional

import torch

from .. import data as D
from ..export_demo.parts import example_image
from ..package_io import round_fp16_
from . import export as X
from .data import Patches, check_cache_grid, make_cache, target_classes
from .network import build_network, load_parts, part_modules, read_states, run_parts, task_logits, trainable_parameters
from .package import FinetuneError, read_package
from .train import finetune


@dataclass
class Options:
    src: str
    out: str
    steps: int = 10
    cache: Optional[str] = None
    cases: Optional[int] = None
    lr: float = 1e-4
    weight_decay: Optional[float] = None
    clip: float = 1.0
    seed: int = 0
    threads: int = 2
    freeze_encoder: bool = False
    tolerance: float = 1e-4
    force: bool = False
    work: Optional[str] = None


def _max(table: dict) -> float:
    return max(v['maxAbsDiff'] for v in table.values())


def _fmt(table: dict) -> str:
    return '  '.join(f'{k}={v["maxAbsDiff"]:.1e}' for k, v in table.items())


def run(opts: Options, say: Callable[[str], None] = print) -> dict:
    t_start = time.perf_counter()
    timings = {}
    src = os.path.abspath(opts.src)
    out = os.path.abspath(opts.out)
    if out == src:
        raise FinetuneError(f'-o {out} is the package being finetuned; write to another directory')
    if os.path.exists(out) and not opts.force:
        raise FinetuneError(f'{out} exists; pass --force to replace it')
    if opts.steps < 1:
        raise FinetuneError('--steps must be at least 1')
    if opts.cache is None and not opts.cases:
        raise FinetuneError('no training data: pass --cache DIR (a phantom cache) or --cases N (generate N phantoms)')
    torch.set_num_threads(max(1, int(opts.threads)))

    # -- 1. the package -----------------------------------------------------------------------
    pkg = read_package(src)
    m = pkg.manifest
    route = pkg.task['route']
    say(f'package {src}: task {pkg.task["name"]} ({"head " + route["head"] if pkg.kind == "head" else "pathway " + ",".join(map(str, m["origin"].get("pathway", [])))}) '
        f'from {m["origin"].get("package")}; parts {", ".join(pkg.parts)}')

    # -- 2. rebuild, compose, ORT parity of the source ----------------------------------------
    t0 = time.perf_counter()
    states = read_states(pkg)
    net = build_network(pkg, states)
    image = example_image(pkg.roi)
    loaded = load_parts(pkg, net, states)
    n_shared = sum(len(v) for v in loaded.shared.values())
    say(f'rebuilt {type(net).__name__}: {loaded.loaded} tensors loaded from the parts'
        + (f', {len(loaded.deduplicated)} from an initializer the ONNX exporter shares between equal tensors (Identity nodes) ({", ".join(loaded.deduplicated[:3])}{"…" if len(loaded.deduplicated) > 3 else ""})' if loaded.deduplicated else ''))
    for part, init in loaded.unused:
        say(f'  warning: initializer {init} of part {part} is used by no torch tensor')
    mods = part_modules(pkg, net)
    input_name = m['input']['tensor']
    values, io = run_parts(mods, input_name, image)
    with torch.no_grad():
        whole = task_logits(pkg, net, image, grad=False)
    composed = values[pkg.task['output']['tensor']]
    composition = float((whole - composed).abs().max())
    say(f'composition (parts chained vs the rebuilt network, torch): max |diff| {composition:.1e}')
    if composition > 1e-5:
        raise FinetuneError(f'the parts do not compose into the rebuilt network (max |diff| {composition:.2e})')
    work = opts.work or tempfile.mkdtemp(prefix='uniseg-finetune-check-')
    tmp = None
    try:
        say('ORT parity of the package parts against the rebuilt torch modules (before training):')
        ok, before = X.parity(X.checks_for(mods, io, pkg.part_path), os.path.join(work, 'before'), opts.tolerance, opts.threads)
        say(f'  max |ORT - torch| {_max(before):.2e} over all parts ({_fmt(before)})')
        if not ok:
            raise FinetuneError('the rebuilt torch network does not reproduce the package parts: ' + ', '.join(k for k, v in before.items() if not v['ok']))
        timings['rebuildAndCheckS'] = time.perf_counter() - t0

        # -- 3. data and training -------------------------------------------------------------
        t0 = time.perf_counter()
        temp_cache = None
        if opts.cache and not opts.cases:
            cache_dir = os.path.abspath(opts.cache)
            check_cache_grid(pkg, cache_dir)
            seeds = None
        else:
            cache_dir = os.path.abspath(opts.cache) if opts.cache else tempfile.mkdtemp(prefix='uniseg-finetune-cache-')
            temp_cache = None if opts.cache else cache_dir
            if os.path.exists(os.path.join(cache_dir, 'manifest.json')):
                check_cache_grid(pkg, cache_dir)
            make_cache(pkg, cache_dir, opts.cases, say)
            seeds = list(range(opts.cases))
        try:
            cases = D.load_cases(cache_dir, seeds)
            if not cases:
                raise FinetuneError(f'{cache_dir}: the cache holds no cases')
            classes = target_classes(pkg)
            say(f'data: {len(cases)} cases from {cache_dir if not temp_cache else "a temporary cache"}; patch {"x".join(map(str, pkg.roi))}; '
                'classes ' + ', '.join(f'{c}={t.name} (cache labels {",".join(map(str, t.labels))})' for c, t in classes))
            patches = Patches(pkg, cases, classes)
            timings['dataS'] = time.perf_counter() - t0
            t0 = time.perf_counter()
            params, what = trainable_parameters(pkg, net, opts.freeze_encoder)
            cfg = pkg.training.get('config') or {}
            wd = float(cfg.get('weight_decay', 1e-4)) if opts.weight_decay is None else float(opts.weight_decay)
            n_train = sum(p.numel() for p in params)
            say(f'training {what}: {n_train:,} of {sum(p.numel() for p in net.parameters()):,} parameters; AdamW lr {opts.lr:g} weight decay {wd:g}, '
                f'{opts.steps} steps, seed {opts.seed}, {torch.get_num_threads()} threads')
            initial = {k: v.clone() for k, v in net.state_dict().items()}
            result = finetune(pkg, net, params, patches, opts.steps, opts.lr, wd, opts.seed, opts.clip, say)
            timings['trainS'] = time.perf_counter() - t0
        finally:
            if temp_cache:
                shutil.rmtree(temp_cache, ignore_errors=True)

        # -- 4. write back --------------------------------------------------------------------
        t0 = time.perf_counter()
        fp16 = pkg.fp16
        if fp16:
            round_fp16_(net)
        changed = {k: float((v.float() - initial[k].float()).abs().max()) for k, v in net.state_dict().items() if v.is_floating_point()}
        n_changed = sum(1 for v in changed.values() if v > 0)
        say(f'weights: {n_changed} of {len(changed)} float tensors changed{" after fp16 rounding" if fp16 else ""} (max |change| {max(changed.values()):.2e})')
        values, io = run_parts(mods, input_name, image)
        tmp = X.staging_dir(out)
        written = X.write_parts(pkg, mods, io, tmp, fp16, loaded.shared)
        separated = {k: v['separated'] for k, v in written.items() if v['separated']}
        if separated:
            say(f'note: {sum(map(len, separated.values()))} of the {n_shared} parameters the source stored shared with an equal tensor now differ '
                f'and are initializers of their own: ' + '; '.join(f'{k}: {", ".join(v[:3])}{"…" if len(v) > 3 else ""}' for k, v in separated.items()))
        say('ORT parity of the written parts against the finetuned torch modules:')
        ok, after = X.parity(X.checks_for(mods, io, lambda n: os.path.join(tmp, pkg.parts[n].file)), os.path.join(work, 'after'), opts.tolerance, opts.threads)
        say(f'  max |ORT - torch| {_max(after):.2e} over all parts ({_fmt(after)})')
        if not ok:
            raise FinetuneError('parity above tolerance for ' + ', '.join(k for k, v in after.items() if not v['ok']))
        finetuned = {
            'by': 'uniseg_tools finetune',
            'from': {'dir': src, 'name': m['name'], 'sha256': {n: p.sha256 for n, p in pkg.parts.items()}},
            'steps': opts.steps,
            'seed': opts.seed,
            'lr': opts.lr,
            'weightDecay': wd,
            'clip': opts.clip,
            'optimizer': 'AdamW, constant learning rate',
            'trained': what,
            'trainableParameters': n_train,
            'data': {'cache': None if temp_cache else cache_dir, 'generated': opts.cases if (opts.cases and not opts.cache) else 0, 'cases': len(cases), 'patch': pkg.roi},
            'classes': {str(c): {'name': t.name, 'cacheLabels': list(t.labels)} for c, t in classes},
            'losses': [round(v, 6) for v in result.losses],
            'fp16': fp16,
            'changedTensors': n_changed,
            'separatedInitializers': separated,
            'checks': {'composition': composition, 'parityBefore': before, 'parity': after, 'tolerance': opts.tolerance},
            'torch': torch.__version__,
        }
        manifest = X.new_manifest(pkg, tmp, finetuned)
        X.write_manifest(tmp, manifest)
        engine = X.engine_check(tmp, pkg.task['prompt'], pkg.task['name'])
        say(f'engine: the package loads (schema, hashes) and "{pkg.task["prompt"]}" resolves to {engine["task"]} ({engine["route"]})')
        sizes = X.dir_size(tmp)
        X.swap_in(tmp, out)
        tmp = None
        timings['exportS'] = time.perf_counter() - t0
        timings['totalS'] = time.perf_counter() - t_start
        return {
            'out': out,
            'task': pkg.task['name'],
            'kind': pkg.kind,
            'losses': result.losses,
            'parityBefore': before,
            'parity': after,
            'composition': composition,
            'changedTensors': n_changed,
            'written': written,
            'totalBytes': sum(sizes.values()),
            'timings': timings,
        }
    finally:
        if tmp and os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        if not opts.work:
            shutil.rmtree(work, ignore_errors=True)


__all__ = ['Options', 'run']

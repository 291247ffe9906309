"""The export, step by step (`uniseg_tools export` is its command line):

1. load the checkpoint (EMA weights), keep the alternatives some task's pathway reaches;
2. round the network's weights to fp16 (unless ``fp16=False``) and measure what that changes;
3. build the parts, check in torch that they compose into the full network for every task;
4. write the parts (fp16 initializers + Cast) into a temporary directory beside ``out``;
5. distil the router on the engine's text embeddings and export it;
6. ORT-vs-torch parity of every part through scripts/check_parts.ts (refuse above tolerance);
7. copy the text encoder, write model.json, check the total size;
8. load the package with the engine and resolve every distillation text (scripts/embed_texts.ts
   --model): each must come back with its task and pathway;
9. rename the temporary directory to ``out``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

from ..package_io import export_model_proto, round_fp16_, write_part
from . import manifest as M
from .node import EngineResolveError, engine_resolve
from .parity import parity_table, run_check, write_check_dir
from .keep_heads import KeepHeadsError, keep_heads
from .heads import check_shared, head_manifest, head_package_parts, head_pathway, head_tasks, heads_record, load_heads
from .parts import composition_errors, example_image, pathway_package_parts, write_parts
from .router import distill, embed, index_texts, router_pathway, task_texts
from .source import load_source, sha256_file

DEFAULT_TEMPLATE = 'a computerized tomography of a {}'


@dataclass
class Options:
    ckpt: str
    text: str
    out: str
    min_similarity: float = 0.8
    template: str = DEFAULT_TEMPLATE
    aliases: Dict[str, List[str]] = field(default_factory=dict)
    #: task name → a caution recorded in its manifest entry (replaces the default one)
    cautions: Dict[str, str] = field(default_factory=dict)
    #: tasks whose masks keep only their largest connected component (the task's manifest postprocess)
    largest_component: List[str] = field(default_factory=list)
    fp16: bool = True
    parity: bool = True
    tolerance: float = 1e-4
    engine_check: bool = True
    force: bool = False
    timing: bool = False
    max_mb: float = 25.0
    overlap: float = 0.5
    work: Optional[str] = None
    threads: int = 2
    #: clNet heads checkpoint (shared bottleneck on this gCIS checkpoint), optional
    heads: Optional[str] = None
    #: head name → the prompt of its task (default: the name in lower case)
    head_prompts: Dict[str, str] = field(default_factory=dict)
    #: a package whose clNet heads are copied in unchanged (their encoder and bottleneck must be
    #: bit-identical to this checkpoint's: see keep_heads.py)
    keep_heads: Optional[str] = None


class ExportError(RuntimeError):
    pass


def _fp16_effect(src, image, before: Dict[str, torch.Tensor]) -> dict:
    with torch.no_grad():
        feats = src.net.encode(image)
        after = {t: src.net.decode(feats, [p - 1 for p in pw]) for t, pw in src.pathways.items()}
    diff = max(float((after[t] - before[t]).abs().max()) for t in before)
    flips = sum(int(((after[t][:, 1] > after[t][:, 0]) != (before[t][:, 1] > before[t][:, 0])).sum()) for t in before)
    total = sum(int(before[t][:, 0].numel()) for t in before)
    return {'maxLogitChange': diff, 'flippedVoxels': flips, 'voxels': total}


def export(opts: Options, say: Callable[[str], None] = print) -> dict:
    out = os.path.abspath(opts.out)
    if os.path.exists(out) and not opts.force:
        raise ExportError(f'{out} exists; pass --force to replace it')
    report: dict = {}
    if not os.path.isfile(opts.ckpt):
        raise ExportError(f'--ckpt {opts.ckpt}: no such file')
    try:
        src = load_source(opts.ckpt)
    except ValueError as e:  # not a pathways training checkpoint
        raise ExportError(str(e)) from e
    say(f'checkpoint {src.path} step {src.step} sha256 {src.sha256[:12]}')
    for t in src.tasks:
        say(f'  {t.name:<14} trained pathway {",".join(map(str, src.pathways[t.name]))} -> package {",".join(map(str, src.renumber(src.pathways[t.name])))}')
    say('kept alternatives (original numbering): ' + '  '.join(f'{s}={",".join(map(str, k))}' for s, k in zip(src.stages, src.kept)))
    roi = [int(v) for v in src.config['patch']]
    image = example_image(roi)
    heads = None
    if opts.heads and opts.keep_heads:
        raise ExportError('--heads and --keep-heads exclude each other: add further heads with `uniseg heads add`')
    if opts.heads:
        heads = load_heads(opts.heads)
        shared_diff = check_shared(heads, src)
        say(f'heads {", ".join(heads.net.head_specs)} (step {heads.step}) read encoder10 alternative {heads.bottleneck}; '
            f'their frozen encoder differs from the gCIS one by {shared_diff:.1e}')
        if shared_diff != 0.0:
            raise ExportError(f'the heads were trained on other encoder weights (max diff {shared_diff:.2e}): train them from this gCIS checkpoint')

    if opts.fp16:
        with torch.no_grad():
            feats = src.net.encode(image)
            before = {t: src.net.decode(feats, [p - 1 for p in pw]) for t, pw in src.pathways.items()}
        round_fp16_(src.net)
        if heads:
            round_fp16_(heads.net)
        report['fp16Rounding'] = _fp16_effect(src, image, before)
        say(f'fp16 rounding of the weights: max logit change {report["fp16Rounding"]["maxLogitChange"]:.2e}, '
            f'{report["fp16Rounding"]["flippedVoxels"]} of {report["fp16Rounding"]["voxels"]} task voxels change side (example window)')

    parts, composed = pathway_package_parts(src, image)
    comp = composition_errors(src, image, composed)
    report['composition'] = comp
    say('composition (parts vs full network, torch): ' + '  '.join(f'{t}={e:.1e}' for t, e in comp.items()))
    if max(comp.values()) > 1e-5:
        raise ExportError(f'parts do not compose into the network: {comp}')
    head_parts = []
    if heads:
        head_parts, whole = head_package_parts(heads, tuple(parts[0].expected))
        k = head_pathway(src, heads)[0]
        enc10 = next(p for p in parts if p.stage == ('encoder10', k))
        dec4 = float((enc10.module(parts[0].expected[-1]) - head_parts[0].example[0]).abs().max())
        hcomp = {p.name: float((p.expected[0] - whole[p.name]).abs().max()) for p in head_parts}
        say(f'heads: dec4 from the package part encoder10.{k} vs the heads\' bottleneck {dec4:.1e}; parts vs ClNet ' + '  '.join(f'{n}={e:.1e}' for n, e in hcomp.items()))
        if dec4 > 0 or max(hcomp.values()) > 1e-5:
            raise ExportError(f'head parts do not compose into the heads network: dec4 {dec4}, {hcomp}')
        comp.update(hcomp)

    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f'.{os.path.basename(out)}.tmp-', dir=parent)
    work = opts.work or tempfile.mkdtemp(prefix='uniseg-export-check-')
    try:
        entries, stages = write_parts(parts, tmp, fp16=opts.fp16)
        if head_parts:
            entries.update(write_parts(head_parts, tmp, fp16=opts.fp16)[0])
        for p in parts + head_parts:
            say(f'  wrote {p.name + ".onnx":<18} {p.written["file_bytes"] / 1e6:7.2f} MB ({p.written["converted"]} fp16 tensors, {p.written["kept_fp32"]} fp32 left)')

        # -- router -------------------------------------------------------------------------
        for option, given in (('--alias', opts.aliases), ('--caution', opts.cautions), ('--largest-component', opts.largest_component)):
            unknown = sorted(set(given) - {t.name for t in src.tasks})
            if unknown:
                raise ExportError(f'{option} for unknown task(s) {unknown}; tasks: {[t.name for t in src.tasks]}')
        tasks = M.task_entries(src, opts.aliases, opts.cautions, opts.largest_component)
        texts = sorted({x for t in tasks for x in task_texts(t)})
        # The package's own copy of the text encoder (fp16-stored like the parts) embeds the
        # router's distillation texts, so the router learns the embeddings users will get.
        text_dir = os.path.join(tmp, 'text')
        report['textEncoder'] = M.copy_text_encoder(opts.text, text_dir, fp16=opts.fp16)
        vectors, prepared = embed(texts, text_dir, opts.template)
        emb = dict(zip(texts, vectors))
        owners: Dict[str, set] = {}
        for t in tasks:
            for x in index_texts(t):
                owners.setdefault(prepared[texts.index(x)], set()).add(t['name'])
        clashes = {p: sorted(o) for p, o in owners.items() if len(o) > 1}
        if clashes:
            raise ExportError(f'the same prompt text selects several tasks: {clashes}')
        pathways = {t['name']: t['route']['pathway'] for t in tasks}
        sizes = [len(k) for k in src.kept]
        d = distill(tasks, pathways, sizes, emb, opts.min_similarity)
        say(f'router: {len(d.texts)} texts, {d.steps} steps, all correct {d.correct}, min margin {d.min_margin:.2f}; '
            f'{len(d.excluded)} below minSimilarity {opts.min_similarity}; {len(d.mismatched)} resolve to another task')
        for text, want, got in d.mismatched:
            say(f'  note: "{text}" (listed under {want}) is nearest to {got}')
        if not d.correct:
            raise ExportError('router distillation did not reproduce every pathway')
        for t in tasks:
            got = router_pathway(d.router, emb[t['prompt']])
            if got != t['route']['pathway']:
                raise ExportError(f'router picks {got} for "{t["prompt"]}", the task trained {t["route"]["pathway"]}')
        router_example = (torch.from_numpy(np.stack([emb[t['prompt']] for t in tasks])),)
        with torch.no_grad():
            router_expected = d.router(*router_example)
        router_path = os.path.join(tmp, 'router.onnx')
        proto = export_model_proto(d.router, router_example, ['text_embedding'], ['pathway_logits'])
        import onnx

        onnx.checker.check_model(proto)
        onnx.save(proto, router_path)
        entries['router'] = {'file': 'router.onnx', 'sha256': sha256_file(router_path), 'inputs': ['text_embedding'], 'outputs': ['pathway_logits']}
        report['router'] = {
            'texts': len(d.texts), 'steps': d.steps, 'minMargin': d.min_margin, 'correct': d.correct,
            'excluded': d.excluded, 'mismatched': [list(m) for m in d.mismatched], 'k': max(sizes), **d.stats,
        }

        # -- parity -------------------------------------------------------------------------
        if opts.parity:
            checks = [(p.name, os.path.join(tmp, f'{p.name}.onnx'), p.inputs, p.example, p.outputs, p.expected) for p in parts + head_parts]
            checks.append(('router', router_path, ['text_embedding'], router_example, ['pathway_logits'], (router_expected,)))
            bench = []
            os.makedirs(work, exist_ok=True)
            if opts.timing:
                enc10 = next(p for p in parts if p.stage and p.stage[0] == 'encoder10')
                for p in (parts[0], enc10):
                    fp32_path = os.path.join(work, f'{p.name}.fp32.onnx')
                    write_part(p.module, p.example, fp32_path, p.inputs, p.outputs, p.prefix_from, p.prefix_to, fp16=False)
                    bench.append((f'{p.name} fp16', os.path.join(tmp, f'{p.name}.onnx'), p.inputs, p.example))
                    bench.append((f'{p.name} fp32', fp32_path, p.inputs, p.example))
            write_check_dir(work, checks, opts.tolerance, bench)
            result = run_check(work, opts.threads)
            report['parity'] = parity_table(result)
            report['bench'] = result.get('bench', [])
            if not result['ok']:
                raise ExportError(f'parity above {opts.tolerance} (max |ORT - torch|): ' + ', '.join(f'{k}={v["maxAbsDiff"]:.2e}' for k, v in report['parity'].items() if not v['ok']))
        else:
            say('WARNING: --skip-parity: the parts were not checked against torch')

        # -- text encoder, manifest ---------------------------------------------------------
        records = {p.name: p.record for p in parts + head_parts}
        records['router'] = {'kind': 'router', 'distilled': True, 'input': 'CLIP text embedding (unit, engine template)', 'hidden': d.stats['hidden'], 'pad': -1e4}
        extra = {
            'export': {
                'fp16Rounding': report.get('fp16Rounding'),
                'composition': comp,
                'parity': report.get('parity'),
                'router': {k: report['router'][k] for k in ('texts', 'steps', 'minMargin', 'k')},
                'template': opts.template,
            }
        }
        head_entries: Dict[str, dict] = {}
        if heads:
            extra['heads'] = heads_record(heads, 0.0)
            head_entries = head_manifest(head_parts, head_pathway(src, heads))
            tasks = tasks + head_tasks(head_parts, opts.head_prompts)
        if opts.keep_heads:
            try:
                kept_parts, head_entries, kept_tasks, extra['keptHeads'] = keep_heads(opts.keep_heads, tmp, entries, stages, say)
            except KeepHeadsError as e:
                raise ExportError(str(e)) from e
            entries.update(kept_parts)
            tasks = tasks + kept_tasks
        training = M.training_record(src, records, opts.fp16, extra)
        grid = M.model_grid(src)
        manifest = M.build_manifest(src, grid, entries, stages, tasks, training, opts.template, opts.min_similarity, opts.overlap, heads=head_entries)
        with open(os.path.join(tmp, 'model.json'), 'w') as f:
            json.dump(manifest, f, indent=1)
            f.write('\n')
        sizes_on_disk = M.dir_size(tmp)
        total = sum(sizes_on_disk.values())
        report['files'] = sizes_on_disk
        report['totalBytes'] = total
        say(f'package size {total / 1e6:.2f} MB (limit {opts.max_mb} MB)')
        if total > opts.max_mb * 1e6:
            raise ExportError(f'package is {total / 1e6:.2f} MB, over the {opts.max_mb} MB limit')

        # -- the engine reads it back -------------------------------------------------------
        if opts.engine_check:
            targets = dict(d.targets)
            for t in tasks:
                if t['route']['kind'] == 'head':
                    targets[t['prompt']] = t['name']
                    pathways[t['name']] = []
            report['engine'] = engine_check(tmp, targets, pathways, say)

        # -- swap in ------------------------------------------------------------------------
        os.chmod(tmp, 0o755)  # mkdtemp made it 0700
        old = None
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=f'.{os.path.basename(out)}.old-', dir=parent)
            os.rmdir(old)
            os.replace(out, old)
        os.replace(tmp, out)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        report['out'] = out
        return report
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        if not opts.work:
            shutil.rmtree(work, ignore_errors=True)


def engine_check(pkg: str, targets: Dict[str, str], pathways: Dict[str, List[int]], say: Callable[[str], None]) -> dict:
    """Loads the written package with the engine and resolves every distillation text."""
    texts = sorted(targets)
    try:
        res = engine_resolve(pkg, texts)
    except EngineResolveError as e:
        raise ExportError(f'the engine cannot load the package: {e}') from e
    bad = []
    for text, r in zip(texts, res):
        want = (targets[text], pathways[targets[text]])
        if r.get('error') or (r['task'], r['pathway']) != want:
            bad.append((text, want, r))
    say(f'engine: {len(texts) - len(bad)}/{len(texts)} texts resolve to their task and pathway')
    if bad:
        for text, want, r in bad[:10]:
            say(f'  "{text}": want {want[0]} {want[1]}, engine {r}')
        raise ExportError('the engine resolves some prompts differently from the distillation')
    return {'texts': len(texts), 'ok': True}


__all__ = ['DEFAULT_TEMPLATE', 'ExportError', 'Options', 'engine_check', 'export']

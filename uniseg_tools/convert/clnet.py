"""``uniseg convert clnet``: a clNet results folder + its training config → a heads package.

    python3 -m uniseg_tools convert clnet RESULTS_DIR --config train_cfg.json -o DIR

Stages: read the config → find each task's checkpoint as clNet's inference does
(``clnet_source``) → take exactly the weights inference uses (the encoder from the GeneralEncoder
task, each head's EMA copy when usable, pruning masks folded in, supporting modules) → rebuild the
network (``nets.clnet_unet``) → export ``encoder`` + one ``head.<Name>`` part per decoder (a
supporting head's part takes its supporters' logits as inputs, so the engine runs each supporter
once per window and feeds it on) → ORT parity → manifest (LPS, zyx, the head task's plans:
spacing, CT normalisation, patch) → the engine reads it → rename into DIR.

What clNet does and the package does not (measured in docs/convert.md, "clNet"): body-mask and
body-part-regression cropping, cubic resampling (uniseg resamples trilinearly), nnU-Net's window
placement, and autocast (the package runs float32).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
import warnings
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence

import torch

from uniseg_tools.convert.clnet_source import GENERAL_ENCODER, HeadSource, find_checkpoint, head_weights, parse_labels, read_checkpoint, read_config, sub
from uniseg_tools.convert.common import MANIFEST_FORMAT, ConvertError, UsageError, engine_check, origin_record, parity_check, run_main, staging_dir, write_manifest
from uniseg_tools.nets.clnet_unet import ClnetDecoder, ClnetEncoder, HeadPart, pools_from_head
from uniseg_tools.nets.parts import IMAGE, ExportPart, export_parts

NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+$')


def _flag(value, default: bool = True) -> bool:
    return default if value is None else bool(value)


def read_plans(trainer_dir: str) -> dict:
    path = os.path.join(trainer_dir, 'plans.json')
    if not os.path.isfile(path):
        raise ConvertError('no plans.json beside the fold folders (spacing, normalisation and patch come from it)', file=path)
    with open(path) as f:
        plans = json.load(f)
    plans['_path'] = path
    return plans


def label_names(trainer_dir: str) -> Dict[int, str]:
    """Label value → structure name from the task's bpr_scores.json (``{"1": {"name": ...}}``), when present."""
    path = os.path.join(trainer_dir, 'bpr_scores.json')
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        doc = json.load(f)
    return {int(k): str(v['name']) for k, v in doc.items() if str(k).isdigit() and isinstance(v, dict) and v.get('name')}


def preprocess_from_plans(plans: dict) -> dict:
    """The package's preprocess block: LPS, SimpleITK (z, y, x) axes, the plans' spacing and CT
    normalisation. Clipping to [p0.5, p99.5] then (x - mean) / sd is one clip-and-rescale:
    [p0.5, p99.5] → [(p0.5 - mean)/sd, (p99.5 - mean)/sd]."""
    where = plans['_path']
    stage = plans['plans_per_stage'][max(plans['plans_per_stage'], key=int)] if isinstance(plans.get('plans_per_stage'), dict) else plans['plans_per_stage'][-1]
    transpose = plans.get('transpose_forward', [0, 1, 2])
    if list(transpose) != [0, 1, 2]:
        raise ConvertError(f'transpose_forward {transpose}: a permuted network axis order is not expressible (only zyx as stored)', file=where, key='transpose_forward')
    schemes = plans.get('normalization_schemes', {'0': 'CT'})
    scheme = schemes.get('0', schemes.get(0)) if isinstance(schemes, dict) else schemes[0]
    if scheme != 'CT':
        raise ConvertError(f'normalization scheme {scheme!r}: only nnU-Net\'s "CT" scheme (global clip + z-score) is expressible; per-image z-score is not', file=where, key='normalization_schemes')
    props = plans['dataset_properties']['intensityproperties']
    p = props.get('0', props.get(0))
    lo, hi, mean, sd = float(p['percentile_00_5']), float(p['percentile_99_5']), float(p['mean']), float(p['sd'])
    spacing_zyx = [float(v) for v in stage['current_spacing']]
    return {
        'orientation': 'LPS',
        'spacing': spacing_zyx[::-1],
        'intensity': {'kind': 'clip', 'aMin': lo, 'aMax': hi, 'bMin': (lo - mean) / sd, 'bMax': (hi - mean) / sd, 'clip': True},
        'axes': 'zyx',
        '_patch_zyx': [int(v) for v in stage['patch_size']],
    }


def collect_heads(cfg: dict, results: str, config: str, say: Callable[[str], None]):
    """(encoder state, [HeadSource], plans of the head tasks, checkpoint files) as inference loads them."""
    ge = cfg[GENERAL_ENCODER]
    ge_path, _ = find_checkpoint(results, ge.get('task'), ge.get('fold', 'all'), GENERAL_ENCODER, config)
    encoder = sub(read_checkpoint(ge_path), 'encoder.')
    if not encoder:
        raise ConvertError('no encoder.* keys in the GeneralEncoder checkpoint', file=ge_path, key='encoder')
    say(f'encoder: {GENERAL_ENCODER} {ge.get("task")} ({os.path.relpath(ge_path, results)}), {len(encoder)} tensors')
    files, heads, plans_seen = [ge_path], [], []
    finetuned = []
    for key, entry in cfg.items():
        if key == GENERAL_ENCODER or not isinstance(entry, dict) or not entry.get('decoders'):
            continue
        path, trainer = find_checkpoint(results, entry.get('task'), entry.get('fold', 0), key, config)
        files.append(path)
        state = read_checkpoint(path)
        plans = read_plans(trainer)
        plans_seen.append(plans)
        names = label_names(trainer)
        if entry.get('finetune_encoder'):
            finetuned.append((path, sub(state, 'encoder.')))
        arch = entry.get('decoder_architecture_setup', {}) or {}
        supporting = entry.get('supporting', {}) or {}
        for head, spec in entry['decoders'].items():
            if not NAME_RE.match(head):
                raise ConvertError(f'head name "{head}": letters, digits, "_", "." and "-" only', file=config, key=f'{key}.decoders.{head}')
            labels = parse_labels(spec, f'{key}.decoders.{head}')
            decoder, copy = head_weights(state, head, _flag((arch.get(head) or {}).get('enable_ema')), path)
            h = HeadSource(head, labels, list(supporting.get(head, [])), decoder, copy, path, key, plans['_path'], names)
            if h.supporting:
                h.to_support = sub(state, f'supporting_dict.{head}.to_support.')
                gate_key = f'supporting_dict.{head}.support_gate'
                if not h.to_support or gate_key not in state:
                    raise ConvertError(f'"{head}" is supported by {h.supporting} but the checkpoint has no supporting_dict.{head}.to_support/support_gate', file=path, key=gate_key)
                h.support_gate = state[gate_key]
            heads.append(h)
            say(f'head {head}: labels {labels} ({key}, {copy}{", supported by " + ", ".join(h.supporting) if h.supporting else ""})')
    if finetuned:
        first = finetuned[0]
        if any(set(s) != set(first[1]) or any(not torch.equal(s[k], first[1][k]) for k in s) for _, s in finetuned[1:]):
            raise ConvertError('several tasks set finetune_encoder with different encoders; one package has one encoder', file=finetuned[1][0])
        encoder = first[1]
        say(f'encoder: the finetuned copy in {first[0]} (finetune_encoder)')
    names = [h.name for h in heads]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConvertError(f'head name(s) {dupes} appear in more than one task', file=config)
    for h in heads:
        for s in h.supporting:
            if s not in names:
                raise ConvertError(f'head "{h.name}" is supported by "{s}", which no task decodes', file=config, key=f'{h.task_key}.supporting.{h.name}')
    return encoder, heads, plans_seen, files


def order_heads(heads: List[HeadSource]) -> List[HeadSource]:
    """Supporters before the heads they support; a cycle is refused."""
    done: List[HeadSource] = []
    by_name = {h.name: h for h in heads}
    visiting = set()

    def visit(h: HeadSource):
        if h in done:
            return
        if h.name in visiting:
            raise ConvertError(f'supporting heads form a cycle through "{h.name}"')
        visiting.add(h.name)
        for s in h.supporting:
            visit(by_name[s])
        visiting.discard(h.name)
        done.append(h)

    for h in heads:
        visit(h)
    return done


def build_parts(encoder_state, heads: List[HeadSource], roi_zyx: Sequence[int]) -> List[ExportPart]:
    pools = pools_from_head(heads[0].decoder)
    for h in heads[1:]:
        if pools_from_head(h.decoder) != pools:
            raise ConvertError(f'head "{h.name}" pools {pools_from_head(h.decoder)}, head "{heads[0].name}" {pools}', file=h.checkpoint, key=f'{h.copy}.tu')
    total = [1, 1, 1]
    for p in pools:
        total = [a * b for a, b in zip(total, p)]
    if any(r % t for r, t in zip(roi_zyx, total)):
        raise ConvertError(f'patch {list(roi_zyx)} (z,y,x) is not divisible by the pooling product {total}')
    try:
        encoder = ClnetEncoder(encoder_state, pools).eval()
    except (KeyError, RuntimeError) as e:
        raise ConvertError(f'the encoder does not fit the heads\' pooling: {str(e).splitlines()[0]}', key='encoder.conv_blocks_context') from e
    feats_names = [f'skip{i}' for i in range(encoder.stages)] + ['bottleneck']
    image = torch.randn(1, int(encoder_state['conv_blocks_context.0.blocks.0.conv.weight'].shape[1]), *roi_zyx, generator=torch.Generator().manual_seed(0))
    parts = [ExportPart('encoder', encoder, [IMAGE], feats_names, (image,))]
    with torch.no_grad():
        values = dict(zip(feats_names, encoder(image)))
        for h in heads:
            try:
                decoder = ClnetDecoder(h.decoder)
                module = HeadPart(decoder, len(feats_names), h.to_support or None, h.support_gate)
            except (KeyError, RuntimeError) as e:
                raise ConvertError(f'{h.copy} does not build a clNet decoder: {str(e).splitlines()[0]}', file=h.checkpoint, key=h.copy) from e
            if decoder.out_channels != len(h.labels) + 1:
                raise ConvertError(f'head "{h.name}" has {decoder.out_channels} output channels but its label spec {h.labels} needs {len(h.labels) + 1}', file=h.checkpoint, key=f'{h.copy}.seg_outputs')
            inputs = feats_names + [f'head.{s}' for s in h.supporting]
            example = tuple(values[n] for n in inputs)
            module.eval()
            try:
                values[f'head.{h.name}'] = module(*example)
            except RuntimeError as e:
                raise ConvertError(f'head "{h.name}" does not run on the encoder\'s features: {str(e).splitlines()[0]}', file=h.checkpoint, key=h.copy) from e
            parts.append(ExportPart(f'head.{h.name}', module, inputs, [f'head.{h.name}'], example))
    return parts


def head_labels(h: HeadSource) -> Dict[str, int]:
    if len(h.labels) == 1 and h.labels[0] not in h.names:
        return {h.name: 1}
    return {h.names.get(v, f'{h.name}_{v}'): c for c, v in enumerate(h.labels, start=1)}


def manifest_heads_tasks(heads: List[HeadSource]):
    sections, tasks = {}, []
    for h in heads:
        labels = head_labels(h)
        sections[h.name] = {'parts': [f'head.{h.name}'], 'output': f'head.{h.name}', 'labels': labels, 'supporting': list(h.supporting), 'activation': 'softmax'}
        for label, channel in labels.items():
            tasks.append({'name': label, 'prompt': label.replace('_', ' '), 'aliases': [], 'route': {'kind': 'head', 'head': h.name}, 'output': {'tensor': f'head.{h.name}', 'channels': [channel]}, 'labels': {label: channel}, 'activation': 'softmax', 'threshold': 0.5})
        if len(labels) > 1 and h.name not in labels:
            # The whole head as clNet writes it: one file of channel indices.
            tasks.append({'name': h.name, 'prompt': h.name.replace('_', ' '), 'aliases': [], 'route': {'kind': 'head', 'head': h.name}, 'output': {'tensor': f'head.{h.name}', 'channels': list(labels.values())}, 'labels': dict(labels), 'activation': 'softmax', 'threshold': 0.5})
    names = [t['name'] for t in tasks]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConvertError(f'label name(s) {dupes} come from more than one head; a package needs distinct task names')
    return sections, tasks


def convert(args: argparse.Namespace, say: Callable[[str], None] = print) -> dict:
    started = time.time()
    if not os.path.isdir(args.results):
        raise ConvertError('no such results folder', file=args.results)
    cfg = read_config(args.config)
    encoder_state, heads, plans_list, files = collect_heads(cfg, args.results, args.config, say)
    heads = order_heads(heads)
    pre = [preprocess_from_plans(p) for p in plans_list]
    for p, other in zip(plans_list[1:], pre[1:]):
        if {k: v for k, v in other.items() if k != '_patch_zyx'} != {k: v for k, v in pre[0].items() if k != '_patch_zyx'}:
            raise ConvertError(f'its spacing or intensity properties differ from {plans_list[0]["_path"]}: one package has one preprocessing', file=p['_path'])
    patch = None
    for key, entry in cfg.items():
        setup = (entry.get('model_training_setup') or {}).get('patch_size') if isinstance(entry, dict) and entry.get('decoders') else None
        if isinstance(setup, dict) and setup:
            patch = [int(v) for v in setup.get('all', next(iter(setup.values())))]
            break
    roi_zyx = patch or pre[0]['_patch_zyx']
    parts = build_parts(encoder_state, heads, roi_zyx)
    heads_section, tasks = manifest_heads_tasks(heads)
    name = args.name or re.sub(r'[^A-Za-z0-9_.-]', '_', os.path.basename(os.path.abspath(args.output)))
    if not NAME_RE.match(name):
        raise UsageError(f'--name {name!r}: letters, digits, "_", "." and "-" only')
    preprocess = {k: v for k, v in pre[0].items() if not k.startswith('_')}

    with staging_dir(args.output, args.force) as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            sections = export_parts(parts, tmp)
        say(f'parity, onnxruntime-node vs torch (tolerance {args.tolerance}, absolute):')
        parity = parity_check(parts, tmp, args.tolerance, args.threads, say)
        manifest = {
            'format': MANIFEST_FORMAT,
            'name': name,
            'description': f'clNet heads {", ".join(h.name for h in heads)} converted by uniseg convert clnet; clNet needs LPS input, the engine reorients',
            'input': {'tensor': IMAGE},
            'preprocess': preprocess,
            'inference': {'roi': roi_zyx[::-1], 'overlap': args.overlap, 'sigmaScale': 0.125, 'batchSize': 1, 'padValue': 0},
            'parts': sections['parts'],
            'heads': heads_section,
            'tasks': tasks,
            'origin': origin_record('clnet', [args.config, *files], root=os.path.commonpath([os.path.abspath(f) for f in [args.config, *files]])),
            'training': {
                'format': 'uniseg.training-record/1',
                'exportedBy': 'uniseg_tools convert clnet',
                'network': {'class': 'clNet Generic_UNet_Continual_Base', 'pools_zyx': [list(p) for p in pools_from_head(heads[0].decoder)]},
                'heads': {h.name: {'labels': h.labels, 'weights': h.copy, 'task': h.task_key, 'supporting': h.supporting, 'supportGate': float(h.support_gate) if h.support_gate is not None else None} for h in heads},
                'export': {'parity': parity, 'patchZyx': roi_zyx},
            },
        }
        write_manifest(tmp, manifest)
        listing = engine_check(tmp)
        say(f'the engine reads the package: {len(listing.get("tasks", []))} tasks, heads {", ".join(heads_section)}')
    say(f'wrote {os.path.abspath(args.output)} in {time.time() - started:.0f} s')
    return manifest


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='uniseg convert clnet', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('results', metavar='RESULTS_DIR', help='clNet results folder (holding clNet/3d_fullres/Task*/...)')
    p.add_argument('--config', required=True, metavar='TRAIN.json', help="clNet's training/inference JSON config (GeneralEncoder, decoders, supporting)")
    p.add_argument('-o', '--output', required=True, metavar='DIR', help='new package directory (refused when it exists, unless --force)')
    p.add_argument('--overlap', type=float, default=0.2, help='sliding-window overlap (default 0.2: clNet_predict --step_size 0.8)')
    p.add_argument('--name', help='package name (default: the directory name)')
    p.add_argument('--force', action='store_true', help='replace an existing DIR')
    p.add_argument('--tolerance', type=float, default=1e-4, help='parity: max |ORT - torch| per part output (default 1e-4)')
    p.add_argument('--threads', type=int, default=2, help='onnxruntime threads for the parity check (default 2)')
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    def run(args):
        if not 0 <= args.overlap < 1:
            raise UsageError(f'--overlap must be in [0, 1); got {args.overlap}')
        return convert(args)

    return run_main(build_parser(), run, argv)


__all__ = ['build_parser', 'convert', 'main']

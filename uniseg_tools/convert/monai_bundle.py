#!/usr/bin/env python3
"""Convert a MONAI bundle (model-zoo layout) into a plain uniseg model package:

    /usr/bin/python3 -m uniseg_tools convert monai-bundle wholeBody_ct_segmentation -o wholebody

Stages: read ``configs/inference.json`` (+ ``metadata.json``) → build ``network_def`` (SegResNet,
UNet, SwinUNETR; uniseg_tools/nets) → load ``models/model.pt`` strictly → map the inference
transforms, inferer and postprocessing onto the manifest (bundle_transforms.py; anything without
an equivalent is refused by name) → export part ``net`` to ONNX → ORT parity against torch → write
the package atomically with every source file's SHA-256 in ``origin``.

Tasks: one per foreground channel, named from ``metadata.json`` ``network_data_format → outputs →
pred → channel_def`` (else ``class<c>``), plus ``all_labels``, every channel at once with the
channel index as the label value: the label map the bundle itself writes. docs/convert.md lists
what is kept and what differs.

Exit status: 0 written, 1 refused, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
import warnings
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Tuple

import torch

from uniseg_tools.nets.parts import IMAGE, LOGITS, ExportPart, export_parts

from .bundle_config import BundleConfig, need
from .bundle_networks import build_network
from .bundle_transforms import manifest_sections, read_pipeline
from .common import MANIFEST_FORMAT, ConvertError, UsageError, check_output, engine_check, load_strict, origin_record, parity_check, read_state_dict, require_file, run_main, staging_dir, write_manifest

NAME_RE = re.compile(r'[^A-Za-z0-9_.-]+')
ALL_TASK = 'all_labels'
CONFIG_NAMES = ('inference.json', 'inference.yaml', 'inference.yml')


def find_config(bundle: str, config: Optional[str]) -> str:
    if config:
        return require_file(config if os.path.isabs(config) else os.path.join(bundle, config), 'bundle config')
    for name in CONFIG_NAMES:
        path = os.path.join(bundle, 'configs', name)
        if os.path.isfile(path):
            return path
    raise ConvertError(f'no configs/inference.json in the bundle (looked for {", ".join(CONFIG_NAMES)}); pass --config', file=bundle)


def find_weights(bundle: str, cfg: BundleConfig, weights: Optional[str]) -> str:
    """--weights, else the checkpoint loader's load_path when the config spells it out, else models/model.pt."""
    if weights:
        return require_file(weights, 'checkpoint file')
    path = cfg.get('checkpointloader#load_path', None)
    if isinstance(path, str):
        resolved = path if os.path.isabs(path) else os.path.join(bundle, path)
        if os.path.isfile(resolved):
            return resolved
    default = os.path.join(bundle, 'models', 'model.pt')
    if not os.path.exists(default) and os.path.isfile(os.path.join(bundle, 'models', 'model.ts')):
        raise ConvertError('the bundle has only a TorchScript model (models/model.ts); give the state_dict with --weights', file=bundle)
    return require_file(default, 'checkpoint file')


def read_metadata(bundle: str) -> Tuple[Optional[str], dict]:
    path = os.path.join(bundle, 'configs', 'metadata.json')
    if not os.path.isfile(path):
        return None, {}
    try:
        with open(path) as f:
            return path, json.load(f)
    except ValueError as e:
        raise ConvertError(f'not valid JSON: {e}', file=path) from e


def label_names(meta: dict, meta_file: Optional[str], channels: int, activation: str) -> Dict[int, str]:
    """Output channel → label name for every channel that is a structure (softmax: all but 0)."""
    first = 1 if activation == 'softmax' else 0
    channel_def = meta.get('network_data_format', {}).get('outputs', {}).get('pred', {}).get('channel_def')
    names: Dict[int, str] = OrderedDict()
    if channel_def is not None:
        if not isinstance(channel_def, dict):
            raise ConvertError('channel_def is not an object of channel → name', file=meta_file, key='network_data_format#outputs#pred#channel_def')
        listed = {int(k): str(v) for k, v in channel_def.items() if str(k).isdigit()}
        if listed and max(listed) >= channels:
            raise ConvertError(f'channel_def names channel {max(listed)}, the network has {channels} output channels', file=meta_file, key='network_data_format#outputs#pred#channel_def')
        if listed and len(listed) != channels:
            raise ConvertError(f'channel_def names {len(listed)} channels, the network has {channels}', file=meta_file, key='network_data_format#outputs#pred#channel_def')
    else:
        listed = {}
    used = set()
    for c in range(first, channels):
        base = NAME_RE.sub('_', listed.get(c, f'class{c}')).strip('_') or f'class{c}'
        name, n = base, 2
        while name in used or name == ALL_TASK:
            name, n = f'{base}_{n}', n + 1
        used.add(name)
        names[c] = name
    return names


def make_tasks(names: Dict[int, str], activation: str, threshold: float) -> List[dict]:
    tasks = []
    for channel, name in names.items():
        spoken = name.replace('_', ' ')
        tasks.append({
            'name': name, 'prompt': spoken, 'aliases': [name] if spoken != name else [], 'route': {'kind': 'fixed'},
            'output': {'tensor': LOGITS, 'channels': [channel]}, 'labels': {name: 1}, 'activation': activation, 'threshold': threshold,
        })
    value = (lambda c: c) if activation == 'softmax' else (lambda c: c + 1)
    tasks.append({
        'name': ALL_TASK, 'prompt': 'all labels', 'aliases': ['all structures', 'everything'], 'route': {'kind': 'fixed'},
        'output': {'tensor': LOGITS, 'channels': list(names)}, 'labels': {n: value(c) for c, n in names.items()}, 'activation': activation, 'threshold': threshold,
    })
    return tasks


def convert(args: argparse.Namespace, say: Callable[[str], None] = print) -> dict:
    started = time.time()
    bundle = os.path.abspath(args.bundle)
    if not os.path.isdir(bundle):
        raise ConvertError('no such bundle directory' if not os.path.exists(bundle) else 'not a directory', file=args.bundle)
    out = check_output(args.output, args.force)
    config_file = find_config(bundle, args.config)
    cfg = BundleConfig([config_file])
    meta_file, meta = read_metadata(bundle)
    say(f'bundle {bundle}: {os.path.relpath(config_file, bundle)}{", metadata " + meta.get("name", "") if meta else ""}')

    network = build_network(cfg.get('network_def'), config_file)
    pipeline = read_pipeline(cfg)
    for note in pipeline.notes:
        say(f'  {note}')
    bad = [r for r in pipeline.roi if r % network.multiple]
    if bad:
        raise ConvertError(f'inferer roi_size {pipeline.roi}: {network.monai.rsplit(".", 1)[-1]} needs multiples of {network.multiple}', file=config_file, key='inferer#roi_size')

    weights = find_weights(bundle, cfg, args.weights)
    state = read_state_dict(weights)
    net = load_strict(network.module, state, weights, f'{network.monai}({", ".join(f"{k}={v}" for k, v in network.kwargs.items())})')
    params = sum(p.numel() for p in net.parameters())
    say(f'network_def {network.monai.rsplit(".", 1)[-1]}: {params:,} parameters, {os.path.relpath(weights, bundle)} loads strictly')
    out_channels = network.kwargs['out_channels']
    names = label_names(meta, meta_file, out_channels, pipeline.activation)
    tasks = make_tasks(names, pipeline.activation, pipeline.threshold)

    example = torch.randn(1, 1, *pipeline.roi, generator=torch.Generator().manual_seed(0))
    parts = [ExportPart('net', net, [IMAGE], [LOGITS], (example,), dynamic_spatial=network.dynamic_spatial)]
    name = args.name or NAME_RE.sub('_', os.path.basename(out))
    sources = [config_file] + ([meta_file] if meta_file else []) + [weights]
    with staging_dir(out, args.force) as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # tracer notes on shape-dependent branches
            sections = export_parts(parts, tmp)
        say(f'exported net.onnx ({os.path.getsize(os.path.join(tmp, "net.onnx")) / 1e6:.1f} MB); parity, onnxruntime-node vs torch on a random {pipeline.roi} window (tolerance {args.tolerance}):')
        parity = parity_check(parts, tmp, args.tolerance, args.threads, say)
        manifest = {
            'format': MANIFEST_FORMAT,
            'name': name,
            'description': f'{meta.get("name") or os.path.basename(bundle)} (MONAI bundle {meta.get("version", "")}, {network.monai.rsplit(".", 1)[-1]}, {out_channels} channels), converted by uniseg',
            'input': {'tensor': IMAGE},
            **manifest_sections(pipeline),
            'parts': sections['parts'],
            'tasks': tasks,
            'origin': origin_record('monai-bundle', sources, root=bundle),
            'training': {
                'format': 'uniseg.training-record/1',
                'exportedBy': 'uniseg_tools convert monai-bundle',
                'network': {'monai': network.monai, 'kwargs': network.kwargs},
                'pipeline': pipeline.notes,
                'export': {'parity': parity, 'roi': pipeline.roi, 'dynamicSpatial': network.dynamic_spatial},
            },
        }
        write_manifest(tmp, manifest)
        if not args.skip_engine_check:
            listing = engine_check(tmp)
            say(f'the engine reads the package: {len(listing.get("tasks", []))} tasks')
    say(f'wrote {out}: {len(tasks) - 1} labels + {ALL_TASK} ({time.time() - started:.0f} s)')
    return {'out': out, 'manifest': manifest, 'seconds': time.time() - started}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('bundle', metavar='BUNDLE_DIR', help='a MONAI bundle: configs/inference.json, models/model.pt, configs/metadata.json (labels)')
    p.add_argument('-o', '--output', required=True, metavar='DIR', help='new package directory (refused when it exists, unless --force)')
    p.add_argument('--config', help='inference config, relative to the bundle (default configs/inference.json)')
    p.add_argument('--weights', help='state_dict file (default: the checkpoint loader\'s load_path, else models/model.pt)')
    p.add_argument('--name', help='package name (default: the directory name)')
    p.add_argument('--force', action='store_true', help='replace an existing DIR')
    p.add_argument('--tolerance', type=float, default=1e-4, help='parity: max |ORT - torch| per output, absolute (default 1e-4)')
    p.add_argument('--threads', type=int, default=2, help='onnxruntime threads for the parity check (default 2)')
    p.add_argument('--skip-engine-check', action='store_true', help='do not load the written package with the engine')
    return p


def main(argv=None) -> int:
    def run(args: argparse.Namespace) -> None:
        if not args.tolerance > 0:
            raise UsageError(f'--tolerance must be > 0; got {args.tolerance}')
        convert(args)

    return run_main(build_parser(), run, argv)


__all__ = ['convert', 'label_names', 'main', 'make_tasks', 'need']

#!/usr/bin/env python3
"""Convert a MONAI ``SwinUNETR`` checkpoint (a state_dict saved with torch.save) into a plain uniseg
model package: what ``uniseg wrap`` makes from an exported ONNX, without needing MONAI or an export.

    /usr/bin/python3 -m uniseg_tools convert monai best_metric_model.pt -o my-model \\
        --spacing 1.5,1.5,2 --intensity clip:-175,250,0,1 --roi 96,96,96 \\
        --labels 1=spleen,2=kidney_right,3=kidney_left

The checkpoint may be a bare state_dict, a dict wrapping it ({"state_dict": ...}, {"model": ...},
{"net": ...}) and its keys may carry DDP's "module." prefix. The network's size is read from the
state dict (feature size, in/out channels, depths, heads, window); flags that are given must agree
with it. It is loaded strictly into uniseg's MONAI-compatible SwinUNETR, exported to ONNX (part
``net``, or ``encoder`` + ``decoder`` with --split), each part is run with onnxruntime-node
(scripts/check_parts.ts) against torch and the package is refused when they differ. Nothing is
written under DIR unless every check passes. Details: uniseg_tools/README.md, "Converting a MONAI
checkpoint".

Exit status: 0 written, 1 refused (bad checkpoint, flags that disagree with it, parity), 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import warnings
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple


import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from uniseg_tools.convert.common import (  # noqa: E402
    MANIFEST_FORMAT,
    ConvertError,
    UsageError,
    check_output,
    engine_check,
    origin_record,
    parity_check,
    read_state_dict,
    run_main,
    staging_dir,
    summarise_load_error,
    unwrap_state,
    write_manifest,
)
from uniseg_tools.nets.parts import IMAGE, LOGITS, composition_error, export_parts, sha256_file, swin_unetr_parts  # noqa: E402
from uniseg_tools.nets.swin import MERGE_OFFSETS  # noqa: E402
from uniseg_tools.nets.swin_unetr import ENCODER_MODULES, SIZE_MULTIPLE, SwinUNETR, encoder_state, load_monai_state  # noqa: E402

NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+$')
#: Defaults of MONAI's BTCV SwinUNETR tutorial (the usual origin of these checkpoints).
DEFAULT_SPACING = '1.5,1.5,2.0'
DEFAULT_INTENSITY = 'clip:-175,250,0,1'
DEFAULT_ROI = '96,96,96'

KEY_PATCH = 'swinViT.patch_embed.proj.weight'
KEY_OUT = 'out.conv.conv.weight'


# --------------------------------------------------------------------------------------------
# Reading the checkpoint and inferring the network
# --------------------------------------------------------------------------------------------


@dataclass
class NetConfig:
    in_channels: int
    out_channels: int
    feature_size: int
    depths: Tuple[int, ...]
    num_heads: Tuple[int, ...]
    window_size: int = 7
    normalize: bool = True
    merge: str = 'merging'

    def kwargs(self) -> dict:
        d = asdict(self)
        d['depths'] = list(self.depths)
        d['num_heads'] = list(self.num_heads)
        return d


def _shape(t: torch.Tensor) -> List[int]:
    return [int(s) for s in t.shape]


def infer_config(state: Dict[str, torch.Tensor]) -> Tuple[dict, dict]:
    """What the state dict says about the network: (values, evidence) where evidence maps each
    value to the key and shape it was read from."""
    keys = list(state)
    if not any(k.startswith('swinViT.') for k in keys):
        raise ConvertError(f'not a MONAI SwinUNETR state_dict: no "swinViT." keys (first keys: {keys[:5]})')
    if any(re.match(r'swinViT\.layers\dc\.', k) for k in keys):
        raise ConvertError('this is a SwinUNETR with use_v2=True (it has swinViT.layers1c… keys); only use_v2=False is supported')
    if KEY_PATCH not in state:
        raise ConvertError(f'{KEY_PATCH} is missing; cannot read the feature size')
    w = state[KEY_PATCH]
    if w.dim() != 5:
        raise ConvertError(f'{KEY_PATCH} has shape {_shape(w)}: a {w.dim() - 2}D network; only spatial_dims=3 is supported')
    if KEY_OUT not in state:
        raise ConvertError(f'{KEY_OUT} is missing: this looks like an encoder-only checkpoint (e.g. self-supervised Swin weights), not a segmentation network')
    o = state[KEY_OUT]
    values = {'feature_size': int(w.shape[0]), 'in_channels': int(w.shape[1]), 'out_channels': int(o.shape[0])}
    evidence = {
        'feature_size': f'{KEY_PATCH} {_shape(w)}',
        'in_channels': f'{KEY_PATCH} {_shape(w)}',
        'out_channels': f'{KEY_OUT} {_shape(o)}',
    }
    depths, heads, windows = [], [], set()
    for i in range(1, 5):
        blocks = sorted({int(m.group(1)) for k in keys for m in [re.match(rf'swinViT\.layers{i}\.0\.blocks\.(\d+)\.', k)] if m})
        if not blocks:
            raise ConvertError(f'no swinViT.layers{i}.0.blocks.* keys: a SwinUNETR has four Swin stages')
        if blocks != list(range(len(blocks))):
            raise ConvertError(f'swinViT.layers{i}.0.blocks has indices {blocks}; expected 0..{len(blocks) - 1}')
        depths.append(len(blocks))
        tkey = f'swinViT.layers{i}.0.blocks.0.attn.relative_position_bias_table'
        if tkey not in state:
            raise ConvertError(f'{tkey} is missing')
        table = state[tkey]
        heads.append(int(table.shape[1]))
        side = round(int(table.shape[0]) ** (1 / 3))
        if side**3 != int(table.shape[0]) or side % 2 == 0:
            raise ConvertError(f'{tkey} has shape {_shape(table)}: {table.shape[0]} rows is not (2w-1)^3 for a cubic window w')
        windows.add((side + 1) // 2)
    if len(windows) != 1:
        raise ConvertError(f'the Swin stages use different windows {sorted(windows)}')
    values.update(depths=tuple(depths), num_heads=tuple(heads), window_size=windows.pop())
    evidence['depths'] = f'the block keys swinViT.layers{{1..4}}.0.blocks.<n>.* ({", ".join(map(str, depths))} blocks)'
    evidence['num_heads'] = 'columns of swinViT.layers{1..4}.0.blocks.0.attn.relative_position_bias_table ' + str(
        [_shape(state[f'swinViT.layers{i}.0.blocks.0.attn.relative_position_bias_table']) for i in range(1, 5)]
    )
    evidence['window_size'] = f'rows of swinViT.layers1.0.blocks.0.attn.relative_position_bias_table = (2w-1)^3 = {int(state["swinViT.layers1.0.blocks.0.attn.relative_position_bias_table"].shape[0])}'
    return values, evidence


def resolve_config(
    state: Dict[str, torch.Tensor],
    feature_size: Optional[int] = None,
    depths: Optional[Sequence[int]] = None,
    num_heads: Optional[Sequence[int]] = None,
    in_channels: Optional[int] = None,
    out_channels: Optional[int] = None,
    normalize: bool = True,
    merge: str = 'merging',
) -> Tuple[NetConfig, dict]:
    """The network config: inferred values, checked against the ones given (``None`` = infer)."""
    values, evidence = infer_config(state)
    given = {'feature_size': feature_size, 'depths': depths, 'num_heads': num_heads, 'in_channels': in_channels, 'out_channels': out_channels}
    for name, value in given.items():
        if value is None:
            continue
        value = tuple(int(v) for v in value) if isinstance(value, (list, tuple)) else int(value)
        if value != values[name]:
            flag = '--' + name.replace('_', '-')
            shown = ','.join(map(str, value)) if isinstance(value, tuple) else value
            found = ','.join(map(str, values[name])) if isinstance(values[name], tuple) else values[name]
            raise ConvertError(f'{flag} {shown} disagrees with the checkpoint: {evidence[name]} means {name} = {found}')
    if merge not in MERGE_OFFSETS:
        raise ConvertError(f'--merge {merge!r}: expected one of {sorted(MERGE_OFFSETS)}')
    if values['in_channels'] != 1:
        raise ConvertError(f'the network takes {values["in_channels"]} input channels ({evidence["in_channels"]}); uniseg packages feed one CT channel')
    return NetConfig(normalize=normalize, merge=merge, **values), evidence


def build_net(state: Dict[str, torch.Tensor], cfg: NetConfig) -> SwinUNETR:
    """uniseg's SwinUNETR for ``cfg`` with ``state`` loaded strictly, in eval mode."""
    net = SwinUNETR(**cfg.kwargs()).eval()
    try:
        load_monai_state(net, state, strict=True)
    except RuntimeError as e:
        raise ConvertError(
            'the checkpoint does not load strictly into SwinUNETR('
            + ', '.join(f'{k}={v}' for k, v in cfg.kwargs().items() if k not in ('normalize', 'merge'))
            + ') (norm_name="instance", res_block=True, use_v2=False):\n  '
            + summarise_load_error(str(e))
        ) from e
    return net


# --------------------------------------------------------------------------------------------
# Flags shared with `uniseg wrap`
# --------------------------------------------------------------------------------------------


def parse_ints(flag: str, text: str, n: Optional[int] = None, minimum: int = 1) -> Tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(','))
    except ValueError:
        raise ConvertError(f'{flag} must be comma-separated integers; got {text!r}') from None
    if (n is not None and len(values) != n) or any(v < minimum for v in values):
        raise ConvertError(f'{flag} needs {n or "some"} integers >= {minimum}; got {text!r}')
    return values


def parse_triple(flag: str, text: str) -> Tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(','))
    except ValueError:
        raise ConvertError(f'{flag} must be three comma-separated numbers; got {text!r}') from None
    if len(values) != 3 or any(not v > 0 for v in values):
        raise ConvertError(f'{flag} needs three positive numbers; got {text!r}')
    return tuple(_num(v) for v in values)  # type: ignore[return-value]


def _num(v: float):
    return int(v) if v.is_integer() else v


def parse_intensity(text: str) -> dict:
    """``none`` | ``clip:LO,HI,OUTLO,OUTHI`` | ``zscore:MEAN,STD`` → the manifest's ``intensity``."""
    kind, _, rest = text.partition(':')
    try:
        nums = [_num(float(v)) for v in rest.split(',')] if rest else []
    except ValueError:
        nums = None
    if kind == 'none' and not rest:
        return {'kind': 'none'}
    if kind == 'clip' and nums and len(nums) == 4 and nums[0] != nums[1]:
        return {'kind': 'clip', 'aMin': nums[0], 'aMax': nums[1], 'bMin': nums[2], 'bMax': nums[3], 'clip': True}
    if kind == 'zscore' and nums and len(nums) == 2 and nums[1] > 0:
        return {'kind': 'zscore', 'mean': nums[0], 'std': nums[1]}
    raise ConvertError(f'--intensity must be none | clip:LO,HI,OUTLO,OUTHI | zscore:MEAN,STD (std > 0); got {text!r}')


def parse_orientation(text: str) -> str:
    codes = text.upper()
    axes = {'R': 0, 'L': 0, 'A': 1, 'P': 1, 'S': 2, 'I': 2}
    if len(codes) != 3 or any(c not in axes for c in codes) or len({axes[c] for c in codes}) != 3:
        raise ConvertError(f'--orientation must be three axis codes naming each axis once, e.g. RAS or LPS; got {text!r}')
    return codes


def parse_labels(text: str) -> 'OrderedDict[int, str]':
    """"1=liver,2=spleen" → value → name (as ``uniseg wrap --labels``)."""
    labels: 'OrderedDict[int, str]' = OrderedDict()
    for item in text.split(','):
        m = re.match(r'^\s*(\d+)\s*=\s*([A-Za-z0-9_.-]+)\s*$', item)
        if not m:
            raise ConvertError(f'--labels must look like 1=liver,2=spleen; "{item}" is not VALUE=NAME')
        value, name = int(m.group(1)), m.group(2)
        if not 1 <= value <= 65535:
            raise ConvertError(f'--labels: value {value} must be in 1..65535')
        if value in labels or name in labels.values():
            raise ConvertError(f'--labels repeats "{item.strip()}"')
        labels[value] = name
    return labels


def default_labels(out_channels: int, activation: str) -> 'OrderedDict[int, str]':
    n = out_channels - 1 if activation == 'softmax' else out_channels
    return OrderedDict((v, f'class{v}') for v in range(1, n + 1))


def plain_tasks(labels: Dict[int, str], activation: str, out_channels: int, tensor: str = LOGITS) -> List[dict]:
    """One fixed-route task per label, as ``uniseg wrap`` writes them: softmax reads channel = value
    (channel 0 is background), sigmoid reads channel value - 1."""
    tasks = []
    for value, label in labels.items():
        channel = value if activation == 'softmax' else value - 1
        if not 0 <= channel < out_channels or (activation == 'softmax' and channel == 0):
            allowed = f'1..{out_channels - 1} (channel 0 is background)' if activation == 'softmax' else f'1..{out_channels} (value v reads channel v-1)'
            raise ConvertError(f'--labels {value}={label}: the network has {out_channels} output channels ({KEY_OUT}); with {activation} values must be in {allowed}')
        tasks.append({
            'name': label,
            'prompt': label,
            'aliases': [label.replace('_', ' ')] if '_' in label else [],
            'route': {'kind': 'fixed'},
            'output': {'tensor': tensor, 'channels': [channel]},
            'labels': {label: 1},
            'activation': activation,
            'threshold': 0.5,
        })
    return tasks


def plain_manifest(
    name: str, description: str, sections: dict, tasks: List[dict], spacing, orientation: str, intensity: dict, roi, overlap: float, training: Optional[dict] = None
) -> dict:
    """model.json of a plain package (input tensor ``image``, MONAI's xyz axis order)."""
    manifest = {
        'format': MANIFEST_FORMAT,
        'name': name,
        'description': description,
        'input': {'tensor': IMAGE},
        'preprocess': {'orientation': orientation, 'spacing': list(spacing), 'intensity': intensity, 'axes': 'xyz'},
        'inference': {'roi': list(roi), 'overlap': overlap, 'sigmaScale': 0.125, 'batchSize': 1, 'padValue': 0},
        'parts': sections['parts'],
        'tasks': tasks,
    }
    if training is not None:
        manifest['training'] = training
    return manifest


# --------------------------------------------------------------------------------------------
# Torch reference weights (`uniseg_tools reference`)
# --------------------------------------------------------------------------------------------


class SwinUNETRDecoder(SwinUNETR):
    """The decoder half of SwinUNETR as a module (``forward(enc0, …, hs4)`` → logits) holding only
    the decoder's weights; the torch reference of a ``--split`` package's ``decoder`` part."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for m in ENCODER_MODULES:
            delattr(self, m)

    def forward(self, enc0, enc1, enc2, enc3, hs3, hs4):  # type: ignore[override]
        return self.decode(enc0, enc1, enc2, enc3, hs3, hs4)


def write_torch_reference(net: SwinUNETR, cfg: NetConfig, part_names: Sequence[str], out: str) -> None:
    """``out/torch/spec.json`` + state dicts: the parts as torch modules for uniseg_tools.reference."""
    tdir = os.path.join(out, 'torch')
    os.makedirs(tdir, exist_ok=True)
    kwargs = cfg.kwargs()
    spec: Dict[str, dict] = {}
    if list(part_names) == ['net']:
        torch.save(net.state_dict(), os.path.join(tdir, 'net.pt'))
        spec['net'] = {'module': 'uniseg_tools.nets.swin_unetr', 'class': 'SwinUNETR', 'kwargs': kwargs, 'state': 'net.pt'}
    else:
        enc_kwargs = {k: v for k, v in kwargs.items() if k != 'out_channels'}
        torch.save(encoder_state(net), os.path.join(tdir, 'encoder.pt'))
        spec['encoder'] = {'module': 'uniseg_tools.nets.swin_unetr', 'class': 'SwinEncoder', 'kwargs': enc_kwargs, 'state': 'encoder.pt'}
        enc_keys = set(encoder_state(net))
        torch.save(OrderedDict((k, v) for k, v in net.state_dict().items() if k not in enc_keys), os.path.join(tdir, 'decoder.pt'))
        spec['decoder'] = {'module': 'convert_monai', 'class': 'SwinUNETRDecoder', 'kwargs': kwargs, 'state': 'decoder.pt'}
    with open(os.path.join(tdir, 'spec.json'), 'w') as f:
        json.dump({'format': 'uniseg.torch-reference/1', 'parts': spec}, f, indent=1)
        f.write('\n')


# --------------------------------------------------------------------------------------------
# Checks: ONNX vs torch (onnxruntime-node), the engine reads the package
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The conversion
# --------------------------------------------------------------------------------------------


@dataclass
class Options:
    checkpoint: str
    out: str
    feature_size: Optional[int] = None
    depths: Optional[Tuple[int, ...]] = None
    num_heads: Optional[Tuple[int, ...]] = None
    in_channels: Optional[int] = None
    out_channels: Optional[int] = None
    merge: str = 'merging'
    normalize: bool = True
    spacing: Tuple[float, float, float] = (1.5, 1.5, 2)
    orientation: str = 'RAS'
    intensity: Optional[dict] = None
    roi: Tuple[int, int, int] = (96, 96, 96)
    overlap: float = 0.5
    labels: Optional[Dict[int, str]] = None
    activation: str = 'softmax'
    name: Optional[str] = None
    split: bool = False
    force: bool = False
    torch_reference: bool = False
    parity: bool = True
    tolerance: float = 1e-4
    threads: int = 2
    engine_check: bool = True


def convert(opts: Options, say: Callable[[str], None] = print) -> dict:
    """Checks, exports and writes the package; returns a report. Raises ConvertError (nothing written)."""
    started = time.time()
    out = check_output(opts.out, opts.force)
    bad_roi = [r for r in opts.roi if r % SIZE_MULTIPLE]
    if len(opts.roi) != 3 or bad_roi:
        raise ConvertError(f'--roi {",".join(map(str, opts.roi))}: SwinUNETR needs window sizes divisible by {SIZE_MULTIPLE}')
    if opts.activation not in ('softmax', 'sigmoid'):
        raise ConvertError(f'--activation must be softmax or sigmoid; got {opts.activation!r}')
    if not 0 <= opts.overlap < 1:
        raise ConvertError(f'--overlap must be in [0, 1); got {opts.overlap}')
    name = opts.name or re.sub(r'[^A-Za-z0-9_.-]', '_', os.path.basename(out))
    if not NAME_RE.match(name):
        raise ConvertError(f'--name {name!r}: letters, digits, "_", "." and "-" only')

    state = read_state_dict(opts.checkpoint)
    cfg, evidence = resolve_config(state, opts.feature_size, opts.depths, opts.num_heads, opts.in_channels, opts.out_channels, opts.normalize, opts.merge)
    say(f'checkpoint {opts.checkpoint}: {len(state)} tensors')
    for k in ('feature_size', 'in_channels', 'out_channels', 'depths', 'num_heads', 'window_size'):
        v = getattr(cfg, k)
        say(f'  {k:<13} {",".join(map(str, v)) if isinstance(v, tuple) else v:<10} from {evidence[k]}')
    say(f'  normalize     {cfg.normalize!s:<10} (not in the state dict: MONAI default True; --no-normalize for normalize=False)')
    say(f'  merge         {cfg.merge:<10} (not in the state dict: checkpoints of older MONAI releases need --merge merging-legacy)')
    labels = OrderedDict(opts.labels) if opts.labels else default_labels(cfg.out_channels, opts.activation)
    tasks = plain_tasks(labels, opts.activation, cfg.out_channels)
    intensity = opts.intensity if opts.intensity is not None else parse_intensity(DEFAULT_INTENSITY)
    net = build_net(state, cfg)
    n_params = sum(p.numel() for p in net.parameters())
    say(f'strict load into SwinUNETR: ok ({n_params:,} parameters)')

    parts = swin_unetr_parts(net, list(opts.roi), split=opts.split)
    if opts.split:
        err = composition_error(net, parts, parts[0].example[0])
        say(f'encoder + decoder vs the whole network (torch): max |diff| {err:.1e}')
        if err > 1e-5:
            raise ConvertError(f'encoder + decoder do not compose into the network (max |diff| {err:.2e})')

    report: dict = {'out': out, 'config': cfg.kwargs(), 'parameters': n_params, 'tasks': [t['name'] for t in tasks]}
    with staging_dir(out, opts.force) as tmp:
        t0 = time.time()
        with warnings.catch_warnings():
            # The tracer's notes on shape-dependent Python branches: the window is fixed at roi.
            warnings.simplefilter('ignore')
            sections = export_parts(parts, tmp)
        for p in parts:
            size = os.path.getsize(os.path.join(tmp, f'{p.name}.onnx'))
            say(f'exported {p.name}.onnx: {size / 1e6:.1f} MB, inputs {p.inputs} outputs {p.outputs} (roi {",".join(map(str, opts.roi))}, {time.time() - t0:.0f} s)')
        if opts.parity:
            say(f'parity, onnxruntime-node vs torch on a random window (tolerance {opts.tolerance}, absolute):')
            report['parity'] = parity_check(parts, tmp, opts.tolerance, opts.threads, say)
        else:
            say('WARNING: --skip-parity: the ONNX parts were not checked against torch')
        if opts.torch_reference:
            write_torch_reference(net, cfg, [p.name for p in parts], tmp)
        training = {
            'format': 'uniseg.training-record/1',
            'exportedBy': 'uniseg_tools convert monai',
            'checkpoint': {'file': os.path.basename(opts.checkpoint), 'sha256': sha256_file(opts.checkpoint)},
            'network': {
                'class': 'uniseg_tools.nets.swin_unetr.SwinUNETR',
                'monai': 'monai.networks.nets.SwinUNETR(spatial_dims=3, use_v2=False, norm_name="instance", res_block=True)',
                **cfg.kwargs(),
                'build': 'uniseg_tools.nets.swin_unetr.SwinUNETR(**network); '
                + ('part "net" is the whole network' if not opts.split else 'part "encoder" is swinViT + encoder1..4, part "decoder" the rest'),
            },
            # ONNX initializer name = prefix + SwinUNETR state name (the exporter keeps module names).
            'parts': {p.name: {'prefix': 'net.' if opts.split else ''} for p in parts},
            'export': {'parity': report.get('parity'), 'roi': list(opts.roi)},
        }
        description = f'MONAI SwinUNETR (feature {cfg.feature_size}, depths {",".join(map(str, cfg.depths))}, {cfg.out_channels} channels) converted from {os.path.basename(opts.checkpoint)}'
        manifest = plain_manifest(name, description, sections, tasks, opts.spacing, opts.orientation, intensity, opts.roi, opts.overlap, training)
        manifest['origin'] = origin_record('monai', [opts.checkpoint])
        write_manifest(tmp, manifest)
        if opts.engine_check:
            listing = engine_check(tmp)
            say(f'the engine reads the package: {len(listing.get("tasks", []))} tasks')
    report['manifest'] = manifest
    report['seconds'] = round(time.time() - started, 1)
    say(f'wrote {out} ({", ".join(f"{p.name}.onnx" for p in parts)}{", torch/" if opts.torch_reference else ""}) with tasks: {", ".join(labels.values())}')
    return report


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint', metavar='STATE_DICT', help='MONAI SwinUNETR checkpoint (.pt/.pth): a state_dict, optionally under "state_dict"/"model"/"net", "module." prefixes allowed')
    p.add_argument('-o', '--output', required=True, metavar='DIR', help='new package directory (refused when it exists, unless --force)')
    g = p.add_argument_group('network (read from the state dict; a flag that is given must agree)')
    g.add_argument('--feature-size', type=int, help='from swinViT.patch_embed.proj.weight (MONAI default 48)')
    g.add_argument('--depths', help='e.g. 2,2,2,2; from the swinViT.layersN.0.blocks.* keys')
    g.add_argument('--num-heads', help='e.g. 3,6,12,24; from the relative_position_bias_table columns')
    g.add_argument('--in-channels', type=int, help='from swinViT.patch_embed.proj.weight (must be 1)')
    g.add_argument('--out-channels', type=int, help='from out.conv.conv.weight')
    g.add_argument('--merge', default='merging', choices=sorted(MERGE_OFFSETS), help='patch-merging order; not in the state dict (default merging = MONAI 1.5; merging-legacy for checkpoints of older MONAI releases)')
    g.add_argument('--no-normalize', action='store_true', help='the network was built with normalize=False (not in the state dict)')
    g = p.add_argument_group('package (as `uniseg wrap`; defaults are those of MONAI\'s BTCV SwinUNETR tutorial: set them to your training transforms)')
    g.add_argument('--spacing', default=DEFAULT_SPACING, help=f'voxel size in mm the network was trained at, along the oriented i,j,k (default {DEFAULT_SPACING})')
    g.add_argument('--orientation', default='RAS', help='orientation the network was trained in (default RAS)')
    g.add_argument('--intensity', default=DEFAULT_INTENSITY, help=f'none | clip:LO,HI,OUTLO,OUTHI | zscore:MEAN,STD (default {DEFAULT_INTENSITY})')
    g.add_argument('--roi', default=DEFAULT_ROI, help=f'sliding-window size in voxels, multiples of 32 (default {DEFAULT_ROI}); the ONNX parts are fixed at it')
    g.add_argument('--overlap', type=float, default=0.5, help='sliding-window overlap (default 0.5)')
    g.add_argument('--labels', help='label values and names, e.g. 1=spleen,2=kidney_right (default: 1=class1 … one per foreground channel); each becomes a task and prompt')
    g.add_argument('--activation', default='softmax', choices=('softmax', 'sigmoid'), help='softmax over all channels, channel 0 = background (MONAI default), or sigmoid (label v = channel v-1)')
    g.add_argument('--name', help='package name (default: the directory name)')
    g.add_argument('--split', action='store_true', help='export encoder + decoder parts instead of one part "net"')
    g = p.add_argument_group('checks and output')
    g.add_argument('--force', action='store_true', help='replace an existing DIR')
    g.add_argument('--torch-reference', action='store_true', help='also store the torch weights in DIR/torch/ for `uniseg_tools reference`')
    g.add_argument('--tolerance', type=float, default=1e-4, help='parity: max |ORT - torch| <= TOL per output, absolute (default 1e-4)')
    g.add_argument('--threads', type=int, default=2, help='onnxruntime threads for the parity check (default 2)')
    g.add_argument('--skip-parity', action='store_true', help='do not run the ONNX parts against torch (development only)')
    g.add_argument('--skip-engine-check', action='store_true', help='do not load the written package with the engine')
    return p


def options_from_args(args: argparse.Namespace) -> Options:
    return Options(
        checkpoint=args.checkpoint,
        out=args.output,
        feature_size=args.feature_size,
        depths=parse_ints('--depths', args.depths, 4) if args.depths else None,
        num_heads=parse_ints('--num-heads', args.num_heads, 4) if args.num_heads else None,
        in_channels=args.in_channels,
        out_channels=args.out_channels,
        merge=args.merge,
        normalize=not args.no_normalize,
        spacing=parse_triple('--spacing', args.spacing),
        orientation=parse_orientation(args.orientation),
        intensity=parse_intensity(args.intensity),
        roi=parse_ints('--roi', args.roi, 3),  # type: ignore[arg-type]
        overlap=args.overlap,
        labels=parse_labels(args.labels) if args.labels else None,
        activation=args.activation,
        name=args.name,
        split=args.split,
        force=args.force,
        torch_reference=args.torch_reference,
        parity=not args.skip_parity,
        tolerance=args.tolerance,
        threads=args.threads,
        engine_check=not args.skip_engine_check,
    )


def main(argv=None) -> int:
    def run(args: argparse.Namespace) -> None:
        try:
            opts = options_from_args(args)
        except ConvertError as e:
            raise UsageError(e.reason, file=e.file, key=e.key) from e
        convert(opts)

    return run_main(build_parser(), run, argv)


if __name__ == '__main__':
    sys.exit(main())

"""``python3 -m uniseg_tools convert nnunet TRAINER_DIR [TRAINER_DIR...] [--folds 0,1] [--step 0.5] -o DIR``

nnU-Net v2 trainer folders (``DatasetXXX_Name/Trainer__Plans__3d_fullres`` with ``plans.json``,
``dataset.json`` and ``fold_*/checkpoint_final.pth``) → one uniseg package. Each fold's network is
rebuilt from the plans (PlainConvUNet, ResidualEncoderUNet), loaded strictly, exported to ONNX with
dynamic spatial axes and checked against torch with onnxruntime-node. Each dataset becomes one
head whose output is the ensemble (mean of logits) of its folds, and one task per label
(label- or region-based); a prompt runs only the folds of the dataset that has its label.

The package declares nnU-Net's own pipeline (docs/convert.md, docs/model-package.md): reorientation
as the plans' reader does, transpose_forward, crop to nonzero, CTNormalization before resampling,
resampling by shape (order 3 / order_z 0, separate-z for anisotropic spacing), window placement
with the step size, the float16 gaussian and accumulators, mirroring over the checkpoint's
``inference_allowed_mirroring_axes`` (on by default when allowed; ``--no-tta`` turns the default
off) and logits resampled back with order 1.

Several trainer folders must share the geometry (orientation, transpose, spacing, patch size,
resampling, mirroring axes); their CT normalisation may differ (kept per head).

Exit status: 0 written, 1 refused (a file or key is named), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import time
import warnings
from typing import Dict, List, Optional

import torch

from uniseg_tools.convert.common import (
    MANIFEST_FORMAT, ConvertError, UsageError, engine_check, origin_record, parity_check, run_main, staging_dir, write_manifest,
)
from uniseg_tools.convert.nnunet_labels import label_tasks
from uniseg_tools.convert.nnunet_source import CHECKPOINT, REORIENTING_READERS, TrainerSource, read_trainer
from uniseg_tools.nets.parts import OPSET, ExportPart, check_onnx

IMAGE = 'image'
NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+$')
#: what every dataset of one package must share (the engine runs one geometry per package)
SHARED = ('reader', 'transpose_forward', 'spacing', 'patch_size', 'resampling')


def _export(part: ExportPart, path: str) -> None:
    spatial = {0: 'N', 2: 'D', 3: 'H', 4: 'W'}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(part.module, part.example, path, input_names=part.inputs, output_names=part.outputs,
                          dynamic_axes={n: spatial for n in part.inputs + part.outputs}, opset_version=OPSET, do_constant_folding=True)
    check_onnx(path, part.inputs, part.outputs)


def _ijk(network_values: List, transpose: List[int]) -> List:
    """Values along network axes → along the oriented i, j, k (network axis a is [k, j, i] axis transpose[a])."""
    out = [None, None, None]
    for a, axis in enumerate(transpose):
        out[2 - axis] = network_values[a]
    return out


def check_compatible(sources: List[TrainerSource]) -> Optional[tuple]:
    first = sources[0]
    for s in sources[1:]:
        for key in SHARED:
            if getattr(s, key) != getattr(first, key):
                raise ConvertError(f'{key} is {getattr(s, key)} here but {getattr(first, key)} in {first.dir}; one package runs one nnU-Net geometry', file=os.path.join(s.dir, 'plans.json'), key=key)
    axes = {s.dir: s.folds[0].mirror_axes for s in sources}
    if len(set(axes.values())) > 1:
        raise ConvertError(f'the trainers allow different mirroring axes {sorted(set(map(str, axes.values())))}; one package mirrors one way', file=sources[1].folds[0].path, key='inference_allowed_mirroring_axes')
    return first.folds[0].mirror_axes


def fold_parts(source: TrainerSource, seed: int = 0) -> List[ExportPart]:
    gen = torch.Generator().manual_seed(seed)
    example = torch.randn(1, 1, *source.patch_size, generator=gen)
    parts = []
    for fold in source.folds:
        module = source.build_network()
        module.load_state_dict(fold.weights, strict=True)
        parts.append(ExportPart(f'{source.dataset}.fold_{fold.name}', module.eval(), [IMAGE], [f'{source.dataset}.logits.fold_{fold.name}'], (example,)))
    return parts


def build_manifest(name: str, sources: List[TrainerSource], sections: Dict[str, List[ExportPart]], orientation: str, step: float, tta_default: bool, mirror_axes, origin: dict) -> dict:
    first = sources[0]
    manifest: dict = {
        'format': MANIFEST_FORMAT,
        'name': name,
        'description': 'nnU-Net v2 ' + ', '.join(f'{s.dataset} ({s.configuration}, folds {",".join(f.name for f in s.folds)})' for s in sources),
        'input': {'tensor': IMAGE},
        'preprocess': {
            'orientation': orientation,
            'spacing': _ijk(first.spacing, first.transpose_forward),
            'intensity': first.intensity,
            'axes': 'zyx',
            'nnunet': {'transpose': first.transpose_forward, 'cropToNonzero': True, 'data': first.resampling['data'], 'logits': first.resampling['logits'], 'separateZThreshold': 3},
        },
        'inference': {
            'roi': _ijk(first.patch_size, first.transpose_forward),
            'overlap': 1 - step,
            'sigmaScale': 0.125,
            'batchSize': 1,
            'padValue': 0,
            'nnunet': {'step': step, 'gaussianPeak': 10, 'precision': 'float16'},
        },
        'parts': {},
        'ensembles': {},
        'heads': {},
        'tasks': [],
        'origin': origin,
    }
    if mirror_axes:
        manifest['inference']['mirror'] = {'axes': list(mirror_axes), 'default': tta_default}
    seen: Dict[str, str] = {}
    for s in sources:
        parts = sections[s.dataset]
        for p in parts:
            manifest['parts'][p.name] = {'file': f'{p.name}.onnx', 'inputs': p.inputs, 'outputs': p.outputs}
        tensor = f'{s.dataset}.logits'
        manifest['ensembles'][tensor] = {'members': [p.outputs[0] for p in parts]}
        manifest['heads'][s.dataset] = {
            'parts': [p.name for p in parts], 'output': tensor, 'labels': {n: c for n, c, _ in s.labels.entries},
            'supporting': [], 'activation': s.labels.activation, 'intensity': s.intensity,
        }
        title = re.sub(r'^Dataset\d+_', '', s.dataset)
        for task in label_tasks(s.labels, s.dataset, tensor, title):
            if task['name'] in seen:
                raise ConvertError(f'label "{task["name"]}" is in {seen[task["name"]]} and in {s.dataset}; a prompt must name one network', file=os.path.join(s.dir, 'dataset.json'), key=f'labels.{task["name"]}')
            seen[task['name']] = s.dataset
            manifest['tasks'].append(task)
    manifest['training'] = {
        'format': 'uniseg.training-record/1',
        'exportedBy': 'uniseg_tools convert nnunet',
        'networks': {s.dataset: {'class': s.network_class, 'arch_kwargs': s.arch_kwargs, 'configuration': s.configuration, 'folds': [f.name for f in s.folds]} for s in sources},
    }
    return manifest


def convert(args: argparse.Namespace, say=print) -> dict:
    started = time.time()
    if not 0 < args.step <= 1:
        raise UsageError(f'--step must be in (0, 1]; got {args.step}')
    folds = [f.strip() for f in args.folds.split(',')] if args.folds else None
    if folds is not None and (not folds or any(not re.match(r'^(\d+|all)$', f) for f in folds)):
        raise UsageError(f'--folds must be fold numbers separated by commas (or "all"), e.g. 0,1; got {args.folds!r}')
    out = os.path.abspath(args.output)
    name = args.name or re.sub(r'[^A-Za-z0-9_.-]', '_', os.path.basename(out))
    if not NAME_RE.match(name):
        raise UsageError(f'--name {name!r}: letters, digits, "_", "." and "-" only')
    sources = []
    for d in args.trainer_dirs:
        s = read_trainer(d, folds, args.checkpoint)
        say(f'{s.dataset}: {s.network_class.rsplit(".", 1)[-1]} ({s.configuration}), {s.labels.describe()}, folds {", ".join(f.name for f in s.folds)}, '
            f'patch {s.patch_size} at {s.spacing} mm, mirroring axes {s.folds[0].mirror_axes}')
        sources.append(s)
    mirror_axes = check_compatible(sources)
    if sources[0].reader not in REORIENTING_READERS and args.orientation is None:
        say(f'note: {sources[0].reader} reads voxels in the file\'s own order; the package reorients to RAS first (as TotalSegmentator does). Pass --orientation for another training orientation.')
    orientation = (args.orientation or 'RAS').upper()
    # Paths from each dataset folder's parent (nnU-Net_results): Dataset…/Trainer__Plans__Config/….
    records = [origin_record('nnunet', s.files, os.path.dirname(os.path.dirname(s.dir))) for s in sources]
    origin = {'kind': 'nnunet', 'files': [f for r in records for f in r['files']]}
    with staging_dir(out, args.force) as tmp:
        sections: Dict[str, List[ExportPart]] = {}
        for s in sources:
            t0 = time.time()
            parts = fold_parts(s)
            for p in parts:
                _export(p, os.path.join(tmp, f'{p.name}.onnx'))
            sections[s.dataset] = parts
            say(f'exported {len(parts)} fold(s) of {s.dataset} in {time.time() - t0:.1f} s')
        every = [p for ps in sections.values() for p in ps]
        report: dict = {'out': out}
        if args.skip_parity:
            say('WARNING: --skip-parity: the ONNX parts were not checked against torch')
        else:
            say(f'parity, onnxruntime-node vs torch on a random window (tolerance {args.tolerance}):')
            report['parity'] = parity_check(every, tmp, args.tolerance, args.threads, say)
        manifest = write_manifest(tmp, build_manifest(name, sources, sections, orientation, args.step, not args.no_tta, mirror_axes, origin))
        engine_check(tmp)
    report['manifest'] = manifest
    report['seconds'] = round(time.time() - started, 1)
    say(f'wrote {out}: {len(every)} part(s), {len(manifest["tasks"])} tasks ({", ".join(t["name"] for t in manifest["tasks"])}) in {report["seconds"]} s')
    return report


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='python3 -m uniseg_tools convert nnunet', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('trainer_dirs', nargs='+', metavar='TRAINER_DIR', help='nnU-Net v2 results folder(s): Dataset…/Trainer__Plans__Configuration')
    p.add_argument('-o', '--output', required=True, metavar='DIR', help='new package directory (refused when it exists, unless --force)')
    p.add_argument('--folds', help='folds to ensemble, in this order, e.g. 0,1 (default: every fold_* with a checkpoint, sorted)')
    p.add_argument('--checkpoint', default=CHECKPOINT, help=f'checkpoint file name inside each fold folder (default {CHECKPOINT})')
    p.add_argument('--step', type=float, default=0.5, help="sliding-window step as a fraction of the patch (nnU-Net's tile_step_size; default 0.5; TotalSegmentator's total uses 0.8)")
    p.add_argument('--no-tta', action='store_true', help='do not mirror by default (`uniseg segment --tta` still can, when the trainer allows it)')
    p.add_argument('--orientation', help="orientation the network reads (default RAS: NibabelIOWithReorient's, and TotalSegmentator's)")
    p.add_argument('--name', help='package name (default: the directory name)')
    p.add_argument('--force', action='store_true', help='replace an existing DIR')
    p.add_argument('--tolerance', type=float, default=1e-4, help='parity: max |ORT - torch| per output, absolute (default 1e-4)')
    p.add_argument('--threads', type=int, default=2, help='onnxruntime threads for the parity check (default 2)')
    p.add_argument('--skip-parity', action='store_true', help='do not run the ONNX parts against torch (development only)')
    return p


def main(argv=None) -> int:
    return run_main(build_parser(), convert, argv)

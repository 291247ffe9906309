"""``model.json`` of the demo package: preprocessing and inference from the training config, tasks
with router routes, prompting, merge priority and the ``training`` record that lets
`uniseg_tools finetune` rebuild the torch modules from the package alone."""

from __future__ import annotations

import os
import re
import shutil
from typing import Dict, List, Sequence

from ..data import pad_value
from ..nets.swin_unetr import POSITIONS
from .source import Source

FORMAT = 'uniseg.model/1'
#: The files of a transformers.js CLIP text directory (src/prompt/clip-files.ts).
CLIP_FILES = ('config.json', 'tokenizer.json', 'tokenizer_config.json', os.path.join('onnx', 'text_model.onnx'))
#: Tasks whose name matches this are merged before all others (a tumour before its organ).
LESION = re.compile(r'tumou?r|lesion|cyst|nodule|mass')


def copy_text_encoder(text_dir: str, dest: str, fp16: bool = False) -> dict:
    """Copies a transformers.js CLIP directory; with ``fp16`` its ONNX weights are stored as float16
    (computed in float32, like the package parts: half the bytes). Returns what was done."""
    for f in CLIP_FILES:
        src = os.path.join(text_dir, f)
        if not os.path.isfile(src):
            raise FileNotFoundError(f'{text_dir}: missing {f} (a transformers.js CLIP layout needs {", ".join(CLIP_FILES)})')
        os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
        shutil.copyfile(src, os.path.join(dest, f))
    onnx_path = os.path.join(dest, 'onnx', 'text_model.onnx')
    before = os.path.getsize(onnx_path)
    if not fp16:
        return {'fp16': False, 'bytes': before}
    import onnx

    from ..package_io import fp16_initializers

    model = onnx.load(onnx_path)
    stats = fp16_initializers(model, min_elements=16)
    onnx.save(model, onnx_path)
    return {'fp16': True, 'bytesBefore': before, 'bytes': os.path.getsize(onnx_path), 'converted': stats['converted'], 'keptFp32': stats['kept_fp32']}


PHANTOM_CAUTION = 'not for real scans: phantom-trained, it misses most of the organ on real CTs (see models/demo/README.md)'


def provenance(task_name: str, config: dict) -> dict:
    """``trainedOn`` (and ``caution`` for phantom-only tasks) of a task, from what its training run
    saw: head-and-neck organs come from the real CTs of ``real_cache``, everything else from phantoms."""
    from ..data import HN_TASKS

    if config.get('real_cache') and task_name in {t.name for t in HN_TASKS}:
        return {'trainedOn': 'real head-and-neck planning CTs (OpenKBP training patients) with clinical contours; not a clinical device'}
    return {'trainedOn': 'synthetic CT phantoms only', 'caution': PHANTOM_CAUTION}


def task_entries(src: Source, aliases: Dict[str, List[str]], cautions: Dict[str, str] = None, largest: Sequence[str] = ()) -> List[dict]:
    """Manifest tasks in checkpoint order: softmax over the 2 logits, label on channel 1 (the
    training rule ``p1 > p0``: the engine's argmax takes channel 0 on ties). Tasks in ``largest``
    keep only their largest connected component."""
    out = []
    for t in src.tasks:
        extra = [a for a in aliases.get(t.name, []) if a not in t.aliases]
        out.append(
            {
                'name': t.name,
                'prompt': t.prompt,
                'aliases': list(t.aliases) + extra,
                'route': {'kind': 'router', 'pathway': src.renumber(src.pathways[t.name])},
                'output': {'tensor': 'logits', 'channels': [1]},
                'labels': {t.name: 1},
                'activation': 'softmax',
                'threshold': 0.5,
                **provenance(t.name, src.config),
                **({'caution': cautions[t.name]} if t.name in (cautions or {}) else {}),
                **({'postprocess': {'largestComponent': True}} if t.name in largest else {}),
            }
        )
    return out


def merge_priority(tasks: Sequence[dict]) -> List[str]:
    lesions = [t['name'] for t in tasks if LESION.search(t['name'])]
    return lesions + [t['name'] for t in tasks if t['name'] not in lesions]


def training_record(src: Source, parts_records: Dict[str, dict], fp16: bool, extra: dict) -> dict:
    cfg = src.config
    return {
        'format': 'uniseg.training-record/1',
        'exportedBy': 'uniseg_tools export',
        'checkpoint': {
            'file': os.path.basename(src.path),
            'sha256': src.sha256,
            'step': src.step,
            'steps': cfg.get('steps'),
            'torch': src.torch_version,
            'command': src.command,
        },
        'network': {
            'class': 'uniseg_tools.nets.pathways.PathwayNet',
            'adapter': 'uniseg_tools.train.models.PathwayAdapter',
            'in_channels': 1,
            'out_channels': int(src.net.out_channels),
            'feature_size': cfg['feature_size'],
            'depths': list(cfg['depths']),
            'num_heads': list(cfg['num_heads']),
            'window_size': int(src.net.window_size),
            'normalize': bool(src.net.normalize),
            'merge': str(src.net.merge),
            'alternatives': int(cfg['k']),
            'positions': [p[0] for p in POSITIONS],
            'build': "PathwayNet(in_channels, out_channels, feature_size, depths, num_heads, alternatives) "
            "then load_state_dict(read_part_state(part) for every part, strict=False); a block part's "
            "state is under '<position>.<trainedAlternative - 1>.'",
        },
        'config': cfg,
        'kept': {p[0]: list(k) for p, k in zip(POSITIONS, src.kept)},
        'tasks': {
            t.name: {'trainedPathway': list(src.pathways[t.name]), 'pathway': src.renumber(src.pathways[t.name]), 'labels': list(t.labels)}
            for t in src.tasks
        },
        'parts': parts_records,
        'weights': {
            'fp16': fp16,
            'note': (
                'EMA weights rounded to fp16 in torch (p.data = p.data.half().float()) before export; initializers are '
                'float16 + Cast to float32, named by PathwayNet state keys; read them back with '
                'uniseg_tools.package_io.read_part_state'
                if fp16
                else 'EMA weights, float32, initializers named by PathwayNet state keys (uniseg_tools.package_io.read_part_state)'
            ),
        },
        **extra,
    }


def default_description(src: Source) -> str:
    cfg = src.config
    net = f'gCIS pathways demo model (SwinUNETR feature {cfg["feature_size"]}, K={cfg["k"]}, step {src.step})'
    if cfg.get('real_cache'):
        return (f'{net}: head-and-neck organs at risk learned from real planning CTs (OpenKBP training patients), abdominal tasks from '
                'synthetic phantoms only (those are not for real scans); a demonstration, not a clinical device')
    return f'{net} trained on synthetic phantoms only: a demonstration of the engine, not a model for real patients and not a clinical device'


def build_manifest(
    src: Source,
    grid: dict,
    parts: Dict[str, dict],
    stages: List[dict],
    tasks: List[dict],
    training: dict,
    template: str,
    min_similarity: float,
    overlap: float = 0.5,
    description: str = '',
    heads: Dict[str, dict] = None,
) -> dict:
    cfg = src.config
    intensity = dict(cfg['intensity'])
    if intensity.get('kind') == 'clip':
        intensity.setdefault('clip', True)
    roi = [int(v) for v in cfg['patch']]
    return {
        'format': FORMAT,
        'name': 'demo',
        'description': description or default_description(src),
        'input': {'tensor': 'image'},
        # the cache arrays are [i, j, k] of the oriented grid and patches are cut from them as they are
        'preprocess': {'orientation': grid['orientation'], 'spacing': [float(v) for v in grid['spacing']], 'intensity': intensity, 'axes': 'xyz'},
        # locate: a coarse pass finds the body's box first (src/models/locate.ts); the demo's
        # tasks all lie inside the body
        'inference': {'roi': roi, 'overlap': overlap, 'sigmaScale': 0.125, 'batchSize': 1, 'padValue': pad_value(intensity), 'locate': True},
        'postprocess': {'largestComponent': False, 'fillHoles': False},
        'parts': parts,
        'stages': stages,
        'heads': heads or {},
        'tasks': tasks,
        'prompting': {
            'textEncoder': {'dir': 'text', 'template': template},
            'router': {'part': 'router', 'input': 'text_embedding', 'output': 'pathway_logits'},
            'minSimilarity': min_similarity,
        },
        'merge': {'priority': merge_priority(tasks)},
        'training': training,
    }


def model_grid(src: Source) -> dict:
    """Orientation and spacing of the training cache (its manifest's params), RAS 3 mm by default
    (``data.build_cache``'s defaults) when the cache is not on this machine."""
    import json

    path = os.path.join(src.config.get('cache') or '', 'manifest.json')
    if src.config.get('cache') and os.path.isfile(path):
        with open(path) as f:
            params = json.load(f)['params']
        return {'orientation': params['orientation'], 'spacing': params['spacing'], 'from': path}
    return {'orientation': 'RAS', 'spacing': [3.0, 3.0, 3.0], 'from': 'default (data.build_cache)'}


def dir_size(path: str) -> Dict[str, int]:
    sizes = {}
    for root, _, files in os.walk(path):
        for f in files:
            full = os.path.join(root, f)
            sizes[os.path.relpath(full, path)] = os.path.getsize(full)
    return sizes


__all__ = ['CLIP_FILES', 'FORMAT', 'build_manifest', 'copy_text_encoder', 'dir_size', 'merge_priority', 'model_grid', 'task_entries', 'training_record']

"""clNet heads in the demo package: decoders on the gCIS encoder and one of its encoder10 blocks.

The heads checkpoint (``train_demo.py --mode heads --shared-bottleneck ALT --init-from <gCIS
checkpoint>``) holds a ``ClNet(shared_bottleneck=True)`` whose frozen encoder is a copy of the gCIS
encoder plus encoder10 alternative ALT. In the package the heads read those tensors from the gCIS
parts themselves (``encoder`` and the stage alternative ``encoder10.<k>``), so nothing is stored
twice: ``check_shared`` proves the copies are equal before anything is written, and the manifest
names the alternative in the head's ``pathway``. Each head is one part ``head.<Name>``:
``(dec4, hs3, enc3, enc2, enc1, enc0, *supporting heads' logits) → head.<Name>``; initializers
under ClNet state names (``heads.<Name>.…``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import torch

from ..nets.clnet import SHARED_HEAD_INPUTS, ClNet
from ..nets.swin_unetr import ENCODER_MODULES
from ..train.checkpoint import load
from ..train.models import network_from_checkpoint
from .parts import BlockPart, PackagePart
from .source import Source, sha256_file


@dataclass
class HeadsSource:
    path: str
    sha256: str
    step: int
    config: dict
    net: ClNet
    #: the gCIS encoder10 alternative the heads read (original 1-based numbering)
    bottleneck: int


def load_heads(path: str) -> HeadsSource:
    obj = load(path)
    cfg = dict(obj['config'])
    if cfg.get('mode') != 'heads' or not cfg.get('shared_bottleneck'):
        raise ValueError(f'{path}: not a heads checkpoint with a shared bottleneck (mode {cfg.get("mode")!r}, shared_bottleneck {cfg.get("shared_bottleneck")!r})')
    net = network_from_checkpoint(obj)
    for p in net.parameters():
        p.requires_grad_(False)
    return HeadsSource(path, sha256_file(path), int(obj['step']), cfg, net, int(cfg['shared_bottleneck']))


def check_shared(heads: HeadsSource, src: Source) -> float:
    """Max |difference| between the heads' frozen encoder + bottleneck and the gCIS encoder +
    encoder10 alternative; must be 0: the heads were trained on exactly those weights."""
    if heads.bottleneck not in src.kept[0]:
        raise ValueError(f'the heads read encoder10 alternative {heads.bottleneck}, which no gCIS task uses (kept: {src.kept[0]})')
    pairs = [(getattr(heads.net, m), getattr(src.net, m)) for m in ENCODER_MODULES]
    pairs.append((heads.net.encoder10, src.net.block('encoder10', heads.bottleneck - 1)))
    worst = 0.0
    for a, b in pairs:
        sa, sb = a.state_dict(), b.state_dict()
        if set(sa) != set(sb):
            raise ValueError('the heads network and the gCIS network differ in their encoder layout')
        for k in sa:
            worst = max(worst, float((sa[k].float() - sb[k].float()).abs().max()) if sa[k].numel() else 0.0)
    return worst


def head_pathway(src: Source, heads: HeadsSource) -> List[int]:
    """The package pathway a head reads: the renumbered bottleneck at encoder10, alternative 1 elsewhere (unread)."""
    return [src.kept[0].index(heads.bottleneck) + 1] + [1] * (len(src.kept) - 1)


def head_package_parts(heads: HeadsSource, feats: Tuple[torch.Tensor, ...]) -> Tuple[List[PackagePart], Dict[str, torch.Tensor]]:
    """One part per head, traced on the given encoder tensors (``enc0 … hs4``, from the package's
    own encoder part); also returns each head's logits from the whole ClNet."""
    net = heads.net
    with torch.no_grad():
        shared = net.head_features(feats)
        whole = net.decode(feats)
    values = dict(zip(SHARED_HEAD_INPUTS, shared))
    parts: List[PackagePart] = []
    for name, spec in net.head_specs.items():
        tensor = f'head.{name}'
        inputs = list(SHARED_HEAD_INPUTS) + [f'head.{s}' for s in spec['supporting']]
        args = tuple(values[n] for n in inputs)
        module = BlockPart(net.heads[name]).eval()
        with torch.no_grad():
            out = module(*args)
        values[tensor] = out
        record = {'kind': 'head', 'head': name, 'module': f'heads.{name}', 'labels': dict(spec['labels']), 'supporting': list(spec['supporting'])}
        parts.append(
            PackagePart(
                tensor, module, inputs, [tensor], args, (out,), 'block.', f'heads.{name}.', record,
                head={'name': name, 'output': tensor, 'labels': dict(spec['labels']), 'supporting': list(spec['supporting'])},
            )
        )
    return parts, {f'head.{k}': v for k, v in whole.items()}


def head_manifest(parts: List[PackagePart], pathway: List[int]) -> Dict[str, dict]:
    return {
        p.head['name']: {
            'parts': [p.name],
            'output': p.head['output'],
            'labels': p.head['labels'],
            'supporting': p.head['supporting'],
            'activation': 'softmax',
            'pathway': list(pathway),
        }
        for p in parts
    }


def head_tasks(parts: List[PackagePart], prompts: Dict[str, str]) -> List[dict]:
    """One task per head, answering with all its labels (channel c → label value c): e.g. "both
    kidneys" → left 1, right 2, as clNet merges a head's targets into one map."""
    out = []
    for p in parts:
        name = p.head['name']
        labels = sorted(p.head['labels'].items(), key=lambda kv: kv[1])
        out.append(
            {
                'name': name.lower(),
                'prompt': prompts.get(name, name.lower()),
                'aliases': [],
                'route': {'kind': 'head', 'head': name},
                'output': {'tensor': p.head['output'], 'channels': [c for _, c in labels]},
                'labels': {label: c for label, c in labels},
                'activation': 'softmax',
                'threshold': 0.5,
            }
        )
    return out


def heads_record(heads: HeadsSource, shared_diff: float) -> dict:
    cfg = heads.config
    return {
        'checkpoint': {'file': heads.path.rsplit('/', 1)[-1], 'sha256': heads.sha256, 'step': heads.step, 'steps': cfg.get('steps')},
        'network': {
            'class': 'uniseg_tools.nets.clnet.ClNet',
            'shared_bottleneck': True,
            'bottleneck': {'stage': 'encoder10', 'trainedAlternative': heads.bottleneck},
            'heads': {n: dict(s) for n, s in heads.net.head_specs.items()},
            'build': "ClNet(feature_size, depths, num_heads, shared_bottleneck=True); add_head(name, out_channels, supporting, labels) "
            "in this order; encoder = the 'encoder' part, encoder10 = the gCIS block of trainedAlternative, heads.<Name> = part head.<Name>",
        },
        'sharedWeightsMaxDiff': shared_diff,
        'origin': cfg.get('bottleneck_origin'),
        'config': cfg,
    }


__all__ = ['HeadsSource', 'check_shared', 'head_manifest', 'head_package_parts', 'head_pathway', 'head_tasks', 'heads_record', 'load_heads']

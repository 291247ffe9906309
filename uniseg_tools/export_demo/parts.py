"""The ONNX parts of the demo package: the shared encoder and the kept alternatives of each stage.

Every part is a ``PackagePart``: the torch module to export, its tensor names, the example
inputs it is traced and checked with (real values along a task's pathway, so the parity check
sees realistic magnitudes), the torch outputs for those inputs, its stage (renumbered) and its
entry of the manifest's ``training.parts`` record (which PathwayNet modules it holds).
Initializers are written under PathwayNet state names: ``swinViT.…``/``encoder1.…`` for the
encoder, ``<position>.<original 0-based index>.…`` for a block, so ``read_part_state`` gives a
dict that loads into a ``PathwayNet`` of the training config with ``strict=False``.

Adding clNet heads later means one more function returning ``PackagePart``s (``head`` set) that
``write_parts`` handles like the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from ..nets.parts import IMAGE, LOGITS, BlockPart, EncoderPart
from ..nets.swin_unetr import ENCODER_MODULES, ENCODER_OUTPUTS, POSITIONS
from ..package_io import write_part
from .source import Source, sha256_file


@dataclass
class PackagePart:
    name: str
    module: nn.Module
    inputs: List[str]
    outputs: List[str]
    example: Tuple[torch.Tensor, ...]
    expected: Tuple[torch.Tensor, ...]
    #: exporter name prefix → torch state prefix of the network (see package_io.write_part)
    prefix_from: str
    prefix_to: str
    record: dict
    #: (stage name, package 1-based alternative) for a stage alternative
    stage: Optional[Tuple[str, int]] = None
    head: Optional[dict] = None
    written: Dict[str, int] = field(default_factory=dict)


def example_image(roi: Sequence[int], seed: int = 0) -> torch.Tensor:
    """A deterministic CT-like window, already normalised to [0, 1] (clip -200..300 HU): air
    around a body ellipsoid of soft tissue with brighter organs, a bone column and noise."""
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.linspace(-1, 1, int(n)) for n in roi], indexing='ij'))
    img = np.zeros(tuple(int(n) for n in roi), np.float32)
    body = (grid[0] / 0.9) ** 2 + (grid[1] / 0.7) ** 2 < 1
    img[body] = 0.44
    for _ in range(6):
        c = rng.uniform(-0.5, 0.5, 3)
        r = rng.uniform(0.12, 0.3, 3)
        blob = (((grid - c[:, None, None, None]) / r[:, None, None, None]) ** 2).sum(0) < 1
        img[blob & body] = rng.uniform(0.45, 0.62)
    spine = ((grid[0] / 0.12) ** 2 + ((grid[1] + 0.45) / 0.12) ** 2) < 1
    img[spine] = 1.0
    img += rng.normal(0, 0.02, img.shape).astype(np.float32)
    return torch.from_numpy(np.clip(img, 0, 1)[None, None].astype(np.float32))


def block_record(src: Source, position: str, original: int) -> dict:
    block = src.net.block(position, original - 1)
    return {
        'kind': 'block',
        'position': position,
        'module': f'{position}.{original - 1}',
        'trainedAlternative': original,
        'type': type(block).__name__,
    }


def pathway_package_parts(src: Source, image: torch.Tensor) -> Tuple[List[PackagePart], Dict[str, torch.Tensor]]:
    """The encoder and every kept alternative, with example inputs/outputs; also returns each
    task's logits composed from the parts (renumbered pathway) for the composition check."""
    net = src.net
    enc = EncoderPart(net).eval()
    with torch.no_grad():
        feats = enc(image)
    parts = [
        PackagePart(
            'encoder', enc, [IMAGE], list(ENCODER_OUTPUTS), (image,), tuple(feats), 'net.', '',
            {'kind': 'encoder', 'modules': list(ENCODER_MODULES)},
        )
    ]
    blocks: Dict[Tuple[int, int], PackagePart] = {}
    composed: Dict[str, torch.Tensor] = {}
    for task, original in src.pathways.items():
        values = dict(zip(ENCODER_OUTPUTS, feats))
        for s, (position, inputs, output) in enumerate(POSITIONS):
            alt = src.kept[s].index(original[s]) + 1
            args = tuple(values[n] for n in inputs)
            if (s, alt) not in blocks:
                module = BlockPart(net.block(position, original[s] - 1)).eval()
                with torch.no_grad():
                    out = module(*args)
                blocks[(s, alt)] = PackagePart(
                    f'{position}.{alt}', module, list(inputs), [output], args, (out,), 'block.', f'{position}.{original[s] - 1}.',
                    block_record(src, position, original[s]), stage=(position, alt),
                )
            part = blocks[(s, alt)]
            if part.example is args:
                values[output] = part.expected[0]
            else:
                with torch.no_grad():
                    values[output] = part.module(*args)
        composed[task] = values[LOGITS]
    for s, (position, _, _) in enumerate(POSITIONS):
        for alt in range(1, len(src.kept[s]) + 1):
            if (s, alt) not in blocks:
                raise AssertionError(f'kept alternative {position}.{alt} is used by no task')
            parts.append(blocks[(s, alt)])
    return parts, composed


def composition_errors(src: Source, image: torch.Tensor, composed: Dict[str, torch.Tensor]) -> Dict[str, float]:
    """Per task: max |logits composed from the package parts (renumbered pathway) − the full
    PathwayNet forward on the trained (original) pathway|, both in torch."""
    net = src.net
    with torch.no_grad():
        feats = net.encode(image)
        return {t: float((composed[t] - net.decode(feats, [p - 1 for p in src.pathways[t]])).abs().max()) for t in src.pathways}


def write_parts(parts: Sequence[PackagePart], out_dir: str, fp16: bool = True) -> Tuple[Dict[str, dict], List[dict]]:
    """Writes ``<name>.onnx`` for every part; returns the manifest ``parts`` entries and ``stages``."""
    os.makedirs(out_dir, exist_ok=True)
    entries: Dict[str, dict] = {}
    stages: Dict[str, List[Tuple[int, str]]] = {}
    for p in parts:
        file = f'{p.name}.onnx'
        path = os.path.join(out_dir, file)
        p.written = write_part(p.module, p.example, path, p.inputs, p.outputs, p.prefix_from, p.prefix_to, fp16=fp16)
        entries[p.name] = {'file': file, 'sha256': sha256_file(path), 'inputs': list(p.inputs), 'outputs': list(p.outputs)}
        if p.stage:
            stages.setdefault(p.stage[0], []).append((p.stage[1], p.name))
    stage_list = [{'name': s, 'alternatives': [n for _, n in sorted(alts)]} for s, alts in stages.items()]
    return entries, stage_list


__all__ = ['BlockPart', 'EncoderPart', 'PackagePart', 'composition_errors', 'example_image', 'pathway_package_parts', 'write_parts']

"""Split the networks of this package into model-package parts, export them to ONNX and check
that the parts compose back into the full network.

Tensor names (all float32, batch axis first, spatial sizes of the export window ``roi``):

    image  [N, in, D, H, W]           the package input
    enc0   [N, f,   D,    H,    W]    encoder1(image)
    enc1   [N, f,   D/2,  H/2,  W/2]  encoder2(hs0)
    enc2   [N, 2f,  D/4,  ...]        encoder3(hs1)
    enc3   [N, 4f,  D/8,  ...]        encoder4(hs2)
    hs3    [N, 8f,  D/16, ...]        Swin hidden state 3
    hs4    [N, 16f, D/32, ...]        Swin hidden state 4
    dec4, dec3, dec2, dec1, dec0, feat   outputs of encoder10, decoder5 … decoder1
    logits                              output of ``out`` (plain network and pathways)
    head.<Name>                         a clNet head's logits

Parts:

- plain ``SwinUNETR``: ``net`` (image → logits), or with ``split=True`` ``encoder`` + ``decoder``;
- ``PathwayNet``: ``encoder`` and, for each of the seven stages, parts ``<position>.<k>`` (k
  1-based, e.g. ``encoder10.2``) with the stage's inputs and output tensor;
- ``ClNet``: ``encoder`` and one part ``head.<Name>`` per head (encoder tensors + supporting
  heads' logits → ``head.<Name>``). With a shared bottleneck (``ClNet(shared_bottleneck=True)``):
  ``encoder``, ``encoder10`` (``hs4`` → ``dec4``, shared by every head) and per head
  ``head.<Name>`` with inputs ``dec4, hs3, enc3, enc2, enc1, enc0`` (``clnet.SHARED_HEAD_INPUTS``)
  then the supporting heads' ``head.<S>`` tensors.

``export_parts`` writes ``<part>.onnx`` files (opset 16, dynamic batch axis, the spatial window
fixed at ``roi``) and returns the ``parts``, ``stages`` and ``heads`` sections of ``model.json``.
Opset 16 because torch 1.13 cannot export a weightless ``layer_norm`` at opset 17. Export runs
without constant folding so the Swin shift masks stay small index tables instead of
``[windows, n, n]`` constants (onnxruntime folds them at session start).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from .clnet import ClNet
from .pathways import PathwayNet
from .swin_unetr import ENCODER_OUTPUTS, POSITIONS, SwinUNETR, check_spatial, encode_with

OPSET = 16
IMAGE = 'image'
LOGITS = 'logits'


@dataclass
class ExportPart:
    name: str
    module: nn.Module
    inputs: List[str]
    outputs: List[str]
    example: Tuple[torch.Tensor, ...]
    #: (stage name, 1-based alternative) when the part is a stage alternative.
    stage: Optional[Tuple[str, int]] = None
    #: head description (``output``, ``labels``, ``supporting``) when the part is a clNet head.
    head: Optional[dict] = None
    #: Export the spatial axes as dynamic too (fully convolutional networks that take any window
    #: size, e.g. SegResNet): then `uniseg verify` can run them on a small tensor.
    dynamic_spatial: bool = False


class EncoderPart(nn.Module):
    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor):
        return encode_with(self.net, image)


class _Decoder(nn.Module):
    def __init__(self, net: SwinUNETR):
        super().__init__()
        self.net = net

    def forward(self, enc0, enc1, enc2, enc3, hs3, hs4):
        return self.net.decode(enc0, enc1, enc2, enc3, hs3, hs4)


class BlockPart(nn.Module):
    def __init__(self, block: nn.Module):
        super().__init__()
        self.block = block

    def forward(self, *inputs):
        return self.block(*inputs)


def _examples(net: nn.Module, roi: Sequence[int], batch: int, seed: int = 0) -> Dict[str, torch.Tensor]:
    """Real tensors for every encoder/decoder name (shapes matter for tracing, values for checks)."""
    check_spatial(roi)
    g = torch.Generator().manual_seed(seed)
    image = torch.randn(batch, net.in_channels, *roi, generator=g)
    with torch.no_grad():
        values = {IMAGE: image, **dict(zip(ENCODER_OUTPUTS, encode_with(net, image)))}
    return values


def swin_unetr_parts(net: SwinUNETR, roi: Sequence[int], batch: int = 1, split: bool = False) -> List[ExportPart]:
    net.eval()
    v = _examples(net, roi, batch)
    if not split:
        return [ExportPart('net', net, [IMAGE], [LOGITS], (v[IMAGE],))]
    return [
        ExportPart('encoder', EncoderPart(net), [IMAGE], list(ENCODER_OUTPUTS), (v[IMAGE],)),
        ExportPart('decoder', _Decoder(net), list(ENCODER_OUTPUTS), [LOGITS], tuple(v[n] for n in ENCODER_OUTPUTS)),
    ]


def pathway_parts(net: PathwayNet, roi: Sequence[int], batch: int = 1) -> List[ExportPart]:
    net.eval()
    v = _examples(net, roi, batch)
    parts = [ExportPart('encoder', EncoderPart(net), [IMAGE], list(ENCODER_OUTPUTS), (v[IMAGE],))]
    with torch.no_grad():
        for position, inputs, output in POSITIONS:
            example = tuple(v[n] for n in inputs)
            for k in range(net.alternatives):
                block = net.block(position, k)
                parts.append(ExportPart(f'{position}.{k + 1}', BlockPart(block), list(inputs), [output], example, stage=(position, k + 1)))
            v[output] = net.block(position, 0)(*example)
    return parts


def clnet_parts(net: ClNet, roi: Sequence[int], batch: int = 1) -> List[ExportPart]:
    """``encoder`` (+ ``encoder10`` with a shared bottleneck) and one ``head.<Name>`` part per head."""
    net.eval()
    v = _examples(net, roi, batch)
    parts = [ExportPart('encoder', EncoderPart(net), [IMAGE], list(ENCODER_OUTPUTS), (v[IMAGE],))]
    head_inputs = list(getattr(net, 'head_inputs', ENCODER_OUTPUTS))
    with torch.no_grad():
        if getattr(net, 'shared_bottleneck', False):
            position, inputs, output = POSITIONS[0]  # encoder10: hs4 -> dec4
            example = tuple(v[n] for n in inputs)
            parts.append(ExportPart(position, BlockPart(net.encoder10), list(inputs), [output], example))
            v[output] = net.encoder10(*example)
        feats = tuple(v[n] for n in head_inputs)
        for name, spec in net.head_specs.items():
            tensor = f'head.{name}'
            support = [f'head.{s}' for s in spec['supporting']]
            example = feats + tuple(v[s] for s in support)
            head = {'output': tensor, 'labels': dict(spec['labels']), 'supporting': list(spec['supporting'])}
            parts.append(ExportPart(tensor, BlockPart(net.heads[name]), head_inputs + support, [tensor], example, head={**head, 'name': name}))
            v[tensor] = net.heads[name](*example)
    return parts


def export_onnx(part: ExportPart, path: str, opset: int = OPSET) -> None:
    axes = {0: 'N', 2: 'D', 3: 'H', 4: 'W'} if part.dynamic_spatial else {0: 'N'}
    dynamic = {n: dict(axes) for n in part.inputs + part.outputs}
    part.module.eval()
    with torch.no_grad():
        torch.onnx.export(
            part.module,
            part.example,
            path,
            input_names=part.inputs,
            output_names=part.outputs,
            dynamic_axes=dynamic,
            opset_version=opset,
            do_constant_folding=False,
        )


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def check_onnx(path: str, inputs: Sequence[str], outputs: Sequence[str]) -> None:
    """``onnx.checker`` plus the graph's input/output names against the part's."""
    import onnx

    model = onnx.load(path)
    onnx.checker.check_model(model)
    got_in = [i.name for i in model.graph.input]
    got_out = [o.name for o in model.graph.output]
    if got_in != list(inputs) or got_out != list(outputs):
        raise ValueError(f'{path}: graph has inputs {got_in} outputs {got_out}, expected {list(inputs)} {list(outputs)}')


def export_parts(parts: Sequence[ExportPart], out_dir: str, opset: int = OPSET, check: bool = True) -> dict:
    """Write every part to ``out_dir/<name>.onnx``; return ``{"parts", "stages", "heads"}`` for model.json."""
    os.makedirs(out_dir, exist_ok=True)
    manifest_parts: Dict[str, dict] = {}
    stages: Dict[str, List[Tuple[int, str]]] = {}
    heads: Dict[str, dict] = {}
    for part in parts:
        file = f'{part.name}.onnx'
        path = os.path.join(out_dir, file)
        export_onnx(part, path, opset)
        if check:
            check_onnx(path, part.inputs, part.outputs)
        manifest_parts[part.name] = {'file': file, 'sha256': sha256_file(path), 'inputs': list(part.inputs), 'outputs': list(part.outputs)}
        if part.stage:
            stages.setdefault(part.stage[0], []).append((part.stage[1], part.name))
        if part.head:
            h = part.head
            heads[h['name']] = {'parts': [part.name], 'output': h['output'], 'labels': dict(h['labels']), 'supporting': list(h['supporting'])}
    stage_list = [{'name': s, 'alternatives': [n for _, n in sorted(alts)]} for s, alts in stages.items()]
    return {'parts': manifest_parts, 'stages': stage_list, 'heads': heads}


def compose(parts: Sequence[ExportPart], feeds: Dict[str, torch.Tensor], pathway: Optional[Sequence[int]] = None) -> Dict[str, torch.Tensor]:
    """Run the parts' torch wrappers by dataflow, as the package executor does: stage
    alternatives are chosen by ``pathway`` (0-based, one per stage in order of appearance),
    every other part runs once its inputs exist. Returns all tensors."""
    values = dict(feeds)
    stage_names: List[str] = []
    for p in parts:
        if p.stage and p.stage[0] not in stage_names:
            stage_names.append(p.stage[0])
    if stage_names and (pathway is None or len(pathway) != len(stage_names)):
        raise ValueError(f'a pathway with {len(stage_names)} entries is needed')
    chosen = {s: int(pathway[i]) + 1 for i, s in enumerate(stage_names)} if stage_names else {}
    pending = [p for p in parts if not p.stage or chosen[p.stage[0]] == p.stage[1]]
    with torch.no_grad():
        while pending:
            ready = [p for p in pending if all(n in values for n in p.inputs)]
            if not ready:
                raise ValueError(f'parts cannot run, missing inputs: {[(p.name, [n for n in p.inputs if n not in values]) for p in pending]}')
            for p in ready:
                out = p.module(*(values[n] for n in p.inputs))
                out = out if isinstance(out, (tuple, list)) else (out,)
                values.update(zip(p.outputs, out))
                pending.remove(p)
    return values


def composition_error(net: nn.Module, parts: Sequence[ExportPart], image: torch.Tensor, pathway: Optional[Sequence[int]] = None) -> float:
    """Max |composed parts − full forward| over the network's outputs (logits, or every head)."""
    net.eval()
    values = compose(parts, {IMAGE: image}, pathway)
    with torch.no_grad():
        if isinstance(net, PathwayNet):
            expected = {LOGITS: net(image, list(pathway))}
        elif isinstance(net, ClNet):
            expected = {f'head.{k}': v for k, v in net(image).items()}
        else:
            expected = {LOGITS: net(image)}
    return max(float((values[k] - v).abs().max()) for k, v in expected.items())


__all__ = [
    'BlockPart',
    'EncoderPart',
    'ExportPart',
    'OPSET',
    'check_onnx',
    'clnet_parts',
    'compose',
    'composition_error',
    'export_onnx',
    'export_parts',
    'pathway_parts',
    'sha256_file',
    'swin_unetr_parts',
]

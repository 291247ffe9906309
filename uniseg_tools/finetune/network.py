"""The torch network of a trimmed task package, rebuilt from its parts alone.

- pathway task (route ``fixed``): a plain MONAI-layout ``SwinUNETR`` = the encoder part +
  the chosen ``encoder10, decoder5..decoder1, out`` blocks (each block part's initializers
  ``<position>.<k>.…`` load into ``<position>.…``);
- head task (route ``head``): a ``ClNet`` with the routed head and the heads supporting it
  (``shared_bottleneck=True`` when the heads read ``dec4``: the ``encoder10`` block part then
  loads into ``net.encoder10``); a head part's initializers ``<module>.…`` load into
  ``heads.<Name>.…``.

``load_parts`` is strict: every torch parameter and buffer must come from an initializer with
the same shape. The ONNX exporter stores tensors of equal value once and names the others with
``Identity`` nodes (``shared_initializers``): the Swin ``relative_position_index`` tables of
layers 2-4 and, in an untrained network, e.g. all LayerNorm weights (ones); those load from the
kept initializer. Initializers no torch tensor takes are reported.

``part_modules`` gives, per part, the module that computes it in the rebuilt network and the
exporter-name → torch-name prefixes ``package_io.write_part`` needs to write it back under the
part's original initializer names; ``run_parts`` evaluates them in dataflow order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import onnx
import torch
import torch.nn as nn

from ..export_demo.parts import BlockPart, EncoderPart
from ..nets.clnet import SHARED_HEAD_INPUTS, ClNet
from ..nets.swin_unetr import ENCODER_MODULES, SwinUNETR
from ..package_io import FP32_SUFFIX, read_part_state
from .package import FinetuneError, Package


@dataclass
class LoadReport:
    loaded: int
    #: torch tensors loaded from an initializer the exporter kept for them and an equal tensor
    deduplicated: List[str]
    #: (part, initializer) that no torch tensor takes
    unused: List[Tuple[str, str]]
    #: part → torch names (in the part's own naming) of tensors the source file stored as one
    #: initializer with another tensor of the same value; once finetuning makes them differ, the
    #: rewritten part holds them as initializers of their own
    shared: Dict[str, List[str]] = field(default_factory=dict)


@dataclass
class PartModule:
    name: str
    module: nn.Module
    inputs: List[str]
    outputs: List[str]
    #: package_io.write_part: exporter prefix → the part's own initializer prefix
    prefix_from: str
    prefix_to: str
    #: the torch prefix of this part's tensors in the rebuilt network
    target_prefix: str


def _net_kwargs(network: dict) -> dict:
    return dict(
        in_channels=int(network['in_channels']),
        feature_size=int(network['feature_size']),
        depths=tuple(int(d) for d in network['depths']),
        num_heads=tuple(int(h) for h in network['num_heads']),
        window_size=int(network.get('window_size', 7)),
        normalize=bool(network.get('normalize', True)),
        merge=str(network.get('merge', 'merging')),
    )


def head_order(pkg: Package) -> List[str]:
    """The package's heads, each after the heads supporting it."""
    order: List[str] = []

    def visit(h: str, stack=()):
        if h in order:
            return
        if h in stack:
            raise FinetuneError(f'{pkg.manifest_path}: heads {list(stack) + [h]} support each other in a cycle')
        if h not in pkg.heads:
            raise FinetuneError(f'{pkg.manifest_path}: field "heads[{h!r}]" is missing (a supporting head)')
        for s in pkg.heads[h].get('supporting', []):
            visit(s, stack + (h,))
        order.append(h)

    for h in pkg.heads:
        visit(h)
    return order


def head_part(pkg: Package, head: str):
    parts = [pkg.parts[p] for p in pkg.heads[head].get('parts', []) if pkg.parts[p].kind == 'head']
    if len(parts) != 1:
        raise FinetuneError(f'{pkg.manifest_path}: field "heads[{head!r}].parts" must name exactly one part of kind "head" (has {[p.name for p in parts]})')
    return parts[0]


def read_states(pkg: Package) -> Dict[str, Dict[str, torch.Tensor]]:
    """part → {initializer name: float32 tensor} (fp16 widened)."""
    return {name: read_part_state(pkg.part_path(name)) for name in pkg.parts}


def build_network(pkg: Package, states: Dict[str, Dict[str, torch.Tensor]]) -> nn.Module:
    kw = _net_kwargs(pkg.network)
    if pkg.kind == 'pathway':
        out = next(p for p in pkg.parts.values() if p.kind == 'block' and p.position == 'out')
        weight = states[out.name].get(out.source_prefix + 'conv.conv.weight')
        if weight is None:
            raise FinetuneError(f'{pkg.part_path(out.name)}: no initializer {out.source_prefix}conv.conv.weight (the out block conv)')
        channels = int(pkg.network.get('out_channels', weight.shape[0]))
        return SwinUNETR(out_channels=channels, **kw)
    first = head_part(pkg, head_order(pkg)[0])
    shared = list(first.inputs[: len(SHARED_HEAD_INPUTS)]) == list(SHARED_HEAD_INPUTS)
    net = ClNet(shared_bottleneck=shared, **kw)
    for h in head_order(pkg):
        part = head_part(pkg, h)
        weight = states[part.name].get(part.source_prefix + 'out.conv.conv.weight')
        if weight is None:
            raise FinetuneError(f'{pkg.part_path(part.name)}: no initializer {part.source_prefix}out.conv.conv.weight (the head\'s out conv)')
        labels = {k: int(v) for k, v in pkg.heads[h].get('labels', {}).items()}
        net.add_head(h, int(weight.shape[0]), pkg.heads[h].get('supporting', []), labels)
    if shared and not any(p.kind == 'block' and p.position == 'encoder10' for p in pkg.parts.values()):
        raise FinetuneError(f'{pkg.manifest_path}: the heads read "dec4" but no part is an encoder10 block')
    return net


def part_modules(pkg: Package, net: nn.Module) -> List[PartModule]:
    out = []
    for p in pkg.parts.values():
        if p.kind == 'encoder':
            out.append(PartModule(p.name, EncoderPart(net), p.inputs, p.outputs, 'net.', '', ''))
        elif p.kind == 'block':
            out.append(PartModule(p.name, BlockPart(getattr(net, p.position)), p.inputs, p.outputs, 'block.', p.source_prefix, p.position + '.'))
        else:
            out.append(PartModule(p.name, BlockPart(net.heads[p.head]), p.inputs, p.outputs, 'block.', p.source_prefix, f'heads.{p.head}.'))
    return out


def _target_name(pkg: Package, part: str, init: str, targets: Dict[str, str]) -> str:
    p = pkg.parts[part]
    if not init.startswith(p.source_prefix):
        return ''
    return targets[part] + init[len(p.source_prefix):]


def shared_initializers(path: str) -> Dict[str, str]:
    """The tensors the ONNX exporter stored once for several state entries of equal value: it
    keeps the first initializer and adds ``Identity(kept) → <exporter name of the other>`` nodes
    (the Swin ``relative_position_index`` tables of layers 2-4; in an untrained network also, e.g.,
    every LayerNorm weight, all ones). Returns {exporter name of the other: kept initializer}."""
    g = onnx.load(path).graph
    inits = {i.name for i in g.initializer}
    base = lambda n: n[: -len(FP32_SUFFIX)] if n.endswith(FP32_SUFFIX) else n  # noqa: E731
    return {n.output[0]: base(n.input[0]) for n in g.node if n.op_type == 'Identity' and len(n.input) == 1 and base(n.input[0]) in inits}


@torch.no_grad()
def load_parts(pkg: Package, net: nn.Module, states: Dict[str, Dict[str, torch.Tensor]]) -> LoadReport:
    """Loads every part's initializers into ``net`` (strict, see the module docstring)."""
    own = net.state_dict()
    params = {n for n, _ in net.named_parameters()}
    targets = {m.name: m.target_prefix for m in part_modules(pkg, net)}
    found: Dict[str, Tuple[str, str]] = {}
    unused: List[Tuple[str, str]] = []
    for part, state in states.items():
        for init, value in state.items():
            name = _target_name(pkg, part, init, targets)
            if pkg.parts[part].kind == 'encoder' and name.split('.')[0] not in ENCODER_MODULES:
                name = ''
            if not name or name not in own:
                unused.append((part, init))
                continue
            if name in found:
                raise FinetuneError(f'torch tensor {name} is stored twice: {found[name]} and {(part, init)}')
            if tuple(value.shape) != tuple(own[name].shape):
                raise FinetuneError(f'{pkg.part_path(part)}: initializer {init} has shape {tuple(value.shape)}, torch {name} has {tuple(own[name].shape)} '
                                    f'(does training.network {_net_kwargs(pkg.network)} match the parts?)')
            own[name].copy_(value.to(own[name].dtype))
            found[name] = (part, init)

    # tensors stored once with an equal one: the part's Identity nodes name them (exporter names,
    # i.e. the writer's wrapper prefix, 'net.' or 'block.', then the module's own name)
    dedup: List[str] = []
    shared: Dict[str, List[str]] = {}
    for part in states:
        p = pkg.parts[part]
        for exported, kept in shared_initializers(pkg.part_path(part)).items():
            pieces = exported.split('.')
            rest = next(('.'.join(pieces[i:]) for i in range(len(pieces)) if targets[part] + '.'.join(pieces[i:]) in own), None)
            if rest is None or kept not in states[part]:
                unused.append((part, exported))
                continue
            name = targets[part] + rest
            if name in found:
                continue
            if tuple(states[part][kept].shape) != tuple(own[name].shape):
                raise FinetuneError(f'{pkg.part_path(part)}: {exported} (= {kept}) has shape {tuple(states[part][kept].shape)}, torch {name} has {tuple(own[name].shape)}')
            own[name].copy_(states[part][kept].to(own[name].dtype))
            found[name] = (part, kept)
            dedup.append(name)
            if name in params:
                shared.setdefault(part, []).append(p.source_prefix + rest)
    missing = [n for n in own if n not in found]
    if missing:
        raise FinetuneError(f'{len(missing)} torch tensors of the rebuilt {type(net).__name__} are in no part, e.g. {missing[:5]}')
    return LoadReport(len(found), dedup, unused, shared)


def dataflow_order(mods: Sequence[PartModule], available: Sequence[str]) -> List[PartModule]:
    have = set(available)
    todo = list(mods)
    order: List[PartModule] = []
    while todo:
        ready = [m for m in todo if all(i in have for i in m.inputs)]
        if not ready:
            raise FinetuneError(f'parts {[m.name for m in todo]} wait for tensors no part produces ({sorted({i for m in todo for i in m.inputs} - have)})')
        for m in ready:
            order.append(m)
            have.update(m.outputs)
            todo.remove(m)
    return order


@torch.no_grad()
def run_parts(mods: Sequence[PartModule], input_name: str, image: torch.Tensor):
    """Every part on its inputs, in dataflow order: ({tensor: value}, {part: (inputs, outputs)})."""
    values: Dict[str, torch.Tensor] = {input_name: image}
    io = {}
    for m in dataflow_order(mods, [input_name]):
        args = tuple(values[i] for i in m.inputs)
        res = m.module.eval()(*args)
        res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        if len(res) != len(m.outputs):
            raise FinetuneError(f'part {m.name}: torch gives {len(res)} outputs, the manifest names {len(m.outputs)}')
        values.update(zip(m.outputs, res))
        io[m.name] = (args, res)
    return values, io


def task_logits(pkg: Package, net: nn.Module, x: torch.Tensor, grad: bool = True) -> torch.Tensor:
    """The tensor the package's task reads (logits of the pathway, or of the routed head), the way
    training computes it: a head task runs the frozen shared part and supporting heads without a
    graph."""
    if pkg.kind == 'pathway':
        if pkg.task['output']['tensor'] != 'logits':
            raise FinetuneError(f'{pkg.manifest_path}: field "tasks[0].output.tensor" is {pkg.task["output"]["tensor"]!r}; a SwinUNETR task reads "logits"')
        with torch.set_grad_enabled(grad):
            return net(x)
    head = pkg.task['route']['head']
    with torch.no_grad():
        feats = net.features(x)
        support = {}
        for h in net.execution_order([head]):
            if h != head:
                support[h] = net.heads[h](*feats, *[support[s] for s in net.head_specs[h]['supporting']])
    with torch.set_grad_enabled(grad):
        return net.heads[head](*feats, *[support[s] for s in net.head_specs[head]['supporting']])


def trainable_parameters(pkg: Package, net: nn.Module, freeze_encoder: bool) -> Tuple[List[nn.Parameter], str]:
    """pathway task: the whole SwinUNETR (or its decoder with ``freeze_encoder``); head task: the
    routed head only (the shared encoder, bottleneck and supporting heads stay as they are, as in
    clNet training)."""
    for p in net.parameters():
        p.requires_grad_(False)
    if pkg.kind == 'pathway':
        names = ('encoder10', 'decoder5', 'decoder4', 'decoder3', 'decoder2', 'decoder1', 'out')
        mods = [getattr(net, n) for n in names] if freeze_encoder else [net]
        what = 'decoder (encoder10 … out); encoder frozen' if freeze_encoder else 'the whole SwinUNETR (encoder and decoder)'
    else:
        head = pkg.task['route']['head']
        mods = [net.heads[head]]
        what = f'head {head} (encoder, shared bottleneck and supporting heads frozen)'
    params = [p for m in mods for p in m.parameters()]
    for p in params:
        p.requires_grad_(True)
    return params, what


__all__ = ['LoadReport', 'PartModule', 'build_network', 'dataflow_order', 'head_order', 'load_parts', 'part_modules', 'read_states', 'run_parts', 'shared_initializers', 'task_logits', 'trainable_parameters']

"""Reading and writing the ONNX parts of a model package with their weights stored as fp16.

A part written by :func:`write_part` keeps the float32 interface of the torch module it was
exported from, but stores every float32 weight as a float16 initializer followed by a
``Cast(to=FLOAT)`` node, which halves the file. onnxruntime folds the Casts into float32
constants when the session is created, so the part runs exactly as fast as its float32 export.

Initializer names are **torch state names** (``rename`` maps the exporter's names, e.g. a
wrapper's ``block.conv1.conv.weight``, to the name of the same tensor in the network the part was
cut from, e.g. ``encoder10.1.conv1.conv.weight``); the float32 value produced by the Cast is named
``<name>::fp32``. :func:`read_part_state` reverses this: it returns ``{torch name: tensor}`` with
fp16 initializers widened back to float32, ready for ``module.load_state_dict(state,
strict=False)``.

The conversion is exact only for weights that already are fp16 values: call
:func:`round_fp16_` on the torch module before exporting (weights and float buffers become
``w.half().float()``), so the torch module and the package compute the same function.
"""

from __future__ import annotations

import io
import json
import os
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

OPSET = 16
#: Suffix of the float32 tensor a Cast node makes from a float16 initializer.
FP32_SUFFIX = '::fp32'


@torch.no_grad()
def round_fp16_(module: nn.Module) -> int:
    """Rounds every float32 parameter and buffer of ``module`` to the nearest fp16 value, in place
    (``p.data = p.data.half().float()``). Returns the number of tensors rounded."""
    n = 0
    for t in list(module.parameters()) + list(module.buffers()):
        if t.dtype == torch.float32:
            t.data = t.data.half().float()
            n += 1
    return n


def read_manifest(pkg_dir: str) -> dict:
    """A package's ``model.json`` as JSON; ``ValueError`` naming the file when it cannot be read."""
    path = os.path.join(pkg_dir, 'model.json')
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f'{path}: cannot read the manifest ({err})') from err


def _check_flat(graph: onnx.GraphProto) -> None:
    for node in graph.node:
        for attr in node.attribute:
            if attr.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                raise ValueError(f'node {node.name or node.op_type} has a subgraph; package_io handles flat graphs only')


def _subgraph_uses(graph: onnx.GraphProto) -> set:
    """Names of the tensors read inside the subgraphs (If, Loop, Scan bodies) of ``graph``'s nodes,
    at any depth."""
    used: set = set()
    for node in graph.node:
        for attr in node.attribute:
            subs = [attr.g] if attr.type == onnx.AttributeProto.GRAPH else list(attr.graphs) if attr.type == onnx.AttributeProto.GRAPHS else []
            for sub in subs:
                used.update(i for n in sub.node for i in n.input)
                used.update(o.name for o in sub.output)
                used |= _subgraph_uses(sub)
    return used


def _rewire(graph: onnx.GraphProto, old: str, new: str) -> None:
    """Every use of tensor ``old`` (node inputs, graph outputs) now reads ``new``."""
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
    for out in graph.output:
        if out.name == old:
            out.name = new


def rename_initializers(model: onnx.ModelProto, mapping: Mapping[str, str]) -> List[str]:
    """Renames initializers (and their uses) by ``mapping``; returns the names that were renamed.
    Raises when a new name is already taken by another tensor."""
    graph = model.graph
    _check_flat(graph)
    taken = {i.name for i in graph.initializer} | {i.name for i in graph.input} | {o for n in graph.node for o in n.output}
    done = []
    for init in graph.initializer:
        new = mapping.get(init.name)
        if new is None or new == init.name:
            continue
        if new in taken:
            raise ValueError(f'cannot rename initializer {init.name!r} to {new!r}: the name is taken')
        old = init.name
        _rewire(graph, old, new)
        for vi in list(graph.input) + list(graph.value_info):
            if vi.name == old:
                vi.name = new
        init.name = new
        taken.add(new)
        done.append(old)
    return done


def fp16_initializers(model: onnx.ModelProto, names: Optional[Iterable[str]] = None, min_elements: int = 1) -> Dict[str, int]:
    """Stores float32 initializers as float16 + ``Cast(to=FLOAT)``, in place.

    ``names`` limits the conversion to those initializers (default: every float32 one with at
    least ``min_elements`` values). The fp16 initializer keeps its name; the Cast's output is
    ``<name>::fp32`` and every consumer is rewired to it; the Casts go first in the node list
    (topological order is kept). Initializers read inside a subgraph (an ``If`` branch, say) stay
    float32. Returns counts: ``converted``, ``kept_fp32``, ``bytes_before``, ``bytes_after``
    (initializer payloads)."""
    graph = model.graph
    in_subgraphs = _subgraph_uses(graph)
    wanted = None if names is None else set(names)
    if any(i.name in {j.name for j in graph.initializer} for i in graph.input):
        raise ValueError('initializers listed as graph inputs are not supported (export with keep_initializers_as_inputs=False)')
    casts = []
    stats = {'converted': 0, 'kept_fp32': 0, 'bytes_before': 0, 'bytes_after': 0}
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        stats['bytes_before'] += arr.nbytes
        convert = (init.data_type == TensorProto.FLOAT and (wanted is None or init.name in wanted) and arr.size >= min_elements
                   and init.name not in in_subgraphs)
        if not convert:
            if init.data_type == TensorProto.FLOAT:
                stats['kept_fp32'] += 1
            stats['bytes_after'] += arr.nbytes
            continue
        half = arr.astype(np.float16)
        if not np.all(np.isfinite(half[np.isfinite(arr)])):
            raise ValueError(f'initializer {init.name!r} overflows float16')
        cast_out = init.name + FP32_SUFFIX
        _rewire(graph, init.name, cast_out)
        init.CopyFrom(numpy_helper.from_array(half, init.name))
        casts.append(helper.make_node('Cast', [init.name], [cast_out], name=f'Cast{FP32_SUFFIX}:{init.name}', to=TensorProto.FLOAT))
        stats['converted'] += 1
        stats['bytes_after'] += half.nbytes
    if casts:
        nodes = casts + list(graph.node)
        del graph.node[:]
        graph.node.extend(nodes)
    return stats


def read_part_state(onnx_path: str, state_only: bool = True) -> Dict[str, torch.Tensor]:
    """``{initializer name: tensor}`` of a part, fp16 initializers widened to float32.

    With ``state_only`` (default), tensors the exporter made up rather than took from the module
    state (names starting with ``onnx::`` or holding ``::``) are left out."""
    model = onnx.load(onnx_path)
    out: Dict[str, torch.Tensor] = {}
    for init in model.graph.initializer:
        if state_only and (init.name.startswith('onnx::') or '::' in init.name):
            continue
        arr = numpy_helper.to_array(init)
        if arr.dtype == np.float16:
            arr = arr.astype(np.float32)
        out[init.name] = torch.from_numpy(np.array(arr))
    return out


def quiet_export_warnings() -> None:
    """Silence the warnings every part export prints and nobody can act on: tracing the Swin
    encoder turns shape-derived Python ints/bools into constants (fixed at the roi), and the
    exporter's notes on constant folding and shape inference."""
    import warnings

    warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
    warnings.filterwarnings('ignore', message='.*ONNX export.*|.*Constant folding.*|.*shape inference.*', category=UserWarning)


def export_model_proto(
    module: nn.Module, example: Tuple[torch.Tensor, ...], inputs: Sequence[str], outputs: Sequence[str], opset: int = OPSET
) -> onnx.ModelProto:
    """``torch.onnx.export`` (dynamic batch axis, no constant folding) into memory."""
    buf = io.BytesIO()
    module.eval()
    with torch.no_grad():
        torch.onnx.export(
            module,
            tuple(example),
            buf,
            input_names=list(inputs),
            output_names=list(outputs),
            dynamic_axes={n: {0: 'N'} for n in list(inputs) + list(outputs)},
            opset_version=opset,
            do_constant_folding=False,
        )
    return onnx.load_from_string(buf.getvalue())


def state_name_map(model: onnx.ModelProto, module: nn.Module, prefix_from: str, prefix_to: str) -> Dict[str, str]:
    """Exporter initializer name → torch state name, for initializers that are entries of
    ``module.state_dict()`` (the exporter names them by their state key). ``prefix_from`` is
    replaced by ``prefix_to`` (``'block.'`` → ``'encoder10.1.'``); the tensor values are checked."""
    state = module.state_dict()
    mapping = {}
    for init in model.graph.initializer:
        if init.name not in state:
            continue
        value = numpy_helper.to_array(init)
        if not np.array_equal(value, state[init.name].detach().cpu().numpy()):
            raise ValueError(f'initializer {init.name!r} differs from the module state of that name')
        if not init.name.startswith(prefix_from):
            raise ValueError(f'initializer {init.name!r} does not start with {prefix_from!r}')
        mapping[init.name] = prefix_to + init.name[len(prefix_from) :]
    return mapping


def write_part(
    module: nn.Module,
    example: Tuple[torch.Tensor, ...],
    path: str,
    inputs: Sequence[str],
    outputs: Sequence[str],
    prefix_from: str = '',
    prefix_to: str = '',
    fp16: bool = True,
    opset: int = OPSET,
) -> Dict[str, int]:
    """Exports ``module`` to ``path``: initializers renamed to torch state names
    (``prefix_from`` → ``prefix_to``), state tensors stored as fp16 when ``fp16`` (round the module
    with :func:`round_fp16_` first), ``onnx.checker`` and the graph's input/output names checked.
    Returns the :func:`fp16_initializers` counts plus ``file_bytes`` and ``state_tensors``."""
    model = export_model_proto(module, example, inputs, outputs, opset)
    mapping = state_name_map(model, module, prefix_from, prefix_to)
    rename_initializers(model, mapping)
    if fp16:
        stats = fp16_initializers(model, names=mapping.values())
    else:
        size = sum(numpy_helper.to_array(i).nbytes for i in model.graph.initializer)
        stats = {'converted': 0, 'kept_fp32': sum(i.data_type == TensorProto.FLOAT for i in model.graph.initializer), 'bytes_before': size, 'bytes_after': size}
    onnx.checker.check_model(model)
    got_in = [i.name for i in model.graph.input]
    got_out = [o.name for o in model.graph.output]
    if got_in != list(inputs) or got_out != list(outputs):
        raise ValueError(f'{path}: graph has inputs {got_in} outputs {got_out}, expected {list(inputs)} {list(outputs)}')
    tmp = path + '.tmp'
    onnx.save(model, tmp)
    os.replace(tmp, path)
    return {**stats, 'file_bytes': os.path.getsize(path), 'state_tensors': len(mapping)}


__all__ = [
    'FP32_SUFFIX',
    'OPSET',
    'export_model_proto',
    'fp16_initializers',
    'read_part_state',
    'rename_initializers',
    'round_fp16_',
    'state_name_map',
    'write_part',
]

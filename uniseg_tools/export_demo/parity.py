"""ORT-vs-torch parity of the written parts, through scripts/check_parts.ts (Python has no
onnxruntime): example inputs and the torch module's outputs are written as raw float32 files with
an ``index.json``; the Node script runs each ONNX part on them with onnxruntime-node and reports
max |diff| per part."""

from __future__ import annotations

import json
import os
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

from .node import run_tsx


def _write(dir_: str, stem: str, names: Sequence[str], tensors: Sequence[torch.Tensor]) -> List[dict]:
    out = []
    for i, (name, t) in enumerate(zip(names, tensors)):
        file = f'{stem}.{i}.f32'
        arr = np.ascontiguousarray(t.detach().cpu().numpy().astype('<f4'))
        arr.tofile(os.path.join(dir_, file))
        out.append({'name': name, 'file': file, 'dims': list(arr.shape)})
    return out


def write_check_dir(
    check_dir: str,
    parts: Sequence[Tuple[str, str, Sequence[str], Sequence[torch.Tensor], Sequence[str], Sequence[torch.Tensor]]],
    tolerance: float,
    bench: Sequence[Tuple[str, str, Sequence[str], Sequence[torch.Tensor]]] = (),
    runs: int = 10,
) -> str:
    """``parts``: (name, onnx path, input names, inputs, output names, torch outputs);
    ``bench``: (label, onnx path, input names, inputs) to time. Returns the index path."""
    os.makedirs(check_dir, exist_ok=True)
    index: Dict[str, object] = {'tolerance': tolerance, 'parts': [], 'bench': []}
    for name, onnx_path, in_names, inputs, out_names, outputs in parts:
        index['parts'].append(
            {'name': name, 'onnx': os.path.abspath(onnx_path), 'inputs': _write(check_dir, f'{name}.in', in_names, inputs), 'outputs': _write(check_dir, f'{name}.out', out_names, outputs)}
        )
    for label, onnx_path, in_names, inputs in bench:
        stem = 'bench.' + label.replace(' ', '_')
        index['bench'].append({'label': label, 'onnx': os.path.abspath(onnx_path), 'inputs': _write(check_dir, stem, in_names, inputs), 'runs': runs})
    path = os.path.join(check_dir, 'index.json')
    with open(path, 'w') as f:
        json.dump(index, f, indent=1)
    return path


def run_check(check_dir: str, threads: int = 2) -> dict:
    """Runs ``scripts/check_parts.ts`` (its table goes to stdout) and returns its result.json."""
    proc = run_tsx('check_parts.ts', [check_dir, '--threads', str(threads)])
    result_path = os.path.join(check_dir, 'result.json')
    if proc.returncode not in (0, 1) or not os.path.exists(result_path):
        raise RuntimeError(f'scripts/check_parts.ts failed (exit {proc.returncode})')
    with open(result_path) as f:
        result = json.load(f)
    result['exit'] = proc.returncode
    return result


def parity_table(result: dict) -> Dict[str, dict]:
    """part → {maxAbsDiff, maxAbsRef, scaledDiff, ok}."""
    return {p['name']: {k: (float(p[k]) if k != 'ok' else bool(p[k])) for k in ('maxAbsDiff', 'maxAbsRef', 'scaledDiff', 'ok')} for p in result['parts']}


__all__ = ['parity_table', 'run_check', 'write_check_dir']

"""Writing the finetuned network back as a package of the same shape, and the ORT checks.

Parts are written by ``package_io.write_part`` (the writer export_demo uses: initializers under
the part's original torch names, fp16 + Cast when the source was fp16) to the same files, with
the same inputs and outputs; ``signature``/``structure_diff`` compare each new file with its source (input and
output names, state initializer names, types and shapes, operator counts). The ORT parity of
parts against torch goes through export_demo's ``parity`` (scripts/check_parts.ts). The engine
then loads the written package (``uniseg resolve``: schema, hashes) before it is renamed into
place.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from typing import Callable, Dict, List, Sequence, Tuple

import onnx
import torch

from ..export_demo.manifest import dir_size
from ..export_demo.node import REPO_ROOT
from ..export_demo.parity import parity_table, run_check, write_check_dir
from ..export_demo.source import sha256_file
from ..package_io import FP32_SUFFIX, write_part
from .network import PartModule
from .package import MANIFEST_FILE, FinetuneError, Package


def signature(path: str) -> dict:
    """What must not change when a part is rewritten with new weights."""
    g = onnx.load(path).graph
    state = {i.name: (int(i.data_type), tuple(int(d) for d in i.dims)) for i in g.initializer if not (i.name.startswith('onnx::') or '::' in i.name)}
    inits = {i.name for i in g.initializer}
    # storage nodes: fp16 → float32 Casts, and the Identity nodes of initializers shared by equal tensors
    fp16_cast = lambda n: n.op_type == 'Cast' and len(n.output) == 1 and n.output[0].endswith(FP32_SUFFIX)  # noqa: E731
    shared = lambda n: n.op_type == 'Identity' and len(n.input) == 1 and n.input[0].replace(FP32_SUFFIX, '') in inits  # noqa: E731
    return {
        'inputs': [i.name for i in g.input],
        'outputs': [o.name for o in g.output],
        'state': state,
        'ops': dict(Counter(n.op_type for n in g.node if not (fp16_cast(n) or shared(n)))),
    }


def structure_diff(a: dict, b: dict, shared: Sequence[str] = ()) -> List[str]:
    """Differences between source ``a`` and rewritten ``b``; ``shared`` names (tensors the source
    stored as one initializer with an identical one) may appear in ``b`` on their own."""
    out = []
    for k in ('inputs', 'outputs', 'ops'):
        if a[k] != b[k]:
            out.append(f'{k} {a[k]} != {b[k]}')
    only_a = sorted(set(a['state']) - set(b['state']))
    only_b = sorted(set(b['state']) - set(a['state']) - set(shared))
    changed = sorted(k for k in set(a['state']) & set(b['state']) if a['state'][k] != b['state'][k])
    if only_a or only_b or changed:
        out.append(f'initializers: only in the source {only_a[:5]}, only in the new file {only_b[:5]}, type/shape changed {changed[:5]}')
    return out


def parity(
    checks: Sequence[Tuple[str, str, Sequence[str], Sequence[torch.Tensor], Sequence[str], Sequence[torch.Tensor]]],
    work: str,
    tolerance: float,
    threads: int,
) -> Tuple[bool, Dict[str, dict]]:
    """``checks``: (part, onnx path, input names, inputs, output names, torch outputs) → (ok, table)."""
    os.makedirs(work, exist_ok=True)
    write_check_dir(work, checks, tolerance)
    result = run_check(work, threads)
    return bool(result['ok']), parity_table(result)


def checks_for(mods: Sequence[PartModule], io: Dict[str, tuple], path_of: Callable[[str], str]):
    return [(m.name, path_of(m.name), m.inputs, io[m.name][0], m.outputs, io[m.name][1]) for m in mods]


def write_parts(pkg: Package, mods: Sequence[PartModule], io: Dict[str, tuple], out_dir: str, fp16: bool, shared: Dict[str, List[str]]) -> Dict[str, dict]:
    """Writes every part to its manifest file under ``out_dir``; checks its structure against the
    source part. Returns part → write_part counts, plus ``separated``: the ``shared`` tensors
    (see ``network.LoadReport``) that are initializers of their own now."""
    written = {}
    for m in mods:
        path = os.path.join(out_dir, pkg.parts[m.name].file)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        written[m.name] = write_part(m.module, io[m.name][0], path, m.inputs, m.outputs, m.prefix_from, m.prefix_to, fp16=fp16)
        a, b = signature(pkg.part_path(m.name)), signature(path)
        written[m.name]['separated'] = sorted(set(b['state']) - set(a['state']))
        diff = structure_diff(a, b, shared.get(m.name, ()))
        if diff:
            raise FinetuneError(f'part {m.name}: the rewritten {pkg.parts[m.name].file} differs in structure from the source: ' + '; '.join(diff))
    return written


def new_manifest(pkg: Package, out_dir: str, finetuned: dict) -> dict:
    m = copy.deepcopy(pkg.manifest)
    for name, entry in m['parts'].items():
        entry['sha256'] = sha256_file(os.path.join(out_dir, entry['file']))
    tr = m['training']
    if 'finetuned' in tr:
        finetuned = {**finetuned, 'previous': tr['finetuned']}
    tr['finetuned'] = finetuned
    base = m.get('description', '')
    note = f'finetuned {finetuned["steps"]} steps (seed {finetuned["seed"]})'
    m['description'] = f'{base}; {note}' if base else note
    return m


def engine_check(pkg_dir: str, prompt: str, task: str, node: str = 'node') -> dict:
    """``uniseg resolve`` on the written package: the engine parses model.json (zod), checks every
    part's SHA-256 and resolves the task's prompt."""
    cmd = [node, os.path.join(REPO_ROOT, 'bin', 'uniseg.mjs'), 'resolve', prompt, '--model', pkg_dir, '--json', '--no-log']
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise FinetuneError(f'the engine refuses the written package: {proc.stderr.strip() or proc.stdout.strip()}')
    res = json.loads(proc.stdout)
    if res.get('task') != task:
        raise FinetuneError(f'the engine resolves "{prompt}" to task {res.get("task")!r}, expected {task!r}')
    return {'task': res['task'], 'route': res.get('route')}


def staging_dir(out: str) -> str:
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    return tempfile.mkdtemp(prefix=f'.{os.path.basename(out)}.tmp-', dir=parent)


def swap_in(tmp: str, out: str) -> None:
    os.chmod(tmp, 0o755)  # mkdtemp made it 0700
    old = None
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix=f'.{os.path.basename(out)}.old-', dir=os.path.dirname(out))
        os.rmdir(old)
        os.replace(out, old)
    os.replace(tmp, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def write_manifest(out_dir: str, manifest: dict) -> None:
    with open(os.path.join(out_dir, MANIFEST_FILE), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')


__all__ = ['checks_for', 'dir_size', 'engine_check', 'new_manifest', 'parity', 'signature', 'staging_dir', 'structure_diff', 'swap_in', 'write_manifest', 'write_parts']

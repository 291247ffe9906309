"""What every converter shares: reading checkpoints, strict loading with the key named, the
``origin`` record, ORT parity through the engine's onnxruntime-node, and writing the package in
one step (a staging directory beside DIR, renamed at the end; nothing is left on failure).

A converter's ``main(argv)`` is ``run_main(build_parser(), convert_from_args, argv)``: exit 0
written, 1 refused (a ``ConvertError``, printed as one line ``error: ...`` on stderr), 2 bad
arguments. The Node CLI's ``uniseg convert`` turns that line into its own one-line error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import torch
import torch.nn as nn

from uniseg_tools.export_demo.node import tsx_command as node_tsx_command
from uniseg_tools.nets.parts import sha256_file
from uniseg_tools.paths import NODE_SCRIPTS, REPO_ROOT

MANIFEST_FORMAT = 'uniseg.model/1'
MANIFEST_FILE = 'model.json'
#: Keys that wrap a state_dict in the checkpoints people save.
WRAPPERS = ('state_dict', 'model', 'net')


class ConvertError(Exception):
    """The sources or the options cannot make a package. ``file`` and ``key`` name where."""

    def __init__(self, message: str, *, file: Optional[str] = None, key: Optional[str] = None):
        self.file, self.key, self.reason = file, key, message
        where = ''.join([f'{file}: ' if file else '', f'key "{key}": ' if key else ''])
        super().__init__(where + message)


class UsageError(ConvertError):
    """Options that do not parse (exit 2)."""


# --------------------------------------------------------------------------------------------
# Reading sources
# --------------------------------------------------------------------------------------------


def require_file(path: str, what: str = 'file') -> str:
    if not os.path.isfile(path):
        raise ConvertError(f'no such {what}' if not os.path.exists(path) else f'not a {what}', file=path)
    return path


def load_torch(path: str) -> object:
    """``torch.load`` on CPU with CUDA storages mapped; a truncated or foreign file is a
    ConvertError naming it."""
    require_file(path, 'checkpoint file')
    try:
        return torch.load(path, map_location='cpu')
    except Exception as e:  # noqa: BLE001 - zip, pickle and storage errors of many kinds
        raise ConvertError(f'not a readable torch checkpoint (truncated or not written by torch.save): {type(e).__name__}: {e}', file=path) from e


def unwrap_state(obj, source: str = 'checkpoint') -> 'OrderedDict[str, torch.Tensor]':
    """The state_dict inside ``obj``: unwraps {"state_dict"|"model"|"net": ...} (nested too) and
    strips DDP's ``module.`` prefix."""
    seen = 0
    while isinstance(obj, dict) and seen < 4:
        inner = next((obj[k] for k in WRAPPERS if k in obj and isinstance(obj[k], dict)), None)
        if inner is None:
            break
        obj, seen = inner, seen + 1
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict) or not obj:
        raise ConvertError(f'no state_dict found (expected a dict of tensors, optionally under "state_dict", "model" or "net"); got {type(obj).__name__}', file=source)
    not_tensors = [k for k, v in obj.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise ConvertError(f'not a state_dict: {len(not_tensors)} entries are not tensors, e.g. {not_tensors[:3]} (top-level keys: {list(obj)[:8]})', file=source, key=str(not_tensors[0]))
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v) for k, v in obj.items())


def read_state_dict(path: str) -> 'OrderedDict[str, torch.Tensor]':
    return unwrap_state(load_torch(path), path)


_LOAD_MARKS = ('Missing key(s) in state_dict:', 'Unexpected key(s) in state_dict:', 'size mismatch for')


def summarise_load_error(message: str, limit: int = 6) -> str:
    """torch's load_state_dict message, shortened to the first few keys of each kind."""
    lines = []
    for kind in _LOAD_MARKS[:2]:
        start = message.find(kind)
        if start < 0:
            continue
        start += len(kind)
        ends = [i for i in (message.find(m, start) for m in _LOAD_MARKS) if i >= 0]
        keys = re.findall(r'"([^"]+)"', message[start : min(ends) if ends else len(message)])
        more = f' … ({len(keys)} in all)' if len(keys) > limit else ''
        what = 'in the network, not in the checkpoint' if kind.startswith('Missing') else 'in the checkpoint, not in the network'
        lines.append(f'{len(keys)} key(s) {what}: {", ".join(keys[:limit])}{more}')
    mismatches = re.findall(r'size mismatch for ([^:]+): copying a param with shape torch.Size\(\[([^\]]*)\]\) from checkpoint, the shape in current model is torch.Size\(\[([^\]]*)\]\)', message)
    for key, got, want in mismatches[:limit]:
        lines.append(f'size mismatch: {key} is [{got}] in the checkpoint, [{want}] in the network')
    if len(mismatches) > limit:
        lines.append(f'… {len(mismatches)} size mismatches in all')
    return '\n  '.join(lines) if lines else message.strip()


def first_bad_key(net: nn.Module, state: Dict[str, torch.Tensor]) -> Optional[str]:
    """The first key that stops a strict load: missing, unexpected or of another shape."""
    own = net.state_dict()
    for k, v in own.items():
        if k not in state or tuple(state[k].shape) != tuple(v.shape):
            return k
    return next((k for k in state if k not in own), None)


def load_strict(net: nn.Module, state: Dict[str, torch.Tensor], file: str, network: str) -> nn.Module:
    """``net.load_state_dict(state, strict=True)``, in eval mode; a mismatch names the file, the
    first offending key and a summary of the rest."""
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ConvertError(f'does not load strictly into {network}:\n  ' + summarise_load_error(str(e)), file=file, key=first_bad_key(net, state)) from e
    return net.eval()


# --------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------


def origin_record(kind: str, files: Sequence[str], root: Optional[str] = None) -> dict:
    """The manifest's ``origin``: the converter kind and every source file with its SHA-256
    (paths relative to ``root``, e.g. the bundle directory, else base names)."""
    records = []
    for f in files:
        rel = os.path.relpath(f, root) if root else os.path.basename(f)
        records.append({'path': rel.replace(os.sep, '/'), 'sha256': sha256_file(f)})
    return {'kind': kind, 'files': records}


# --------------------------------------------------------------------------------------------
# Checks: ONNX vs torch (onnxruntime-node), the engine reads the package
# --------------------------------------------------------------------------------------------


def tsx_command() -> List[str]:
    try:
        return node_tsx_command()
    except RuntimeError as e:
        raise ConvertError(f'the parity check needs Node: {e}') from e


def _write_f32(dir_: str, stem: str, names: Sequence[str], tensors: Sequence[torch.Tensor]) -> List[dict]:
    out = []
    for i, (name, t) in enumerate(zip(names, tensors)):
        file = f'{stem}.{i}.f32'
        arr = t.detach().cpu().float().contiguous().numpy().astype('<f4')
        arr.tofile(os.path.join(dir_, file))
        out.append({'name': name, 'file': file, 'dims': list(arr.shape)})
    return out


def parity_check(parts, onnx_dir: str, tolerance: float, threads: int, say: Callable[[str], None]) -> Dict[str, dict]:
    """Runs every part with onnxruntime-node (scripts/check_parts.ts) on its example inputs and
    compares with the torch module. Returns part → {maxAbsDiff, maxAbsRef, scaledDiff, ok};
    raises ConvertError when one is off by more than ``tolerance`` (absolute)."""
    work = tempfile.mkdtemp(prefix='uniseg-convert-check-')
    try:
        index = {'tolerance': tolerance, 'parts': []}
        with torch.no_grad():
            for p in parts:
                outs = p.module(*p.example)
                outs = outs if isinstance(outs, (tuple, list)) else (outs,)
                index['parts'].append({
                    'name': p.name,
                    'onnx': os.path.abspath(os.path.join(onnx_dir, f'{p.name}.onnx')),
                    'inputs': _write_f32(work, f'{p.name}.in', p.inputs, p.example),
                    'outputs': _write_f32(work, f'{p.name}.out', p.outputs, outs),
                })
        with open(os.path.join(work, 'index.json'), 'w') as f:
            json.dump(index, f, indent=1)
        cmd = tsx_command() + [os.path.join(NODE_SCRIPTS, 'check_parts.ts'), work, '--tolerance', repr(tolerance), '--threads', str(threads)]
        proc = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout.rstrip().splitlines():
            say('  ' + line)
        result_path = os.path.join(work, 'result.json')
        if proc.returncode not in (0, 1) or not os.path.exists(result_path):
            raise ConvertError(f'scripts/check_parts.ts failed (exit {proc.returncode})')
        with open(result_path) as f:
            result = json.load(f)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = {r['name']: {'maxAbsDiff': float(r['maxAbsDiff']), 'maxAbsRef': float(r['maxAbsRef']), 'scaledDiff': float(r['scaledDiff']), 'ok': bool(r['ok'])} for r in result['parts']}
    bad = {k: v for k, v in table.items() if not v['ok']}
    if bad or not result.get('ok'):
        raise ConvertError(f'ONNX parts differ from torch by more than {tolerance}: ' + ', '.join(f'{k} max|diff| {v["maxAbsDiff"]:.2e}' for k, v in bad.items()))
    return table


def engine_check(pkg: str) -> dict:
    """The package as the engine reads it (``uniseg pathways --model PKG --json``): manifest schema,
    part files and their sha256."""
    cmd = [shutil.which('node') or 'node', os.path.join(REPO_ROOT, 'bin', 'uniseg.mjs'), 'pathways', '--model', pkg, '--json']
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise ConvertError(f'the engine refuses the package: {proc.stderr.strip() or proc.stdout.strip()}')
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------------------------
# Writing the package
# --------------------------------------------------------------------------------------------


def check_output(out: str, force: bool = False) -> str:
    out = os.path.abspath(out)
    if os.path.exists(out) and not force:
        raise ConvertError(f'{out} exists; choose a new directory or pass --force to replace it')
    return out


def write_manifest(dir_: str, manifest: dict) -> dict:
    """Writes ``model.json`` after (re)computing every part's SHA-256 from the file in ``dir_``."""
    for name, part in manifest['parts'].items():
        path = os.path.join(dir_, part['file'])
        if not os.path.isfile(path):
            raise ConvertError(f'part "{name}": {part["file"]} was not written')
        part['sha256'] = sha256_file(path)
    with open(os.path.join(dir_, MANIFEST_FILE), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    return manifest


@contextmanager
def staging_dir(out: str, force: bool = False) -> Iterator[str]:
    """A fresh directory beside ``out`` to fill; renamed to ``out`` when the block ends without an
    exception (replacing ``out`` only with ``force``), removed otherwise."""
    out = check_output(out, force)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f'.{os.path.basename(out)}.tmp-', dir=parent)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=f'.{os.path.basename(out)}.old-', dir=parent)
            os.rmdir(old)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def run_main(parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], object], argv: Optional[Sequence[str]] = None) -> int:
    """Parse, run, and turn a ConvertError into one line on stderr: exit 1, or 2 for a UsageError."""
    args = parser.parse_args(argv)
    try:
        run(args)
    except UsageError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except ConvertError as e:
        print(f'error: {e}'.replace('\n', ' '), file=sys.stderr)
        return 1
    return 0


__all__ = [
    'ConvertError',
    'MANIFEST_FILE',
    'MANIFEST_FORMAT',
    'UsageError',
    'check_output',
    'engine_check',
    'first_bad_key',
    'load_strict',
    'load_torch',
    'origin_record',
    'parity_check',
    'read_state_dict',
    'require_file',
    'run_main',
    'sha256_file',
    'staging_dir',
    'summarise_load_error',
    'tsx_command',
    'unwrap_state',
    'write_manifest',
]

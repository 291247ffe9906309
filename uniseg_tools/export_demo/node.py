"""Running the repository's TypeScript helper scripts (tsx) from Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from typing import List, Sequence

from ..paths import NODE_SCRIPTS, REPO_ROOT


def tsx_command() -> List[str]:
    local = os.path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx')
    if os.path.exists(local):
        return [local]
    npx = shutil.which('npx')
    if not npx:
        raise RuntimeError('neither node_modules/.bin/tsx nor npx found; run npm install')
    return [npx, 'tsx']


def run_tsx(script: str, args: Sequence[str], capture: bool = False) -> subprocess.CompletedProcess:
    """``tsx scripts/<script> args…`` in the repository root; raises with its output on failure
    unless the caller inspects ``returncode`` (``capture=True`` returns stdout/stderr)."""
    cmd = tsx_command() + [os.path.join(NODE_SCRIPTS, script), *args]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None, text=True)
    return proc


class EngineResolveError(RuntimeError):
    """The engine could not load the package or resolve the texts (message: its stderr)."""


def engine_resolve(package: str, texts: Sequence[str]) -> List[dict]:
    """Resolves each text with the engine on ``package`` (``scripts/embed_texts.ts --model``, the
    code ``uniseg resolve`` runs): one ``{task, pathway, ...}`` or ``{error}`` per text."""
    with tempfile.TemporaryDirectory(prefix='uniseg-resolve-') as tmp:
        src, dst = os.path.join(tmp, 'in.json'), os.path.join(tmp, 'out.json')
        with open(src, 'w') as f:
            json.dump(list(texts), f)
        proc = run_tsx('embed_texts.ts', ['--model', package, src, dst], capture=True)
        if proc.returncode != 0:
            raise EngineResolveError(proc.stderr.strip())
        with open(dst) as f:
            return json.load(f)['resolutions']


__all__ = ['REPO_ROOT', 'EngineResolveError', 'engine_resolve', 'run_tsx', 'tsx_command']

"""Running the repository's TypeScript helper scripts (tsx) from Python."""

from __future__ import annotations

import os
import shutil
import subprocess
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


__all__ = ['REPO_ROOT', 'run_tsx', 'tsx_command']

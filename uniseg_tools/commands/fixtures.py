"""``python3 -m uniseg_tools fixtures <name> [args...]``: rebuild one of the test fixtures.

The fixture makers live next to the tests they feed (``test/fixtures/<dir>/make*.py``); this
command only finds and runs them, so nobody needs to know where they are.
"""

from __future__ import annotations

import os
import runpy
import sys
from typing import Dict, List, Optional

from uniseg_tools.paths import REPO_ROOT

FIXTURES_DIR = os.path.join(REPO_ROOT, 'test', 'fixtures')
#: name -> maker script, relative to test/fixtures
MAKERS: Dict[str, str] = {
    'engine': 'engine/make.py',
    'clip-tiny': 'clip-tiny/make.py',
    'routed': 'models/make_routed.py',
    'heads-extra': 'models/make_head.py',
    'nifti': 'nifti/make.py',
}


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ('-h', '--help'):
        print('usage: python3 -m uniseg_tools fixtures <name> [args...]\n\nfixtures:')
        for name, rel in MAKERS.items():
            print(f'  {name.ljust(12)} test/fixtures/{rel}')
        return 0
    name, rest = args[0], args[1:]
    if name not in MAKERS:
        print(f'uniseg_tools fixtures: unknown fixture {name!r} (known: {", ".join(MAKERS)})', file=sys.stderr)
        return 2
    script = os.path.join(FIXTURES_DIR, MAKERS[name])
    sys.argv = [script, *rest]
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as stop:
        return int(stop.code or 0) if not isinstance(stop.code, str) else 1
    return 0

"""``python3 -m uniseg_tools convert <kind> ...``: foreign checkpoints -> uniseg model packages.

One module per source system, each with the same stages (read checkpoint -> build network -> map
weights -> export parts -> check ORT parity -> write the package atomically) and a
``main(argv) -> int``. Kinds are imported only when used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Dict, List, Optional

#: kind -> module
KINDS: Dict[str, str] = {
    'monai': 'uniseg_tools.convert.monai',
    'monai-bundle': 'uniseg_tools.convert.monai_bundle',
    'gcis': 'uniseg_tools.convert.gcis',
    'clnet': 'uniseg_tools.convert.clnet',
    'nnunet': 'uniseg_tools.convert.nnunet',
}

#: Python modules every converter needs -> the Debian package that provides it.
REQUIRED = {'torch': 'python3-torch', 'onnx': 'python3-onnx', 'numpy': 'python3-numpy'}
#: Exit status when a required module is missing (the Node CLI maps it to CONVERT_TOOLCHAIN_MISSING).
EXIT_MISSING = 3

USAGE = ('usage: python3 -m uniseg_tools convert <kind> SRC... -o DIR [options]\n'
         f'kinds: {", ".join(KINDS)}\n'
         '`python3 -m uniseg_tools convert <kind> --help` describes one kind.')


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ('-h', '--help'):
        print(USAGE)
        return 0
    kind, rest = args[0], args[1:]
    if kind not in KINDS:
        print(f'error: unknown convert kind {kind!r} (known: {", ".join(KINDS)})', file=sys.stderr)
        return 2
    missing = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        print(f'error: {sys.executable} lacks the Python module(s) {", ".join(missing)}: apt-get install {" ".join(REQUIRED.values())}', file=sys.stderr)
        return EXIT_MISSING
    try:
        module = importlib.import_module(KINDS[kind])
    except ModuleNotFoundError as err:
        if err.name == KINDS[kind]:
            print(f'error: convert kind {kind!r} is not available in this checkout', file=sys.stderr)
            return 2
        raise
    sys.argv = [f'python3 -m uniseg_tools convert {kind}', *rest]
    return int(module.main(rest) or 0)

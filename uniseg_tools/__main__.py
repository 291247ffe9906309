"""``python3 -m uniseg_tools <command> ...``: the toolchain's one entry point.

Each command is a module with ``main(argv) -> int``; ``<command> --help`` describes it.
Run with Debian's ``/usr/bin/python3`` (torch, onnx, nibabel, scipy, numpy) from the repository
root, or with the root on PYTHONPATH (the Node CLI's ``uniseg convert`` does that for you).
"""

from __future__ import annotations

import importlib
import sys
from typing import Dict, List, Optional, Tuple

from uniseg_tools.huge_pages import huge_pages_on, relaunch_with_huge_pages, transparent_huge_pages

#: command -> (module, one line for --help). Modules are imported only when their command runs.
COMMANDS: Dict[str, Tuple[str, str]] = {
    'train': ('uniseg_tools.commands.train', 'train gCIS pathways or clNet heads (phantoms, real CTs), resumable'),
    'openkbp-cache': ('uniseg_tools.commands.openkbp_cache', 'the OpenKBP head-and-neck CTs -> a training cache (partial labels recorded)'),
    'export': ('uniseg_tools.commands.export', 'a training checkpoint + text encoder -> a model package (ORT parity checked)'),
    'export-head': ('uniseg_tools.commands.export_head', 'one clNet head of a heads checkpoint -> an ONNX part for `uniseg heads add`'),
    'finetune': ('uniseg_tools.commands.finetune', 'finetune one exported task into a package of the same shape'),
    'text': ('uniseg_tools.commands.text', "train the demo's CLIP text encoder (own BPE, contrastive)"),
    'convert': ('uniseg_tools.convert', 'foreign checkpoints (monai, monai-bundle, gcis, clnet, nnunet) -> a package'),
    'reference': ('uniseg_tools.commands.reference', 'the independent PyTorch reference pipeline on a package with torch weights'),
    'fixtures': ('uniseg_tools.commands.fixtures', 'rebuild a test fixture (engine, clip-tiny, routed, heads-extra, nifti)'),
    'bench-packages': ('uniseg_tools.bench.packages', 'the packages `npm run bench -- engine` measures'),
    'bench-nets': ('uniseg_tools.bench.nets', 'seconds per forward/backward of the torch networks'),
}


def usage() -> str:
    width = max(len(c) for c in COMMANDS)
    lines = ['usage: python3 -m uniseg_tools <command> [args...]', '', 'commands:']
    lines += [f'  {name.ljust(width)}  {about}' for name, (_, about) in COMMANDS.items()]
    lines += ['', "`python3 -m uniseg_tools <command> --help` describes one command."]
    lines += [f'huge pages: {"on" if huge_pages_on() else "off"} (transparent huge pages: {transparent_huge_pages()}; UNISEG_HUGE_PAGES=0 turns them off)']
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ('-h', '--help', 'help'):
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f'uniseg_tools: unknown command {name!r}\n\n{usage()}', file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    sys.argv = [f'python3 -m uniseg_tools {name}', *rest]
    code = module.main(rest)
    return int(code or 0)


if __name__ == '__main__':
    relaunch_with_huge_pages()
    sys.exit(main())

"""Transparent huge pages for the toolchain, as ``bin/huge-pages.mjs`` does for the Node CLI.

torch's large CPU tensors are glibc mmaps, faulted in 4 KiB at a time and unmapped when freed; with
glibc's ``glibc.malloc.hugetlb=1`` tunable malloc asks for transparent huge pages instead (a
training step of the demo's network: ~6 s -> ~4 s on 2 cores; the PyTorch reference 122 s -> 31 s).
glibc reads tunables at process start, so ``python3 -m uniseg_tools`` re-executes itself once
with the tunable set (same PID, same arguments) where it helps: Linux, glibc, and the kernel
giving huge pages on request (``madvise``). ``UNISEG_HUGE_PAGES=0`` turns it off.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from typing import Mapping, Optional

TUNABLE = 'glibc.malloc.hugetlb=1'
THP_FILE = '/sys/kernel/mm/transparent_hugepage/enabled'


def transparent_huge_pages() -> str:
    """The kernel's THP mode: always, madvise, never, or unknown."""
    try:
        with open(THP_FILE, encoding='utf8') as f:
            match = re.search(r'\[(\w+)\]', f.read())
    except OSError:
        return 'unknown'
    return match.group(1) if match else 'unknown'


def machine_tunables(env: Mapping[str, str], linux: bool, glibc: bool, thp: str) -> Optional[str]:
    """GLIBC_TUNABLES to start with for huge pages, or None where it would change nothing."""
    if not linux or not glibc or thp != 'madvise' or env.get('UNISEG_HUGE_PAGES') == '0':
        return None
    tunables = env.get('GLIBC_TUNABLES', '')
    if 'glibc.malloc.hugetlb' in tunables:
        return None
    return TUNABLE if tunables == '' else f'{tunables}:{TUNABLE}'


def huge_pages_on(env: Mapping[str, str] = os.environ) -> bool:
    """Whether this process got huge pages (tunable set with madvise, or THP always)."""
    thp = transparent_huge_pages()
    tunable = re.search(r'(^|:)glibc\.malloc\.hugetlb=1($|:)', env.get('GLIBC_TUNABLES', '')) is not None
    return thp == 'always' or (thp == 'madvise' and tunable)


def relaunch_with_huge_pages() -> None:
    """Re-executes ``python3 -m uniseg_tools ...`` with the tunable where machine_tunables says so."""
    tunables = machine_tunables(os.environ, sys.platform.startswith('linux'), platform.libc_ver()[0] == 'glibc', transparent_huge_pages())
    if tunables is None:
        return
    env = dict(os.environ, GLIBC_TUNABLES=tunables)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, '-m', 'uniseg_tools', *sys.argv[1:]], env)

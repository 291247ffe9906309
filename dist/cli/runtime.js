/**
 * How this process allocates memory, for `segment --json`: whether glibc malloc asks for
 * transparent huge pages (bin/huge-pages.mjs relaunches network-running commands with
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1) and the kernel's huge page mode. It explains a 3x
 * difference in speed between two machines or two ways of starting uniseg.
 */
import { readFileSync } from 'node:fs';
export function allocatorRuntime(env = process.env) {
    let mode = 'unknown';
    try {
        mode = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'unknown';
    }
    catch {
        // Not Linux, or no sysfs: nothing to report.
    }
    const tunable = /(^|:)glibc\.malloc\.hugetlb=1($|:)/.test(env.GLIBC_TUNABLES ?? '');
    return { hugePages: mode === 'always' || (mode === 'madvise' && tunable), transparentHugePages: mode };
}

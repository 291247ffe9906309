/**
 * How this process allocates memory, for `segment --json`: whether glibc malloc asks for
 * transparent huge pages (bin/huge-pages.mjs relaunches network-running commands with
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1) and the kernel's huge page mode. It explains a 3x
 * difference in speed between two machines or two ways of starting uniseg.
 */
import { hugePagesOn, transparentHugePages } from '../../bin/huge-pages.mjs';
export function allocatorRuntime(env = process.env) {
    const mode = transparentHugePages();
    return { hugePages: hugePagesOn(env, mode), transparentHugePages: mode };
}

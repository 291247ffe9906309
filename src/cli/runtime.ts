/**
 * How this process allocates memory, for `segment --json`: whether glibc malloc asks for
 * transparent huge pages (bin/huge-pages.mjs relaunches network-running commands with
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1) and the kernel's huge page mode. It explains a 3x
 * difference in speed between two machines or two ways of starting uniseg.
 */
import { hugePagesOn, transparentHugePages } from '../../bin/huge-pages.mjs';

export interface AllocatorRuntime {
  /** Whether large allocations get transparent huge pages (tunable set with "madvise", or "always"). */
  readonly hugePages: boolean;
  /** /sys/kernel/mm/transparent_hugepage/enabled: always, madvise, never, or unknown. */
  readonly transparentHugePages: string;
}

export function allocatorRuntime(env: NodeJS.ProcessEnv = process.env): AllocatorRuntime {
  const mode = transparentHugePages();
  return { hugePages: hugePagesOn(env, mode), transparentHugePages: mode };
}

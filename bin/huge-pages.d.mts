// Types for huge-pages.mjs (plain JavaScript so bin/uniseg.mjs can run it before any build).
export const HUGE_PAGE_COMMANDS: readonly string[];
export const TUNABLE: string;
export const RELAUNCHED: string;
export function transparentHugePages(): string;
export function hugePagesOn(env: Record<string, string | undefined>, thp?: string): boolean;
export interface Machine {
  env: Record<string, string | undefined>;
  platform: string;
  glibc: boolean;
  thp: string;
}
export function machineTunables(machine: Machine): string | null;
export function runsNetworks(argv: readonly string[]): boolean;
export function hugePageEnv(env?: Record<string, string | undefined>): Record<string, string | undefined>;
export function relaunchWithHugePages(): boolean;
export function warnWithoutHugePages(): void;

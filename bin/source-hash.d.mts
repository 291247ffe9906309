// Types for source-hash.mjs (plain JavaScript so bin/uniseg.mjs can run it before any build).
export function sourceHash(srcDir: string): string;
export const STAMP: string;
export function distIsCurrent(root: string): boolean;

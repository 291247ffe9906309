/**
 * bin/huge-pages.mjs in the browser: a tab has no glibc and no transparent huge page setting, so
 * the engine's one call into it (OrtParts' first session) does nothing here.
 */
export function warnWithoutHugePages(): void {}

/** uniseg's own version, from its package.json (written into derived DICOM objects). */
import { readFileSync } from 'node:fs';
export const UNISEG_VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

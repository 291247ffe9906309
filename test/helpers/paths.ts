import { fileURLToPath } from 'node:url';

/** Repository root and shared data, resolved from this file so tests run from any cwd. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHARED_CT = fileURLToPath(new URL('../../../shared/data/ct/example_ct.nii.gz', import.meta.url));
export const SHARED_CT_REFERENCE = fileURLToPath(new URL('../../../shared/data/ct/example_ct.reference.json', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const TEST_MODELS = fileURLToPath(new URL('../fixtures/models/', import.meta.url));

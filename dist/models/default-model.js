import { fileURLToPath } from 'node:url';
/** The shipped demo package, used when no model is named. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/demo', import.meta.url));

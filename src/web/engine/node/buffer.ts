/** The global Buffer the NIfTI encoder uses, from the `buffer` package (esbuild injects it). */
export { Buffer } from 'buffer';

/** uniseg's public API. */
export { UnisegError, isUnisegError, type ErrorCode } from './errors.ts';
export type * from './volume/types.ts';
export { makeVolume } from './volume/volume.ts';
export * from './volume/affine.ts';

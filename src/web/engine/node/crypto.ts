/**
 * node:crypto's createHash('sha256') in the browser. WebCrypto has no synchronous digest, and the
 * engine hashes only package files, which were digested by WebCrypto when fetched (files.ts): the
 * digest of those exact bytes is returned. Any other input is refused rather than guessed.
 */
import { UnisegError } from '../../../errors.ts';
import { digestOf } from '../files.ts';

export function createHash(algorithm: string) {
  let input: Uint8Array | undefined;
  return {
    update(bytes: Uint8Array) {
      input = bytes;
      return this;
    },
    digest(encoding: string): string {
      const known = algorithm === 'sha256' && encoding === 'hex' && input ? digestOf(input) : undefined;
      if (!known) throw new UnisegError('INVALID_ARGUMENT', `in the browser only fetched package files can be hashed (asked: ${algorithm}/${encoding})`);
      return known;
    },
  };
}

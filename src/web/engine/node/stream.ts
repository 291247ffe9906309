/** node:stream and node:stream/promises in the browser: only named so the Node reader's imports resolve; gunzip.ts decompresses before the engine reads. */
import { UnisegError } from '../../../errors.ts';

const unused = () => new UnisegError('INVALID_ARGUMENT', 'Node streams are not used in the browser');

export class Readable {
  static from(): never {
    throw unused();
  }
}

export class Writable {
  constructor() {
    throw unused();
  }
}

export async function pipeline(): Promise<never> {
  throw unused();
}

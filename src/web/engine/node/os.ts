/** node:os in the browser: byte order and core count. */
export function endianness(): 'LE' | 'BE' {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE';
}

export function availableParallelism(): number {
  return navigator.hardwareConcurrency || 1;
}

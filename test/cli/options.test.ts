import { describe, expect, it } from 'vitest';
import { isUnisegError } from '../../src/errors.ts';
import { parseInteger, parseNiftiPath, parseNumber, parseOrientationOption, parseTriple } from '../../src/cli/options.ts';

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('CLI option parsers', () => {
  it('parses triples, broadcasting a single value', () => {
    expect(parseTriple('--spacing', '3,3,3')).toEqual([3, 3, 3]);
    expect(parseTriple('--spacing', '0.8, 0.8, 1.25')).toEqual([0.8, 0.8, 1.25]);
    expect(parseTriple('--spacing', '1.5')).toEqual([1.5, 1.5, 1.5]);
    expect(parseTriple('--size', '512x512x400', { integer: true })).toEqual([512, 512, 400]);
  });

  it.each(['', '3,3', '3,,3', '3,3,3,3', '0,1,1', '-1,1,1', '1,1,abc', '0x10,1,1', 'Infinity', '1e999'])('rejects triple %j naming the flag and value', (text) => {
    const error = failure(() => parseTriple('--spacing', text));
    expect(isUnisegError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain('--spacing');
    expect((error as Error).message).toContain(`"${text}"`);
    expect((error as { details: Record<string, unknown> }).details).toEqual({ field: '--spacing', value: text });
  });

  it('requires integers where asked', () => {
    expect(isUnisegError(failure(() => parseTriple('--size', '64,64.5,64', { integer: true })), 'INVALID_ARGUMENT')).toBe(true);
    expect(parseInteger('--seed', '-12')).toBe(-12);
    expect(isUnisegError(failure(() => parseInteger('--seed', '1.5')), 'INVALID_ARGUMENT')).toBe(true);
    expect(isUnisegError(failure(() => parseInteger('--seed', '99999999999999999999')), 'INVALID_ARGUMENT')).toBe(true);
    expect((failure(() => parseInteger('--steps', '0', { min: 1, max: 10 })) as Error).message).toContain('from 1 to 10');
  });

  it('parses bounded numbers', () => {
    expect(parseNumber('--threshold', '0.5', { min: 0, max: 1 })).toBe(0.5);
    expect(isUnisegError(failure(() => parseNumber('--threshold', '0', { min: 0, exclusiveMin: true })), 'INVALID_ARGUMENT')).toBe(true);
    expect(isUnisegError(failure(() => parseNumber('--threshold', '2', { max: 1 })), 'INVALID_ARGUMENT')).toBe(true);
  });

  it('parses orientations and NIfTI paths', () => {
    expect(parseOrientationOption('--orientation', 'lps')).toEqual(['L', 'P', 'S']);
    expect((failure(() => parseOrientationOption('--orientation', 'RRS')) as Error).message).toContain('--orientation');
    expect(parseNiftiPath('-o', 'a/b.nii.gz')).toBe('a/b.nii.gz');
    expect(parseNiftiPath('-o', 'b.NII')).toBe('b.NII');
    expect(isUnisegError(failure(() => parseNiftiPath('-o', 'b.nrrd')), 'INVALID_ARGUMENT')).toBe(true);
  });
});

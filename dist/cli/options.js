/**
 * Parsers for command-line option values, shared by every subcommand. Each throws
 * UnisegError('INVALID_ARGUMENT') naming the flag and the text it got, which the CLI turns into a
 * one-line message and exit code 2.
 */
import { UnisegError } from "../errors.js";
import { parseOrientation } from "../volume/affine.js";
function invalid(flag, text, expected) {
    return new UnisegError('INVALID_ARGUMENT', `${flag} must be ${expected}; got "${text}"`, { field: flag, value: text });
}
/** A decimal number, strictly: no empty string, no trailing junk, no hex (Number() accepts all three). */
function toNumber(part) {
    return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(part.trim()) ? Number(part) : NaN;
}
/**
 * Three positive numbers separated by commas or 'x' ("3,3,3", "512x512x400"); a single number
 * means the same value on all three axes ("3" is 3,3,3).
 */
export function parseTriple(flag, text, options = {}) {
    const expected = options.integer
        ? 'one or three positive integers separated by commas (e.g. 128,128,128)'
        : 'one or three positive numbers separated by commas (e.g. 3,3,3)';
    const parts = text.split(/[,xX]/);
    if (parts.length !== 1 && parts.length !== 3)
        throw invalid(flag, text, expected);
    const values = parts.map(toNumber);
    const ok = values.every((v) => Number.isFinite(v) && v > 0 && (!options.integer || Number.isSafeInteger(v)));
    if (!ok)
        throw invalid(flag, text, expected);
    return values.length === 1 ? [values[0], values[0], values[0]] : [values[0], values[1], values[2]];
}
/** A whole number within [min, max] (defaults: the safe-integer range). */
export function parseInteger(flag, text, options = {}) {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
        const range = options.min === undefined && options.max === undefined ? '' : ` from ${min} to ${max}`;
        throw invalid(flag, text, `an integer${range}`);
    }
    return value;
}
export function parseNumber(flag, text, options = {}) {
    const value = toNumber(text);
    const { min, max, exclusiveMin } = options;
    const low = min === undefined ? true : exclusiveMin ? value > min : value >= min;
    const high = max === undefined ? true : value <= max;
    if (!Number.isFinite(value) || !low || !high) {
        const bounds = [min === undefined ? '' : `${exclusiveMin ? '>' : '>='} ${min}`, max === undefined ? '' : `<= ${max}`].filter(Boolean).join(' and ');
        throw invalid(flag, text, bounds ? `a number ${bounds}` : 'a number');
    }
    return value;
}
/** Axis codes such as RAS or LPS. */
export function parseOrientationOption(flag, text) {
    try {
        return parseOrientation(text);
    }
    catch {
        throw invalid(flag, text, 'three letters naming R/L, A/P and S/I once each (e.g. RAS, LPS)');
    }
}
/** A NIfTI output path: .nii or .nii.gz, which also decides compression. */
export function parseNiftiPath(flag, text) {
    if (!/\.nii(\.gz)?$/i.test(text) || text.replace(/\.nii(\.gz)?$/i, '').length === 0) {
        throw invalid(flag, text, 'a file name ending in .nii or .nii.gz');
    }
    return text;
}

/**
 * The one door to dcmjs, pinned at 0.51.1: 0.52.x declares engines node >= 22.13 while uniseg
 * runs on Node 20; 0.51.1 is the newest release without that declaration (published after
 * 0.52.0, on the 0.51 line) and parses every transfer syntax the tests write on Node 20.20.
 * dcmjs ships no TypeScript types, so the few calls used are typed here and the package is
 * loaded through require rather than an unchecked import.
 */
import { createRequire } from 'node:module';
import { UnisegError } from "../../errors.js";
let loaded;
/** Loaded on first use: a NIfTI-only run (and every CLI start) does not pay for dcmjs's bundle. */
function dcmjs() {
    if (!loaded) {
        loaded = createRequire(import.meta.url)('dcmjs');
        // dcmjs logs harmless oddities to the console: warnings, and "Invalid vr type ox" (as an
        // error) for every implicit-VR PixelData, whose VR only the pixel module can tell. uniseg
        // checks what matters itself and says it in its own words.
        loaded.log.setLevel('error');
        loaded.log.getLogger('validation.dcmjs').setLevel('silent');
    }
    return loaded;
}
const PIXEL_DATA = '7FE00010';
const TRANSFER_SYNTAX = '00020010';
const PREAMBLE_BYTES = 128;
/** A Part 10 file starts with a 128-byte preamble and "DICM". */
export function isDicomPart10(bytes) {
    return bytes.length >= PREAMBLE_BYTES + 4 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}
/** Parses a Part 10 file; with `headerOnly`, stops before the pixel data (cheap grouping pass). */
export function parseDicom(bytes, where, headerOnly) {
    const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
    let file;
    try {
        file = dcmjs().data.DicomMessage.readFile(buffer, headerOnly ? { untilTag: PIXEL_DATA, includeUntilTagValue: false } : {});
    }
    catch (error) {
        throw new UnisegError('DICOM_INVALID', `${where}: not a readable DICOM file (${error.message})`, { file: where }, { cause: error });
    }
    const syntax = file.meta[TRANSFER_SYNTAX]?.Value;
    const transferSyntaxUID = Array.isArray(syntax) && typeof syntax[0] === 'string' ? syntax[0] : '';
    const hasPixels = PIXEL_DATA in file.dict;
    const raw = headerOnly ? undefined : file.dict[PIXEL_DATA]?.Value;
    const rest = { ...file.dict };
    delete rest[PIXEL_DATA];
    return {
        dataset: dcmjs().data.DicomMetaDictionary.naturalizeDataset(rest),
        transferSyntaxUID,
        hasPixels,
        ...(Array.isArray(raw) ? { pixelData: raw.filter((b) => b instanceof ArrayBuffer) } : {}),
    };
}

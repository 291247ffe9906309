/** JPEG Lossless, process 14 (first-order prediction SV1 and the other selection values), via jpeg-lossless-decoder-js. */
import { createRequire } from 'node:module';
import { UnisegError } from '../../../errors.ts';

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
}

type DecoderClass = new () => LosslessDecoder;
let Decoder: DecoderClass | undefined;

/** Loaded on first use; the package's declared typings are missing from its release folder, so it is typed here. */
function decoder(): LosslessDecoder {
  Decoder ??= (createRequire(import.meta.url)('jpeg-lossless-decoder-js') as { Decoder: DecoderClass }).Decoder;
  return new Decoder();
}

/** Decodes one frame to little-endian bytes of `bytesPerSample` per sample (the raw bit patterns). */
export function decodeJpegLossless(frame: Uint8Array, pixels: number, bytesPerSample: number, where: string): Uint8Array {
  let samples: Uint8Array | Uint16Array;
  try {
    samples = decoder().decode(frame.buffer as ArrayBuffer, frame.byteOffset, frame.byteLength, bytesPerSample);
  } catch (error) {
    throw new UnisegError('DICOM_INVALID', `${where}: corrupt JPEG Lossless pixel data (${(error as Error).message})`, { file: where }, { cause: error });
  }
  if (samples.length !== pixels) {
    throw new UnisegError('DICOM_INVALID', `${where}: JPEG Lossless frame decodes to ${samples.length} samples; Rows x Columns is ${pixels}`, { file: where, samples: samples.length, expected: pixels });
  }
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/**
 * `await segment(ct, "left kidney")`: the one-call API. The CT may be a Volume, a NIfTI path or
 * NIfTI bytes, or a DICOM series: a folder, a .zip or its bytes (the CT series with the most
 * slices unless `series` names one). The model is a loaded Model (reused, caller closes it) or a
 * package directory (loaded for this call and closed after). Without a model, the shipped demo
 * package is used.
 */
import { DEFAULT_MODEL_DIR } from './models/default-model.ts';
import { loadModel, type LoadOptions, type Model } from './models/package.ts';
import { segmentWithModel, type SegmentOptions, type SegmentResult } from './models/segment.ts';
import { readVolume } from './volume/read.ts';
import type { Volume } from './volume/types.ts';

export interface SegmentCallOptions extends SegmentOptions, LoadOptions {
  model?: Model | string;
  /** SeriesInstanceUID to read when `ct` is a DICOM folder or zip. */
  series?: string;
}

export async function segment(ct: Volume | string | Uint8Array, prompts: string | readonly string[], options: SegmentCallOptions = {}): Promise<SegmentResult> {
  const volume = typeof ct === 'string' || ct instanceof Uint8Array ? await readVolume(ct, options.series === undefined ? {} : { series: options.series }) : ct;
  if (options.model && typeof options.model !== 'string') return segmentWithModel(options.model, volume, prompts, options);
  const model = await loadModel(options.model ?? DEFAULT_MODEL_DIR, options);
  try {
    return await segmentWithModel(model, volume, prompts, options);
  } finally {
    await model.close();
  }
}

/**
 * `await segment(ct, "left kidney")`: the one-call API. The CT may be a Volume, a NIfTI path or
 * NIfTI bytes, or a DICOM series: a folder, a .zip or its bytes (the CT series with the most
 * slices unless `series` names one). The model is a loaded Model (reused, caller closes it) or a
 * package directory (loaded for this call and closed after). Without a model, the shipped demo
 * package is used.
 */
import { DEFAULT_MODEL_DIR } from "./models/default-model.js";
import { loadModel } from "./models/package.js";
import { segmentWithModel } from "./models/segment.js";
import { readVolume } from "./volume/read.js";
export async function segment(ct, prompts, options = {}) {
    const volume = typeof ct === 'string' || ct instanceof Uint8Array ? await readVolume(ct, options.series === undefined ? {} : { series: options.series }) : ct;
    if (options.model && typeof options.model !== 'string')
        return segmentWithModel(options.model, volume, prompts, options);
    const model = await loadModel(options.model ?? DEFAULT_MODEL_DIR, options);
    try {
        return await segmentWithModel(model, volume, prompts, options);
    }
    finally {
        await model.close();
    }
}

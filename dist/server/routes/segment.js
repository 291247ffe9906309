import { z } from 'zod';
import { modelProvenance } from "../../models/provenance.js";
import { segmentWithModel } from "../../models/segment.js";
import { encodeDicomSeg, encodeRtstruct, requireDicomSource } from "../../volume/dicom-out/index.js";
import { renderPreview } from "../../preview/index.js";
import { encodeVolume } from "../../volume/nifti/index.js";
import { explainAbort } from "../cancel.js";
import { ServerError } from "../errors.js";
import { maskIntensity, promptRows, routeLabel, roundedTimings } from "../report.js";
import { readUploadedVolume } from "../upload.js";
import { format, parseQuery, promptsParam, seriesParam, volumeParam } from "../validate.js";
export function registerSegment(app, deps) {
    const postQuery = z.strictObject({ prompt: promptsParam(deps.limits.maxPrompts), format, series: seriesParam });
    const getQuery = z.strictObject({ prompt: promptsParam(deps.limits.maxPrompts), volume: volumeParam, format });
    app.post('/segment', async (c) => {
        const started = performance.now();
        const query = parseQuery(c, postQuery);
        c.set('prompts', query.prompt);
        const ct = await readUploadedVolume(c, deps, query.series);
        return answer(c, deps, ct, query.prompt, query.format, performance.now() - started);
    });
    app.get('/segment', async (c) => {
        const query = parseQuery(c, getQuery);
        c.set('prompts', query.prompt);
        const stored = deps.store.get(query.volume);
        if (!stored)
            throw unknownVolume(query.volume);
        return answer(c, deps, stored.volume, query.prompt, query.format, 0);
    });
}
export function unknownVolume(id) {
    return new ServerError('VOLUME_NOT_FOUND', `no stored volume ${id}: it expired, was evicted or never existed; upload it again with POST /volumes`, { volume: id });
}
async function answer(c, deps, ct, prompts, as, readMs) {
    // Refused before queueing: a DICOM answer needs the source series to reference.
    if (as === 'dicom-seg' || as === 'rtstruct')
        requireDicomSource(ct, as);
    const { signal } = c.var.cancel;
    const queued = performance.now();
    let queueMs = 0;
    let result;
    try {
        result = await deps.queue.run(async (jobSignal) => {
            queueMs = performance.now() - queued;
            await deps.hooks.beforeSegment?.(jobSignal);
            return segmentWithModel(deps.model, ct, prompts, { signal: jobSignal, logger: deps.logger });
        }, signal);
    }
    catch (error) {
        throw explainAbort(error, signal);
    }
    c.set('routes', result.prompts.map((p) => routeLabel(p.route)));
    if (as === 'json') {
        const rows = promptRows(result).map((row, i) => ({ ...row, ...maskIntensity(ct, result.prompts[i].mask) }));
        return c.json({
            prompts: rows,
            contested: result.contested,
            windows: result.windows,
            grid: { shape: ct.shape, spacing: ct.spacing, orientation: ct.orientation.join('') },
            timings: roundedTimings({ readMs, queueMs, ...result.timings }),
        });
    }
    if (as === 'dicom-seg' || as === 'rtstruct') {
        const options = { provenance: await modelProvenance(deps.model) };
        const bytes = (as === 'dicom-seg' ? encodeDicomSeg(ct, result.prompts, options) : encodeRtstruct(ct, result.prompts, options));
        return c.body(bytes, 200, { 'content-type': 'application/dicom', 'content-disposition': `attachment; filename="${as === 'dicom-seg' ? 'seg' : 'rtstruct'}.dcm"` });
    }
    if (as === 'png') {
        const { png } = await renderPreview(ct, result.prompts.map((p) => ({ name: p.prompt, mask: p.mask })));
        return c.body(png, 200, { 'content-type': 'image/png' });
    }
    const labels = result.prompts.length === 1 ? result.prompts[0].mask : result.labelMap;
    // zlib output is a plain (never shared) ArrayBuffer.
    const bytes = encodeVolume(labels, { gzip: true });
    return c.body(bytes, 200, {
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="${result.prompts.length === 1 ? 'mask' : 'labels'}.nii.gz"`,
    });
}
